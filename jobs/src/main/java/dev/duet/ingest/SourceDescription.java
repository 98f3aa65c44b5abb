package dev.duet.ingest;

import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What {@link SourceProbe} found: the qualified input path, its data files, their total size and
 * the column names in file order (empty for a header-less CSV).
 */
public record SourceDescription(FileSystem fs, Path path, List<FileStatus> files, long bytes, List<String> columns) {}
