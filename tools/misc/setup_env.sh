#!/usr/bin/env bash
# Set up mmext's development environment in $VENV (default .venv); idempotent.
#
#   1. create the virtual environment if absent
#   2. install torch (an installed torch is kept; TORCH_SPEC picks another)
#   3. install the build tools
#   4. build mmcv (onedl-mmcv, or upstream mmcv with STACK=upstream) from
#      source with its compiled ops, caching the wheel in $MMEXT_WHEEL_CACHE
#      (default ~/.cache/mmext/wheels) per torch version, so later set-ups
#      take seconds
#   5. install the rest of the OpenMMLab stack (requirements/mminstall.txt,
#      or requirements/upstream.txt) and the test tools
#   6. install mmext in editable mode and build its optional compiled ops
#      (mmext._ext) in place; rebuilt only when their sources changed
#   7. check that everything imports, mmcv's compiled ops included
#
# Environment: PYTHON (python3), VENV (.venv), TORCH_SPEC (torch==2.13.0),
# STACK (onedl: the OneDL distributions, the default; upstream: mmengine
# 0.10.7, mmcv 2.1.0, mmdet 3.3.0, mmseg 1.2.2), MMEXT_WHEEL_CACHE,
# MMEXT_WITH_OPS (unset: build the ops if possible, 1: must build, 0: skip;
# see setup.py).
set -euo pipefail

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
STACK=${STACK:-onedl}
case "$STACK" in
    onedl)
        MMCV_PACKAGE=onedl-mmcv MMCV_VERSION=${MMCV_VERSION:-2.3.6}
        STACK_REQUIREMENTS=requirements/mminstall.txt
        BUILD_REQUIREMENTS=() ;;
    upstream)
        # mmcv 2.1.0's setup.py imports pkg_resources (setuptools < 81).
        MMCV_PACKAGE=mmcv MMCV_VERSION=${MMCV_VERSION:-2.1.0}
        STACK_REQUIREMENTS=requirements/upstream.txt
        BUILD_REQUIREMENTS=("setuptools<81") ;;
    *)
        echo "[setup] STACK must be onedl or upstream, got '$STACK'" >&2
        exit 2 ;;
esac
MMEXT_WHEEL_CACHE=${MMEXT_WHEEL_CACHE:-$HOME/.cache/mmext/wheels}

cd "$(dirname "$0")/../.."
STEP="start"
trap 'echo "[setup] FAILED at step: $STEP (see the output above)" >&2' ERR

step() {
    STEP="$1"
    echo "[setup] $1"
}

step "1/7 virtual environment $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    echo "[setup]     created $VENV with $("$VENV/bin/python" --version)"
else
    echo "[setup]     $VENV exists ($("$VENV/bin/python" --version))"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

step "2/7 torch"
if TORCH_VERSION=$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null); then
    echo "[setup]     keeping installed torch $TORCH_VERSION"
else
    "${PIP[@]}" install -qq "$TORCH_SPEC" numpy
    TORCH_VERSION=$("$PY" -c 'import torch; print(torch.__version__)')
    echo "[setup]     installed torch $TORCH_VERSION"
fi
# Pin the installed torch so no later requirement replaces it.
CONSTRAINTS="$VENV/mmext-constraints.txt"
echo "torch==$TORCH_VERSION" > "$CONSTRAINTS"

step "3/7 build tools"
"${PIP[@]}" install -qq -c "$CONSTRAINTS" -r requirements/build.txt \
    ${BUILD_REQUIREMENTS[@]+"${BUILD_REQUIREMENTS[@]}"}

step "4/7 $MMCV_PACKAGE $MMCV_VERSION with compiled ops"
if "$PY" - "$MMCV_VERSION" <<'EOF' 2>/dev/null
import sys
import mmcv
from mmcv.ops import nms  # noqa: F401  (fails without the compiled ops)
sys.exit(mmcv.__version__ != sys.argv[1])
EOF
then
    echo "[setup]     $MMCV_PACKAGE $MMCV_VERSION with ops already installed"
else
    CACHE_DIR="$MMEXT_WHEEL_CACHE/torch-$TORCH_VERSION-py$("$PY" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
    WHEEL_GLOB="${MMCV_PACKAGE//-/_}-$MMCV_VERSION-*.whl"
    WHEEL=$(ls "$CACHE_DIR"/$WHEEL_GLOB 2>/dev/null | head -n 1 || true)
    if [ -z "$WHEEL" ]; then
        echo "[setup]     no cached wheel in $CACHE_DIR: building from source" \
             "(about 14 minutes on 2 cores)"
        mkdir -p "$CACHE_DIR"
        MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" wheel -qq \
            --no-build-isolation --no-deps -w "$CACHE_DIR" \
            "$MMCV_PACKAGE==$MMCV_VERSION"
        WHEEL=$(ls "$CACHE_DIR"/$WHEEL_GLOB | head -n 1)
    fi
    echo "[setup]     installing $WHEEL"
    "${PIP[@]}" install -qq -c "$CONSTRAINTS" "$WHEEL"
fi

step "5/7 OpenMMLab stack and test tools"
STAMP="$VENV/mmext-requirements.sha"
REQ_HASH=$(cat requirements/*.txt "$CONSTRAINTS" | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQ_HASH" ]; then
    echo "[setup]     requirements unchanged since the last set-up"
else
    "${PIP[@]}" install -qq -c "$CONSTRAINTS" -r requirements/runtime.txt \
        -r "$STACK_REQUIREMENTS" -r requirements/tests.txt
    echo "$REQ_HASH" > "$STAMP"
fi

step "6/7 mmext (editable)"
# Installed in this environment, not just importable from the current folder.
if "$PY" -c 'import os, sys
sys.path = [p for p in sys.path if p not in ("", os.getcwd())]
import mmext
sys.exit(os.path.realpath(os.path.dirname(mmext.__file__)) != os.path.realpath("mmext")
         or not os.path.isdir("mmext/.mim/configs")
         or not os.path.isfile("mmext/.mim/model-index.yml"))' 2>/dev/null; then
    echo "[setup]     mmext is installed editable from $(pwd)"
else
    MMEXT_WITH_OPS=0 "${PIP[@]}" install -qq -c "$CONSTRAINTS" \
        --no-build-isolation --no-deps -e .
fi
if [ "${MMEXT_WITH_OPS:-}" != "0" ]; then
    echo "[setup]     building mmext._ext in place (about 1.5 minutes the" \
         "first time, seconds when up to date)"
    LOG="$VENV/mmext-ops-build.log"
    if ! "$PY" setup.py build_ext --inplace > "$LOG" 2>&1; then
        tail -n 40 "$LOG"
        false  # MMEXT_WITH_OPS=1 and the build failed
    fi
    grep -E "UserWarning: (building|mmext._ext)" "$LOG" || true
fi

step "7/7 check imports"
"$PY" - <<'EOF'
import mmcv, mmdet, mmengine, mmseg, torch
from mmcv.ops import nms  # noqa: F401
import mmext
from mmext.ops import compiled_ops_available
ops = 'compiled' if compiled_ops_available(torch.device('cpu')) else 'PyTorch'
print(f'[setup]     torch {torch.__version__}, mmengine {mmengine.__version__}, '
      f'mmcv {mmcv.__version__} (ops), mmdet {mmdet.__version__}, '
      f'mmseg {mmseg.__version__}, mmext {mmext.__version__} ({ops} ops)')
EOF
echo "[setup] done: $VENV is ready"
