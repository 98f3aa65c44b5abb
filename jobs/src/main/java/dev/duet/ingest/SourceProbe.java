package dev.duet.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import dev.duet.config.ConfigException;
import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.Format;
import dev.duet.config.PipelineConfig.InputConfig;
import dev.duet.ingest.SourceDescription.Layout;
import dev.duet.store.ContentHash;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;

/**
 * Looks at the input before Spark starts: that it exists and holds data, and which columns it
 * has (every CSV file's header, the JSON keys of the first records, every Parquet footer), read
 * through the same decompression codecs as Spark's readers, so a config naming a column the data
 * lacks, a file whose header differs, or Parquet files that disagree on a column's type are
 * rejected up front with the file named.
 */
public final class SourceProbe {
  private static final int JSON_RECORDS_SAMPLED = 100;
  /** How much of a JSON file's start tells a document from JSON lines. */
  private static final int JSON_HEAD_CHARS = 1 << 16;
  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private SourceProbe() {}

  /** The input's data files and columns; {@link ConfigException} if it is missing, empty or inconsistent. */
  public static SourceDescription probe(PipelineConfig config, Configuration hadoopConf) {
    InputConfig input = config.input();
    try {
      Path path = new Path(input.path());
      FileSystem fs = path.toUri().getScheme() == null ? FileSystem.getLocal(hadoopConf) : path.getFileSystem(hadoopConf);
      path = fs.makeQualified(path);
      List<FileStatus> files;
      try {
        files = ContentHash.dataFiles(fs, path);
      } catch (FileNotFoundException e) {
        throw new ConfigException("Cannot read input.path " + input.path() + ": no such file or directory");
      }
      long bytes = files.stream().mapToLong(FileStatus::getLen).sum();
      if (files.isEmpty() || bytes == 0) {
        throw new ConfigException("Cannot ingest input.path " + input.path() + ": it holds no data ("
            + files.size() + " files, 0 bytes)");
      }
      List<FileStatus> nonEmpty = files.stream().filter(f -> f.getLen() > 0).toList();
      CompressionCodecFactory codecs = new CompressionCodecFactory(hadoopConf);
      List<Layout> layouts = switch (input.format()) {
        case CSV -> csvLayouts(fs, codecs, nonEmpty, input);
        case JSON -> jsonLayouts(fs, codecs, nonEmpty, input);
        case PARQUET -> List.of(new Layout(parquetColumns(nonEmpty, hadoopConf, config), paths(nonEmpty)));
      };
      if (layouts.isEmpty()) {
        throw new ConfigException("Cannot ingest input.path " + input.path() + ": its " + files.size()
            + " file(s) hold no data once decompressed");
      }
      return new SourceDescription(fs, path, files, bytes, layouts);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read input " + input.path() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every declared column a file lacks or has twice in its header, one problem each (a CSV file
   * with another column order is fine: each header's files are read by its positions).
   */
  public static List<String> missingColumns(PipelineConfig config, SourceDescription source) {
    List<String> problems = new ArrayList<>();
    for (Layout layout : source.layouts()) {
      if (layout.header().isEmpty()) {
        continue; // CSV without header: columns are positional, named by the config
      }
      String where = config.input().format() == Format.CSV ? layout.files().get(0).toString()
          + (layout.files().size() > 1 ? " (and " + (layout.files().size() - 1) + " more file(s) with its header)" : "")
          : config.input().path();
      List<String> lacking = new ArrayList<>();
      for (ColumnSpec c : config.columns()) {
        int times = Collections.frequency(layout.header(), c.name());
        if (times == 0) {
          lacking.add(c.name());
        } else if (times > 1) {
          problems.add("Column " + c.name() + " appears " + times + " times in the header of " + where
              + ": ingest cannot tell which one is meant");
        }
      }
      if (!lacking.isEmpty()) {
        problems.add((lacking.size() == 1 ? "Column " + lacking.get(0) + " is" : "Columns "
            + abbreviate(new LinkedHashSet<>(lacking)) + " are") + " declared in columns but " + where
            + " has no such column (it has: " + abbreviate(new LinkedHashSet<>(layout.header())) + ")");
      }
    }
    return problems;
  }

  static boolean csvHasHeader(InputConfig input) {
    return Boolean.parseBoolean(input.options().getOrDefault("header", "true"));
  }

  /** The files grouped by header, in file order; a file that is empty once decompressed holds no rows and is left out. */
  private static List<Layout> csvLayouts(FileSystem fs, CompressionCodecFactory codecs, List<FileStatus> files,
      InputConfig input) throws IOException {
    if (!csvHasHeader(input)) {
      return List.of(new Layout(List.of(), paths(files)));
    }
    Map<List<String>, List<Path>> byHeader = new LinkedHashMap<>();
    for (FileStatus f : files) {
      List<String> header = csvHeader(fs, codecs, f.getPath(), input);
      if (header != null) {
        byHeader.computeIfAbsent(header, h -> new ArrayList<>()).add(f.getPath());
      }
    }
    List<Layout> out = new ArrayList<>();
    byHeader.forEach((header, paths) -> out.add(new Layout(header, List.copyOf(paths))));
    return out;
  }

  /** The header's names, trimmed, without a byte-order mark; null for a file with no line. */
  private static List<String> csvHeader(FileSystem fs, CompressionCodecFactory codecs, Path file, InputConfig input)
      throws IOException {
    Charset cs = Charset.forName(input.options().getOrDefault("encoding",
        input.options().getOrDefault("charset", "UTF-8")));
    try (BufferedReader r = new BufferedReader(new InputStreamReader(open(fs, codecs, file), cs))) {
      String line = r.readLine();
      if (line == null) {
        return null;
      }
      if (!line.isEmpty() && line.charAt(0) == BYTE_ORDER_MARK) {
        line = line.substring(1);
      }
      if (line.isBlank()) {
        throw new ConfigException("Cannot read the CSV header of " + file + ": the first line is empty");
      }
      CsvParserSettings settings = new CsvParserSettings();
      String sep = input.options().getOrDefault("sep", input.options().getOrDefault("delimiter", ","));
      settings.getFormat().setDelimiter(sep.equals("\\t") ? "\t" : sep);
      settings.getFormat().setQuote(input.options().getOrDefault("quote", "\"").charAt(0));
      settings.getFormat().setComment('\0'); // as Spark: no comment lines unless the comment option says so
      settings.setMaxColumns(100_000);
      String[] names = new CsvParser(settings).parseLine(line);
      List<String> out = new ArrayList<>();
      for (String n : names == null ? new String[0] : names) {
        out.add(n == null ? "" : n.trim());
      }
      return out;
    }
  }

  /**
   * JSON lines files, then JSON documents: a file is read whole when {@code multiLine} says so or,
   * left unset, when it opens with a top-level array that its first line does not close (a
   * pretty-printed or one-record-a-line export) or that is the whole file (a minified export). A
   * first line that is a whole array with more lines after it is JSON lines, and that line a
   * record that is not an object. The keys are the first records' of each group's first file.
   */
  private static List<Layout> jsonLayouts(FileSystem fs, CompressionCodecFactory codecs, List<FileStatus> files,
      InputConfig input) throws IOException {
    String multiLine = input.options().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("multiLine"))
        .map(Map.Entry::getValue).findFirst().orElse(null);
    List<Path> lines = new ArrayList<>();
    List<Path> documents = new ArrayList<>();
    for (FileStatus f : files) {
      boolean whole = multiLine == null ? opensWithOpenArray(fs, codecs, f.getPath()) : Boolean.parseBoolean(multiLine);
      (whole ? documents : lines).add(f.getPath());
    }
    List<Layout> out = new ArrayList<>();
    if (!lines.isEmpty()) {
      out.add(new Layout(jsonKeys(fs, codecs, lines.get(0), false), lines, false));
    }
    if (!documents.isEmpty()) {
      out.add(new Layout(jsonKeys(fs, codecs, documents.get(0), true), documents, true));
    }
    return out;
  }

  /** Whether the file opens with a "[" that its first line leaves open, or that holds the whole file. */
  private static boolean opensWithOpenArray(FileSystem fs, CompressionCodecFactory codecs, Path file)
      throws IOException {
    char[] head = new char[JSON_HEAD_CHARS];
    int read = 0;
    try (java.io.Reader r = new InputStreamReader(open(fs, codecs, file), StandardCharsets.UTF_8)) {
      for (int more; read < head.length && (more = r.read(head, read, head.length - read)) > 0; ) {
        read += more;
      }
    }
    String text = new String(head, 0, read);
    String body = text.startsWith(String.valueOf(BYTE_ORDER_MARK)) ? text.substring(1) : text;
    String trimmed = body.stripLeading();
    if (!trimmed.startsWith("[")) {
      return false;
    }
    int lineEnd = trimmed.indexOf('\n');
    if (lineEnd < 0) {
      return true; // one line, or a first line longer than the head: a minified array
    }
    if (read == head.length || !trimmed.substring(lineEnd).isBlank()) {
      return !closesOnItsLine(trimmed.substring(0, lineEnd));
    }
    return true; // the whole file is one line holding the array
  }

  /** Whether the line is one whole JSON value and nothing more. */
  private static boolean closesOnItsLine(String line) {
    try (com.fasterxml.jackson.core.JsonParser p = new ObjectMapper().getFactory().createParser(line)) {
      p.nextToken();
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException notWhole) {
      return false;
    }
  }

  /** The keys of the file's first records: its lines, or the elements (or top-level objects) of its document. */
  private static List<String> jsonKeys(FileSystem fs, CompressionCodecFactory codecs, Path file, boolean document)
      throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    Set<String> keys = new LinkedHashSet<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(open(fs, codecs, file), StandardCharsets.UTF_8))) {
      if (document) {
        documentKeys(mapper, r, keys);
        return new ArrayList<>(keys);
      }
      int seen = 0;
      for (String line; seen < JSON_RECORDS_SAMPLED && (line = r.readLine()) != null; ) {
        if (line.isBlank()) {
          continue;
        }
        seen++;
        try {
          JsonNode n = mapper.readTree(line);
          if (n != null && n.isObject()) {
            n.fieldNames().forEachRemaining(keys::add);
          }
        } catch (IOException malformed) {
          // a malformed line is the ingest's business (quarantined), not the probe's
        }
      }
    }
    return new ArrayList<>(keys);
  }

  private static void documentKeys(ObjectMapper mapper, java.io.Reader document, Set<String> keys) {
    try (com.fasterxml.jackson.core.JsonParser p = mapper.getFactory().createParser(document)) {
      int seen = 0;
      for (com.fasterxml.jackson.core.JsonToken t = p.nextToken(); t != null && seen < JSON_RECORDS_SAMPLED;
          t = p.nextToken()) {
        if (t == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
          mapper.readTree(p).fieldNames().forEachRemaining(keys::add);
          seen++;
        }
      }
    } catch (IOException malformed) {
      // the keys of the records before it are the probe's; the broken record is the ingest's to quarantine
    }
  }

  /**
   * The first file's columns, after every file's footer has been read: a file that is not
   * Parquet, or a declared column whose type differs between files, is a problem Spark would
   * only meet mid-read (it takes one file's schema for all).
   */
  private static List<String> parquetColumns(List<FileStatus> files, Configuration conf, PipelineConfig config)
      throws IOException {
    Set<String> declared = new LinkedHashSet<>();
    config.columns().forEach(c -> declared.add(c.name()));
    List<String> first = null;
    Map<String, String> typeOf = new LinkedHashMap<>();
    Map<String, Path> typedBy = new LinkedHashMap<>();
    for (FileStatus f : files) {
      List<Type> fields;
      try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(f.getPath(), conf))) {
        fields = reader.getFooter().getFileMetaData().getSchema().getFields();
      } catch (IOException | RuntimeException e) {
        throw new ConfigException("Cannot read " + f.getPath() + " as Parquet: " + e.getMessage()
            + " (ingest reads every file under input.path but those named _* or .*)");
      }
      List<String> names = new ArrayList<>();
      for (Type t : fields) {
        names.add(t.getName());
        if (!declared.contains(t.getName())) {
          continue;
        }
        String type = t.isPrimitive() ? t.asPrimitiveType().getPrimitiveTypeName().name()
            + (t.getLogicalTypeAnnotation() == null ? "" : " (" + t.getLogicalTypeAnnotation() + ")") : t.toString();
        String before = typeOf.putIfAbsent(t.getName(), type);
        if (before != null && !before.equals(type)) {
          throw new ConfigException("Column " + t.getName() + " is " + before + " in " + typedBy.get(t.getName())
              + " but " + type + " in " + f.getPath() + ": every Parquet file of input.path must give a column one type");
        }
        typedBy.putIfAbsent(t.getName(), f.getPath());
      }
      if (first == null) {
        first = names;
      } else {
        for (String c : declared) {
          if (first.contains(c) && !names.contains(c)) {
            throw new ConfigException("Column " + c + " is declared in columns but " + f.getPath()
                + " has no such column (it has: " + abbreviate(new LinkedHashSet<>(names)) + ")");
          }
        }
      }
    }
    return first;
  }

  /**
   * How the file's first line ends ("\r\n", "\r" or "\n"), as univocity's own detection finds it
   * when Spark reads a file whole: the line separator to give that read, so that the parser keeps
   * line ends inside quoted fields as they are (it turns them into "\n" when left to detect).
   */
  static String lineSeparator(FileSystem fs, Path file) {
    try (InputStream in = open(fs, new CompressionCodecFactory(fs.getConf()), file)) {
      byte[] head = in.readNBytes(1 << 16);
      for (int i = 0; i < head.length; i++) {
        if (head[i] == '\n') {
          return "\n";
        }
        if (head[i] == '\r') {
          return i + 1 < head.length && head[i + 1] == '\n' ? "\r\n" : "\r";
        }
      }
      return "\n";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The file's bytes as Spark's text readers see them: decompressed by the codec its name ends with. */
  private static InputStream open(FileSystem fs, CompressionCodecFactory codecs, Path file) throws IOException {
    CompressionCodec codec = codecs.getCodec(file);
    InputStream in = fs.open(file);
    return codec == null ? in : codec.createInputStream(in);
  }

  private static List<Path> paths(List<FileStatus> files) {
    return files.stream().map(FileStatus::getPath).toList();
  }

  private static String abbreviate(Set<String> names) {
    List<String> list = new ArrayList<>(names);
    String shown = String.join(", ", list.subList(0, Math.min(12, list.size())));
    return list.size() > 12 ? shown + ", … " + (list.size() - 12) + " more" : shown;
  }
}
