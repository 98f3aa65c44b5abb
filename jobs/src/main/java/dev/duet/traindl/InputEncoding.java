package dev.duet.traindl;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.stddev_pop;

import dev.duet.config.NetworkConfig;
import dev.duet.config.NetworkConfig.CategoricalInputs;
import dev.duet.config.NetworkConfig.TextUnit;
import dev.duet.contracts.InputException;
import dev.duet.training.Labels;
import dev.duet.training.Tokens;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The minimal encoding a network needs, fitted on the train split: numbers standardised with the
 * train mean and standard deviation unless {@code standardize: false} (nulls become the mean);
 * a categorical either as one slot holding its value's index for an entity embedding (1 + its
 * rank by train frequency; 0 for a null, unseen or too rare value) or one-hot over the train
 * split's values (an unseen or null value is all zeros); a regression label standardised too (a
 * network fits unit-scale targets far faster than minutes of delay), predictions mapped back.
 * A sequence network's text column becomes word (or character) ids ({@link #words}): 0 pads,
 * 1 is a word outside the vocabulary, 2… the vocabulary's words by how many train rows hold them.
 * Serializable: executors encode their own partitions.
 */
final class InputEncoding implements Serializable {
  /** Word id 1 (0 pads: a padded step is masked out). */
  static final int UNKNOWN_WORD = 1;
  private static final int FIRST_WORD = 2;
  /** More distinct values than this in a one-hot input is refused: embed it instead. */
  static final int MAX_ONE_HOT = 1_000;
  /** An embedding keeps this many of a column's most frequent values; the rest share index 0 with unseen ones. */
  static final int MAX_EMBEDDED = 100_000;

  /** The embedding of one categorical column: its input slot, its index range (0 = unknown), its width. */
  record Embedding(String column, int slot, int indices, int width) implements Serializable {
    /** fast.ai's rule of thumb for the width of an entity embedding: grows with cardinality, at most 600. */
    static int widthFor(int values) {
      return (int) Math.max(1, Math.min(600, Math.round(1.6 * Math.pow(values, 0.56))));
    }
  }

  private final String[] numeric;
  private final double[] mean;
  private final double[] std;
  private final String[] categorical;
  private final List<Map<String, Integer>> vocabularies;
  private final boolean embedded;
  private final int width;
  private final double labelMean;
  private final double labelStd;
  /** The text column of a sequence network (null for the others), its word ids and its length cap. */
  private final String text;
  private final TextUnit unit;
  private final Map<String, Integer> words;
  private final int maxTokens;

  private InputEncoding(String[] numeric, double[] mean, double[] std, String[] categorical,
      List<Map<String, Integer>> vocabularies, boolean embedded, double labelMean, double labelStd, String text,
      TextUnit unit, Map<String, Integer> words, int maxTokens) {
    this.numeric = numeric;
    this.mean = mean;
    this.std = std;
    this.categorical = categorical;
    this.vocabularies = vocabularies;
    this.embedded = embedded;
    this.width = text != null ? maxTokens
        : numeric.length + (embedded ? categorical.length : vocabularies.stream().mapToInt(Map::size).sum());
    this.labelMean = labelMean;
    this.labelStd = labelStd;
    this.text = text;
    this.unit = unit;
    this.words = words;
    this.maxTokens = maxTokens;
  }

  /** @param numClasses 0 for a regression, whose label is standardised as well */
  static InputEncoding fit(NetworkConfig dl, Dataset<Row> train, int numClasses) {
    String[] numeric = dl.numeric().toArray(String[]::new);
    double[] mean = new double[numeric.length];
    double[] std = new double[numeric.length];
    if (!dl.standardize()) {
      java.util.Arrays.fill(std, 1.0); // already on a common scale: keep the values as they are
    } else if (numeric.length > 0) {
      List<Column> aggs = new ArrayList<>();
      for (String n : numeric) {
        aggs.add(avg(col(n)));
        aggs.add(stddev_pop(col(n)));
      }
      Row stats = train.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
      for (int i = 0; i < numeric.length; i++) {
        mean[i] = stats.isNullAt(2 * i) ? 0 : stats.getDouble(2 * i);
        double s = stats.isNullAt(2 * i + 1) ? 0 : stats.getDouble(2 * i + 1);
        std[i] = s > 0 ? s : 1.0; // a constant column encodes as 0
      }
    }
    boolean embedded = dl.categoricalInputs() == CategoricalInputs.EMBEDDING;
    int keep = embedded ? MAX_EMBEDDED : MAX_ONE_HOT;
    List<Map<String, Integer>> vocabularies = new ArrayList<>();
    for (String c : dl.categorical()) {
      List<Row> values = train.where(col(c).isNotNull()).groupBy(col(c).cast("string")).count()
          .orderBy(col("count").desc(), col(c).cast("string")).limit(keep + 1).collectAsList();
      if (!embedded && values.size() > MAX_ONE_HOT) {
        throw new InputException("Cannot one-hot " + c + " for train_dl network " + dl.name() + ": it has more than "
            + MAX_ONE_HOT + " distinct values (categorical_inputs: embedding takes it)");
      }
      values = values.subList(0, Math.min(values.size(), keep));
      Map<String, Integer> vocabulary = new LinkedHashMap<>();
      values.forEach(r -> vocabulary.put(r.getString(0), vocabulary.size()));
      vocabularies.add(vocabulary);
    }
    double labelMean = 0;
    double labelStd = 1;
    if (numClasses == 0) {
      Row stats = train.agg(avg(col(Labels.LABEL)), stddev_pop(col(Labels.LABEL))).first();
      labelMean = stats.isNullAt(0) ? 0 : stats.getDouble(0);
      labelStd = stats.isNullAt(1) || stats.getDouble(1) == 0 ? 1 : stats.getDouble(1);
    }
    Map<String, Integer> words = new HashMap<>();
    dl.sequence().ifPresent(q -> {
      // Document frequency over whole texts; a word in one row only is noise (an id, a hash).
      int max = q.maxTokens();
      Column tokens = q.unit() == TextUnit.CHAR
          ? functions.udf((UDF1<String, List<String>>) t -> Tokens.chars(t, max),
              DataTypes.createArrayType(DataTypes.StringType)).apply(col(q.column()))
          : Tokens.column(col(q.column()));
      train.select(explode(array_distinct(tokens)).as("word")).groupBy("word").count()
          .where(col("count").geq(2)).orderBy(col("count").desc(), col("word")).limit(q.vocabulary())
          .collectAsList().forEach(r -> words.put(r.getString(0), FIRST_WORD + words.size()));
    });
    return new InputEncoding(numeric, mean, std, dl.categorical().toArray(String[]::new), vocabularies, embedded,
        labelMean, labelStd, dl.sequence().map(NetworkConfig.Sequence::column).orElse(null),
        dl.sequence().map(NetworkConfig.Sequence::unit).orElse(TextUnit.WORD), words,
        dl.sequence().map(NetworkConfig.Sequence::maxTokens).orElse(0));
  }

