#!/usr/bin/env bash
# Train on GPUS processes of this node with torch.distributed (on a CPU-only
# torch the processes use gloo):
#   bash tools/dist_train.sh CONFIG GPUS [train.py options]
# NNODES, NODE_RANK, MASTER_ADDR, PORT and PYTHON: see tools/dist_run.sh.
source "$(dirname "$0")/dist_run.sh"

dist_run "$2" "$ROOT/tools/train.py" "$1" --launcher pytorch "${@:3}"
