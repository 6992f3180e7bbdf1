#!/usr/bin/env bash
# Evaluate on a Slurm cluster, one task per GPU (on CPU-only nodes, one
# task per process: mmext starts them with gloo):
#   GPUS=8 bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
# GPUS, GPUS_PER_NODE, CPUS_PER_TASK, GRES, SRUN_ARGS and PYTHON configure
# the job (tools/slurm_run.sh says how). CPU-only nodes, 2 processes:
#   GPUS=2 GPUS_PER_NODE=2 CPUS_PER_TASK=1 bash tools/slurm_test.sh ...
set -x
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
source "$(dirname "$0")/slurm_run.sh"

slurm_run "$ROOT/tools/test.py" "$CONFIG" "$CHECKPOINT" \
    --launcher slurm "${@:5}"
