package dev.duet.cli;

import dev.duet.spark.HadoopConf;
import dev.duet.store.RunStore;
import dev.duet.verdict.VerdictJob;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verdict", mixinStandardHelpOptions = true,
    description = "The latest evaluated run of every pipeline in the store -> one row per pipeline (best classic"
        + " model vs best network, gap, time and compute ratios, interpretability, learning-curve crossover) and"
        + " the usual ML-vs-DL claims supported, contradicted or undecided by them: <store>/verdict/report.html"
        + " and verdict.json. Reads only the store (no Spark).")
final class VerdictCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--store", paramLabel = "URI", defaultValue = RunStore.DEFAULT_URI,
      description = "Store root: a path or any Hadoop URI (file://, hdfs://, s3a://). Default: ./artifacts.")
  String store;

  @Option(names = "--conf", paramLabel = "KEY=VALUE",
      description = "A spark.hadoop.* setting for the store's file system (repeatable).")
  Map<String, String> hadoopConf = new LinkedHashMap<>();

  @Option(names = "--verbose", description = "Print stack traces of failures.")
  boolean verbose;

  @Override
  public Integer call() {
    VerdictJob.Result r = new VerdictJob(RunStore.open(store, HadoopConf.fromSparkSettings(hadoopConf))).run();
    var out = spec.commandLine().getOut();
    out.printf("verdict: %d pipeline(s)%n", r.pipelines());
    r.findings().forEach(f -> out.println("verdict: " + f));
    out.printf("verdict: report: %s%n", new Path(r.dir(), VerdictJob.HTML));
    out.flush();
    return DuetMain.OK;
  }
}
