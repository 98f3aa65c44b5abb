package dev.duet.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A SHA-256 fingerprint of a file or directory for manifests. Up to {@code maxBytes} the bytes
 * themselves are hashed ({@code method: "content"}); beyond that, reading everything on the
 * driver would cost more than the stage, so the listing (relative path, length, modification
 * time) is hashed instead ({@code method: "listing"}). Hidden files ('.', '_') are skipped, as
 * Spark's readers skip them.
 */
public final class ContentHash {
  public static final long DEFAULT_MAX_BYTES = 1L << 30;

  private ContentHash() {}

  /** The data files under {@code path} (the path itself when it is a file), sorted by path. */
  public static List<FileStatus> dataFiles(FileSystem fs, Path path) throws IOException {
    FileStatus top = fs.getFileStatus(path);
    List<FileStatus> files = new ArrayList<>();
    if (top.isFile()) {
      files.add(top);
      return files;
    }
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(path, true);
    String prefix = top.getPath().toUri().getPath();
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String rel = f.getPath().toUri().getPath().substring(prefix.length());
      if (!hidden(rel)) {
        files.add(f);
      }
    }
    files.sort(Comparator.comparing(f -> f.getPath().toString()));
    return files;
  }

  public static ObjectNode of(FileSystem fs, Path path, long maxBytes) {
    try {
      List<FileStatus> files = dataFiles(fs, path);
      long bytes = files.stream().mapToLong(FileStatus::getLen).sum();
      boolean content = bytes <= maxBytes;
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      String base = fs.getFileStatus(path).getPath().toUri().getPath();
      byte[] buf = new byte[1 << 16];
      for (FileStatus f : files) {
        String rel = f.getPath().toUri().getPath().substring(base.length());
        md.update((rel + "\n").getBytes(StandardCharsets.UTF_8));
        if (content) {
          try (InputStream in = fs.open(f.getPath())) {
            for (int n; (n = in.read(buf)) > 0; ) {
              md.update(buf, 0, n);
            }
          }
        } else {
          md.update((f.getLen() + ":" + f.getModificationTime() + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }
      ObjectNode out = Json.object();
      out.put("sha256", HexFormat.of().formatHex(md.digest()));
      out.put("method", content ? "content" : "listing");
      out.put("files", files.size());
      out.put("bytes", bytes);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot hash " + path + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean hidden(String relativePath) {
    for (String part : relativePath.split("/")) {
      if (part.startsWith(".") || part.startsWith("_")) {
        return true;
      }
    }
    return false;
  }
}
