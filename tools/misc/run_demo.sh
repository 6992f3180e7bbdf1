#!/usr/bin/env bash
# Train a demo config (detector or anomaly model) with tools/train.py,
# evaluate it with tools/test.py and say where everything is. Called by
# `make demo` (after set-up and data).
#
#   bash tools/misc/run_demo.sh CONFIG WORK_DIR
set -euo pipefail
CONFIG=${1:?config}
WORK_DIR=${2:?work dir}
PY=${PY:-.venv/bin/python}
cd "$(dirname "$0")/../.."

if [ ! -f "$CONFIG" ]; then
    echo "[demo] no config $CONFIG (DEMO_CONFIG=...)" >&2
    exit 2
fi
# Never delete an earlier run: move it aside.
if [ -d "$WORK_DIR" ] && [ -n "$(ls -A "$WORK_DIR")" ]; then
    OLD="$WORK_DIR.$(date +%Y%m%d_%H%M%S)"
    echo "[demo] keeping the earlier run in $OLD"
    mv "$WORK_DIR" "$OLD"
fi
echo "[demo] training $CONFIG from scratch (logs in $WORK_DIR)"
start=$(date +%s)
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
train_s=$(( $(date +%s) - start ))
CKPT=$(cat "$WORK_DIR/last_checkpoint")

echo "[demo] evaluating $CKPT with tools/test.py"
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR/test" \
    --show-dir vis 2>&1 | tee "$WORK_DIR/test.log"
RUN_DIR=$(ls -d "$WORK_DIR"/test/2*/ | tail -n 1)

echo
echo "================ mmext demo ================"
grep -E '^  (coco/bbox_mAP|refine/|anomaly/)' "$WORK_DIR/test.log"
echo "  training time:    ${train_s}s"
echo "  checkpoint:       $CKPT"
echo "  training logs:    $(ls -d "$WORK_DIR"/2*/ | tail -n 1)"
echo "  evaluation logs:  $RUN_DIR"
echo "  predictions drawn: ${RUN_DIR}vis/"
