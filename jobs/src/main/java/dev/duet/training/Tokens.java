package dev.duet.training;

import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.split;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;

/**
 * What a word of a text is, for both branches: a run of letters and digits, lower-cased, two or
 * more characters long. train-ml reads it through MLlib's RegexTokenizer, train-dl per row here
 * and per column in Spark SQL; all three split with the same Java regex. A character-level
 * network reads the text's characters instead ({@link #chars}).
 */
public final class Tokens {
  /** Runs of anything but letters and digits separate the words. */
  public static final String GAPS = "[^\\p{L}\\p{N}]+";
  public static final int MIN_LENGTH = 2;
  private static final Pattern SPLIT = Pattern.compile(GAPS);
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private Tokens() {}

  /** The words of {@code text} in order, at most {@code max} (a null text has none). */
  public static List<String> of(String text, int max) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    for (String t : SPLIT.split(text.toLowerCase(Locale.ROOT))) {
      if (t.length() >= MIN_LENGTH) {
        out.add(t);
        if (out.size() == max) {
          break;
        }
      }
    }
    return out;
  }

  /**
   * The characters of {@code text} in order (code points), lower-cased, with its whitespace runs
   * as one space and none at either end; at most {@code max} (a null text has none).
   */
  public static List<String> chars(String text, int max) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    WHITESPACE.matcher(text.strip().toLowerCase(Locale.ROOT)).replaceAll(" ").codePoints().limit(max)
        .forEach(c -> out.add(new String(Character.toChars(c))));
    return out;
  }

  /** The words of a text column, as an array column. */
  public static Column column(Column text) {
    return filter(split(lower(text), GAPS), t -> length(t).geq(MIN_LENGTH));
  }
}
