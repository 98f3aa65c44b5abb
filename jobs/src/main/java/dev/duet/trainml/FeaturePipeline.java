package dev.duet.trainml;

import dev.duet.config.Algorithm;
import dev.duet.config.PipelineConfig.DatePart;
import dev.duet.config.TrainMlConfig.FeatureSpec;
import dev.duet.config.TrainMlConfig.Vocabulary;
import dev.duet.training.Tokens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.CountVectorizer;
import org.apache.spark.ml.feature.CountVectorizerModel;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StopWordsRemover;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;

/**
 * The engineered features of the classic branch as one MLlib {@link Pipeline}, fitted on the
 * train split only and saved with the model, so a user applies it with stock Spark:
 * date/time parts (SQL), median imputation of the numbers ingest may leave missing, string
 * indexing of categoricals (unseen and null categories share an index of their own), then
 * either the indices as they are (trees split on categories directly) or one-hot vectors plus
 * standardised numbers (linear models and k-NN, whose scores and distances depend on scale).
 * The boosting engines get the indices and the numbers unimputed: a missing number reaches them
 * as NaN, which they route themselves. Text columns become TF-IDF term vectors (see {@link
 * #textStages}).
 */
final class FeaturePipeline {
  static final String FEATURES = "features";
  /**
   * The same features as a dense float array, NaN where missing (encoding INDEXED_MISSING_KEPT):
   * what XGBoost reads, since it predicts wrongly or crashes natively on the sparse vectors a
   * VectorAssembler emits for mostly-zero rows when missing values are NaN.
   */
  static final String FEATURE_ARRAY = "features_array";
  /** The label as a double, the column every estimator is fitted on. */
  static final String LABEL = dev.duet.training.Labels.LABEL;
  private static final String SCALED = "_duet_numeric_scaled";
  private static final String NUMERIC = "_duet_numeric";
  /** The slot of categories not seen in training (and of nulls). */
  static final String UNSEEN = "<unseen>";
  /** The detail of a categorical's slot in the indexed encodings. */
  static final String INDEX = "index";

  private FeaturePipeline() {}

  enum Encoding {
    INDEXED, ONE_HOT_SCALED,
    /** Indexed categoricals and numbers as they are, missing ones NaN (XGBoost, LightGBM). */
    INDEXED_MISSING_KEPT,
    /**
     * One-hot categoricals and TF-IDF weights, unscaled: non-negative, as naive Bayes needs (on
     * spam it scores validation ROC AUC 0.9935 over TF-IDF against 0.9870 over raw counts).
     */
    NON_NEGATIVE;

    static Encoding of(Algorithm a) {
      return a.isBooster() ? INDEXED_MISSING_KEPT : a.isTree() ? INDEXED : a == Algorithm.NAIVE_BAYES ? NON_NEGATIVE
          : ONE_HOT_SCALED;
    }

    String dirName() {
      return switch (this) {
        case INDEXED -> "indexed";
        case ONE_HOT_SCALED -> "one-hot-scaled";
        case INDEXED_MISSING_KEPT -> "indexed-missing-kept";
        case NON_NEGATIVE -> "non-negative";
      };
    }

    boolean indexed() {
      return this == INDEXED || this == INDEXED_MISSING_KEPT;
    }
  }

  /** A position of the feature vector and the input column it comes from. */
  record Slot(String column, String detail) {
    String name() {
      return detail == null ? column : column + "[" + detail + "]";
    }

    /** A categorical's index in the indexed encodings (one slot per column, its category number). */
    boolean isCategoryIndex() {
      return INDEX.equals(detail);
    }
  }

