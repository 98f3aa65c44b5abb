package dev.duet.cli;

import java.io.PrintWriter;
import org.apache.spark.sql.SparkSession;

/** Lets tests in other packages run the CLI on the shared test session. */
public final class CliAccess {
  private CliAccess() {}

  public static int execute(String[] args, PrintWriter out, PrintWriter err, SparkSession session) {
    return DuetMain.execute(args, out, err, session);
  }
}
