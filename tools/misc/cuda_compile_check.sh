#!/usr/bin/env bash
# Compile mmext's CUDA sources without a GPU, as `pip install` does with a
# CUDA torch: setup.py's CUDAExtension (FORCE_CUDA=1) builds every .cu and
# CUDA .cpp of mmext/ops/csrc for sm_80 and sm_90 against the venv's torch
# and mmcv's CUDA helper headers, with NVIDIA's compiler from PyPI
# (requirements/cuda_compile.txt). A source that does not compile fails.
#
#   bash tools/misc/cuda_compile_check.sh       (make cuda-compile)
#
# The compiler's wheels are downloaded once into $MMEXT_CUDA_CACHE (default
# ~/.cache/mmext/cuda) and unpacked there. Two things a CPU torch lacks are
# made under build/cuda_compile/, never in the venv:
# - c10/cuda/impl/cuda_cmake_macros.h, the header torch's CUDA build
#   generates (its whole content: #define C10_CUDA_BUILD_SHARED_LIBS);
# - empty libc10_cuda.so and libtorch_cuda.so for the link step, which
#   CUDAExtension names. Their symbols stay unresolved: the result checks
#   the compilation and is not an extension to load.
# Environment: TORCH_CUDA_ARCH_LIST ("8.0;9.0"), MAX_JOBS (2), PYTHON.
set -euo pipefail
source "$(dirname "$0")/../find_python.sh"
cd "$ROOT"
CACHE=${MMEXT_CUDA_CACHE:-$HOME/.cache/mmext/cuda}
REQUIREMENTS=requirements/cuda_compile.txt
BUILD=build/cuda_compile
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-8.0;9.0}

# 1. The compiler, unpacked once per pinned set of wheels.
KEY=$(sha1sum "$REQUIREMENTS" | cut -c1-12)
TOOLKIT=$CACHE/toolkit-$KEY
if [ ! -x "$TOOLKIT/nvidia/cu13/bin/nvcc" ]; then
    echo "[cuda-compile] installing NVIDIA's compiler from PyPI into $TOOLKIT"
    "$PYTHON" -m pip download -q --no-deps -r "$REQUIREMENTS" \
        -d "$CACHE/wheels"
    rm -rf "$TOOLKIT.partial"
    "$PYTHON" -m pip install -q --no-deps --no-index \
        --find-links "$CACHE/wheels" -r "$REQUIREMENTS" \
        --target "$TOOLKIT.partial"
    # torch looks for the runtime as lib64/libcudart.so.
    CU=$TOOLKIT.partial/nvidia/cu13
    ln -s lib "$CU/lib64"
    ln -s libcudart.so.13 "$CU/lib/libcudart.so"
    mv "$TOOLKIT.partial" "$TOOLKIT"
fi
export CUDA_HOME=$TOOLKIT/nvidia/cu13
echo "[cuda-compile] $("$CUDA_HOME/bin/nvcc" --version | grep release)"

# 2. What a CPU torch lacks.
mkdir -p "$BUILD/include/c10/cuda/impl" "$BUILD/stubs"
TORCH_INCLUDE=$("$PYTHON" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "include"))')
if [ ! -f "$TORCH_INCLUDE/c10/cuda/impl/cuda_cmake_macros.h" ]; then
    echo '#define C10_CUDA_BUILD_SHARED_LIBS' \
        > "$BUILD/include/c10/cuda/impl/cuda_cmake_macros.h"
fi
echo > "$BUILD/stubs/empty.c"
for lib in c10_cuda torch_cuda; do
    gcc -shared -fPIC -Wl,-soname,lib$lib.so -o "$BUILD/stubs/lib$lib.so" \
        "$BUILD/stubs/empty.c"
done

# 3. setup.py's CUDAExtension, as a CUDA torch's pip install runs it.
echo "[cuda-compile] compiling mmext/ops/csrc for TORCH_CUDA_ARCH_LIST=$TORCH_CUDA_ARCH_LIST"
rm -rf "$BUILD/temp" "$BUILD/lib"
FORCE_CUDA=1 MMEXT_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} \
    CPATH="$ROOT/$BUILD/include${CPATH:+:$CPATH}" \
    LIBRARY_PATH="$ROOT/$BUILD/stubs${LIBRARY_PATH:+:$LIBRARY_PATH}" \
    "$PYTHON" setup.py -q build_ext --build-temp "$BUILD/temp" \
    --build-lib "$BUILD/lib"

# 4. Every CUDA source became an object, for every architecture asked for,
#    and the extension links CUDA's runtime.
EXT=$(ls "$BUILD"/lib/mmext/_ext*.so)
status=0
shopt -s nullglob
for src in mmext/ops/csrc/pytorch/cuda/*.cu mmext/ops/csrc/pytorch/cuda/*.cpp; do
    obj=$(find "$BUILD/temp" -path "*${src%.*}.o")
    if [ -z "$obj" ]; then
        echo "[cuda-compile] no object for $src" >&2
        status=1
    fi
done
NINJA=$(find "$BUILD/temp" -name build.ninja | head -n 1)
IFS=';' read -ra ARCHS <<< "$TORCH_CUDA_ARCH_LIST"
for arch in "${ARCHS[@]}"; do
    if ! grep -q "code=sm_${arch/./}" "$NINJA"; then
        echo "[cuda-compile] sm_${arch/./} was not compiled for" >&2
        status=1
    fi
done
if ! readelf -d "$EXT" | grep -q 'NEEDED.*\[libcudart\.so'; then
    echo "[cuda-compile] $EXT does not link CUDA's runtime" >&2
    status=1
fi
SMS=$(printf 'sm_%s ' "${ARCHS[@]//./}")
[ "$status" = 0 ] && echo "[cuda-compile] OK: every CUDA source compiled for ${SMS% } ($EXT)"
exit "$status"
