#!/usr/bin/env bash
# Submits one stage's SparkApplication with its placeholders filled in, and prints its name.
#   deploy/k8s/submit.sh <stage> <pipeline> <run-id> <store-uri>
#   e.g. deploy/k8s/submit.sh train-dl mnist 2026-11-25-a s3a://my-bucket/duet
# The ConfigMap duet-conf must hold <pipeline>.yaml (kubectl -n duet create configmap duet-conf --from-file=conf/).
# Stages of one run share the run id; run them in order (ingest, then train-ml and train-dl, then
# evaluate), e.g. from Airflow, waiting for each: kubectl -n duet get sparkapplication <name> -w
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: deploy/k8s/submit.sh <stage> <pipeline> <run-id> <store-uri>" >&2; exit 2; }
stage="$1" pipeline="$2" run="$3" store="$4"
manifest="$(dirname "${BASH_SOURCE[0]}")/$stage.yaml"
[ -f "$manifest" ] || { echo "deploy/k8s/submit.sh: no manifest for stage '$stage'" >&2; exit 2; }
# Kubernetes names are lower case: the run id is too in the application's name (not in --run-id).
name_run="$(echo "$run" | tr 'A-Z_.' 'a-z--')"
sed -e "s|duet-$stage-RUN_ID|duet-$stage-$name_run|" -e "s|\"RUN_ID\"|\"$run\"|" \
    -e "s|PIPELINE|$pipeline|" -e "s|STORE_URI|$store|" "$manifest" | kubectl apply -f - >&2
echo "duet-$stage-$name_run"
