package dev.duet.trainml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.duet.config.PipelineConfig.DatePart;
import dev.duet.config.TrainMlConfig.FeatureSpec;
import dev.duet.testing.SparkTestSession;
import dev.duet.trainml.FeaturePipeline.Encoding;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
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
    PipelineModel fitted = FeaturePipeline.pipeline(SPEC, Encoding.INDEXED).fit(train);
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
  void oneHotEncodesAndStandardisesForLinearModels() {
    PipelineModel fitted = FeaturePipeline.pipeline(SPEC, Encoding.ONE_HOT_SCALED).fit(train);
    Vector unseen = (Vector) fitted.transform(test).select(FeaturePipeline.FEATURES).first().get(0);

    assertThat(FeaturePipeline.slots(SPEC, Encoding.ONE_HOT_SCALED, fitted)).extracting(FeaturePipeline.Slot::name)
        .containsExactly("origin[=SEA]", "origin[=LAX]", "origin[<unseen>]", "distance", "date[hour]", "date[weekday]");
    assertThat(unseen.size()).isEqualTo(6);
    assertThat(unseen.toArray()).as("JFK was not in training: the unseen slot").startsWith(0.0, 0.0, 1.0);
    assertThat(unseen.apply(3)).as("median distance, standardised: (200 - 200) / std").isZero();
  }
}
