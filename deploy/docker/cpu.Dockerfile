# The CPU image: Spark 3.5.7 (Scala 2.12, Java 17) with Duet's shaded jar, for ingest, train-ml,
# evaluate and train-dl on the ND4J CPU backend. Build from the repository root after
# `mvn -B -DskipTests package`:
#   docker build -f deploy/docker/cpu.Dockerfile -t duet:0.1.0 .
FROM apache/spark:3.5.7-scala2.12-java17-ubuntu

USER root
# s3a:// stores: hadoop-aws at the Hadoop version Spark 3.5.7 ships (3.3.4) and its AWS SDK.
ADD --chmod=644 https://repo1.maven.org/maven2/org/apache/hadoop/hadoop-aws/3.3.4/hadoop-aws-3.3.4.jar /opt/spark/jars/
ADD --chmod=644 https://repo1.maven.org/maven2/com/amazonaws/aws-java-sdk-bundle/1.12.262/aws-java-sdk-bundle-1.12.262.jar /opt/spark/jars/
COPY jobs/target/duet-jobs-all.jar /opt/duet/duet-jobs-all.jar
COPY conf/spark/ /opt/duet/conf/spark/
COPY deploy/gpu-discovery.sh /opt/duet/gpu-discovery.sh
RUN chmod 755 /opt/duet/gpu-discovery.sh
# The spark user (uid 185) of the base image runs the driver and executors.
USER 185
# The base image's entrypoint (/opt/entrypoint.sh) starts the driver or an executor as Kubernetes asks.
