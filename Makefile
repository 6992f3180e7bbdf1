# mmext: `make demo` sets up and runs the demo, `make test` sets up and tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UPSTREAM_VENV ?= .venv-upstream
DEMO_CONFIG ?= configs/demo/atss_r18_fpn_10e_demo.py
# One work dir per config, as mmdet's tools name them.
DEMO_WORK_DIR ?= work_dirs/demo/$(basename $(notdir $(DEMO_CONFIG)))
PYTEST_ARGS ?=

.PHONY: setup setup-upstream data demo lint format test test-fast \
	test-upstream test-upstream-all slurm cuda-compile smoke-paper \
	smoke-paper-ci benchmarks clean

setup:
	@PYTHON=$(PYTHON) VENV=$(VENV) bash tools/misc/setup_env.sh

# Upstream OpenMMLab (mmengine 0.10.7, mmcv 2.1.0, mmdet 3.3.0, mmseg 1.2.2)
# in its own virtual environment.
setup-upstream:
	@PYTHON=$(PYTHON) VENV=$(UPSTREAM_VENV) STACK=upstream bash tools/misc/setup_env.sh

# Written when missing or older than the tools that write it; the tools
# replace only the files they wrote (refined jsons and others stay).
DEMO_DATA_STAMP := data/.mmext_demo_data

data: setup $(DEMO_DATA_STAMP)

$(DEMO_DATA_STAMP): tools/misc/make_demo_data.py \
		tools/dataset_converters/split_coco_semi.py \
		tools/dataset_converters/make_sparse_coco.py \
		tools/dataset_converters/make_noisy_coco.py
	@echo "[data] writing the embedded demo sets to data/demo_det and data/demo_ad"
	@$(PY) tools/misc/make_demo_data.py --out-dir data/demo_det
	@echo "[data] writing its 10% labeled split to data/demo_det/semi_anns"
	@$(PY) tools/dataset_converters/split_coco_semi.py \
		data/demo_det/annotations/instances_train.json \
		--out-dir data/demo_det/semi_anns --percents 10 --folds 1 --overwrite
	@echo "[data] writing its sparse annotations to data/demo_det/sparse_anns"
	@$(PY) tools/dataset_converters/make_sparse_coco.py \
		data/demo_det/annotations/instances_train.json \
		--out-dir data/demo_det/sparse_anns --overwrite > /dev/null
	@echo "[data] writing its noisy-box annotations to data/demo_det/noisy_anns"
	@$(PY) tools/dataset_converters/make_noisy_coco.py \
		data/demo_det/annotations/instances_train.json \
		--out-dir data/demo_det/noisy_anns --overwrite > /dev/null
	@touch $(DEMO_DATA_STAMP)

demo: data
	@PY=$(PY) bash tools/misc/run_demo.sh $(DEMO_CONFIG) $(DEMO_WORK_DIR)

# The whole tree, as CI runs it (settings in setup.cfg); `make format`
# rewrites imports and layout in place.
LINT_PATHS := mmext tools tests demo setup.py

lint: setup
	@echo "[lint] flake8, isort and yapf (setup.cfg)"
	@$(PY) -m flake8 $(LINT_PATHS) configs
	@$(PY) -m isort --check-only --diff $(LINT_PATHS)
	@$(PY) -m yapf --diff --recursive --exclude 'mmext/.mim/*' $(LINT_PATHS)

format: setup
	@$(PY) -m isort $(LINT_PATHS)
	@$(PY) -m yapf --in-place --recursive --exclude 'mmext/.mim/*' $(LINT_PATHS)

test: setup
	@echo "[test] running the test suite"
	@$(PY) -m pytest tests $(PYTEST_ARGS)

# Tiers (markers in setup.cfg): slow (tools, trainings, every config),
# distributed (several processes), cuda. test-fast leaves all three out: a
# quick loop: about a minute alone on 2 cores.
FAST_TESTS := not slow and not distributed and not cuda

test-fast: setup
	@echo "[test-fast] the tests that are not slow, distributed or cuda"
	@$(PY) -m pytest tests -m "$(FAST_TESTS)" $(PYTEST_ARGS)

# On upstream OpenMMLab CI runs the fast tier plus the slow tests marked
# `upstream` (what depends on the OpenMMLab versions: every config builds,
# train / test / resume end to end); test-upstream-all runs everything.
test-upstream: setup-upstream
	@echo "[test-upstream] the fast tier and the upstream-marked tests on upstream OpenMMLab"
	@$(UPSTREAM_VENV)/bin/python -m pytest tests -m "($(FAST_TESTS)) or upstream" $(PYTEST_ARGS)

test-upstream-all: setup-upstream
	@echo "[test-upstream-all] running the test suite on upstream OpenMMLab"
	@$(UPSTREAM_VENV)/bin/python -m pytest tests $(PYTEST_ARGS)

# A one-node Slurm on localhost (Debian's slurm-wlm and munge), for
# tests/test_tools/test_slurm.py; the test starts the daemons.
slurm:
	@bash tools/misc/slurm_local.sh install

# mmext's CUDA sources compiled for sm_80 and sm_90 without a GPU, with
# NVIDIA's compiler from PyPI (cached in ~/.cache/mmext/cuda).
cuda-compile: setup
	@PYTHON=$(PY) bash tools/misc/cuda_compile_check.sh

# Every paper-scale config end to end on CPU (a few iterations and one
# evaluation at its real input size, on generated data in its own format);
# the table goes to work_dirs/smoke_paper/table.md, row by row. Hours on 2
# cores: a second `make smoke-paper` goes on from the table, running only the
# configs that have not run (move the table away to start again).
# smoke-paper-ci runs one config a method, one iteration each.
smoke-paper: setup
	@$(PY) tools/misc/smoke_paper.py --out-dir work_dirs/smoke_paper/$$(date +%Y%m%d_%H%M%S) \
		--markdown work_dirs/smoke_paper/table.md --resume

smoke-paper-ci: setup
	@$(PY) tools/misc/smoke_paper.py --ci --iters 1 \
		--out-dir work_dirs/smoke_paper/ci_$$(date +%Y%m%d_%H%M%S)

# Every table of docs/benchmarks.md again, in one run (about an hour on 2
# idle cores): the document with the new tables goes to work_dirs/benchmarks/.
benchmarks: setup
	@$(PY) tools/analysis_tools/regenerate_benchmarks.py docs/benchmarks.md \
		--out work_dirs/benchmarks/benchmarks_$$(date +%Y%m%d_%H%M%S).md

clean:
	rm -rf work_dirs/demo data/demo_det data/demo_ad $(DEMO_DATA_STAMP)
