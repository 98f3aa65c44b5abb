package dev.duet.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/** JSON documents (manifests, reports) read from and written to any Hadoop FileSystem. */
public final class Json {
  public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static com.fasterxml.jackson.databind.node.ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  /** A number, or null where it is undefined (NaN, infinite): JSON has no NaN. */
  public static void putNumber(ObjectNode node, String key, double value) {
    if (Double.isFinite(value)) {
      node.put(key, value);
    } else {
      node.putNull(key);
    }
  }

  public static void write(FileSystem fs, Path file, JsonNode doc) {
    try (OutputStream out = fs.create(file, true)) {
      MAPPER.writeValue(out, doc);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code doc} to {@code file} only if no such file exists, atomically: of two processes
   * creating the same file, one gets true. Hadoop's local create(overwrite=false) checks, then
   * opens, so the local file system goes through {@code CREATE_NEW}; HDFS's create is exclusive.
   */
  public static boolean createNew(FileSystem fs, Path file, JsonNode doc) {
    try {
      byte[] bytes = MAPPER.writeValueAsBytes(doc);
      if (fs instanceof LocalFileSystem local) {
        java.nio.file.Path p = local.pathToFile(file).toPath();
        Files.createDirectories(p.getParent());
        try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          out.write(bytes);
        } catch (java.nio.file.FileAlreadyExistsException e) {
          return false;
        }
        return true;
      }
      try (OutputStream out = fs.create(file, false)) {
        out.write(bytes);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + file + ": " + e.getMessage(), e);
    }
  }

  public static JsonNode read(FileSystem fs, Path file) {
    try (InputStream in = fs.open(file)) {
      return MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
