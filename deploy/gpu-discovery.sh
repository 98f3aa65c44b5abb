#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs this
# executor's host has, as Spark's ResourceInformation JSON, e.g. {"name":"gpu","addresses":["0","1"]}.
set -euo pipefail
command -v nvidia-smi >/dev/null || { echo '{"name":"gpu","addresses":[]}'; exit 0; }
ids="$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | paste -sd, -)"
echo "{\"name\":\"gpu\",\"addresses\":[$(echo "$ids" | sed 's/[^,][^,]*/"&"/g')]}"
