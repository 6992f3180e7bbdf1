#!/usr/bin/env bash
# Train on a Slurm cluster, one task per GPU (on CPU-only nodes, one
# task per process: mmext starts them with gloo):
#   GPUS=16 bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options]
# GPUS (total tasks, default 8), GPUS_PER_NODE (default 8), CPUS_PER_TASK
# (default 5), GRES (default gpu:GPUS_PER_NODE with a CUDA build of torch,
# none with a CPU-only one; GRES= asks for none), SRUN_ARGS (extra srun
# options) and PYTHON (the interpreter, default: the project's .venv when
# present) configure the job. CPU-only nodes, 2 processes:
#   GPUS=2 GPUS_PER_NODE=2 CPUS_PER_TASK=1 bash tools/slurm_*.sh ...
set -x
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
source "$(dirname "$0")/find_python.sh"
if [ -z "${GRES+set}" ]; then
    if "$PYTHON" -c 'import sys, torch; sys.exit(torch.version.cuda is None)'; then
        GRES="gpu:$GPUS_PER_NODE"
    else
        GRES=""  # a CPU-only torch: srun refuses gpu gres on CPU nodes
    fi
fi

PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    ${GRES:+--gres="$GRES"} \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    $SRUN_ARGS \
    "$PYTHON" -u "$ROOT/tools/train.py" "$CONFIG" --work-dir="$WORK_DIR" \
    --launcher slurm "${@:5}"
