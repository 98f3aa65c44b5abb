package dev.duet.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import dev.duet.config.ConfigException;
import dev.duet.config.PipelineConfig;
import dev.duet.config.PipelineConfig.ColumnSpec;
import dev.duet.config.PipelineConfig.InputConfig;
import dev.duet.store.ContentHash;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;

/**
 * Looks at the input before Spark starts: that it exists and holds data, and which columns it
 * has (CSV header, JSON keys of the first lines, Parquet footer), so a config naming a column
 * the data lacks is rejected up front.
 */
public final class SourceProbe {
  private static final int JSON_LINES_SAMPLED = 100;

  private SourceProbe() {}

  /** The input's data files and columns; {@link ConfigException} if it is missing or empty. */
  public static SourceDescription probe(InputConfig input, Configuration hadoopConf) {
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
      FileStatus first = files.stream().filter(f -> f.getLen() > 0).findFirst().orElseThrow();
      List<String> columns = switch (input.format()) {
        case CSV -> csvHeader(fs, first.getPath(), input);
        case JSON -> jsonKeys(fs, first.getPath(), input);
        case PARQUET -> parquetColumns(fs, first.getPath(), hadoopConf);
      };
      return new SourceDescription(fs, path, files, bytes, columns);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read input " + input.path() + ": " + e.getMessage(), e);
    }
  }

  /** Every declared column the input lacks, one problem each. */
  public static List<String> missingColumns(PipelineConfig config, SourceDescription source) {
    List<String> problems = new ArrayList<>();
    if (source.columns().isEmpty()) {
      return problems; // CSV without header: columns are positional, named by the config
    }
    Set<String> present = new LinkedHashSet<>(source.columns());
    for (ColumnSpec c : config.columns()) {
      if (!present.contains(c.name())) {
        problems.add("Column " + c.name() + " is declared in columns but " + config.input().path()
            + " has no such column (it has: " + abbreviate(present) + ")");
      }
    }
    return problems;
  }

  static boolean csvHasHeader(InputConfig input) {
    return Boolean.parseBoolean(input.options().getOrDefault("header", "true"));
  }

  private static List<String> csvHeader(FileSystem fs, Path file, InputConfig input) throws IOException {
    if (!csvHasHeader(input)) {
      return List.of();
    }
    Charset cs = Charset.forName(input.options().getOrDefault("encoding",
        input.options().getOrDefault("charset", "UTF-8")));
    try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), cs))) {
      String line = r.readLine();
      if (line == null || line.isBlank()) {
        throw new ConfigException("Cannot read the CSV header of " + file + ": the first line is empty");
      }
      CsvParserSettings settings = new CsvParserSettings();
      String sep = input.options().getOrDefault("sep", input.options().getOrDefault("delimiter", ","));
      settings.getFormat().setDelimiter(sep.equals("\\t") ? "\t" : sep);
      settings.getFormat().setQuote(input.options().getOrDefault("quote", "\"").charAt(0));
      settings.setMaxColumns(100_000);
      String[] names = new CsvParser(settings).parseLine(line);
      List<String> out = new ArrayList<>();
      for (String n : names) {
        out.add(n == null ? "" : n.trim());
      }
      return out;
    }
  }

  private static List<String> jsonKeys(FileSystem fs, Path file, InputConfig input) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    Set<String> keys = new LinkedHashSet<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), java.nio.charset.StandardCharsets.UTF_8))) {
      int seen = 0;
      for (String line; seen < JSON_LINES_SAMPLED && (line = r.readLine()) != null; ) {
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

  private static List<String> parquetColumns(FileSystem fs, Path file, Configuration conf) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      List<String> out = new ArrayList<>();
      for (Type t : reader.getFooter().getFileMetaData().getSchema().getFields()) {
        out.add(t.getName());
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("Cannot read " + file + " as Parquet: " + e.getMessage());
    }
  }

  private static String abbreviate(Set<String> names) {
    List<String> list = new ArrayList<>(names);
    String shown = String.join(", ", list.subList(0, Math.min(12, list.size())));
    return list.size() > 12 ? shown + ", … " + (list.size() - 12) + " more" : shown;
  }
}
