# Sourced by tools/slurm_train.sh and tools/slurm_test.sh (after PARTITION
# and JOB_NAME): the job's settings from the environment, and `slurm_run
# SCRIPT ARGS...`, which runs one task of SCRIPT per process with srun.
# GPUS (total tasks, default 8), GPUS_PER_NODE (default 8), CPUS_PER_TASK
# (default 5), GRES (default gpu:GPUS_PER_NODE with a CUDA build of torch,
# none with a CPU-only one; GRES= asks for none), SRUN_ARGS (extra srun
# options) and PYTHON (the interpreter, default: the project's .venv when
# present) configure the job.
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
source "$(dirname "${BASH_SOURCE[0]}")/find_python.sh"
if [ -z "${GRES+set}" ]; then
    if "$PYTHON" -c 'import sys, torch; sys.exit(torch.version.cuda is None)'; then
        GRES="gpu:$GPUS_PER_NODE"
    else
        GRES=""  # a CPU-only torch: srun refuses gpu gres on CPU nodes
    fi
fi

slurm_run() {
    PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
    srun -p "$PARTITION" \
        --job-name="$JOB_NAME" \
        ${GRES:+--gres="$GRES"} \
        --ntasks="$GPUS" \
        --ntasks-per-node="$GPUS_PER_NODE" \
        --cpus-per-task="$CPUS_PER_TASK" \
        --kill-on-bad-exit=1 \
        $SRUN_ARGS \
        "$PYTHON" -u "$@"
}
