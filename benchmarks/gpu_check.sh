#!/usr/bin/env bash
# The prepared GPU check, for the first session lent a CUDA machine (docs/rehearsal.md, "GPU
# check"): in at most 10 minutes, on the device, every test marked `device`, the rehearsal
# slice (served real-format archives -> train -> evaluate with the Inception file, at full
# settings), and the training, cost and evaluation benchmarks; every figure into one file with
# the device name.
#
#   here:  bash benchmarks/gpu_wheels.sh            # once: the wheels the GPU machine lacks
#   there: bash benchmarks/gpu_check.sh             # device tool: run(..., carry=[".whl"])
#
# Writes $OUT/gpu_check.txt (or /tmp/gpu-check/ without $OUT). GPU_CHECK_DEVICE=cpu runs the
# same steps on the CPU with small budgets (a dry run of this script on a machine without CUDA:
# PYTHON=.venv/bin/python GPU_CHECK_DEVICE=cpu bash benchmarks/gpu_check.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
log="$out/gpu_check.txt"
device=${GPU_CHECK_DEVICE:-cuda}
py=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
if ! "$py" -c 'import torch_fidelity, jsonschema' 2>/dev/null; then
  [ -d .whl ] || { echo "torch-fidelity/jsonschema missing and no .whl/ (bash benchmarks/gpu_wheels.sh)" >&2; exit 2; }
  "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 2
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"

{
  echo "# ganrepro GPU check, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  "$py" - "$device" <<'PY'
import sys, torch
dev = sys.argv[1]
name = torch.cuda.get_device_name(0) if dev.startswith("cuda") else "CPU"
print(f"device: {dev} = {name}; torch {torch.__version__}; CUDA {torch.version.cuda}")
PY
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
} | tee "$log"

failed=0
step() {  # step NAME SECONDS COMMAND...: run it with a time limit, its output into the log
  local name=$1 limit=$2
  shift 2
  echo -e "\n## $name (limit ${limit}s): $*" | tee -a "$log"
  local t0=$SECONDS
  timeout -s INT "$limit" "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  echo "-> $name: exit $rc after $((SECONDS - t0)) s" | tee -a "$log"
  [ "$rc" = 0 ] || failed=$((failed + 1))
}

targets=()
for run in ding/gan frank/wgan_gp zhu/wgan_gp_resnet_cifar10 zhu/cfg_dcgan_mnist; do
  targets+=("results/rehearsal/runs/$run/metrics.json")
done
if [ "$device" = cpu ]; then  # a dry run of the script: small budgets, no 10-minute limit
  step "tests on $device" 600 "$py" -m pytest -q -p no:cacheprovider -m device --device "$device" tests
  step "rehearsal slice on $device" 1800 "$py" benchmarks/run_jobs.py --rehearse --device "$device" "${targets[@]}"
  step "what the slice measured" 60 "$py" benchmarks/bench_rehearsal.py --root . --no-checks
  step "bench_train" 300 "$py" benchmarks/bench_train.py --device "$device" --runs ding/gan --rounds 1 --k 2
  step "bench_cost" 300 "$py" benchmarks/bench_cost.py --device "$device" --runs ding/ --steps 1
  step "bench_eval" 300 "$py" benchmarks/bench_eval.py --device "$device" --n 200 --n-inception 20 --batch-sizes 50
else  # the limits add up to 510 s: the device tool's 600 s per call, with the set-up
  step "tests on $device" 90 "$py" -m pytest -q -p no:cacheprovider -m device --device "$device" tests
  step "rehearsal slice on $device" 210 "$py" benchmarks/run_jobs.py --rehearse --device "$device" "${targets[@]}"
  step "what the slice measured" 15 "$py" benchmarks/bench_rehearsal.py --root . --no-checks
  step "bench_train" 60 "$py" benchmarks/bench_train.py --device "$device" --rounds 3
  step "bench_cost" 90 "$py" benchmarks/bench_cost.py --device "$device" --steps 3
  step "bench_eval" 45 "$py" benchmarks/bench_eval.py --device "$device" --n 20000 --n-inception 5000 --batch-sizes 100,200,500
fi
echo -e "\n# $failed step(s) failed; all figures above, in $log" | tee -a "$log"
exit "$failed"
