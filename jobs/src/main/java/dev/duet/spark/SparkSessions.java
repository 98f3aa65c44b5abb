package dev.duet.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the Spark session for a CLI run. Under spark-submit the master and settings come from
 * spark-submit (system properties); from the launcher, with no master given, Spark runs embedded
 * as {@code local[*]}.
 */
public final class SparkSessions {
  public static final String EMBEDDED_MASTER = "local[*]";

  private SparkSessions() {}

  public static SparkSession create(String appName, Map<String, String> overrides) {
    SparkConf conf = new SparkConf();
    if (!conf.contains("spark.master")) {
      conf.setMaster(EMBEDDED_MASTER);
    }
    if (conf.get("spark.master").startsWith("local")) {
      // Embedded: everything stays on this host, so the driver listens on loopback only.
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    // Reproducible date parts and timestamp parsing, whatever the host's zone.
    conf.setIfMissing("spark.sql.session.timeZone", "UTC");
    // Duet logs its own progress with an ETA; Spark's console bar would interleave with it.
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    overrides.forEach(conf::set);
    SparkSession spark = SparkSession.builder().appName(appName).config(conf).getOrCreate();
    ProgressLogger.attach(spark.sparkContext());
    return spark;
  }
}
