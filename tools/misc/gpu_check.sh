#!/usr/bin/env bash
# The GPU check, for the first machine with a GPU (about 5-8 minutes on one
# GPU): the CUDA parity tests (mmext._ext's CUDA kernels against the CPU ones
# and mmcv's), every benchmark case on CUDA, RCNet against FPN on CUDA at
# both sizes, and a short demo training on CUDA with AMP; then one table.
#
#   bash tools/misc/gpu_check.sh [OUT_DIR]     (default work_dirs/gpu_check_<time>)
#
# Needs an environment with a CUDA torch and mmcv / mmext._ext built with
# CUDA: `make setup TORCH_SPEC='torch==2.13.0 --index-url <cuda wheels>'`
# (mmcv and mmext's ops compile against it), and the demo data (`make data`,
# offline). Paste the printed table and benchmark files into
# docs/benchmarks.md.
set -uo pipefail
source "$(dirname "$0")/../find_python.sh"
cd "$ROOT"
OUT=${1:-work_dirs/gpu_check_$(date +%Y%m%d_%H%M%S)}
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
    echo "gpu_check: $OUT exists and is not empty; give another folder" >&2
    exit 2
fi
mkdir -p "$OUT"
declare -a ROWS

run_step() {  # name, then the command; its output goes to $OUT/<name>.log
    local name=$1 start status
    shift
    start=$(date +%s)
    if "$@" > "$OUT/$name.log" 2>&1; then status=ok; else status="FAILED ($?)"; fi
    ROWS+=("| $name | $status | $(( $(date +%s) - start )) | $OUT/$name.log |")
    echo "gpu_check: $name $status" >&2
}

"$PYTHON" - > "$OUT/environment.txt" <<'PY' || { cat "$OUT/environment.txt"; exit 2; }
import torch
assert torch.cuda.is_available(), 'no CUDA device: gpu_check needs a GPU'
import mmcv
from mmcv.ops import roi_align  # noqa: F401 (mmcv's compiled ops)
from mmext.ops.ext_loader import ext_module
print(f'torch {torch.__version__} (CUDA {torch.version.cuda}), '
      f'{torch.cuda.get_device_name(0)}, mmcv {mmcv.__version__}, '
      f'mmext._ext {"with" if ext_module and ext_module.with_cuda() else "WITHOUT"} '
      'CUDA kernels')
PY
cat "$OUT/environment.txt"

run_step cuda-parity "$PYTHON" -m pytest -q -rs tests/test_ops -k cuda
run_step benchmark timeout 300 "$PYTHON" tools/analysis_tools/benchmark.py \
    --device cuda --repeat 10 --cases csn 'op-*' 'tal*' tood-head fiou-head \
    calibrated-teacher mixteacher ssd-det 'roi-align-*' wide-resnet seg-head \
    dmdd anomaly-metric
run_step benchmark-necks timeout 180 "$PYTHON" tools/analysis_tools/benchmark.py \
    --device cuda --repeat 10 --cases 'neck-*' --sizes 384x640 800x1333
[ -d data/demo_det ] || make data > "$OUT/make_data.log" 2>&1
run_step train-amp timeout 240 "$PYTHON" tools/train.py \
    configs/tood/tood_r18_fpn_10e_demo.py --amp --work-dir "$OUT/train-amp" \
    --cfg-options train_cfg.max_epochs=2

echo
echo "GPU check, $(cat "$OUT/environment.txt"), $(date -u +%Y-%m-%d)"
echo
echo '| step | status | seconds | output |'
echo '| --- | --- | --- | --- |'
printf '%s\n' "${ROWS[@]}"
echo
grep -h '^|' "$OUT/benchmark.log" "$OUT/benchmark-necks.log" 2>/dev/null
grep -h 'bbox_mAP' "$OUT/train-amp.log" 2>/dev/null | tail -1
