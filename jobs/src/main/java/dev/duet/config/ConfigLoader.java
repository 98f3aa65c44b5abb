package dev.duet.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.duet.config.PipelineConfig.CaseRule;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.ColumnType;
import dev.duet.config.PipelineConfig.DatePart;
import dev.duet.config.PipelineConfig.DerivedColumn;
import dev.duet.config.PipelineConfig.Format;
import dev.duet.config.PipelineConfig.InputConfig;
import dev.duet.config.PipelineConfig.NonFinitePolicy;
import dev.duet.config.PipelineConfig.NullPolicy;
import dev.duet.config.PipelineConfig.SplitConfig;
import dev.duet.config.PipelineConfig.Task;
import dev.duet.config.PipelineConfig.UndecodablePolicy;
import dev.duet.contracts.Predictions;
import dev.duet.contracts.StageLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;

/**
 * Parses a pipeline YAML into {@link PipelineConfig} and validates it in one pass: unknown keys,
 * wrong types, bad enum values, impossible values and dangling column references are all
 * collected and thrown together as one {@link ConfigException}. Needs no Spark session.
 */
public final class ConfigLoader {
  /** Pipeline and run ids become path segments of the store. */
  /** Columns the ingest stage adds itself. */
  public static final String SPLIT_COLUMN = "split";
  /**
   * A unique id per clean row, assigned once when ingest writes the table: the key that joins
   * every branch's predictions back to the same rows.
   */
  public static final String ROW_ID_COLUMN = Predictions.ROW_ID;

  private static final Pattern NAME_RANGE = Pattern.compile("(.*)\\{(\\d{1,6})\\.\\.(\\d{1,6})}(.*)");
  static final double DEFAULT_TEST_FRACTION = 0.2;
  /**
   * Past nine rows in ten quarantined, ingest publishes nothing: a messy table with half its rows
   * broken still goes through; a file that is not what the config describes (one record per line
   * with a trailing comma: 3,202 of 3,203 rows quarantined) stops before training starts.
   */
  static final double DEFAULT_MAX_QUARANTINED_SHARE = 0.9;
  static final long DEFAULT_SEED = 42L;

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ConfigLoader() {}

