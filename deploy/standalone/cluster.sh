#!/usr/bin/env bash
# A real Spark 3.5 standalone cluster on loopback: one master and N workers, each its own JVM.
#   deploy/standalone/cluster.sh start     prints the master URL (spark://127.0.0.1:PORT) when all workers registered
#   deploy/standalone/cluster.sh stop      kills every JVM it started (safe to call twice, or after a failed start)
#   deploy/standalone/cluster.sh status
# Spark comes from SPARK_HOME when it is a distribution (has jars/), otherwise from the Spark jars Maven
# fetched for deploy/spark-runtime (mvn -DskipTests package writes their classpath): they are linked
# into $CLUSTER_DIR/spark-home/jars, the layout a worker needs to launch executors.
# Environment (defaults in brackets):
#   CLUSTER_DIR [target/standalone-cluster]  pids, logs, work dirs, event logs
#   MASTER_PORT [7077]  WORKERS [2]  WORKER_CORES [2]  WORKER_MEMORY [4g]
#   GPU_WORKERS [0]     how many workers (the first ones) offer a GPU, found by GPU_DISCOVERY_SCRIPT
#   GPU_DISCOVERY_SCRIPT [deploy/gpu-discovery.sh]; a script printing {"name":"gpu","addresses":["0"]}
#                       stands in for a GPU on a machine without one (the cluster tests do that)
#   DAEMON_JAVA_OPTS [-Xmx512m]  heap of the master and worker JVMs (executors get spark.executor.memory)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${CLUSTER_DIR:-$root/target/standalone-cluster}"
port="${MASTER_PORT:-7077}"
workers="${WORKERS:-2}"
gpu_workers="${GPU_WORKERS:-0}"
master_url="spark://127.0.0.1:$port"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

die() { echo "cluster.sh: $*" >&2; exit 2; }

spark_home() { # a directory with jars/, linked from Maven's Spark jars when no distribution is given
  if [ -n "${SPARK_HOME:-}" ] && [ -d "$SPARK_HOME/jars" ]; then echo "$SPARK_HOME"; return; fi
  local cp="$root/deploy/spark-runtime/target/spark-classpath.txt" home="$dir/spark-home"
  [ -f "$cp" ] || die "$cp is missing; build it with: mvn -B -DskipTests package (or set SPARK_HOME)"
  if [ ! -d "$home/jars" ] || [ "$cp" -nt "$home/jars" ]; then
    rm -rf "$home" && mkdir -p "$home/jars"
    tr ':' '\n' < "$cp" | while read -r jar; do ln -s "$jar" "$home/jars/"; done
  fi
  echo "$home"
}

daemon() { # name class args... : starts one JVM in the background, its pid in $dir/name.pid
  local name="$1"; shift
  # Spark's default log4j2 config (INFO to stderr) is what the readiness checks below read.
  # Spark's launcher library reads the Scala version from a build tree or from this variable.
  SPARK_SCALA_VERSION=2.12 SPARK_HOME="$home" SPARK_LOCAL_IP=127.0.0.1 SPARK_LOG_DIR="$dir/logs" \
    nohup "$java_bin" ${DAEMON_JAVA_OPTS:--Xmx512m} $opens \
    -cp "$home/jars/*" "$@" > "$dir/logs/$name.log" 2>&1 &
  echo $! > "$dir/$name.pid"
}

await() { # file pattern count seconds: waits until the log holds count lines matching pattern
  local i
  for ((i = 0; i < $4 * 2; i++)); do
    [ "$(grep -c -- "$2" "$1" 2>/dev/null || true)" -ge "$3" ] && return 0
    sleep 0.5
  done
  return 1
}

stop() {
  local f
  for f in "$dir"/worker-*.pid "$dir"/master.pid; do
    [ -f "$f" ] || continue
    local pid; pid="$(cat "$f")"
    # Executors are the workers' children: take the whole tree down.
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  echo "cluster.sh: stopped"
}

case "${1:-}" in
  start)
    [ -f "$dir/master.pid" ] && kill -0 "$(cat "$dir/master.pid")" 2>/dev/null && die "already running ($dir)"
    mkdir -p "$dir/logs" "$dir/events"
    home="$(spark_home)"
    opens="$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' "$root/pom.xml")"
    trap 'stop >/dev/null' EXIT # a failed start leaves nothing running
    daemon master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port 0
    await "$dir/logs/master.log" "I have been elected leader" 1 60 || die "the master did not start: $dir/logs/master.log"
    gpu_script="${GPU_DISCOVERY_SCRIPT:-$root/deploy/gpu-discovery.sh}"
    for ((w = 1; w <= workers; w++)); do
      props="$dir/worker-$w.properties"
      : > "$props"
      if [ "$w" -le "$gpu_workers" ]; then
        printf 'spark.worker.resource.gpu.amount 1\nspark.worker.resource.gpu.discoveryScript %s\n' "$gpu_script" > "$props"
      fi
      mkdir -p "$dir/work-$w"
      daemon "worker-$w" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --webui-port 0 \
        --cores "${WORKER_CORES:-2}" --memory "${WORKER_MEMORY:-4g}" --work-dir "$dir/work-$w" \
        --properties-file "$props" "$master_url"
    done
    await "$dir/logs/master.log" "Registering worker" "$workers" 90 \
      || die "not every worker registered within 90 s: $dir/logs/"
    trap - EXIT
    echo "$master_url"
    ;;
  stop) stop ;;
  status)
    for f in "$dir"/*.pid; do
      [ -f "$f" ] || continue
      n="$(basename "$f" .pid)"
      if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$n: running (pid $(cat "$f"))"; else echo "$n: dead"; fi
    done
    ;;
  *) die "usage: cluster.sh start|stop|status" ;;
esac