  /**
   * @param alwaysPresent columns that ingest guarantees a finite value in every clean row: no
   *                      medians are fitted for them (at 784 pixels the imputer's fit took ~13 s)
   */
  static Pipeline pipeline(FeatureSpec spec, Encoding encoding, Set<String> alwaysPresent) {
    List<PipelineStage> stages = new ArrayList<>();
    List<String> numbers = new ArrayList<>(spec.numeric());
    Set<String> present = new HashSet<>(alwaysPresent);
    if (!spec.datetime().isEmpty()) {
      List<String> parts = new ArrayList<>();
      spec.datetime().forEach((column, ps) -> ps.forEach(p -> {
        parts.add("CAST(" + partSql(p, "`" + column.replace("`", "``") + "`") + " AS DOUBLE) AS `" + partColumn(column, p) + "`");
        numbers.add(partColumn(column, p));
        if (alwaysPresent.contains(column)) {
          present.add(partColumn(column, p));
        }
      }));
      stages.add(new SQLTransformer().setStatement("SELECT *, " + String.join(", ", parts) + " FROM __THIS__"));
    }
    boolean impute = encoding != Encoding.INDEXED_MISSING_KEPT;
    List<String> missing = impute ? numbers.stream().filter(c -> !present.contains(c)).toList() : List.of();
    List<String> imputed = numbers.stream().map(c -> missing.contains(c) ? c + "__imputed" : c).toList();
    if (!missing.isEmpty()) {
      stages.add(new Imputer().setStrategy("median").setInputCols(missing.toArray(String[]::new))
          .setOutputCols(missing.stream().map(c -> c + "__imputed").toArray(String[]::new)));
    }
    List<String> indexed = spec.categorical().stream().map(c -> c + "__index").toList();
    if (!indexed.isEmpty()) {
      stages.add(new StringIndexer().setHandleInvalid("keep").setStringOrderType("frequencyDesc")
          .setInputCols(spec.categorical().toArray(String[]::new)).setOutputCols(indexed.toArray(String[]::new)));
    }
    List<String> assembled = new ArrayList<>();
    if (encoding.indexed()) {
      assembled.addAll(indexed);
      assembled.addAll(imputed);
    } else {
      List<String> oneHot = spec.categorical().stream().map(c -> c + "__onehot").toList();
      if (!oneHot.isEmpty()) {
        // keep + dropLast: every training category has a slot; an unseen one is all zeros.
        stages.add(new OneHotEncoder().setHandleInvalid("keep").setDropLast(true)
            .setInputCols(indexed.toArray(String[]::new)).setOutputCols(oneHot.toArray(String[]::new)));
        assembled.addAll(oneHot);
      }
      if (!imputed.isEmpty()) {
        stages.add(new VectorAssembler().setInputCols(imputed.toArray(String[]::new)).setOutputCol(NUMERIC));
        stages.add(new StandardScaler().setWithMean(true).setWithStd(true).setInputCol(NUMERIC).setOutputCol(SCALED));
        assembled.add(SCALED);
      }
    }
    assembled.addAll(textStages(spec, encoding, stages));
    // "keep": a null reaching the assembler (only unimputed numbers can be null) becomes NaN.
    stages.add(new VectorAssembler().setInputCols(assembled.toArray(String[]::new)).setOutputCol(FEATURES)
        .setHandleInvalid(impute ? "error" : "keep"));
    if (!impute) {
      String values = assembled.stream().map(c -> "coalesce(CAST(`" + c.replace("`", "``") + "` AS FLOAT), CAST('NaN' AS FLOAT))")
          .collect(Collectors.joining(", "));
      stages.add(new SQLTransformer().setStatement("SELECT *, array(" + values + ") AS " + FEATURE_ARRAY + " FROM __THIS__"));
    }
    return new Pipeline().setStages(stages.toArray(PipelineStage[]::new));
  }

  /**
   * Per text column: its terms (words ({@link Tokens}), English stop words removed, and/or
   * character n-grams, see {@link #charNgrams}), counts over the vocabulary fitted on the train
   * split, weighted by IDF; for the linear models also divided by each term's standard deviation
   * (no centring, so the vectors stay sparse), so that their coefficients compare as they do for
   * standardised numbers (MLlib standardises inside the fit anyway; unscaled, a term in every
   * message, whose weights are all near 0, showed the largest coefficient). A null text has no terms.
   */
  private static List<String> textStages(FeatureSpec spec, Encoding encoding, List<PipelineStage> stages) {
    List<String> out = new ArrayList<>();
    Vocabulary v = spec.vocabulary();
    boolean chars = !v.charNgrams().isEmpty();
    for (String c : spec.text()) {
      String quoted = "`" + c.replace("`", "``") + "`";
      stages.add(new SQLTransformer().setStatement("SELECT *, coalesce(" + quoted + ", '') AS `" + c + "__text` FROM __THIS__"));
      if (v.words() || chars && v.withinWords()) {
        stages.add(new RegexTokenizer().setPattern(Tokens.GAPS).setGaps(true).setToLowercase(true)
            .setMinTokenLength(Tokens.MIN_LENGTH)
            .setInputCol(c + "__text").setOutputCol(c + "__tokens"));
      }
      if (v.words()) {
        stages.add(new StopWordsRemover().setInputCol(c + "__tokens").setOutputCol(c + (chars ? "__words" : "__terms")));
      }
      if (chars) {
        stages.add(new SQLTransformer().setStatement("SELECT *, " + charNgrams(c, v) + " AS `" + c
            + (v.words() ? "__chars" : "__terms") + "` FROM __THIS__"));
        if (v.words()) {
          stages.add(new SQLTransformer().setStatement("SELECT *, concat(`" + c + "__words`, `" + c + "__chars`) AS `"
              + c + "__terms` FROM __THIS__"));
        }
      }
      stages.add(new CountVectorizer().setVocabSize(v.size()).setMinDF(v.minDocFreq())
          .setInputCol(c + "__terms").setOutputCol(c + "__counts"));
      stages.add(new IDF().setInputCol(c + "__counts").setOutputCol(c + "__tfidf"));
      String vector = c + "__tfidf";
      if (encoding == Encoding.ONE_HOT_SCALED) {
        stages.add(new StandardScaler().setWithMean(false).setWithStd(true).setInputCol(vector).setOutputCol(c + "__scaled"));
        vector = c + "__scaled";
      }
      out.add(vector);
    }
    return out;
  }

