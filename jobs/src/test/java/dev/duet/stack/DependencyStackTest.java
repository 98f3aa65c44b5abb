package dev.duet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.testing.SparkTestSession;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Spark 3.5 and DL4J/ND4J 1.0.0-M2 on one classpath: the libraries they both load resolve to one
 * version each, and ND4J's native backend works inside Spark tasks.
 */
class DependencyStackTest {
  @Test
  void sharedLibrariesResolveToTheVersionsSparkShips() {
    assertThat(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString()).isEqualTo("2.15.2");
    assertThat(com.fasterxml.jackson.dataformat.yaml.PackageVersion.VERSION.toString()).isEqualTo("2.15.2");
    assertThat(org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName())
        .as("slf4j 2 bound to Spark's log4j2, not the NOP logger").doesNotContain("NOP");
    assertThat(com.google.gson.Gson.class.getProtectionDomain().getCodeSource().getLocation().toString())
        .as("Spark's gson, not deeplearning4j-nn's 2.8.0").contains("gson-2.10.1");
  }

  @Test
  void nd4jComputesInsideSparkTasks() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
    List<Double> sums = sc.parallelize(List.of(1, 2, 3, 4), 2)
        .map(i -> {
          INDArray a = Nd4j.ones(3, 3).muli(i);
          return a.mmul(a).sumNumber().doubleValue();
        })
        .collect();
    // ones(3,3)*i squared is 3*i^2 in each of 9 cells.
    assertThat(sums).containsExactly(27.0, 108.0, 243.0, 432.0);
    assertThat(Nd4j.getBackend().getClass().getSimpleName()).isEqualTo("CpuBackend");
  }
}
