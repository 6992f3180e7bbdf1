# Sourced by tools/dist_train.sh and tools/dist_test.sh: `dist_run GPUS
# SCRIPT ARGS...` starts GPUS processes of SCRIPT ARGS on this node with
# torch.distributed.run. NNODES, NODE_RANK, MASTER_ADDR and PORT set up
# several nodes; PYTHON picks the interpreter (default: the project's .venv
# when present).
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
source "$(dirname "${BASH_SOURCE[0]}")/find_python.sh"

dist_run() {
    PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
    "$PYTHON" -m torch.distributed.run \
        --nnodes="$NNODES" \
        --node_rank="$NODE_RANK" \
        --master_addr="$MASTER_ADDR" \
        --nproc_per_node="$1" \
        --master_port="$PORT" \
        "${@:2}"
}
