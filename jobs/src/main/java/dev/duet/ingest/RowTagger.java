package dev.duet.ingest;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.to_timestamp;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.CaseRule;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.ColumnType;
import dev.duet.config.PipelineConfig.NonFinitePolicy;
import dev.duet.config.PipelineConfig.NullPolicy;
import dev.duet.config.PipelineConfig.UndecodablePolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NumericType;

/**
 * Applies the per-column cleaning rules to raw rows and tags each row with the first rule it
 * breaks. The result has the declared columns, cast and normalised, plus {@link #RULE} (null for
 * a clean row), {@link #DETAIL} (a readable reason), {@link #RAW} (the record as text) and
 * {@link #SOURCE} (its file); the last three are filled for tagged rows only.
 *
 * <p>Rule names: {@code parse}, then per column in declared order {@code encoding:<c>},
 * {@code type:<c>}, {@code non_finite:<c>}, {@code null:<c>} (or {@code drop:<c>}, not quarantined but counted),
 * {@code range:<c>}, {@code allowed:<c>}, {@code pattern:<c>}.
 */
final class RowTagger {
  static final String CORRUPT = "_duet_corrupt";
  /** Optional input column: why a record that parsed is still not what it seems ({@link JsonLineCheck}). */
  static final String PROBLEM = "_duet_problem";
  static final String RULE = "_duet_rule";
  static final String DETAIL = "_duet_detail";
  static final String RAW = "_duet_raw";
  static final String SOURCE = "_duet_source";
  static final String DROP_PREFIX = "drop:";
  /** U+FFFD, what a decoder puts in place of bytes that are not text in its encoding. */
  static final String UNDECODABLE = "\uFFFD";
  private static final int SHOWN_CHARS = 80;
  private static final String DATE_TEXT = "^\\s*\\d{4}-\\d{1,2}-\\d{1,2}";

  private record Check(String rule, Column broken, Column detail) {}

  private RowTagger() {}

  /** Tagged rows and the names of every rule that can tag them, in check order. */
  record Tagged(Dataset<Row> rows, List<String> rules) {}

  static Tagged tag(Dataset<Row> raw, PipelineConfig config) {
    boolean hasCorrupt = Arrays.asList(raw.columns()).contains(CORRUPT);
    List<ColumnSpec> specs = config.columns();

    // 1. Normalise and cast each value once; keep the normalised text beside it for the checks.
    List<Column> values = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      ColumnSpec spec = specs.get(i);
      DataType rawType = raw.schema().apply(spec.name()).dataType();
      Column value = normalised(ref(spec.name()), rawType, spec);
      values.add(typed(value, rawType, spec).as(spec.name()));
      values.add(value.as(textName(i)));
      values.add(ref(spec.name()).as(rawName(i)));
    }
    values.add(hasCorrupt ? col(CORRUPT) : lit(null).cast(DataTypes.StringType).as(CORRUPT));
    boolean hasProblem = Arrays.asList(raw.columns()).contains(PROBLEM);
    if (hasProblem) {
      values.add(col(PROBLEM));
    }
    values.add(input_file_name().as("_duet_file"));
    Dataset<Row> cast = raw.select(values.toArray(Column[]::new));

    // 2. The first broken rule. 3. Detail, raw record and file, computed for tagged rows only.
    List<Check> checks = new ArrayList<>();
    if (hasCorrupt) {
      Column malformed = lit("malformed " + config.input().format().name().toLowerCase() + " record");
      checks.add(new Check("parse", col(CORRUPT).isNotNull(), hasProblem ? coalesce(col(PROBLEM), malformed) : malformed));
    }
    List<Column> gates = new ArrayList<>(checks.stream().map(Check::broken).toList());
    for (int i = 0; i < specs.size(); i++) {
      ColumnSpec spec = specs.get(i);
      DataType rawType = raw.schema().apply(spec.name()).dataType();
      List<Check> column = checks(spec, col(textName(i)), rawType, ref(spec.name()));
      checks.addAll(column);
      if (!column.isEmpty()) {
        gates.add(gate(spec, column, col(textName(i)), rawType, ref(spec.name())));
      }
    }
    // Most rows break nothing: one OR of a gate per column (a balanced tree, so hundreds of columns
    // do not make it deep) decides that, and only a row through a gate walks the checks in order
    // for the first it breaks (none, where a gate let through a row that breaks nothing).
    Column rule = checks.isEmpty() ? lit(null).cast(DataTypes.StringType)
        : when(anyOf(gates),
            coalesce(checks.stream().map(c -> when(c.broken(), lit(c.rule()))).toArray(Column[]::new)));
    Column detail = checks.isEmpty() ? lit(null).cast(DataTypes.StringType)
        : coalesce(checks.stream().map(c -> when(c.broken(), c.detail())).toArray(Column[]::new));
    Column record = coalesce(col(CORRUPT),
        to_json(struct(java.util.stream.IntStream.range(0, specs.size())
            .mapToObj(i -> col(rawName(i)).as(specs.get(i).name())).toArray(Column[]::new))));

