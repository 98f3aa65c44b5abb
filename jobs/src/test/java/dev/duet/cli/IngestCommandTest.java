package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ingest command as a user meets it: exit codes, messages, resume, atomic publishing. */
class IngestCommandTest {
  @TempDir
  Path tmp;

  private Path data;
  private Path store;

  @BeforeEach
  void writeInput() throws IOException {
    data = Files.writeString(tmp.resolve("in.csv"), "a,b\n1,x\n2,y\n3,z\n4,x\n");
    store = tmp.resolve("store");
  }

  @Test
  void rejectsABadConfigWithOneLinePerProblemBeforeSparkStarts() throws IOException {
    Path conf = config("""
        pipeline: p
        task: guess
        label: b
        input: {path: "%s", format: csv}
        columns: [{name: a, type: int, min: x}, {name: b, type: sting}]
        extra: 1
        """);
    // No session given: if the command got as far as Spark it would start one and fail differently.
    Cli r = Cli.capture((out, err) -> DuetMain.execute(args(conf, "r1"), out, err));
    assertThat(r.exitCode()).isEqualTo(DuetMain.USAGE);
    assertThat(r.errLines()).containsExactly(
        "duet ingest: Cannot set task to 'guess': must be one of classification, regression",
        "duet ingest: Cannot set columns.a.min to 'x': not a number",
        "duet ingest: Cannot set columns[1].type to 'sting': must be one of string, int, long, double, float, boolean, date, timestamp",
        "duet ingest: Unknown key extra");
    assertThat(store).as("nothing written").doesNotExist();
  }

  @Test
  void namesColumnsTheInputLacks() throws IOException {
    Path conf = config("""
        pipeline: p
        task: classification
        label: b
        input: {path: "%s", format: csv}
        columns: [{name: a, type: int}, {name: b, type: string}, {name: c, type: double}, {name: d, type: int}]
        """);
    Cli r = Cli.capture((out, err) -> DuetMain.execute(args(conf, "r1"), out, err));
    assertThat(r.exitCode()).isEqualTo(DuetMain.USAGE);
    assertThat(r.errLines()).singleElement().asString().startsWith("duet ingest: Columns c, d are declared in columns but ")
        .endsWith("in.csv has no such column (it has: a, b)");
    assertThat(store).doesNotExist();
  }

  @Test
  void reportsAMissingInputFileAsAConfigError() throws IOException {
    Files.delete(data);
    String[] args = args(validConfig(), "r1");
    Cli r = Cli.capture((out, err) -> DuetMain.execute(args, out, err));
    assertThat(r.exitCode()).isEqualTo(DuetMain.USAGE);
    assertThat(r.errLines()).singleElement().asString()
        .isEqualTo("duet ingest: Cannot read input.path " + data + ": no such file or directory");
  }

  @Test
  void reportsAnEmptyInputFile() throws IOException {
    Files.writeString(data, "");
    String[] args = args(validConfig(), "r1");
    Cli r = Cli.capture((out, err) -> DuetMain.execute(args, out, err));
    assertThat(r.exitCode()).isEqualTo(DuetMain.USAGE);
    assertThat(r.errLines()).singleElement().asString().contains("it holds no data (1 files, 0 bytes)");
  }

  @Test
  void rejectsUnknownOptionsAndBadRunIds() throws IOException {
    Cli unknown = Cli.capture((out, err) -> DuetMain.execute(new String[] {"ingest", "--config", "x.yaml", "--fast"}, out, err));
    assertThat(unknown.exitCode()).isEqualTo(DuetMain.USAGE);
    assertThat(unknown.err()).contains("Unknown option: '--fast'");
    Cli noStage = Cli.capture((out, err) -> DuetMain.execute(new String[] {}, out, err));
    assertThat(noStage.exitCode()).isEqualTo(DuetMain.USAGE);
    String[] badArgs = args(validConfig(), "../up");
    Cli badRun = Cli.capture((out, err) -> DuetMain.execute(badArgs, out, err));
    assertThat(badRun.exitCode()).isEqualTo(DuetMain.USAGE);
    assertThat(badRun.errLines()).singleElement().asString().contains("Cannot use run id '../up'");
  }

