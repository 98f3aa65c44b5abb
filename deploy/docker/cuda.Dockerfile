# The CUDA image: the same Spark 3.5.7 on NVIDIA's CUDA 11.6 + cuDNN 8 runtime, with the jar built
# against ND4J's CUDA backend, for train-dl on GPU executors. Build from the repository root after
# `mvn -B -Pcuda -DskipTests package` (the cuda profile replaces nd4j-native with nd4j-cuda-11.6):
#   docker build -f deploy/docker/cuda.Dockerfile -t duet-cuda:0.1.0 .
# GPU nodes need the NVIDIA driver (>= 510 for CUDA 11.6) and the NVIDIA device plugin (Kubernetes)
# or the NVIDIA container runtime (standalone, YARN with Docker).
FROM apache/spark:3.5.7-scala2.12-java17-ubuntu AS spark

FROM nvidia/cuda:11.6.2-cudnn8-runtime-ubuntu20.04
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless tini procps bash python3 \
 && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
    SPARK_HOME=/opt/spark \
    PATH=/opt/spark/bin:$PATH
# Spark, its Kubernetes entrypoint and decommissioning script, as the official image lays them out.
COPY --from=spark /opt/spark /opt/spark
COPY --from=spark /opt/entrypoint.sh /opt/entrypoint.sh
COPY --from=spark /opt/decom.sh /opt/decom.sh
ADD --chmod=644 https://repo1.maven.org/maven2/org/apache/hadoop/hadoop-aws/3.3.4/hadoop-aws-3.3.4.jar /opt/spark/jars/
ADD --chmod=644 https://repo1.maven.org/maven2/com/amazonaws/aws-java-sdk-bundle/1.12.262/aws-java-sdk-bundle-1.12.262.jar /opt/spark/jars/
COPY jobs/target/duet-jobs-all.jar /opt/duet/duet-jobs-all.jar
COPY conf/spark/ /opt/duet/conf/spark/
# spark.executor.resource.gpu.discoveryScript in conf/spark/gpu.conf and mixed.conf points here.
COPY deploy/gpu-discovery.sh /opt/duet/gpu-discovery.sh
RUN chmod 755 /opt/duet/gpu-discovery.sh /opt/entrypoint.sh /opt/decom.sh \
 && groupadd -g 185 spark && useradd -u 185 -g 185 -d /opt/spark -s /bin/bash spark \
 && mkdir -p /opt/spark/work-dir && chown 185:185 /opt/spark/work-dir
USER 185
WORKDIR /opt/spark/work-dir
ENTRYPOINT ["/opt/entrypoint.sh"]
