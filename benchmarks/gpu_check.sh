#!/usr/bin/env bash
# The GPU check (issue 16): on a machine with a CUDA device, CuPy and a CUDA PyTorch,
#   1. the real-CuPy tests, and the recurrent parity grid with "cupy" added to the test
#      backends (fused and gate-by-gate cells, against PyTorch's CPU oracle);
#   2. the recurrent benchmarks against PyTorch CUDA (same weights, same data).
# Everything goes to $OUT (default ./gpu_check_out); about 5 minutes on an H200.
#   bash benchmarks/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu_check_out}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
python -c "import cupy, torch; print('cupy', cupy.__version__, 'devices', cupy.cuda.runtime.getDeviceCount(), '| torch', torch.__version__, 'cuda', torch.cuda.is_available())" \
    2>&1 | tee "$OUT/environment.txt" || { echo "no CuPy/CUDA here: nothing to check"; exit 2; }

status=0
MINIGRAD_TEST_BACKENDS=numpy,strict,cupy timeout 240 python -m pytest -q -p no:cacheprovider \
    -o addopts="" -x --maxfail=20 tests/test_cupy.py tests/test_rnn_fused.py tests/test_rnn_kernels.py \
    tests/test_rnn_presets.py tests/test_rnn_cells.py tests/test_ops_parity.py 2>&1 | tee "$OUT/tests.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

timeout 240 python -m benchmarks --device cuda --repeats 9 --json "$OUT/benchmarks_cuda.json" \
    2>&1 | tee "$OUT/benchmarks.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
exit $status