  @Test
  void skipsAFinishedStageAndRedoesItWithForce() throws IOException {
    Path conf = validConfig();
    Cli first = run(args(conf, "r1"));
    assertThat(first.exitCode()).as(first.err()).isZero();
    Path stage = store.resolve("p/r1/ingest");
    assertThat(stage.resolve("_SUCCESS")).exists();
    JsonNode manifest = json(stage.resolve("manifest.json"));
    assertThat(manifest.at("/inputs/0/rows").asLong()).isEqualTo(4);
    assertThat(manifest.at("/inputs/0/hash/method").asText()).isEqualTo("content");
    assertThat(manifest.at("/config_sha256").asText()).hasSize(64);
    assertThat(manifest.at("/versions/spark").asText()).startsWith("3.5.");
    assertThat(manifest.at("/outputs/0/rows").asLong()).isEqualTo(4);

    Cli second = run(args(conf, "r1"));
    assertThat(second.exitCode()).isZero();
    assertThat(second.out()).contains("already finished this stage, skipping");
    assertThat(json(stage.resolve("manifest.json"))).as("untouched").isEqualTo(manifest);

    Cli forced = run(append(args(conf, "r1"), "--force"));
    assertThat(forced.exitCode()).as(forced.err()).isZero();
    assertThat(forced.out()).contains("read 4 rows");
    assertThat(json(stage.resolve("manifest.json")).at("/started_at")).isNotEqualTo(manifest.at("/started_at"));
    assertThat(leftovers()).as("no temporaries after publish").isEmpty();
  }

  @Test
  void aLaterIngestRecordsHowItsRowsDriftedFromThePipelinesPreviousOne() throws IOException {
    Files.writeString(data, rows(0));
    Path conf = config("""
        pipeline: p
        task: classification
        label: b
        input: {path: "%s", format: csv}
        columns: [{name: a, type: int}, {name: b, type: string}, {name: c, type: double, nulls: impute, impute: median}]
        """);
    assertThat(run(args(conf, "monday")).exitCode()).isZero();
    JsonNode first = json(store.resolve("p/monday/ingest/quality.json"));
    assertThat(first.has("drift")).as("nothing to compare with").isFalse();
    assertThat(first.at("/imputed_medians/c").asDouble()).as("recorded for scoring, gaps or not").isBetween(0.4, 0.6);
    assertThat(store.resolve("p/monday/ingest/config.yaml")).hasContent(Files.readString(conf));

    Files.writeString(data, rows(50)); // a moves up by 50; b and c are drawn as before
    Cli later = run(args(conf, "tuesday"));
    assertThat(later.exitCode()).as(later.err()).isZero();
    assertThat(later.out()).contains("ingest: drift from run monday: flagged [\"a\"]");
    JsonNode drift = json(store.resolve("p/tuesday/ingest/quality.json")).at("/drift");
    assertThat(drift.at("/against_run").asText()).isEqualTo("monday");
    assertThat(drift.at("/flagged")).extracting(JsonNode::asText).containsExactly("a");
    assertThat(drift.at("/columns/a/ks").asDouble()).isGreaterThan(0.4);
    assertThat(drift.at("/columns/b/psi").asDouble()).as("the label is compared too").isLessThan(0.05);
    assertThat(drift.at("/columns/c/flagged").asBoolean()).isFalse();
  }

  /** 3,000 rows: a uniform over [shift, shift + 100), b one of x, y, z, c uniform over [0, 1). */
  private static String rows(int shift) {
    java.util.Random r = new java.util.Random(shift);
    StringBuilder csv = new StringBuilder("a,b,c\n");
    for (int i = 0; i < 3_000; i++) {
      csv.append(shift + r.nextInt(100)).append(',').append("xyz".charAt(r.nextInt(3))).append(',')
          .append(String.format(java.util.Locale.ROOT, "%.4f", r.nextDouble())).append('\n');
    }
    return csv.toString();
  }

  @Test
  void aFailedStageLeavesNothingThatLooksFinished() throws IOException {
    Path conf = config("""
        pipeline: p
        task: classification
        label: b
        input: {path: "%s", format: csv}
        columns: [{name: a, type: int}, {name: b, type: string}]
        derive: [{name: checked, expr: "if(a < 3, a, raise_error('a is too big'))"}]
        """);
    Cli r = run(args(conf, "r1"));
    assertThat(r.exitCode()).isEqualTo(DuetMain.RUNTIME_FAILURE);
    assertThat(r.errLines()).hasSize(2);
    assertThat(r.errLines().get(0)).startsWith("duet ingest failed: ").contains("a is too big");
    assertThat(r.errLines().get(1)).isEqualTo("(run with --verbose for the stack trace)");
    assertThat(store.resolve("p/r1/ingest")).as("no half-written stage").doesNotExist();
    assertThat(leftovers()).as("work dir removed").isEmpty();

    Cli verbose = run(append(args(conf, "r2"), "--verbose"));
    assertThat(verbose.exitCode()).isEqualTo(DuetMain.RUNTIME_FAILURE);
    assertThat(verbose.err()).contains("\tat org.apache.spark.");
  }

