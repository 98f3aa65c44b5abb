package dev.duet.spark;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * The Hadoop configuration Spark would build, available before Spark starts: {@code spark.hadoop.*}
 * settings from spark-submit (system properties) and from {@code --conf} are copied in without
 * their prefix, so the store and the input are opened with the same credentials and endpoints.
 */
public final class HadoopConf {
  private static final String PREFIX = "spark.hadoop.";

  private HadoopConf() {}

  public static Configuration fromSparkSettings(Map<String, String> overrides) {
    Configuration conf = new Configuration();
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(PREFIX))
        .forEach(k -> conf.set(k.substring(PREFIX.length()), System.getProperty(k)));
    overrides.forEach((k, v) -> {
      if (k.startsWith(PREFIX)) {
        conf.set(k.substring(PREFIX.length()), v);
      }
    });
    return conf;
  }
}
