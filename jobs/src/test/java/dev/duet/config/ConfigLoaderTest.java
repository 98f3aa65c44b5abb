package dev.duet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.config.PipelineConfig.ColumnType;
import dev.duet.config.PipelineConfig.NullPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  private static final String VALID = """
      pipeline: demo
      task: classification
      label: late
      input: {path: data/x.csv, format: csv, options: {header: "true"}}
      columns:
        - {name: when, type: timestamp, format: "yyyy-MM-dd HH:mm", nulls: quarantine}
        - {name: delay, type: int, min: -100, max: 100, nulls: impute, impute: median}
        - {name: code, type: string, trim: true, case: upper, allowed: [A, B]}
      dedup: [when, code]
      derive:
        - {name: hour, from: when, part: hour}
        - {name: late, from: delay, above: 15}
        - {name: twice, expr: "delay * 2"}
      split: {test_fraction: 0.25, seed: 7, key: [when]}
      """;

  @Test
  void shippedConfigsAreValid() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("..", "conf"))) {
      List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml")).toList();
      assertThat(yamls).as("conf/*.yaml").isNotEmpty();
      for (Path p : yamls) {
        PipelineConfig c = ConfigLoader.load(p);
        assertThat(c.column(c.label()) != null || c.derived().stream().anyMatch(d -> d.name().equals(c.label())))
            .as("label of %s", p).isTrue();
      }
    }
  }

  @Test
  void aBudgetIsADurationOrNoneAndAnythingElseIsRefusedSayingWhatWouldDo() {
    assertThat(ConfigLoader.parse(VALID, "test").budget()).as("absent: what each section asks for").isEqualTo(Budget.NONE);
    assertThat(ConfigLoader.parse(VALID + "budget: 4m\n", "test").budget().seconds()).isEqualTo(240.0);
    assertThat(ConfigLoader.parse(VALID + "budget: 1h30m\n", "test").budget().seconds()).isEqualTo(5_400.0);
    assertThat(ConfigLoader.parse(VALID + "budget: 90s\n", "test").budget()).hasToString("1m30s");
    assertThat(ConfigLoader.parse(VALID + "budget: none\n", "test").budget().limited()).isFalse();
    for (String bad : List.of("10", "4 minutes", "-1m", "0s", "1.5h")) {
      assertThatThrownBy(() -> ConfigLoader.parse(VALID + "budget: " + bad + "\n", "test"))
          .isInstanceOf(ConfigException.class).hasMessageContaining("budget").hasMessageContaining(bad);
    }
  }

  @Test
  void aColumnWithoutANameIsNamedByItsPlaceInTheList() {
    String config = VALID.replace("  - {name: code, type: string, trim: true, case: upper, allowed: [A, B]}",
        "  - {}\n  - {name: '', type: string}\n  - {type: double, min: 0}");
    assertThatThrownBy(() -> ConfigLoader.parse(config, "test")).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).contains(
            "columns[2].name is required",
            "columns[2].type is required (one of string, int, long, double, float, boolean, date, timestamp)",
            "columns[3].name must not be empty",
            "columns[4].name is required"));
  }

  @Test
  void readsEveryPartOfAValidConfig() {
    PipelineConfig c = ConfigLoader.parse(VALID, "test");
    assertThat(c.pipeline()).isEqualTo("demo");
    assertThat(c.task()).isEqualTo(PipelineConfig.Task.CLASSIFICATION);
    assertThat(c.input().options()).containsEntry("header", "true");
    assertThat(c.columns()).extracting(PipelineConfig.ColumnSpec::name).containsExactly("when", "delay", "code");
    assertThat(c.column("delay").imputesMedian()).isTrue();
    assertThat(c.column("code").allowed()).containsExactly("A", "B");
    assertThat(c.dedupKey()).containsExactly("when", "code");
    assertThat(c.derived()).hasSize(3);
    assertThat(c.split().testFraction()).isEqualTo(0.25);
    assertThat(c.split().seed()).isEqualTo(7);
  }

  @Test
  void defaultsSplitAndNullPolicy() {
    PipelineConfig c = ConfigLoader.parse("""
        pipeline: p
        task: regression
        label: y
        input: {path: x.parquet, format: parquet}
        columns: [{name: y, type: double}]
        """, "test");
    assertThat(c.split().testFraction()).isEqualTo(0.2);
    assertThat(c.split().seed()).isEqualTo(42);
    assertThat(c.column("y").nulls()).isEqualTo(NullPolicy.KEEP);
  }

  @Test
  void expandsNumberedColumnRanges() {
    PipelineConfig c = ConfigLoader.parse("""
        pipeline: p
        task: classification
        label: label
        input: {path: x.csv, format: csv}
        columns:
          - {name: label, type: int}
          - {name: "pixel{0..783}", type: double, min: 0, max: 1}
        """, "test");
    assertThat(c.columns()).hasSize(785);
    assertThat(c.columns().get(1).name()).isEqualTo("pixel0");
    assertThat(c.columns().get(784).name()).isEqualTo("pixel783");
    assertThat(c.column("pixel500").type()).isEqualTo(ColumnType.DOUBLE);
    assertThat(c.column("pixel500").max()).contains("1");
  }

  @Test
  void reportsEveryProblemTogether() {
    String yaml = """
        pipeline: "bad/name"
        task: clustering
        lable: y
        input: {path: x.csv, format: xml, optons: {}}
        columns:
          - {name: y, type: integer}
          - {name: d, type: double, min: 10, max: 1, pattern: "[a-"}
          - {name: s, type: string, nulls: impute}
          - {name: n, type: int, nulls: impute, impute: median, allowed: [1, two]}
          - {name: y, type: string}
        dedup: [nope]
        derive:
          - {name: h, from: s, part: hour}
          - {name: e, expr: "1 +* 2"}
          - {name: split, from: d, above: 1}
          - {name: q}
        split: {test_fraction: 1.5, seed: x}
        """;
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, "test"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "Cannot set pipeline to 'bad/name': use letters, digits, '-', '_' and '.' (it names a directory in the store)",
            "Cannot set task to 'clustering': must be one of classification, regression",
            "label is required",
            "Unknown key lable (did you mean 'label'?)",
            "Cannot set input.format to 'xml': must be one of csv, json, parquet",
            "Unknown key input.optons (did you mean 'options'?)",
            "Cannot set columns[0].type to 'integer': must be one of string, int, long, double, float, boolean, date, timestamp",
            "Cannot set columns.d.min above columns.d.max (10 > 1)",
            "Cannot set columns.d.pattern to '[a-': Illegal character range",
            "Cannot set case, collapse_spaces or pattern on columns.d: it is not a string column",
            "columns.s.impute is required when nulls is impute (\"median\" or a constant)",
            "Cannot allow 'two' in columns.n.allowed: not a int",
            "Column y is declared twice in columns",
            "Cannot dedup on nope: not a declared column",
            "Cannot take the hour of s for h: it is a string column, not a date or timestamp",
            "Cannot set derive.e.expr to '1 +* 2': " + exprError("1 +* 2"),
            "Cannot name a column 'split' in derive: the name is reserved by Duet",
            "derive.q needs exactly one of part, above or expr",
            "Cannot set split.test_fraction to 1.5: must be between 0 and 1 (exclusive)",
            "Cannot set split.seed to 'x': must be a whole number"));
  }

  @Test
  void rejectsALabelThatIsNoColumn() {
    assertThatThrownBy(() -> ConfigLoader.parse("""
        pipeline: p
        task: regression
        label: target
        input: {path: x.parquet, format: parquet}
        columns: [{name: y, type: double}]
        """, "test"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Label column target is neither a declared column nor a derived one");
  }

  @Test
  void rejectsYamlThatDoesNotParse() {
    assertThatThrownBy(() -> ConfigLoader.parse("pipeline: [unclosed", "conf/x.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("conf/x.yaml is not valid YAML at line");
  }

  @Test
  void rejectsAMissingFileByName() {
    assertThatThrownBy(() -> ConfigLoader.load(Path.of("conf/none.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Config file conf/none.yaml does not exist");
  }

  private static String exprError(String expr) {
    try {
      org.apache.spark.sql.catalyst.parser.CatalystSqlParser$.MODULE$.parseExpression(expr);
      return "parsed";
    } catch (Exception e) {
      return e.getMessage().strip().lines().findFirst().orElseThrow();
    }
  }
}
