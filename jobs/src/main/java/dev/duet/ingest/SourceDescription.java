package dev.duet.ingest;

import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What {@link SourceProbe} found: the qualified input path, its data files, their total size, and
 * the files grouped by their CSV header (JSON files by how they hold their records, Parquet
 * in one group, with the first file's columns), so that each group is read by its own column
 * positions or record layout.
 */
public record SourceDescription(FileSystem fs, Path path, List<FileStatus> files, long bytes, List<Layout> layouts) {

  /**
   * Files that share one header (empty: header-less CSV; for JSON, the keys of the first records).
   *
   * @param jsonDocuments JSON files each read whole as one document (a top-level array of records,
   *     or {@code multiLine}), not as one record a line
   */
  public record Layout(List<String> header, List<Path> files, boolean jsonDocuments) {

    Layout(List<String> header, List<Path> files) {
      this(header, files, false);
    }
  }
}
