package dev.duet.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.duet.config.ConfigLoader;
import dev.duet.config.PipelineConfig;
import dev.duet.contracts.InputException;
import dev.duet.testing.MessyCsv;
import dev.duet.testing.SparkTestSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestJobTest {
  private final SparkSession spark = SparkTestSession.get();

  @TempDir
  Path tmp;

  @Test
  void accountsForEveryRowOfAMessyCsv() throws IOException {
    MessyCsv csv = MessyCsv.write(tmp.resolve("messy.csv"), 20_000, 1_000, 7);
    assertThat(csv.bad()).as("bad rows in the fixture").isGreaterThanOrEqualTo(10_000);

    IngestResult r = ingest(String.format(MessyCsv.CONFIG, csv.file));

    Map<String, Long> expectedRules = new HashMap<>();
    csv.written.forEach((kind, n) -> {
      if (!kind.equals("clean") && !kind.equals("duplicate")) {
        expectedRules.put(kind, (long) n);
      }
    });
    assertThat(r.byRule()).as("rows per rule").isEqualTo(expectedRules);
    assertThat(r.read()).isEqualTo(csv.total());
    assertThat(r.clean()).isEqualTo(20_000);
    assertThat(r.duplicatesRemoved()).isEqualTo(1_000);
    assertThat(r.dropped()).isEqualTo(1_000);
    assertThat(r.quarantined()).isEqualTo(csv.bad() - 2_000);
    assertThat(r.read()).isEqualTo(r.clean() + r.quarantined() + r.duplicatesRemoved() + r.dropped());
    assertThat(r.quality().at("/rows/read").asLong()).isEqualTo(csv.total());
    assertThat(r.quality().at("/quarantine_by_rule/parse").asLong()).isEqualTo(3_000);
    assertThat(r.quality().at("/dropped_by_rule/drop:city").asLong()).isEqualTo(1_000);

    Dataset<Row> quarantine = spark.read().parquet(tmp.resolve("out/quarantine").toString());
    assertThat(quarantine.columns()).containsExactly("raw_record", "rule", "reason", "source_file");
    assertThat(quarantine.count()).isEqualTo(r.quarantined());
    assertThat(quarantine.where("source_file IS NULL OR NOT source_file LIKE '%messy.csv'").count())
        .as("every quarantined row names its file").isZero();
    List<String> parseRecords = quarantine.where("rule = 'parse'").select("raw_record").as(
        org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(parseRecords).as("unparsed rows keep their raw text")
        .allSatisfy(raw -> assertThat(raw).matches("\\d+,.*"))
        .anySatisfy(raw -> assertThat(raw).endsWith(",extra,fields"));
    assertThat(reason(quarantine, "type:amount")).matches("amount='12.x5' is not a double");
    assertThat(reason(quarantine, "type:when")).isEqualTo("when='2024-13-45 99:99' is not a timestamp in format yyyy-MM-dd HH:mm");
    assertThat(reason(quarantine, "allowed:code")).isEqualTo("code='Z' is not an allowed value");
    assertThat(reason(quarantine, "encoding:city")).startsWith("city holds bytes that are not valid text");
    assertThat(quarantine.where("rule = 'range:amount'").select("reason").distinct().count()).isEqualTo(2);
    assertThat(quarantine.where("rule = 'type:qty'").first().getString(0)).as("raw record as JSON")
        .contains("\"qty\":\"three\"");

    Dataset<Row> clean = spark.read().parquet(tmp.resolve("out/clean").toString());
    assertThat(clean.count()).isEqualTo(20_000);
    assertThat(clean.select("row_id").distinct().count()).as("one unique row id per clean row").isEqualTo(20_000);
    assertThat(clean.select("code").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .as("trimmed and upper-cased").containsExactlyInAnyOrder("A", "B", "C");
    assertThat(clean.where("city <> 'Bergen'").count()).as("trimmed city").isZero();
    assertThat(clean.where("qty IS NULL").count()).as("qty imputed").isZero();
    assertThat(r.quality().at("/imputed/qty").asLong()).isPositive();
  }

  @Test
  void appliesEachCleaningRule() throws IOException {
    Path csv = write("rules.csv", """
        k,ts,v,s,n
        1,2024-03-04 05:06:07,10,  hello   world ,
        1,2024-03-04 05:06:07,10,  hello   world ,
        2,2024-12-31 23:00:00,20,x,5
        3,2024-01-01 00:00:00,30,Yy,7
        4,,40,z,9
        """);
    IngestResult r = ingest("""
        pipeline: rules
        task: regression
        label: v
        input: {path: "%s", format: csv}
        columns:
          - {name: k, type: int}
          - {name: ts, type: timestamp, nulls: impute, impute: "2000-01-01 00:00:00"}
          - {name: v, type: double, nulls: impute, impute: median}
          - {name: s, type: string, trim: true, collapse_spaces: true, case: lower, pattern: "[a-z ]+"}
          - {name: n, type: int, nulls: impute, impute: "-1"}
        dedup: [k]
        derive:
          - {name: hour, from: ts, part: hour}
          - {name: weekday, from: ts, part: weekday}
          - {name: month, from: ts, part: month}
          - {name: high, from: v, above: 25}
          - {name: label_text, expr: "concat(s, '-', k)"}
        """.formatted(csv));

    assertThat(r.read()).isEqualTo(5);
    assertThat(r.duplicatesRemoved()).isEqualTo(1);
    Map<Integer, Row> rows = spark.read().parquet(tmp.resolve("out/clean").toString()).collectAsList().stream()
        .collect(Collectors.toMap(row -> row.getInt(row.fieldIndex("k")), row -> row));
    Row one = rows.get(1);
    assertThat(one.<String>getAs("s")).as("trim, collapse, lower").isEqualTo("hello world");
    assertThat(one.<Integer>getAs("n")).as("constant imputation").isEqualTo(-1);
    assertThat(one.<Integer>getAs("hour")).isEqualTo(5);
    assertThat(one.<Integer>getAs("weekday")).as("2024-03-04 is a Monday").isEqualTo(1);
    assertThat(one.<Integer>getAs("month")).isEqualTo(3);
    assertThat(one.<Integer>getAs("high")).isZero();
    assertThat(one.<String>getAs("label_text")).isEqualTo("hello world-1");
    assertThat(rows.get(2).<Integer>getAs("weekday")).as("2024-12-31 is a Tuesday").isEqualTo(2);
    assertThat(rows.get(3).<String>getAs("s")).isEqualTo("yy");
    assertThat(rows.get(3).<Integer>getAs("high")).isEqualTo(1);
    assertThat(rows.get(4).getTimestamp(rows.get(4).fieldIndex("ts")).toInstant().toString())
        .as("timestamp imputed with the constant").isEqualTo("2000-01-01T00:00:00Z");
    assertThat(rows.get(4).<Integer>getAs("weekday")).as("2000-01-01 is a Saturday").isEqualTo(6);
    assertThat(r.quality().at("/imputed/ts").asLong()).isEqualTo(1);
    assertThat(r.quality().at("/columns/s/top_values/0/value").asText()).isIn("hello world", "x", "yy", "z");
  }

  @Test
  void imputesTheMedianOfTheCleanRows() throws IOException {
    Path csv = write("median.csv", "id,v\na,1\nb,2\nc,\nd,100\ne,3\nf,-50\n");
    IngestResult r = ingest("""
        pipeline: median
        task: regression
        label: v
        input: {path: "%s", format: csv}
        columns: [{name: id, type: string}, {name: v, type: double, nulls: impute, impute: median, min: 0}]
        """.formatted(csv));
    assertThat(r.byRule()).containsExactly(Map.entry("range:v", 1L));
    List<Double> values = spark.read().parquet(tmp.resolve("out/clean").toString()).select("v").orderBy("v")
        .as(org.apache.spark.sql.Encoders.DOUBLE()).collectAsList();
    assertThat(values).as("median of 1,2,3,100 (the out-of-range row does not count)").containsExactly(1.0, 2.0, 2.0, 3.0, 100.0);
    assertThat(spark.read().parquet(tmp.resolve("out/clean").toString()).select("row_id").distinct().count())
        .as("row ids survive the median rewrite").isEqualTo(5);
  }

  @Test
  void quarantinesMalformedJsonLines() throws IOException {
    Path json = write("rows.json", """
        {"id": 1, "name": "a", "score": 0.5}
        {"id": 2, "name": "b", "score": "high"}
        {"id": 3, "name": "c"
        not json at all
        {"id": 5, "name": "e", "score": 2.5}
        """);
    IngestResult r = ingest("""
        pipeline: json
        task: regression
        label: score
        input: {path: "%s", format: json}
        columns:
          - {name: id, type: long}
          - {name: name, type: string}
          - {name: score, type: double, max: 1}
        """.formatted(json));
    assertThat(r.read()).isEqualTo(5);
    assertThat(r.clean()).isEqualTo(1);
    assertThat(r.byRule()).isEqualTo(Map.of("parse", 2L, "type:score", 1L, "range:score", 1L));
    List<String> raw = spark.read().parquet(tmp.resolve("out/quarantine").toString()).where("rule = 'parse'")
        .select("raw_record").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(raw).containsExactlyInAnyOrder("{\"id\": 3, \"name\": \"c\"", "not json at all");
  }

  @Test
  void castsParquetColumnsAndCatchesOverflow() {
    Path parquet = tmp.resolve("typed.parquet");
    spark.sql("SELECT * FROM VALUES (1L, 1.5D), (3000000000L, 2.0D), (7L, 7.25D) AS t(n, x)")
        .coalesce(1).write().parquet(parquet.toString());
    IngestResult r = ingest("""
        pipeline: typed
        task: regression
        label: x
        input: {path: "%s", format: parquet}
        columns:
          - {name: n, type: int}
          - {name: x, type: float}
        """.formatted(parquet));
    assertThat(r.byRule()).isEqualTo(Map.of("type:n", 1L));
    Dataset<Row> clean = spark.read().parquet(tmp.resolve("out/clean").toString());
    assertThat(clean.schema().apply("n").dataType().simpleString()).isEqualTo("int");
    assertThat(clean.schema().apply("x").dataType().simpleString()).isEqualTo("float");
  }

  @Test
  void readsADirectoryOfManySmallFiles() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("parts"));
    for (int i = 0; i < 60; i++) {
      Files.writeString(dir.resolve("part-" + i + ".csv"), "a,b\n" + i + ",x\n" + i + ",y\n" + (i == 7 ? "oops,z\n" : ""));
    }
    IngestResult r = ingest("""
        pipeline: parts
        task: classification
        label: b
        input: {path: "%s", format: csv}
        columns: [{name: a, type: int}, {name: b, type: string}]
        """.formatted(dir));
    assertThat(r.read()).isEqualTo(121);
    assertThat(r.clean()).isEqualTo(120);
    Row bad = spark.read().parquet(tmp.resolve("out/quarantine").toString()).first();
    assertThat(bad.getString(1)).isEqualTo("type:a");
    assertThat(bad.getString(3)).endsWith("/parts/part-7.csv");
  }

  @Test
  void refusesAnInputWithNoRows() throws IOException {
    Path csv = write("header-only.csv", "a,b\n");
    assertThatThrownBy(() -> ingest("""
        pipeline: empty
        task: classification
        label: b
        input: {path: "%s", format: csv}
        columns: [{name: a, type: int}, {name: b, type: string}]
        """.formatted(csv)))
        .isInstanceOf(InputException.class)
        .hasMessageContaining("holds no rows");
  }

  @Test
  void splitsBySeededHashTheSameWayEveryTime() throws IOException {
    StringBuilder rows = new StringBuilder("id,v\n");
    for (int i = 0; i < 5_000; i++) {
      rows.append(i).append(',').append(i % 7).append('\n');
    }
    Path csv = write("split.csv", rows.toString());
    String config = """
        pipeline: split
        task: regression
        label: v
        input: {path: "%s", format: csv}
        columns: [{name: id, type: int}, {name: v, type: double}]
        split: {key: [id], test_fraction: 0.3, seed: %d}
        """;
    List<Integer> first = testIds(config.formatted(csv, 11), "a");
    List<Integer> again = testIds(config.formatted(csv, 11), "b");
    List<Integer> otherSeed = testIds(config.formatted(csv, 12), "c");
    assertThat(again).as("same seed, same test rows").isEqualTo(first);
    assertThat(otherSeed).as("another seed, other rows").isNotEqualTo(first);
    assertThat(first.size() / 5_000.0).as("test fraction").isCloseTo(0.3, org.assertj.core.data.Offset.offset(0.03));
  }

  private List<Integer> testIds(String config, String out) {
    ingest(config, tmp.resolve(out));
    return spark.read().parquet(tmp.resolve(out).resolve("clean").toString()).where("split = 'test'")
        .orderBy("id").select("id").as(org.apache.spark.sql.Encoders.INT()).collectAsList();
  }

  private IngestResult ingest(String yaml) {
    return ingest(yaml, tmp.resolve("out"));
  }

  private IngestResult ingest(String yaml, Path out) {
    PipelineConfig config = ConfigLoader.parse(yaml, "test");
    SourceDescription source = SourceProbe.probe(config, new Configuration());
    assertThat(SourceProbe.missingColumns(config, source)).isEmpty();
    return new IngestJob(spark, config, source, new org.apache.hadoop.fs.Path(out.toUri())).run();
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(tmp.resolve(name), text, StandardCharsets.UTF_8);
  }

  private static String reason(Dataset<Row> quarantine, String rule) {
    return quarantine.where(org.apache.spark.sql.functions.col("rule").equalTo(rule)).first().getString(2);
  }
}
