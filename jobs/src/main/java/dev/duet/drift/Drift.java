package dev.duet.drift;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.PipelineConfig;
import dev.duet.config.ScoreConfig.DriftThresholds;
import dev.duet.store.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * How far new rows have moved from the rows a model learned from, per column: the population
 * stability index (PSI) over ten bins cut at the reference's deciles for a number, over the
 * reference's categories for a string or boolean (rows whose category the reference never had
 * are counted apart, and also make one more bin); the two-sample Kolmogorov–Smirnov statistic for
 * a number, on both CDFs at the reference's percentiles (exact to a percentile step of the
 * reference; values beyond its range all fall in its outer bins); the change in the share of
 * nulls. Every column's bins are counted by one exploded aggregation per side, on a seeded sample
 * of at most {@value #SAMPLED_ROWS} rows of each (shares on that many rows are exact to about 0.1%).
 */
public final class Drift {
  /** Shares are floored here before the logarithm of the PSI: an empty bin would make it infinite. */
  private static final double FLOOR = 1e-4;
  private static final String NULL = "\u0000null";
  static final long SAMPLED_ROWS = 500_000;
  private static final String UNSEEN = "(unseen)";
  /** Bins shown per categorical column on the report: the reference's most frequent, then the rest. */
  private static final int SHOWN_CATEGORIES = 12;

  public enum Kind { NUMBER, CATEGORY }

  /** A column to compare, as it is in both samples. */
  public record Compared(String name, Kind kind) {}

  private Drift() {}

  /**
   * Which of {@code candidates} (columns of {@code schema}) can be compared, and how: numbers as
   * numbers, the rest as categories. Left out, each with the reason in {@code notCompared}: time
   * columns (they move by design; their derived parts are compared), free text the models read
   * as words, the config's score keys and {@code score.drift.exclude}.
   */
  public static List<Compared> comparable(PipelineConfig config, StructType schema, Collection<String> candidates,
      ObjectNode notCompared) {
    Set<String> text = new LinkedHashSet<>();
    config.trainMl().ifPresent(ml -> text.addAll(ml.features().text()));
    config.trainDl().ifPresent(dl -> dl.networks().forEach(n -> n.sequence().ifPresent(q -> text.add(q.column()))));
    List<Compared> out = new ArrayList<>();
    for (String c : candidates) {
      DataType type = schema.apply(c).dataType();
      if (config.score().keys().contains(c)) {
        continue;
      } else if (config.score().drift().exclude().contains(c)) {
        notCompared.put(c, "excluded by score.drift.exclude");
      } else if (text.contains(c)) {
        notCompared.put(c, "free text: its words are not compared");
      } else if (type instanceof DateType || type instanceof TimestampType) {
        notCompared.put(c, "a time column moves by design; its derived parts are compared");
      } else {
        out.add(new Compared(c, type instanceof NumericType ? Kind.NUMBER : Kind.CATEGORY));
      }
    }
    return out;
  }

  /** Per column: PSI, KS, null rate change, unseen categories, flagged and why, histograms. */
  public static ObjectNode measure(Dataset<Row> reference, Dataset<Row> current, List<Compared> columns, DriftThresholds t) {
    ObjectNode out = Json.object();
    if (columns.isEmpty()) {
      return out;
    }
    // 1. The number columns' edges: percentiles of each sample, non-null values only.
    double[] probabilities = new double[99];
    for (int i = 0; i < 99; i++) {
      probabilities[i] = (i + 1) / 100.0;
    }
    reference = sample(reference);
    current = sample(current);
    Map<String, double[]> fine = new LinkedHashMap<>();
    Map<String, double[]> deciles = new LinkedHashMap<>();
    List<String> numbers = columns.stream().filter(c -> c.kind() == Kind.NUMBER).map(Compared::name).toList();
    if (!numbers.isEmpty()) {
      double[][] ref = approxQuantiles(reference, numbers, probabilities);
      for (int i = 0; i < numbers.size(); i++) {
        TreeSet<Double> edges = new TreeSet<>();
        Arrays.stream(ref[i]).forEach(edges::add);
        fine.put(numbers.get(i), edges.stream().mapToDouble(Double::doubleValue).toArray());
        TreeSet<Double> d = new TreeSet<>();
        for (int q = 9; q < 99; q += 10) {
          if (ref[i].length > 0) {
            d.add(ref[i][q]);
          }
        }
        deciles.put(numbers.get(i), d.stream().mapToDouble(Double::doubleValue).toArray());
      }
    }
    // 2. Counts per (column, bin) of each sample, one job each.
    Map<String, Map<String, Long>> refCounts = counts(reference, columns, fine, deciles);
    Map<String, Map<String, Long>> curCounts = counts(current, columns, fine, deciles);

    for (Compared c : columns) {
      ObjectNode j = out.putObject(c.name());
      j.put("kind", c.kind().name().toLowerCase());
      Map<String, Long> rf = refCounts.getOrDefault(key(c.name(), "f"), Map.of());
      Map<String, Long> cf = curCounts.getOrDefault(key(c.name(), "f"), Map.of());
      long refRows = rf.values().stream().mapToLong(Long::longValue).sum();
      long curRows = cf.values().stream().mapToLong(Long::longValue).sum();
      double nullChange = share(cf.getOrDefault(NULL, 0L), curRows) - share(rf.getOrDefault(NULL, 0L), refRows);
      List<String> reasons = new ArrayList<>();
      double psi;
      if (c.kind() == Kind.NUMBER) {
        double[] edges = fine.get(c.name());
        double ks = ks(rf, cf, edges.length + 1);
        Map<String, Long> rd = refCounts.getOrDefault(key(c.name(), "d"), Map.of());
        Map<String, Long> cd = curCounts.getOrDefault(key(c.name(), "d"), Map.of());
        int bins = deciles.get(c.name()).length + 1;
        List<String> names = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
          names.add(String.valueOf(b));
        }
        psi = psi(rd, cd, names);
        Json.putNumber(j, "ks", ks);
        if (ks > t.ks()) {
          reasons.add("ks");
        }
        ArrayNode cuts = j.putArray("decile_edges");
        Arrays.stream(deciles.get(c.name())).forEach(cuts::add);
        histogram(j, names, binLabels(deciles.get(c.name())), rd, cd);
      } else {
        List<String> seen = new ArrayList<>(rf.keySet());
        seen.remove(NULL);
        seen.sort((a, b) -> Long.compare(rf.get(b), rf.get(a)) != 0 ? Long.compare(rf.get(b), rf.get(a)) : a.compareTo(b));
        long unseenRows = 0;
        int unseenValues = 0;
        Map<String, Long> cur = new HashMap<>();
        for (Map.Entry<String, Long> e : cf.entrySet()) {
          if (e.getKey().equals(NULL)) {
            continue;
          }
          if (rf.containsKey(e.getKey())) {
            cur.put(e.getKey(), e.getValue());
          } else {
            unseenRows += e.getValue();
            unseenValues++;
            cur.merge(UNSEEN, e.getValue(), Long::sum);
          }
        }
        List<String> bins = new ArrayList<>(seen);
        bins.add(UNSEEN);
        psi = psi(rf, cur, bins);
        double unseenRate = share(unseenRows, curRows);
        j.put("unseen_categories", unseenValues);
        Json.putNumber(j, "unseen_rate", unseenRate);
        if (unseenRate > t.unseenRate()) {
          reasons.add("unseen_rate");
        }
        List<String> shown = new ArrayList<>(seen.subList(0, Math.min(SHOWN_CATEGORIES, seen.size())));
        Map<String, Long> rs = new HashMap<>();
        Map<String, Long> cs = new HashMap<>();
        for (String v : seen) {
          String bin = shown.contains(v) ? v : "(other)";
          rs.merge(bin, rf.get(v), Long::sum);
          cs.merge(bin, cur.getOrDefault(v, 0L), Long::sum);
        }
        if (seen.size() > shown.size()) {
          shown.add("(other)");
        }
        shown.add(UNSEEN);
        cs.put(UNSEEN, unseenRows);
        histogram(j, shown, shown, rs, cs);
      }
      Json.putNumber(j, "psi", psi);
      if (psi > t.psi()) {
        reasons.add(0, "psi");
      }
      Json.putNumber(j, "null_rate_change", nullChange);
      if (Math.abs(nullChange) > t.nullRateChange()) {
        reasons.add("null_rate_change");
      }
      j.put("reference_rows_compared", refRows);
      j.put("rows_compared", curRows);
      j.put("flagged", !reasons.isEmpty());
      ArrayNode why = j.putArray("over_threshold");
      reasons.forEach(why::add);
    }
    return out;
  }

  /** The names of the flagged columns of a {@link #measure} result. */
  public static List<String> flagged(com.fasterxml.jackson.databind.JsonNode columns) {
    List<String> out = new ArrayList<>();
    columns.fields().forEachRemaining(e -> {
      if (e.getValue().path("flagged").asBoolean()) {
        out.add(e.getKey());
      }
    });
    return out;
  }

  private static String key(String column, String grid) {
    return column + "\u0001" + grid;
  }

  /** Per (column, grid) the rows per bin: numbers on the fine grid (f) and the deciles (d), categories by value (f). */
  private static Map<String, Map<String, Long>> counts(Dataset<Row> rows, List<Compared> columns,
      Map<String, double[]> fine, Map<String, double[]> deciles) {
    List<Column> entries = new ArrayList<>();
    for (Compared c : columns) {
      Column v = ref(c.name());
      if (c.kind() == Kind.NUMBER) {
        Column d = v.cast(DataTypes.DoubleType);
        entries.add(struct(lit(key(c.name(), "f")).as("k"), bin(d, fine.get(c.name())).as("b")));
        entries.add(struct(lit(key(c.name(), "d")).as("k"), bin(d, deciles.get(c.name())).as("b")));
      } else {
        entries.add(struct(lit(key(c.name(), "f")).as("k"),
            functions.coalesce(v.cast(DataTypes.StringType), lit(NULL)).as("b")));
      }
    }
    List<Row> found = rows.select(explode(functions.array(entries.toArray(Column[]::new))).as("e"))
        .groupBy(col("e.k"), col("e.b")).count().collectAsList();
    Map<String, Map<String, Long>> out = new HashMap<>();
    for (Row r : found) {
      out.computeIfAbsent(r.getString(0), k -> new HashMap<>()).put(r.getString(1), r.getLong(2));
    }
    return out;
  }

  /** At most about {@link #SAMPLED_ROWS} of {@code rows}, the same ones for the same rows and partitioning. */
  private static Dataset<Row> sample(Dataset<Row> rows) {
    long n = rows.count();
    return n <= SAMPLED_ROWS ? rows : rows.sample(false, (double) SAMPLED_ROWS / n, 42L);
  }

  /** Bin {@code i} holds values in (edge[i-1], edge[i]]; a null or NaN value is the null bin. */
  private static Column bin(Column value, double[] edges) {
    UDF1<Double, String> find = v -> {
      if (v == null || v.isNaN()) {
        return NULL;
      }
      int at = Arrays.binarySearch(edges, v);
      return String.valueOf(at >= 0 ? at : -at - 1);
    };
    return functions.udf(find, DataTypes.StringType).apply(value);
  }

  /** Percentiles of each column (relative error 0.1%); an empty array for a column with no value. */
  private static double[][] approxQuantiles(Dataset<Row> rows, List<String> columns, double[] probabilities) {
    Dataset<Row> numbers = rows.select(columns.stream()
        .map(c -> functions.when(functions.isnan(ref(c).cast(DataTypes.DoubleType)), lit(null))
            .otherwise(ref(c).cast(DataTypes.DoubleType)).as(c)).toArray(Column[]::new));
    return numbers.stat().approxQuantile(columns.toArray(String[]::new), probabilities, 0.001);
  }

  /** The largest gap between the two CDFs at the fine grid's edges. */
  private static double ks(Map<String, Long> ref, Map<String, Long> cur, int bins) {
    long refRows = nonNull(ref);
    long curRows = nonNull(cur);
    if (refRows == 0 || curRows == 0) {
      return Double.NaN;
    }
    double worst = 0;
    long r = 0;
    long c = 0;
    for (int b = 0; b < bins; b++) {
      r += ref.getOrDefault(String.valueOf(b), 0L);
      c += cur.getOrDefault(String.valueOf(b), 0L);
      worst = Math.max(worst, Math.abs((double) r / refRows - (double) c / curRows));
    }
    return worst;
  }

  /** Σ (cur − ref) · ln(cur / ref) over {@code bins}, shares of the non-null rows. */
  private static double psi(Map<String, Long> ref, Map<String, Long> cur, List<String> bins) {
    long refRows = bins.stream().mapToLong(b -> ref.getOrDefault(b, 0L)).sum();
    long curRows = bins.stream().mapToLong(b -> cur.getOrDefault(b, 0L)).sum();
    if (refRows == 0 || curRows == 0) {
      return Double.NaN;
    }
    double psi = 0;
    for (String b : bins) {
      double r = Math.max(FLOOR, (double) ref.getOrDefault(b, 0L) / refRows);
      double c = Math.max(FLOOR, (double) cur.getOrDefault(b, 0L) / curRows);
      psi += (c - r) * Math.log(c / r);
    }
    return psi;
  }

  private static long nonNull(Map<String, Long> counts) {
    return counts.entrySet().stream().filter(e -> !e.getKey().equals(NULL)).mapToLong(Map.Entry::getValue).sum();
  }

  private static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  private static List<String> binLabels(double[] edges) {
    List<String> labels = new ArrayList<>();
    for (int b = 0; b <= edges.length; b++) {
      labels.add(b == 0 ? "≤ " + fmt(edges[0]) : b == edges.length ? "> " + fmt(edges[b - 1])
          : fmt(edges[b - 1]) + " – " + fmt(edges[b]));
    }
    return edges.length == 0 ? List.of("all") : labels;
  }

  private static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e12 ? String.valueOf((long) v) : String.format(java.util.Locale.ROOT, "%.4g", v);
  }

  /** The shares per bin of both samples, for the report's two histograms. */
  private static void histogram(ObjectNode j, List<String> bins, List<String> labels, Map<String, Long> ref,
      Map<String, Long> cur) {
    long r = bins.stream().mapToLong(b -> ref.getOrDefault(b, 0L)).sum();
    long c = bins.stream().mapToLong(b -> cur.getOrDefault(b, 0L)).sum();
    ObjectNode h = j.putObject("histogram");
    ArrayNode names = h.putArray("bins");
    ArrayNode rs = h.putArray("reference");
    ArrayNode cs = h.putArray("current");
    for (int i = 0; i < bins.size(); i++) {
      names.add(labels.get(i));
      rs.add(share(ref.getOrDefault(bins.get(i), 0L), r));
      cs.add(share(cur.getOrDefault(bins.get(i), 0L), c));
    }
  }

  private static Column ref(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }
}
