package dev.duet.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A generated CSV of good rows with every kind of bad row mixed in, and the exact count of each
 * kind, for the row-accounting test. Columns: id, when, amount, code, city, qty; see
 * {@link #CONFIG} for the rules they are checked against.
 */
public final class MessyCsv {
  public static final String HEADER = "id,when,amount,code,city,qty";

  /** The pipeline config for this file ({@code %s}: its path). */
  public static final String CONFIG = """
      pipeline: messy
      task: classification
      label: big
      input: {path: "%s", format: csv}
      columns:
        - {name: id, type: long, nulls: quarantine}
        - {name: when, type: timestamp, format: "yyyy-MM-dd HH:mm", nulls: quarantine}
        - {name: amount, type: double, nulls: quarantine, min: 0, max: 1000}
        - {name: code, type: string, trim: true, case: upper, allowed: [A, B, C], nulls: quarantine}
        - {name: city, type: string, trim: true, nulls: drop}
        - {name: qty, type: int, nulls: impute, impute: median}
      dedup: [id]
      derive:
        - {name: big, from: amount, above: 500}
      """;

  /** A train_ml section for {@link #CONFIG}: small models over every kind of feature. */
  public static final String TRAIN_ML = """
      train_ml:
        features: {categorical: [code, city], numeric: [qty], datetime: {when: [hour, weekday]}}
        algorithms: {random_forest: {numTrees: [5]}, linear: {}, knn: {k: [3]}}
      """;

  /** A train_dl section for {@link #CONFIG}: one epoch of a small MLP. */
  public static final String TRAIN_DL = """
      train_dl:
        features: {numeric: [qty], categorical: [code, city]}
        hidden: [8]
        epochs: 1
      """;

  /** Rows of each kind written, by the rule that must catch them ("clean" and "duplicate" too). */
  public final Map<String, Integer> written = new LinkedHashMap<>();
  public final Path file;

  private MessyCsv(Path file) {
    this.file = file;
  }

  public static MessyCsv write(Path file, int good, int badOfEachKind, long seed) throws IOException {
    MessyCsv csv = new MessyCsv(file);
    Random rnd = new Random(seed);
    List<byte[]> lines = new ArrayList<>();
    long id = 0;
    List<String> goodLines = new ArrayList<>();
    for (int i = 0; i < good; i++) {
      String line = goodRow(++id, rnd);
      goodLines.add(line);
      lines.add(utf8(line));
    }
    csv.written.put("clean", good);
    for (int i = 0; i < badOfEachKind; i++) {
      // Duplicates of good rows: same id, same values.
      lines.add(utf8(goodLines.get(i % goodLines.size())));
      // Unclosed quote: the rest of the line is one field, so the column count is wrong.
      lines.add(utf8((++id) + ",\"2024-01-01 10:00,12.5,A,Oslo,3"));
      // Too few and too many columns.
      lines.add(utf8((++id) + ",2024-01-01 10:00,12.5"));
      lines.add(utf8((++id) + ",2024-01-01 10:00,12.5,A,Oslo,3,extra,fields"));
      // Values that do not parse.
      lines.add(utf8((++id) + ",2024-01-01 10:00,12.x5,A,Oslo,3"));
      lines.add(utf8((++id) + ",2024-13-45 99:99,12.5,A,Oslo,3"));
      lines.add(utf8((++id) + ",2024-01-01 10:00,12.5,A,Oslo,three"));
      // Rule breakers.
      lines.add(utf8((++id) + ",2024-01-01 10:00,-5,A,Oslo,3"));
      lines.add(utf8((++id) + ",2024-01-01 10:00,1000.5,A,Oslo,3"));
      lines.add(utf8((++id) + ",2024-01-01 10:00,12.5,Z,Oslo,3"));
      lines.add(utf8((++id) + ",2024-01-01 10:00,,A,Oslo,3"));
      lines.add(utf8((++id) + ",2024-01-01 10:00,12.5,A,   ,3"));
      // Latin-1 bytes in a UTF-8 file.
      lines.add(bytes((++id) + ",2024-01-01 10:00,12.5,A,", new byte[] {'M', (byte) 0xE1, 'l', 'a', 'g', 'a'}, ",3"));
    }
    csv.written.put("duplicate", badOfEachKind);
    csv.written.put("parse", 3 * badOfEachKind);
    csv.written.put("type:amount", badOfEachKind);
    csv.written.put("type:when", badOfEachKind);
    csv.written.put("type:qty", badOfEachKind);
    csv.written.put("range:amount", 2 * badOfEachKind);
    csv.written.put("allowed:code", badOfEachKind);
    csv.written.put("null:amount", badOfEachKind);
    csv.written.put("drop:city", badOfEachKind);
    csv.written.put("encoding:city", badOfEachKind);
    Collections.shuffle(lines, rnd);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(utf8(HEADER));
    for (byte[] l : lines) {
      out.write(l);
    }
    Files.write(file, out.toByteArray());
    return csv;
  }

  public int total() {
    return written.values().stream().mapToInt(Integer::intValue).sum();
  }

  public int bad() {
    return total() - written.get("clean");
  }

  /** Valid, with whitespace and lower case that trim/case normalise, and some missing qty. */
  private static String goodRow(long id, Random rnd) {
    String code = List.of("a", " B", "c ").get(rnd.nextInt(3));
    String qty = rnd.nextInt(10) == 0 ? "" : String.valueOf(rnd.nextInt(20));
    return String.format(java.util.Locale.ROOT, "%d,2024-%02d-%02d %02d:%02d,%.2f,%s,%s,%s", id, 1 + rnd.nextInt(12), 1 + rnd.nextInt(28),
        rnd.nextInt(24), rnd.nextInt(60), rnd.nextDouble() * 1000, code, " Bergen ", qty);
  }

  private static byte[] utf8(String line) {
    return (line + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String head, byte[] middle, String tail) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(head.getBytes(StandardCharsets.UTF_8));
    b.write(middle);
    b.write(utf8(tail));
    return b.toByteArray();
  }
}