    List<Column> withRule = new ArrayList<>(List.of(cast.columns()).stream().map(RowTagger::ref).toList());
    withRule.add(rule.as(RULE));
    List<Column> out = new ArrayList<>();
    specs.forEach(c -> out.add(ref(c.name())));
    out.add(col(RULE));
    out.add(when(col(RULE).isNotNull(), detail).as(DETAIL));
    out.add(when(col(RULE).isNotNull(), record).as(RAW));
    out.add(when(col(RULE).isNotNull(), col("_duet_file")).as(SOURCE));
    List<String> rules = checks.stream().map(Check::rule).distinct().toList();
    return new Tagged(cast.select(withRule.toArray(Column[]::new)).select(out.toArray(Column[]::new)), rules);
  }

  /** {@code a OR b OR ...} as a balanced tree (null where no check is true and one is null, as a WHEN reads it). */
  private static Column anyOf(List<Column> conditions) {
    if (conditions.size() == 1) {
      return conditions.get(0);
    }
    int half = conditions.size() / 2;
    return anyOf(conditions.subList(0, half)).or(anyOf(conditions.subList(half, conditions.size())));
  }

  private static String textName(int i) {
    return "_duet_t" + i;
  }

  private static String rawName(int i) {
    return "_duet_r" + i;
  }

  /** A column reference that survives dots and spaces in names. */
  static Column ref(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  private static Column normalised(Column v, DataType rawType, ColumnSpec spec) {
    if (!rawType.equals(DataTypes.StringType)) {
      return v;
    }
    if (spec.trim()) {
      v = trim(v);
    }
    if (spec.type() != ColumnType.STRING || spec.trim()) {
      v = when(trim(v).equalTo(""), lit(null).cast(DataTypes.StringType)).otherwise(v); // blank = missing
    }
    if (spec.collapseSpaces()) {
      v = regexp_replace(v, "\\s+", " ");
    }
    if (spec.caseRule() == CaseRule.UPPER) {
      v = upper(v);
    } else if (spec.caseRule() == CaseRule.LOWER) {
      v = lower(v);
    }
    return v;
  }

  private static Column typed(Column v, DataType rawType, ColumnSpec spec) {
    DataType target = sparkType(spec.type());
    if (rawType.equals(target)) {
      return v;
    }
    if (rawType.equals(DataTypes.StringType)) {
      if (spec.format().isPresent()) {
        return spec.type() == ColumnType.DATE ? to_date(v, spec.format().get()) : to_timestamp(v, spec.format().get());
      }
      if (target instanceof IntegralType) {
        // Spark's cast truncates "1.5" to 1: read the text as a decimal and take only an exact
        // integer in range ("7", "7.0", "7e2"), so a fraction or a separator is a type error.
        // Plain digits (nearly every value) take the direct cast, which is exact for them.
        Column exact = v.cast(DataTypes.createDecimalType(38, 10));
        long[] range = spec.type() == ColumnType.INT ? new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE}
            : new long[] {Long.MIN_VALUE, Long.MAX_VALUE};
        return when(v.contains(".").or(v.contains("e")).or(v.contains("E")),
            when(exact.equalTo(floor(exact)).and(exact.between(range[0], range[1])), exact.cast(target)))
            .otherwise(v.cast(target));
      }
      if (spec.type() == ColumnType.DATE) {
        // The cast reads "2024" as 2024-01-01 and drops a time and zone offset: a date is a date only.
        return when(v.rlike(DATE_TEXT + "$"), v.cast(target));
      }
      if (spec.type() == ColumnType.TIMESTAMP) {
        return when(v.rlike(DATE_TEXT + "([T ].*)?$"), v.cast(target));
      }
    }
    return v.cast(target);
  }

  private static List<Check> checks(ColumnSpec spec, Column value, DataType rawType, Column typed) {
    String c = spec.name();
    List<Check> out = new ArrayList<>();
    DataType target = sparkType(spec.type());
    if (rawType.equals(DataTypes.StringType) && spec.type() == ColumnType.STRING
        && spec.undecodable() == UndecodablePolicy.QUARANTINE) {
      out.add(new Check("encoding:" + c, value.contains(UNDECODABLE),
          lit(c + " holds bytes that are not valid text in the input encoding (undecodable: keep takes it)")));
    }
    if (!rawType.equals(target)) {
      Column lost = typed.isNull();
      if (rawType instanceof NumericType && target instanceof IntegralType) {
        lost = lost.or(typed.cast(rawType).notEqual(value)); // overflow or truncated fraction
      }
      out.add(new Check("type:" + c, value.isNotNull().and(lost),
          concat(lit(c + "='"), shown(value), lit("' is not a " + spec.type().sqlName()
              + spec.format().map(f -> " in format " + f).orElse("")))));
    }
    if ((target.equals(DataTypes.DoubleType) || target.equals(DataTypes.FloatType))
        && spec.nonFinite() == NonFinitePolicy.QUARANTINE) {
      out.add(new Check("non_finite:" + c, isnan(typed).or(abs(typed).equalTo(lit(Double.POSITIVE_INFINITY))),
          concat(lit(c + "="), shown(typed), lit(" is not a finite number (non_finite: keep takes it)"))));
    }
    if (spec.nulls() == NullPolicy.QUARANTINE) {
      out.add(new Check("null:" + c, typed.isNull(), lit(c + " is null")));
    } else if (spec.nulls() == NullPolicy.DROP) {
      out.add(new Check(DROP_PREFIX + c, typed.isNull(), lit(c + " is null (dropped)")));
    }
    spec.min().ifPresent(min -> out.add(new Check("range:" + c, typed.lt(lit(min).cast(target)),
        concat(lit(c + "="), shown(typed), lit(" is below min " + min)))));
    spec.max().ifPresent(max -> out.add(new Check("range:" + c, typed.gt(lit(max).cast(target)),
        concat(lit(c + "="), shown(typed), lit(" is above max " + max)))));
    if (!spec.allowed().isEmpty()) {
      Object[] allowed = spec.allowed().stream().map(a -> lit(a).cast(target)).toArray();
      out.add(new Check("allowed:" + c, typed.isNotNull().and(typed.isin(allowed).unary_$bang()),
          concat(lit(c + "='"), shown(typed), lit("' is not an allowed value"))));
    }
    spec.pattern().ifPresent(p -> out.add(new Check("pattern:" + c,
        typed.isNotNull().and(typed.rlike("^(?:" + p + ")$").unary_$bang()),
        concat(lit(c + "='"), shown(typed), lit("' does not match " + p)))));
    return out;
  }

  /**
   * True for every value that breaks one of {@code column}'s checks (and perhaps for a few that
   * break none): a wide table's row evaluates one gate per column instead of every check, most
   * often {@code NOT coalesce(typed >= min AND typed <= max, false)}, which also catches a null,
   * a value that did not cast, NaN and the infinities. Falls back to the OR of the checks where
   * a check is not a bound, a null or a failed cast (an integral overflow, an undecodable byte).
   */
  private static Column gate(ColumnSpec spec, List<Check> column, Column value, DataType rawType, Column typed) {
    DataType target = sparkType(spec.type());
    boolean floating = target.equals(DataTypes.DoubleType) || target.equals(DataTypes.FloatType);
    boolean castCanOverflow = rawType instanceof NumericType && target instanceof IntegralType;
    boolean plain = spec.allowed().isEmpty() && spec.pattern().isEmpty() && !castCanOverflow
        && column.stream().noneMatch(c -> c.rule().startsWith("encoding:"));
    if (!plain || (spec.min().isEmpty() && spec.max().isEmpty())) {
      return anyOf(column.stream().map(Check::broken).toList());
    }
    List<Column> within = new ArrayList<>();
    spec.min().ifPresent(min -> within.add(typed.geq(lit(min).cast(target))));
    spec.max().ifPresent(max -> within.add(typed.leq(lit(max).cast(target))));
    boolean finiteBounds = floating && spec.min().isPresent() && spec.max().isPresent()
        && Double.isFinite(Double.parseDouble(spec.min().get())) && Double.isFinite(Double.parseDouble(spec.max().get()));
    if (floating && spec.nonFinite() == NonFinitePolicy.QUARANTINE && !finiteBounds) {
      within.add(abs(typed).lt(lit(Double.POSITIVE_INFINITY))); // false for NaN too: Spark sorts NaN above infinity
    }
    Column ok = within.stream().reduce(Column::and).orElseThrow();
    Column nullIsFine = switch (spec.nulls()) {
      case QUARANTINE, DROP -> lit(false);
      default -> rawType.equals(target) ? typed.isNull() : value.isNull(); // a value that did not cast is not fine
    };
    return coalesce(ok, nullIsFine).unary_$bang();
  }

  private static Column shown(Column v) {
    return substring(v.cast(DataTypes.StringType), 1, SHOWN_CHARS);
  }

  static DataType sparkType(ColumnType t) {
    return switch (t) {
      case STRING -> DataTypes.StringType;
      case INT -> DataTypes.IntegerType;
      case LONG -> DataTypes.LongType;
      case DOUBLE -> DataTypes.DoubleType;
      case FLOAT -> DataTypes.FloatType;
      case BOOLEAN -> DataTypes.BooleanType;
      case DATE -> DataTypes.DateType;
      case TIMESTAMP -> DataTypes.TimestampType;
    };
  }
}
