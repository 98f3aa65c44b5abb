package dev.duet.trainml;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.duet.config.ConfigLoader;
import dev.duet.config.EvaluateConfig.Metric;
import dev.duet.config.PipelineConfig.DatePart;
import dev.duet.config.TrainMlConfig.FeatureSpec;
import dev.duet.contracts.Predictions;
import dev.duet.testing.SparkTestSession;
import dev.duet.training.PermutationImportance;
import dev.duet.trainml.FeaturePipeline.Encoding;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class FeaturePipelineTest {
  private static final StructType SCHEMA = new StructType()
      .add("origin", DataTypes.StringType, true)
      .add("distance", DataTypes.IntegerType, true)
      .add("date", DataTypes.TimestampType, true);
  private static final FeatureSpec SPEC = new FeatureSpec(List.of("origin"), List.of("distance"),
      Map.of("date", List.of(DatePart.HOUR, DatePart.WEEKDAY)));
  private final SparkSession spark = SparkTestSession.get();

  private final Dataset<Row> train = spark.createDataFrame(List.of(
      RowFactory.create("SEA", 100, Timestamp.valueOf("2024-03-04 05:00:00")),
      RowFactory.create("SEA", 300, Timestamp.valueOf("2024-03-05 06:00:00")),
      RowFactory.create("LAX", 200, Timestamp.valueOf("2024-03-06 07:00:00"))), SCHEMA);
  private final Dataset<Row> test = spark.createDataFrame(List.of(
      RowFactory.create("JFK", null, Timestamp.valueOf("2024-03-10 23:00:00")),
      RowFactory.create(null, 250, Timestamp.valueOf("2024-03-04 05:00:00"))), SCHEMA);

  @Test
  void indexesCategoriesForTreesAndGivesUnseenOnesTheirOwnIndex() {
    PipelineModel fitted = FeaturePipeline.pipeline(SPEC, Encoding.INDEXED, Set.of()).fit(train);
    List<Row> rows = fitted.transform(test).select(FeaturePipeline.FEATURES).collectAsList();

    double[] unseen = ((Vector) rows.get(0).get(0)).toArray();
    assertThat(unseen).as("origin index, distance, hour, weekday")
        .containsExactly(2.0, 200.0, 23.0, 7.0); // JFK unseen → index 2; null distance → train median
    assertThat(((Vector) rows.get(1).get(0)).toArray()[0]).as("a null category is unseen too").isEqualTo(2.0);
    assertThat(FeaturePipeline.slots(SPEC, Encoding.INDEXED, fitted)).extracting(FeaturePipeline.Slot::name)
        .containsExactly("origin[index]", "distance", "date[hour]", "date[weekday]");
    assertThat(FeaturePipeline.widestCategorical(fitted)).as("two categories + unseen").isEqualTo(3);
  }

  @Test
  void fitsMediansOnlyForTheNumbersThatCanBeMissing() {
    // distance is always present (ingest quarantines its nulls), the date can be missing.
    PipelineModel fitted = FeaturePipeline.pipeline(SPEC, Encoding.INDEXED, Set.of("distance")).fit(train);

    ImputerModel imputer = (ImputerModel) Arrays.stream(fitted.stages()).filter(ImputerModel.class::isInstance)
        .findFirst().orElseThrow();
    assertThat(imputer.getInputCols()).containsExactly("date__hour", "date__weekday");
    Vector first = (Vector) fitted.transform(train).select(FeaturePipeline.FEATURES).first().get(0);
    assertThat(first.toArray()).as("origin index, distance, hour, weekday").containsExactly(0.0, 100.0, 5.0, 1.0);
  }

  @Test
  void oneHotEncodesAndStandardisesForLinearModels() {
    PipelineModel fitted = FeaturePipeline.pipeline(SPEC, Encoding.ONE_HOT_SCALED, Set.of()).fit(train);
    Vector unseen = (Vector) fitted.transform(test).select(FeaturePipeline.FEATURES).first().get(0);

    assertThat(FeaturePipeline.slots(SPEC, Encoding.ONE_HOT_SCALED, fitted)).extracting(FeaturePipeline.Slot::name)
        .containsExactly("origin[=SEA]", "origin[=LAX]", "origin[<unseen>]", "distance", "date[hour]", "date[weekday]");
    assertThat(unseen.size()).isEqualTo(6);
    assertThat(unseen.toArray()).as("JFK was not in training: the unseen slot").startsWith(0.0, 0.0, 1.0);
    assertThat(unseen.apply(3)).as("median distance, standardised: (200 - 200) / std").isZero();
  }

  @Test
  void shufflingAColumnsSlotsAmongTheRowsMeasuresWhatShufflingTheColumnItselfDoes() {
    // The label depends on the origin and the distance; nulls in both go through the imputer and
    // the indexer's unseen slot, so every stage of the pipeline is in the way of the shuffle.
    String[] origins = {"SEA", "LAX", "JFK", null};
    Random random = new Random(5);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      String origin = origins[random.nextInt(origins.length)];
      Integer distance = random.nextInt(10) == 0 ? null : random.nextInt(1_000);
      double label = ("SEA".equals(origin) ? 300 : 0) + (distance == null ? 500 : distance) > 600 ? 1 : 0;
      rows.add(RowFactory.create((long) i, label, origin, distance,
          new Timestamp(Timestamp.valueOf("2024-03-04 00:00:00").getTime() + random.nextInt(1_000_000) * 1_000L)));
    }
    StructType schema = new StructType().add(ConfigLoader.ROW_ID_COLUMN, DataTypes.LongType)
        .add(FeaturePipeline.LABEL, DataTypes.DoubleType).add("origin", DataTypes.StringType, true)
        .add("distance", DataTypes.IntegerType, true).add("date", DataTypes.TimestampType, true);
    Dataset<Row>[] split = spark.createDataFrame(rows, schema).randomSplit(new double[] {0.7, 0.3}, 1);
    PipelineModel fitted = FeaturePipeline.pipeline(SPEC, Encoding.ONE_HOT_SCALED, Set.of()).fit(split[0]);
    LogisticRegressionModel model = new LogisticRegression().setLabelCol(FeaturePipeline.LABEL)
        .fit(fitted.transform(split[0]));
    UnaryOperator<Dataset<Row>> predict = r -> model.transform(r).select(col(ConfigLoader.ROW_ID_COLUMN),
        col(FeaturePipeline.LABEL).as(Predictions.LABEL), col("prediction"),
        vector_to_array(col("probability"), "float64").as(Predictions.PROBABILITY),
        vector_to_array(col("rawPrediction"), "float64").as(Predictions.RAW_SCORE));
    PermutationImportance permutation = PermutationImportance.prepare(split[1], split[1].count(),
        List.of("origin", "distance", "date"), Metric.ACCURACY, 2, 42);

    ObjectNode shufflingColumns = permutation.measure(List.of("origin", "distance", "date"),
        (copies, copiesSchema) -> predict.apply(fitted.transform(spark.createDataFrame(copies, copiesSchema))), 7);
    ObjectNode shufflingSlots = permutation.measure(fitted.transform(split[1]), FeaturePipeline.FEATURES,
        FeaturePipeline.positions(FeaturePipeline.slots(SPEC, Encoding.ONE_HOT_SCALED, fitted)), predict, 7);

    System.out.println("permutation importance: " + shufflingSlots);
    assertThat(shufflingSlots).isEqualTo(shufflingColumns);
    assertThat(shufflingSlots.at("/columns/0/column").asText()).as("the label's main cause").isIn("origin", "distance");
    assertThat(shufflingSlots.at("/columns/0/importance").asDouble()).isGreaterThan(0.05);
  }
}
