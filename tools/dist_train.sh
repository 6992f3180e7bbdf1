#!/usr/bin/env bash
# Train on GPUS processes of this node with torch.distributed (on a CPU-only
# torch the processes use gloo):
#   bash tools/dist_train.sh CONFIG GPUS [train.py options]
# PYTHON picks the interpreter (default: the project's .venv when present).
# NNODES, NODE_RANK, MASTER_ADDR and PORT set up several nodes.
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
source "$(dirname "$0")/find_python.sh"

PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$ROOT/tools/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