  @Test
  void aJsonArrayIsReadRecordByRecordWithOrWithoutMultiLineAsTheSameRecordsAsJsonLines() throws IOException {
    String array = """
        [
          {"id": 1, "t": "a", "x": 1.5},
          {"id": 2, "t": , "x": 2.5},
          {
            "id": 3,
            "t": "c, ] }",
            "x": 3.5
          },
          {"id": 4, "t": "d\\"}", "x": 4.5}
        ]
        """;
    String lines = """
        {"id": 1, "t": "a", "x": 1.5}
        {"id": 3, "t": "c, ] }", "x": 3.5}
        {"id": 4, "t": "d\\"}", "x": 4.5}
        """;
    String columns = "[{name: id, type: int}, {name: t, type: string}, {name: x, type: double}]";
    java.util.List<String> asLines = ingestJson("lines", lines, "{}", columns);
    assertThat(asLines).containsExactly("[1,a,1.5]", "[3,c, ] },3.5]", "[4,d\"},4.5]");
    for (String options : new String[] {"{}", "{multiLine: \"true\"}"}) {
      assertThat(ingestJson("array", array, options, columns)).as("options " + options).isEqualTo(asLines);
      Path run = store.resolve("j/array");
      org.apache.spark.sql.Row broken = SparkTestSession.get().read().parquet(run.resolve("ingest/quarantine").toString())
          .select("raw_record", "rule", "reason").collectAsList().get(0);
      assertThat(broken.getString(0)).isEqualTo("{\"id\": 2, \"t\": , \"x\": 2.5}");
      assertThat(broken.getString(1)).isEqualTo("parse");
      assertThat(broken.getString(2)).startsWith("malformed JSON: Unexpected character (','");
      assertThat(json(run.resolve("ingest/quality.json")).at("/rows/read").asLong()).as("one row an element").isEqualTo(4);
    }
  }

  /** The clean rows (id, t, x by id) of ingesting {@code text} as the JSON file of run {@code runId}. */
  private java.util.List<String> ingestJson(String runId, String text, String options, String columns)
      throws IOException {
    Path file = Files.writeString(tmp.resolve(runId + ".json"), text);
    Path conf = Files.writeString(tmp.resolve("j.yaml"), """
        pipeline: j
        task: regression
        label: x
        input: {path: "%s", format: json, options: %s}
        columns: %s
        """.formatted(file, options, columns));
    Cli r = run(append(new String[] {"ingest", "--config", conf.toString(), "--run-id", runId, "--store",
        store.toString()}, "--force"));
    assertThat(r.exitCode()).as(r.err()).isZero();
    return SparkTestSession.get().read().parquet(store.resolve("j/" + runId + "/ingest/clean").toString())
        .select("id", "t", "x").orderBy("id").collectAsList().stream().map(Object::toString).toList();
  }

  private Cli run(String[] args) {
    return Cli.capture((out, err) -> DuetMain.execute(args, out, err, SparkTestSession.get()));
  }

  private String[] args(Path conf, String runId) {
    return new String[] {"ingest", "--config", conf.toString(), "--run-id", runId, "--store", store.toString()};
  }

  private static String[] append(String[] args, String extra) {
    String[] out = java.util.Arrays.copyOf(args, args.length + 1);
    out[args.length] = extra;
    return out;
  }

  private Path validConfig() throws IOException {
    return config("""
        pipeline: p
        task: classification
        label: b
        input: {path: "%s", format: csv}
        columns: [{name: a, type: int}, {name: b, type: string}]
        """);
  }

  private Path config(String yaml) throws IOException {
    return Files.writeString(tmp.resolve("p.yaml"), yaml.formatted(data));
  }

  private java.util.List<Path> leftovers() throws IOException {
    Path run = store.resolve("p/r1");
    if (!Files.exists(run)) {
      return java.util.List.of();
    }
    try (Stream<Path> s = Files.list(run)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".ingest.")).toList();
    }
  }

  private static JsonNode json(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }
}