  /** The fitted encoding as JSON, saved beside the network: what scoring new rows needs. */
  com.fasterxml.jackson.databind.JsonNode toJson() {
    return dev.duet.store.Json.MAPPER.valueToTree(new Saved(List.of(numeric), mean, std, List.of(categorical),
        vocabularies, embedded, labelMean, labelStd, text, unit, words, maxTokens));
  }

  static InputEncoding fromJson(com.fasterxml.jackson.databind.JsonNode json) {
    Saved s = dev.duet.store.Json.MAPPER.convertValue(json, Saved.class);
    return new InputEncoding(s.numeric().toArray(String[]::new), s.mean(), s.std(),
        s.categorical().toArray(String[]::new), s.vocabularies(), s.embedded(), s.labelMean(), s.labelStd(), s.text(),
        s.unit() == null ? TextUnit.WORD : s.unit(), s.words(), s.maxTokens());
  }

  /** The fields as saved (Jackson maps a record by its components; a network saved before units has none: words). */
  private record Saved(List<String> numeric, double[] mean, double[] std, List<String> categorical,
      List<Map<String, Integer>> vocabularies, boolean embedded, double labelMean, double labelStd, String text,
      TextUnit unit, Map<String, Integer> words, int maxTokens) {}

  /** Whether the input is a sequence of word ids (lstm, cnn1d). */
  boolean isSequence() {
    return text != null;
  }

  /** Word ids: padding, unknown words, then the vocabulary. */
  int wordIds() {
    return FIRST_WORD + words.size();
  }

  /**
   * The word ids of the text in {@code row}'s field {@code offset}, the first {@code maxTokens}
   * words; a text without words is one unknown word, so every row has a step to read.
   */
  int[] words(Row row, int offset) {
    String value = row.isNullAt(offset) ? null : row.getString(offset);
    List<String> tokens = unit == TextUnit.CHAR ? Tokens.chars(value, maxTokens) : Tokens.of(value, maxTokens);
    if (tokens.isEmpty()) {
      return new int[] {UNKNOWN_WORD};
    }
    int[] ids = new int[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = words.getOrDefault(tokens.get(i), UNKNOWN_WORD);
    }
    return ids;
  }

  /** A regression label as the network learns it. */
  float encodeLabel(double label) {
    return (float) ((label - labelMean) / labelStd);
  }

  /** A regression output in the label's own units. */
  double decodeLabel(double output) {
    return output * labelStd + labelMean;
  }

  /** The label's standard deviation on the train split (1 for a classifier): scaled loss → label units. */
  double labelScale() {
    return labelStd;
  }

  /** Width of the encoded input vector. */
  int width() {
    return width;
  }

  /** The categorical columns' embeddings, in input order (empty when they are one-hot). */
  List<Embedding> embeddings() {
    List<Embedding> out = new ArrayList<>();
    for (int c = 0; embedded && c < categorical.length; c++) {
      int values = vocabularies.get(c).size();
      out.add(new Embedding(categorical[c], numeric.length + c, values + 1, Embedding.widthFor(values)));
    }
    return out;
  }

  /** Inputs before the categorical ones: the numeric columns. */
  int numericWidth() {
    return numeric.length;
  }

  /** The columns {@link #encode} reads, in order. */
  List<String> columns() {
    List<String> all = new ArrayList<>(List.of(numeric));
    all.addAll(List.of(categorical));
    if (text != null) {
      all.add(text);
    }
    return all;
  }

  /** Encodes a row whose first fields are {@link #columns()}, starting at {@code offset}. */
  void encode(Row row, int offset, float[] out) {
    for (int i = 0; i < numeric.length; i++) {
      Object v = row.get(offset + i);
      out[i] = v == null ? 0f : (float) ((((Number) v).doubleValue()) - mean[i]) / (float) std[i];
    }
    int at = numeric.length;
    for (int c = 0; c < categorical.length; c++) {
      Object v = row.get(offset + numeric.length + c);
      Integer slot = v == null ? null : vocabularies.get(c).get(v.toString());
      if (embedded) {
        out[at++] = slot == null ? 0f : slot + 1;
      } else if (slot != null) {
        out[at + slot] = 1f;
      }
      if (!embedded) {
        at += vocabularies.get(c).size();
      }
    }
  }
}
