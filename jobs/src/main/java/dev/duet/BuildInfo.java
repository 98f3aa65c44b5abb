package dev.duet;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What this build is: Duet version, git sha and the library versions it was built against. */
public final class BuildInfo {
  private static final Properties PROPS = load();

  private BuildInfo() {}

  public static String version() {
    return get("version");
  }

  /** Abbreviated commit, with "-dirty" when built from uncommitted changes; "unknown" outside git. */
  public static String gitSha() {
    String sha = get("git.sha");
    return "true".equals(get("git.dirty")) ? sha + "-dirty" : sha;
  }

  public static String dl4jVersion() {
    return get("dl4j.version");
  }

  public static String nd4jBackend() {
    return get("nd4j.backend");
  }

  private static String get(String key) {
    String v = PROPS.getProperty(key, "");
    // An unfiltered placeholder means the build had no such value (e.g. no .git directory).
    return v.isBlank() || v.startsWith("${") ? "unknown" : v;
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