  public static PipelineConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException("Config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public static PipelineConfig parse(String yaml, String source) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
      throw new ConfigException(source + " is not valid YAML" + where + ": " + e.getOriginalMessage());
    }
    List<String> problems = new ArrayList<>();
    PipelineConfig config = read(YamlObject.root(tree, problems));
    crossCheck(config, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems.stream().distinct().toList());
    }
    return config;
  }

  private static PipelineConfig read(YamlObject root) {
    String pipeline = root.string("pipeline");
    if (StageLayout.VERDICT.equals(pipeline)) {
      root.problem("Cannot name a pipeline '" + pipeline + "': the store keeps the verdict across pipelines there");
    } else if (pipeline != null && !StageLayout.ID.matcher(pipeline).matches()) {
      root.problem("Cannot set pipeline to '" + pipeline
          + "': use letters, digits, '-', '_' and '.' (it names a directory in the store)");
    }
    Task task = root.optEnum("task", Task.class).orElse(null);
    if (task == null && !root.has("task")) {
      root.problem("task is required (one of " + YamlObject.enumNames(Task.class) + ")");
    }
    String label = root.string("label");
    Optional<String> store = root.optString("store");

    YamlObject in = root.object("input");
    String path = in.string("path");
    Format format = in.optEnum("format", Format.class).orElse(null);
    if (format == null && !in.has("format")) {
      in.problem("input.format is required (one of " + YamlObject.enumNames(Format.class) + ")");
    }
    double ceiling = in.optNumber("max_quarantined_share").orElse(DEFAULT_MAX_QUARANTINED_SHARE);
    if (!(ceiling >= 0 && ceiling <= 1)) {
      in.problem("Cannot set input.max_quarantined_share to " + ceiling + ": it is a share of the rows read, 0 to 1");
    }
    InputConfig input = new InputConfig(path, format, in.stringMap("options"), ceiling);
    in.finish();

    List<ColumnSpec> columns = expandRanges(root.objects("columns", ConfigLoader::readColumn));
    if (columns.isEmpty() && !root.has("columns")) {
      root.problem("columns is required: list the expected input columns with their types");
    }
    List<String> dedup = root.strings("dedup");
    List<DerivedColumn> derived = root.objects("derive", ConfigLoader::readDerived);

    YamlObject sp = root.object("split");
    double fraction = sp.optNumber("test_fraction").orElse(DEFAULT_TEST_FRACTION);
    if (!(fraction > 0 && fraction < 1)) {
      sp.problem("Cannot set split.test_fraction to " + fraction + ": must be between 0 and 1 (exclusive)");
    }
    SplitConfig split = new SplitConfig(sp.strings("key"), fraction, sp.optInteger("seed").orElse(DEFAULT_SEED));
    sp.finish();
    Optional<TrainMlConfig> trainMl = TrainMlSection.read(root, task);
    Optional<TrainDlConfig> trainDl = TrainDlSection.read(root);
    EvaluateConfig evaluate = EvaluateSection.read(root, task);
    ScoreConfig score = ScoreSection.read(root);
    Budget budget = Budget.NONE;
    Optional<String> budgetText = root.optString("budget");
    if (budgetText.isPresent()) {
      try {
        budget = Budget.parse(budgetText.get());
      } catch (IllegalArgumentException e) {
        root.problem(e.getMessage());
      }
    }
    root.finish();
    return new PipelineConfig(pipeline, task, label, store, input, columns, dedup, derived, split, trainMl, trainDl,
        evaluate, score, budget);
  }

  private static ColumnSpec readColumn(YamlObject c) {
    String name = c.string("name");
    String where = name == null ? c.where() : "columns." + name;
    ColumnType type = c.optEnum("type", ColumnType.class).orElse(null);
    if (type == null && !c.has("type")) {
      c.problem(where + ".type is required (one of " + YamlObject.enumNames(ColumnType.class) + ")");
    }
    Optional<String> format = c.optString("format");
    NullPolicy nulls = c.enumValue("nulls", NullPolicy.class, NullPolicy.KEEP);
    Optional<String> impute = c.optString("impute");
    boolean trim = c.optBoolean("trim").orElse(false);
    CaseRule caseRule = c.enumValue("case", CaseRule.class, CaseRule.KEEP);
    boolean collapse = c.optBoolean("collapse_spaces").orElse(false);
    Optional<String> min = c.optString("min");
    Optional<String> max = c.optString("max");
    List<String> allowed = c.strings("allowed");
    Optional<String> pattern = c.optString("pattern");
    NonFinitePolicy nonFinite = c.enumValue("non_finite", NonFinitePolicy.class, NonFinitePolicy.QUARANTINE);
    UndecodablePolicy undecodable = c.enumValue("undecodable", UndecodablePolicy.class, UndecodablePolicy.QUARANTINE);

    if (type != null) {
      if (c.has("non_finite") && type != ColumnType.DOUBLE && type != ColumnType.FLOAT) {
        c.problem("Cannot set " + where + ".non_finite: only double and float columns hold NaN or infinities");
      }
      if (format.isPresent() && !type.isTemporal()) {
        c.problem("Cannot set " + where + ".format: only date and timestamp columns take a format");
      }
      boolean text = type == ColumnType.STRING;
      if (c.has("undecodable") && !text) {
        c.problem("Cannot set " + where + ".undecodable: only string columns hold undecodable bytes");
      }
      if (!text && (caseRule != CaseRule.KEEP || collapse || pattern.isPresent())) {
        c.problem("Cannot set case, collapse_spaces or pattern on " + where + ": it is not a string column");
      }
      if ((min.isPresent() || max.isPresent()) && !(type.isNumeric() || type.isTemporal())) {
        c.problem("Cannot set min/max on " + where + ": it is a " + type.sqlName() + " column");
      }
      Optional<Double> lo = bound(c, where + ".min", min, type);
      Optional<Double> hi = bound(c, where + ".max", max, type);
      if (lo.isPresent() && hi.isPresent() && lo.get() > hi.get()) {
        c.problem("Cannot set " + where + ".min above " + where + ".max (" + min.get() + " > " + max.get() + ")");
      }
      if (nulls == NullPolicy.IMPUTE) {
        if (impute.isEmpty()) {
          c.problem(where + ".impute is required when nulls is impute (\"median\" or a constant)");
        } else if (impute.get().equalsIgnoreCase("median")) {
          if (!type.isNumeric()) {
            c.problem("Cannot impute the median of " + where + ": it is a " + type.sqlName() + " column");
          }
        } else if (!castable(impute.get(), type)) {
          c.problem("Cannot set " + where + ".impute to '" + impute.get() + "': not a " + type.sqlName());
        }
      }
      allowed.stream().filter(v -> !castable(v, type)).forEach(v ->
          c.problem("Cannot allow '" + v + "' in " + where + ".allowed: not a " + type.sqlName()));
    }
    if (nulls != NullPolicy.IMPUTE && impute.isPresent()) {
      c.problem("Cannot set " + where + ".impute: nulls is " + nulls.name().toLowerCase() + ", not impute");
    }
    pattern.ifPresent(p -> {
      try {
        Pattern.compile(p);
      } catch (PatternSyntaxException e) {
        c.problem("Cannot set " + where + ".pattern to '" + p + "': " + e.getDescription());
      }
    });
    return new ColumnSpec(name, type, format, nulls, impute, trim, caseRule, collapse, min, max,
        List.copyOf(allowed), pattern, nonFinite, undecodable);
  }

  /**
   * {@code pixel{0..783}} stands for pixel0 … pixel783, each with the same rules. A column without
   * a name is left out: its problem is recorded, and no later check can refer to it.
   */
  private static List<ColumnSpec> expandRanges(List<ColumnSpec> specs) {
    List<ColumnSpec> out = new ArrayList<>();
    for (ColumnSpec c : specs) {
      for (String name : c.name() == null ? List.<String>of() : expandNames(List.of(c.name()))) {
        out.add(new ColumnSpec(name, c.type(), c.format(), c.nulls(), c.impute(), c.trim(),
            c.caseRule(), c.collapseSpaces(), c.min(), c.max(), c.allowed(), c.pattern(), c.nonFinite(), c.undecodable()));
      }
    }
    return out;
  }

  /** Column names with {@code name{from..to}} ranges written out. */
  static List<String> expandNames(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      java.util.regex.Matcher m = NAME_RANGE.matcher(name);
      if (!m.matches()) {
        out.add(name);
        continue;
      }
      for (int i = Integer.parseInt(m.group(2)); i <= Integer.parseInt(m.group(3)); i++) {
        out.add(m.group(1) + i + m.group(4));
      }
    }
    return out;
  }

  /** A numeric bound as a number; date/timestamp bounds are checked for shape only. */
  private static Optional<Double> bound(YamlObject c, String where, Optional<String> value, ColumnType type) {
    if (value.isEmpty()) {
      return Optional.empty();
    }
    String v = value.get().trim();
    if (type.isNumeric()) {
      try {
        return Optional.of(Double.parseDouble(v));
      } catch (NumberFormatException e) {
        c.problem("Cannot set " + where + " to '" + v + "': not a number");
      }
    } else if (type.isTemporal() && !castable(v, type)) {
      c.problem("Cannot set " + where + " to '" + v + "': not a " + type.sqlName() + " (use 2024-01-31 or 2024-01-31 13:45:00)");
    }
    return Optional.empty();
  }

  private static boolean castable(String v, ColumnType type) {
    String s = v.trim();
    try {
      switch (type) {
        case INT -> Integer.parseInt(s);
        case LONG -> Long.parseLong(s);
        case DOUBLE, FLOAT -> Double.parseDouble(s);
        case BOOLEAN -> {
          if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
            return false;
          }
        }
        case DATE -> LocalDate.parse(s);
        case TIMESTAMP -> LocalDateTime.parse(s.replace(' ', 'T'));
        case STRING -> { }
      }
      return true;
    } catch (NumberFormatException | DateTimeParseException e) {
      return false;
    }
  }

  private static DerivedColumn readDerived(YamlObject d) {
    String name = d.string("name");
    String where = name == null ? d.where() : "derive." + name;
    Optional<String> from = d.optString("from");
    Optional<DatePart> part = d.optEnum("part", DatePart.class);
    Optional<Double> above = d.optNumber("above");
    Optional<String> expr = d.optString("expr");
    long kinds = (part.isPresent() || d.has("part") ? 1 : 0) + (above.isPresent() || d.has("above") ? 1 : 0)
        + (expr.isPresent() ? 1 : 0);
    if (kinds != 1) {
      d.problem(where + " needs exactly one of part, above or expr");
    }
    if ((part.isPresent() || above.isPresent()) && from.isEmpty()) {
      d.problem(where + ".from is required with part or above");
    }
    if (expr.isPresent() && from.isPresent()) {
      d.problem("Cannot set " + where + ".from with expr: name the columns inside the expression");
    }
    expr.ifPresent(e -> {
      try {
        CatalystSqlParser$.MODULE$.parseExpression(e);
      } catch (Exception ex) { // ParseException is checked in Java's eyes
        d.problem("Cannot set " + where + ".expr to '" + e + "': " + firstLine(ex.getMessage()));
      }
    });
    return new DerivedColumn(name, from, part, above, expr);
  }

  /** Checks that need the whole model: names, references, types of referenced columns. */
  private static void crossCheck(PipelineConfig c, List<String> problems) {
    Set<String> names = new HashSet<>();
    for (ColumnSpec col : c.columns()) {
      if (col.name() == null) {
        continue;
      }
      if (!names.add(col.name())) {
        problems.add("Column " + col.name() + " is declared twice in columns");
      }
      reserved(col.name(), "columns", problems);
    }
    for (String k : c.dedupKey()) {
      if (!names.contains(k)) {
        problems.add("Cannot dedup on " + k + ": not a declared column");
      }
    }
    for (String k : c.split().key()) {
      if (!names.contains(k)) {
        problems.add("Cannot use " + k + " in split.key: not a declared column");
      }
    }
    for (DerivedColumn d : c.derived()) {
      if (d.name() == null) {
        continue;
      }
      if (!names.add(d.name())) {
        problems.add("Derived column " + d.name() + " clashes with a column of the same name");
      }
      reserved(d.name(), "derive", problems);
      d.from().ifPresent(f -> {
        ColumnSpec src = c.column(f);
        if (src == null) {
          problems.add("Cannot derive " + d.name() + " from " + f + ": not a declared column");
        } else if (src.type() == null) {
          return;
        } else if (d.part().isPresent() && !src.type().isTemporal()) {
          problems.add("Cannot take the " + d.part().get().name().toLowerCase() + " of " + f
              + " for " + d.name() + ": it is a " + src.type().sqlName() + " column, not a date or timestamp");
        } else if (d.above().isPresent() && !src.type().isNumeric()) {
          problems.add("Cannot threshold " + f + " for " + d.name() + ": it is a " + src.type().sqlName()
              + " column, not a number");
        }
      });
    }
    if (c.label() != null && !names.contains(c.label())) {
      problems.add("Label column " + c.label() + " is neither a declared column nor a derived one");
    }
    c.trainMl().ifPresent(ml -> TrainMlSection.crossCheck(c, ml, problems));
    c.trainDl().ifPresent(dl -> TrainDlSection.crossCheck(c, dl, problems));
  }

  private static void reserved(String name, String where, List<String> problems) {
    if (SPLIT_COLUMN.equals(name) || ROW_ID_COLUMN.equals(name) || name.startsWith("_duet")) {
      problems.add("Cannot name a column '" + name + "' in " + where + ": the name is reserved by Duet");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "invalid";
    }
    String line = s.strip().lines().findFirst().orElse(s);
    return line.length() > 160 ? line.substring(0, 160) + "…" : line;
  }
}