  /**
   * The character n-grams of a text column as Spark SQL (saved with the pipeline, so scoring
   * cuts them alike), each in single quotes ({@code "'ia '"}) so that no n-gram is taken for a
   * word and an importance names it plainly ({@code name['ia ']}): within words, the n-grams of each lower-cased word padded
   * by a space on each side (scikit-learn's {@code char_wb}); otherwise of the lower-cased text,
   * whitespace runs as one space ({@code char}).
   */
  private static String charNgrams(String column, Vocabulary v) {
    String padded = v.withinWords() ? "concat(' ', w, ' ')"
        : "regexp_replace(lower(trim(`" + column + "__text`)), '\\\\s+', ' ')";
    String grams = v.charNgrams().stream().map(n -> "filter(transform(sequence(1, greatest(length(" + padded
        + "), 1)), i -> substring(" + padded + ", i, " + n + ")), g -> length(g) = " + n + ")")
        .collect(Collectors.joining(", ", "concat(", ")"));
    String all = v.withinWords() ? "flatten(transform(`" + column + "__tokens`, w -> " + grams + "))" : grams;
    return "transform(" + all + ", g -> concat('\\'', g, '\\''))";
  }

  /** The slots of the fitted pipeline's feature vector, in order. */
  static List<Slot> slots(FeatureSpec spec, Encoding encoding, PipelineModel fitted) {
    List<Slot> slots = new ArrayList<>();
    String[][] labels = indexer(fitted).map(StringIndexerModel::labelsArray).orElse(new String[0][]);
    int[] sizes = stage(fitted, OneHotEncoderModel.class).map(OneHotEncoderModel::categorySizes).orElse(new int[0]);
    for (int i = 0; i < spec.categorical().size(); i++) {
      String column = spec.categorical().get(i);
      if (encoding.indexed()) {
        slots.add(new Slot(column, INDEX));
      } else {
        // The indexer's extra index for unseen and null values is a category of the encoder too.
        for (int j = 0; j < sizes[i]; j++) {
          slots.add(new Slot(column, j < labels[i].length ? "=" + labels[i][j] : UNSEEN));
        }
      }
    }
    spec.numeric().forEach(c -> slots.add(new Slot(c, null)));
    spec.datetime().forEach((c, parts) -> parts.forEach(p -> slots.add(new Slot(c, p.name().toLowerCase()))));
    List<CountVectorizerModel> vocabularies = stages(fitted, CountVectorizerModel.class);
    for (int i = 0; i < spec.text().size(); i++) {
      for (String term : vocabularies.get(i).vocabulary()) {
        slots.add(new Slot(spec.text().get(i), term));
      }
    }
    return slots;
  }

  /** Each input column's positions among the slots: what shuffling the column moves. */
  static Map<String, int[]> positions(List<Slot> slots) {
    Map<String, List<Integer>> positions = new LinkedHashMap<>();
    for (int i = 0; i < slots.size(); i++) {
      positions.computeIfAbsent(slots.get(i).column(), c -> new ArrayList<>()).add(i);
    }
    Map<String, int[]> out = new LinkedHashMap<>();
    positions.forEach((c, p) -> out.put(c, p.stream().mapToInt(Integer::intValue).toArray()));
    return out;
  }

  /** Categories of the widest categorical, plus one for unseen values: trees need maxBins above it. */
  static int widestCategorical(PipelineModel fitted) {
    int widest = 0;
    for (String[] l : indexer(fitted).map(StringIndexerModel::labelsArray).orElse(new String[0][])) {
      widest = Math.max(widest, l.length + 1);
    }
    return widest;
  }

  private static Optional<StringIndexerModel> indexer(PipelineModel fitted) {
    return stage(fitted, StringIndexerModel.class);
  }

  private static <T extends Transformer> Optional<T> stage(PipelineModel fitted, Class<T> type) {
    return stages(fitted, type).stream().findFirst();
  }

  private static <T extends Transformer> List<T> stages(PipelineModel fitted, Class<T> type) {
    return Arrays.stream(fitted.stages()).filter(type::isInstance).map(type::cast).toList();
  }

  private static String partColumn(String column, DatePart part) {
    return column + "__" + part.name().toLowerCase();
  }

  /** Same meaning as ingest's derived date parts: weekday is ISO, 1 = Monday … 7 = Sunday. */
  private static String partSql(DatePart part, String c) {
    return switch (part) {
      case YEAR -> "year(" + c + ")";
      case MONTH -> "month(" + c + ")";
      case DAY -> "dayofmonth(" + c + ")";
      case HOUR -> "hour(" + c + ")";
      case DAY_OF_YEAR -> "dayofyear(" + c + ")";
      case WEEKDAY -> "pmod(dayofweek(" + c + ") + 5, 7) + 1";
    };
  }
}
