#!/usr/bin/env bash
# The Python packages the GPU machine lacks (benchmarks/gpu_check.sh), as wheels for its
# Python 3.12, into .whl/ (ignored by git; the device tool's `carry` takes it there).
# The machine has PyTorch, torchvision, numpy, scipy, pandas, matplotlib, scikit-image,
# scikit-learn, PyYAML, tqdm, Pillow, tensorboard and pytest (the device tool's KINDS.md);
# ganrepro itself runs from src/ (PYTHONPATH), so it needs only these on top.
#   bash benchmarks/gpu_wheels.sh
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
rm -rf .whl && mkdir .whl
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64; do
  platforms+=(--platform "$p")
done
want=(torch-fidelity==0.4.0 jsonschema==4.26.0 jsonschema-specifications referencing rpds-py)
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp "${platforms[@]}" -d .whl "${want[@]}"
ls -la .whl
du -sh .whl
