package dev.duet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.duet.testing.Cli;
import dev.duet.testing.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.util.ReflectionUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A generated corpus of hostile inputs, each run through the ingest command end to end, each
 * with its outcome stated: so many clean rows (and a fact about them that a silent misread would
 * break) and so many rows per quarantine rule, or exit 2 with one line naming the file and the
 * problem. Never a silently wrong value, never exit 1. The README's "Hostile input" table lists
 * the same outcomes.
 */
class IngestHostileCorpusTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final SparkSession spark = SparkTestSession.get();
  @TempDir
  Path tmp;

  /** One input kind: its files, how it is declared, and what ingest must make of it. */
  record Kind(String name, String format, String columns, Map<String, byte[]> files, Outcome outcome) {
    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * Either {@code clean} rows, with {@code rules} counts and every clean row satisfying
   * {@code holds} (Spark SQL), or {@code exitTwo}: the one error line ({@code {in}} is the input dir).
   *
   * @param rejected rows of the quarantine kept at ingest.rejected/ after an exit 2 (-1: none kept)
   */
  record Outcome(long clean, Map<String, Long> rules, String holds, String exitTwo, long rejected) {}

  static Stream<Kind> corpus() throws IOException {
    List<Kind> kinds = new ArrayList<>();
    String idX = "[{name: id, type: int}, {name: x, type: double}, {name: y, type: string}]";
    kinds.add(kind("csv files whose headers list the columns in other orders", "csv", idX,
        clean(3, "x = id + 0.5 and y = char(96 + id)"),
        "a.csv", "id,x,y\n1,1.5,a\n2,2.5,b\n", "b.csv", "y,id,x\nc,3,3.5\n"));
    kinds.add(kind("a csv file with an extra column the config does not declare", "csv", idX,
        clean(2, "x = id + 0.5 and y = char(96 + id)"),
        "a.csv", "id,x,y\n1,1.5,a\n", "b.csv", "id,x,z,y\n2,2.5,zz,b\n"));
    kinds.add(kind("a csv file that lacks a declared column", "csv", idX,
        exitTwo("Column y is declared in columns but file:{in}/b.csv has no such column (it has: id, x)"),
        "a.csv", "id,x,y\n1,1.5,a\n", "b.csv", "id,x\n3,3.5\n"));
    String idN = "[{name: id, type: int}, {name: n, type: int}]";
    kinds.add(kind("integers written as fractions, exponents or with thousands separators", "csv", idN,
        clean(3, Map.of("type:n", 3L), "n in (7, 1, 1000)"),
        "a.csv", "id,n\n1,7\n2,1.0\n3,1e3\n4,1.5\n5,\"1,000\"\n6,2.5e-1\n"));
    kinds.add(kind("an integer beyond the int range", "csv", idN, clean(1, Map.of("type:n", 1L), "n = 2147483647"),
        "a.csv", "id,n\n1,2147483647\n2,2147483648\n"));
    kinds.add(kind("a date column holding a time and an offset, or a year alone", "csv",
        "[{name: id, type: int}, {name: d, type: date}]", clean(1, Map.of("type:d", 2L), "d = date'2024-01-02'"),
        "a.csv", "id,d\n1,2024-01-01T23:30:00+05:00\n2,2024-01-02\n3,2024\n"));
    kinds.add(kind("timestamps with zone offsets: the same instants in UTC", "csv",
        "[{name: id, type: int}, {name: t, type: timestamp}]",
        clean(2, "t = timestamp'2024-01-01 05:00:00'"),
        "a.csv", "id,t\n1,2024-01-01T10:00:00+05:00\n2,2024-01-01T06:00:00+01:00\n"));
    String idV = "[{name: id, type: int}, {name: v, type: double}]";
    kinds.add(kind("NaN and infinities in any case: quarantined by default", "csv", idV,
        clean(1, Map.of("non_finite:v", 6L), "v = 1.5"),
        "a.csv", "id,v\n1,NaN\n2,Infinity\n3,inf\n4,-Infinity\n5,nan\n6,-INF\n7,1.5\n"));
    kinds.add(kind("NaN and infinities kept when the column says non_finite: keep", "csv",
        "[{name: id, type: int}, {name: v, type: double, non_finite: keep}]",
        clean(3, "isnan(v) or abs(v) = double('inf') or v = 1.5"),
        "a.csv", "id,v\n1,NaN\n2,-Infinity\n3,1.5\n"));
    // A bounded column (MNIST's pixels) passes one gate per row, NOT coalesce(v >= min AND v <= max, false):
    // each value it lets through or stops must still meet its own rule.
    kinds.add(kind("a double column with both bounds: NaN, infinities, blanks, text and out-of-range values by their rules",
        "csv", "[{name: id, type: int}, {name: v, type: double, nulls: quarantine, min: 0, max: 1}]",
        clean(3, Map.of("non_finite:v", 3L, "null:v", 1L, "type:v", 1L, "range:v", 2L), "v in (0, 0.5, 1)"),
        "a.csv", "id,v\n1,0\n2,1\n3,0.5\n4,NaN\n5,Infinity\n6,-Infinity\n7,\n8,abc\n9,1.5\n10,-0.5\n"));
    kinds.add(kind("a double column with one bound and nulls kept: a blank passes, what did not cast does not", "csv",
        "[{name: id, type: int}, {name: v, type: double, nulls: keep, min: 0}]",
        clean(2, Map.of("non_finite:v", 2L, "range:v", 1L, "type:v", 1L), "v = 2.5 or (id = 2 and v is null)"),
        "a.csv", "id,v\n1,2.5\n2,\n3,Infinity\n4,NaN\n5,-1\n6,x\n"));
    String idT = "[{name: id, type: int}, {name: t, type: string}]";
    kinds.add(kind("a quoted field that spans lines (RFC 4180)", "csv", idT,
        clean(3, "(id = 1 and t = 'hello\nworld') or (id = 2 and t = 'plain') or (id = 3 and t = 'a,\nb')"),
        "a.csv", "id,t\n1,\"hello\nworld\"\n2,plain\n3,\"a,\nb\"\n"));
    kinds.add(kind("one file of several with a multi-line field", "csv", idT, clean(4, "t in ('x', 'y', 'one\ntwo')"),
        "a.csv", "id,t\n1,x\n2,y\n", "b.csv", "id,t\n3,\"one\ntwo\"\n4,x\n"));
    kinds.add(kind("malformed lines with quotes that never close: quarantined, the rest read line by line", "csv",
        "[{name: id, type: int}, {name: t, type: string}, {name: u, type: string}]",
        clean(3, Map.of("parse", 2L), "id in (2, 3, 5) and t in ('x', 'y', 'z')"),
        "a.csv", "id,t,u\n1,\"oops,a\n2,x,b\n3,y,c\n4,\"again,d\n5,z,e\n"));
    kinds.add(kind("a line end inside a quoted field kept as it is: \\r\\n in a file of \\r\\n lines and of \\n lines",
        "csv", idT, clean(4, "(id = 1 and t = 'a\r\nb') or (id = 2 and t = 'x') or (id = 3 and t = 'c\r\nd')"
            + " or (id = 4 and t = 'e\nf')"),
        "a.csv", "id,t\r\n1,\"a\r\nb\"\r\n2,x\r\n", "b.csv", "id,t\n3,\"c\r\nd\"\n4,\"e\nf\"\n"));
    kinds.add(kind("quotes escaped by doubling them (RFC 4180)", "csv", idT,
        clean(2, "t in ('say \"hi\"', 'a,b')"), "a.csv", "id,t\n1,\"say \"\"hi\"\"\"\n2,\"a,b\"\n"));
    kinds.add(kind("records with too few or too many fields", "csv",
        "[{name: id, type: int}, {name: a, type: int}, {name: b, type: int}]", clean(1, Map.of("parse", 2L), "b = 4"),
        "a.csv", "id,a,b\n1,2\n2,3,4\n3,4,5,6\n"));
    kinds.add(kind("windows line endings", "csv", idT, clean(2, "t in ('x', 'y')"), "a.csv", "id,t\r\n1,x\r\n2,y\r\n"));
    kinds.add(kind("a header with a byte-order mark", "csv", idT, clean(1, "id = 1 and t = 'x'"),
        "a.csv", "\uFEFFid,t\n1,x\n"));
    kinds.add(kind("blank and repeated header names the config does not use", "csv", idT,
        clean(1, "id = 1 and t = 'x'"), "a.csv", "id, ,q,q,t\n1,a,b,c,x\n"));
    kinds.add(kind("a declared column named twice in the header", "csv", idT,
        exitTwo("Column t appears 2 times in the header of file:{in}/a.csv: ingest cannot tell which one is meant"),
        "a.csv", "id,t,t\n1,x,y\n"));
    kinds.add(kind("gzip-compressed csv", "csv", idT, clean(2, "t in ('x', 'y')"),
        "a.csv.gz", compressed("org.apache.hadoop.io.compress.GzipCodec", "id,t\n1,x\n2,y\n")));
    kinds.add(kind("bzip2-compressed csv", "csv", idT, clean(2, "t in ('x', 'y')"),
        "a.csv.bz2", compressed("org.apache.hadoop.io.compress.BZip2Codec", "id,t\n1,x\n2,y\n")));
    kinds.add(kind("deflate-compressed csv", "csv", idT, clean(2, "t in ('x', 'y')"),
        "a.csv.deflate", compressed("org.apache.hadoop.io.compress.DefaultCodec", "id,t\n1,x\n2,y\n")));
    kinds.add(kind("an empty file and a header-only file among data files", "csv", idT, clean(2, "t in ('x', 'y')"),
        "a.csv", "id,t\n1,x\n", "b.csv", "", "c.csv", "id,t\n", "d.csv", "id,t\n2,y\n"));
    kinds.add(kind("marker, checksum and hidden files beside the data", "csv", idT, clean(1, "t = 'x'"),
        "a.csv", "id,t\n1,x\n", "_SUCCESS", "", ".a.csv.crc", "\u0001\u0002", ".notes", "id,t\n9,hidden\n"));
    kinds.add(kind("a stray text file among the data files", "csv", idT,
        exitTwo("Columns id, t are declared in columns but file:{in}/README.md has no such column (it has: # Flights)"),
        "README.md", "# Flights\nexported nightly\n", "a.csv", "id,t\n1,x\n"));
    kinds.add(kind("text that is not valid UTF-8", "csv", idT, clean(1, Map.of("encoding:t", 1L), "t = 'x'"),
        "a.csv", bytes("id,t\n1,x\n2,", new byte[] {(byte) 0xC3, (byte) 0x28}, "\n")));
    kinds.add(kind("text that is not valid UTF-8, kept when the column says undecodable: keep", "csv",
        "[{name: id, type: int}, {name: t, type: string, undecodable: keep}]",
        clean(2, "t = 'x' or (id = 2 and t = '\uFFFD(')"),
        "a.csv", bytes("id,t\n1,x\n2,", new byte[] {(byte) 0xC3, (byte) 0x28}, "\n")));
    kinds.add(kind("no row passes the rules: the quarantine is kept", "csv", idN,
        rejected(2, "No row of file:{in} passes the rules (type:n 2): nothing is published; first reasons:"
            + " n='a' is not a int | n='b' is not a int; the quarantine is kept at file:{store}/h/r/ingest.rejected"),
        "a.csv", "id,n\n1,a\n2,b\n"));
    StringBuilder mostlyBroken = new StringBuilder("id,n\n1,1\n");
    for (int id = 2; id <= 20; id++) {
      mostlyBroken.append(id).append(",x\n");
    }
    kinds.add(kind("19 rows of 20 quarantined: past input.max_quarantined_share, nothing is published", "csv", idN,
        rejected(19, "19 of the 20 rows of file:{in} are quarantined (95.0%, above input.max_quarantined_share 0.9;"
            + " type:n 19): nothing is published; first reasons: n='x' is not a int; the quarantine is kept at"
            + " file:{store}/h/r/ingest.rejected"), "a.csv", mostlyBroken.toString()));
    kinds.add(kind("half the rows quarantined: a messy table still publishes", "csv", idN,
        clean(2, Map.of("type:n", 2L), "n in (1, 3)"), "a.csv", "id,n\n1,1\n2,a\n3,3\n4,b\n"));
    kinds.add(kind("a declared column that is null in every row", "csv",
        "[{name: id, type: int}, {name: n, type: int, nulls: keep}]",
        exitTwo("Column n is null in all 2 clean rows of file:{in}: check its name and the input (nothing is published)"),
        "a.csv", "id,n\n1,\n2,\n"));
    String jsonIdT = "[{name: id, type: int}, {name: t, type: string}]";
    kinds.add(kind("json: an object where a string column is declared", "json", jsonIdT,
        clean(1, Map.of("parse", 1L), "t = 'ok'"), "a.json", "{\"id\":1,\"t\":{\"a\":1}}\n{\"id\":2,\"t\":\"ok\"}\n"));
    kinds.add(kind("json: an array where an int column is declared", "json", jsonIdT,
        clean(1, Map.of("parse", 1L), "id = 2"), "a.json", "{\"id\":[1,2],\"t\":\"x\"}\n{\"id\":2,\"t\":\"y\"}\n"));
    kinds.add(kind("json: a line that is a top-level array", "json", jsonIdT, clean(1, Map.of("parse", 1L), "id = 3"),
        "a.json", "[{\"id\":1,\"t\":\"a\"},{\"id\":2,\"t\":\"b\"}]\n{\"id\":3,\"t\":\"c\"}\n"));
    kinds.add(kind("json: a key given twice", "json", jsonIdT, clean(1, Map.of("parse", 1L), "id = 3"),
        "a.json", "{\"id\":1,\"t\":\"a\",\"t\":\"b\"}\n{\"id\":3,\"t\":\"c\"}\n"));
    kinds.add(kind("json: a malformed line and blank lines", "json", jsonIdT, clean(1, Map.of("parse", 1L), "id = 3"),
        "a.json", "{\"id\":1,\"t\":\n\n{\"id\":3,\"t\":\"c\"}\n   \n"));
    kinds.add(kind("json: an array of one record a line, each line ending in a comma", "json", jsonIdT,
        clean(3, "t = char(96 + id)"), "a.json", "[{\"id\":1,\"t\":\"a\"},\n{\"id\":2,\"t\":\"b\"},\n{\"id\":3,\"t\":\"c\"}]\n"));
    kinds.add(kind("json: a minified array on one line", "json", jsonIdT, clean(2, "t = char(96 + id)"),
        "a.json", "[{\"id\":1,\"t\":\"a\"},{\"id\":2,\"t\":\"b\"}]"));
    kinds.add(kind("json: an array cut short, a scalar element and an element that is an array", "json", jsonIdT,
        clean(2, Map.of("parse", 3L), "t = char(96 + id)"),
        "a.json", "[\n{\"id\":1,\"t\":\"a\"},\n7,\n[{\"id\":5}],\n{\"id\":2,\"t\":\"b\"},\n{\"id\":3,\"t"));
    kinds.add(kind("json: gzip-compressed lines", "json", jsonIdT, clean(2, "t in ('a', 'b')"),
        "a.json.gz", compressed("org.apache.hadoop.io.compress.GzipCodec", "{\"id\":1,\"t\":\"a\"}\n{\"id\":2,\"t\":\"b\"}\n")));
    kinds.add(kind("parquet files that give a column different types", "parquet",
        "[{name: id, type: int}, {name: v, type: double}]",
        exitTwo("Column v is INT32 in file:{in}/a.parquet but DOUBLE in file:{in}/b.parquet: every Parquet file of"
            + " input.path must give a column one type"), "a.parquet", "id INT, v INT:1,2", "b.parquet", "id INT, v DOUBLE:2,2.5"));
    kinds.add(kind("a file that is not parquet among parquet files", "parquet",
        "[{name: id, type: int}, {name: v, type: double}]",
        exitTwo("Cannot read file:{in}/notes.txt as Parquet: "), "a.parquet", "id INT, v DOUBLE:1,2.5", "notes.txt", "hello\n"));
    kinds.add(kind("parquet: NaN in a double column", "parquet", "[{name: id, type: int}, {name: v, type: double}]",
        clean(1, Map.of("non_finite:v", 1L), "v = 2.5"), "a.parquet", "id INT, v DOUBLE:1,2.5;2,NaN"));
    return kinds.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void everyHostileInputEndsInCleanRowsAQuarantineWithAReasonOrExitTwo(Kind kind) throws IOException {
    Path in = Files.createDirectories(tmp.resolve("in"));
    for (Map.Entry<String, byte[]> f : kind.files().entrySet()) {
      if (f.getKey().endsWith(".parquet")) {
        writeParquet(in.resolve(f.getKey()), new String(f.getValue(), StandardCharsets.UTF_8));
      } else {
        Files.write(in.resolve(f.getKey()), f.getValue());
      }
    }
    Path store = tmp.resolve("store");
    Path config = Files.writeString(tmp.resolve("c.yaml"), """
        pipeline: h
        task: regression
        label: id
        input: {path: "%s", format: %s}
        columns: %s
        split: {test_fraction: 0.2, seed: 1}
        """.formatted(in, kind.format(), kind.columns()));
    Cli r = Cli.capture((out, err) -> DuetMain.execute(new String[] {"ingest", "--config", config.toString(),
        "--store", store.toString(), "--run-id", "r"}, out, err, spark));
    Outcome expected = kind.outcome();
    if (expected.exitTwo() != null) {
      assertThat(r.exitCode()).as(r.err()).isEqualTo(DuetMain.USAGE);
      String line = "duet ingest: " + expected.exitTwo().replace("{in}", in.toString()).replace("{store}", store.toString());
      assertThat(r.errLines()).singleElement().asString().startsWith(line);
      assertThat(store.resolve("h/r/ingest")).as("nothing published").doesNotExist();
      if (expected.rejected() >= 0) {
        assertThat(spark.read().parquet(store.resolve("h/r/ingest.rejected").toString()).count())
            .isEqualTo(expected.rejected());
      }
      return;
    }
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path stage = store.resolve("h/r/ingest");
    Dataset<Row> clean = spark.read().parquet(stage.resolve("clean").toString());
    assertThat(clean.count()).as("clean rows").isEqualTo(expected.clean());
    assertThat(clean.where("not (" + expected.holds() + ") or (" + expected.holds() + ") is null").collectAsList())
        .as("clean rows that break: " + expected.holds()).isEmpty();
    JsonNode quality = JSON.readTree(stage.resolve("quality.json").toFile());
    Map<String, Long> rules = new LinkedHashMap<>();
    quality.at("/quarantine_by_rule").fields().forEachRemaining(e -> rules.put(e.getKey(), e.getValue().asLong()));
    assertThat(rules).as("quarantined rows by rule").isEqualTo(expected.rules());
    assertThat(quality.at("/rows/quarantined_share").asDouble()).as("share of the rows read")
        .isEqualTo((double) quality.at("/rows/quarantined").asLong() / quality.at("/rows/read").asLong());
    Dataset<Row> quarantine = spark.read().parquet(stage.resolve("quarantine").toString());
    assertThat(quarantine.where("reason is null or raw_record is null or source_file is null").count())
        .as("every quarantined row keeps its record, reason and file").isZero();
  }

  private static Kind kind(String name, String format, String columns, Outcome outcome, Object... files) {
    Map<String, byte[]> contents = new LinkedHashMap<>();
    for (int i = 0; i < files.length; i += 2) {
      Object f = files[i + 1];
      contents.put((String) files[i], f instanceof byte[] b ? b : ((String) f).getBytes(StandardCharsets.UTF_8));
    }
    return new Kind(name, format, columns, contents, outcome);
  }

  private static Outcome clean(long rows, String holds) {
    return new Outcome(rows, Map.of(), holds, null, -1);
  }

  private static Outcome clean(long rows, Map<String, Long> rules, String holds) {
    return new Outcome(rows, rules, holds, null, -1);
  }

  /** Exit 2 with {@code line}, the quarantine of {@code rows} rows kept at ingest.rejected/. */
  private static Outcome rejected(long rows, String line) {
    return new Outcome(-1, Map.of(), null, line, rows);
  }

  private static Outcome exitTwo(String line) {
    return new Outcome(-1, Map.of(), null, line, -1);
  }

  private static byte[] compressed(String codecClass, String text) {
    try {
      CompressionCodec codec = (CompressionCodec) ReflectionUtils.newInstance(Class.forName(codecClass), new Configuration());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (OutputStream out = codec.createOutputStream(bytes)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      return bytes.toByteArray();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] bytes(String before, byte[] middle, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(middle);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** {@code "<DDL schema>:<row>;<row>"}, written by Spark as one Parquet file named {@code file}. */
  private void writeParquet(Path file, String spec) throws IOException {
    String[] parts = spec.split(":", 2);
    List<String> rows = new ArrayList<>();
    for (String row : parts[1].split(";")) {
      rows.add("(" + String.join(", ", java.util.Arrays.stream(row.split(","))
          .map(v -> v.equals("NaN") ? "double('NaN')" : v).toList()) + ")");
    }
    Path dir = file.resolveSibling(file.getFileName() + ".dir");
    spark.sql("select * from values " + String.join(", ", rows) + " as t(" + parts[0].replaceAll(" \\w+(,|$)", "$1") + ")")
        .selectExpr(java.util.Arrays.stream(parts[0].split(",\\s*")).map(d -> "cast(" + d.split(" ")[0] + " as "
            + d.split(" ")[1] + ") as " + d.split(" ")[0]).toArray(String[]::new))
        .coalesce(1).write().parquet(dir.toString());
    try (Stream<Path> written = Files.list(dir)) {
      Path part = written.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
      Files.move(part, file);
    }
    try (Stream<Path> rest = Files.walk(dir)) {
      rest.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
