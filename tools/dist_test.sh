#!/usr/bin/env bash
# Evaluate on GPUS processes of this node with torch.distributed (on a
# CPU-only torch the processes use gloo):
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
# NNODES, NODE_RANK, MASTER_ADDR, PORT and PYTHON: see tools/dist_run.sh.
source "$(dirname "$0")/dist_run.sh"

dist_run "$3" "$ROOT/tools/test.py" "$1" "$2" --launcher pytorch "${@:4}"
