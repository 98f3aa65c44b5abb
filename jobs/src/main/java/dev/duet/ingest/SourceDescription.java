package dev.duet.ingest;

import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What {@link SourceProbe} found: the qualified input path, its data files, their total size, and
 * the files grouped by their CSV header (one group of every file for other formats, with the
 * first file's columns), so that each group is read by its own column positions.
 */
public record SourceDescription(FileSystem fs, Path path, List<FileStatus> files, long bytes, List<Layout> layouts) {

  /** Files that share one header (empty: header-less or not CSV). */
  public record Layout(List<String> header, List<Path> files) {}
}
