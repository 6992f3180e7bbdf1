#!/usr/bin/env bash
# Train on a Slurm cluster, one task per GPU (on CPU-only nodes, one
# task per process: mmext starts them with gloo):
#   GPUS=16 bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options]
# GPUS, GPUS_PER_NODE, CPUS_PER_TASK, GRES, SRUN_ARGS and PYTHON configure
# the job (tools/slurm_run.sh says how). CPU-only nodes, 2 processes:
#   GPUS=2 GPUS_PER_NODE=2 CPUS_PER_TASK=1 bash tools/slurm_train.sh ...
set -x
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
source "$(dirname "$0")/slurm_run.sh"

slurm_run "$ROOT/tools/train.py" "$CONFIG" --work-dir="$WORK_DIR" \
    --launcher slurm "${@:5}"
