#!/bin/bash
# One GPU session's measurements of the recurrent kernel variants (issue 12), prepared so that a session
# with a GPU runs it once. Needs the bundle: on a machine with this checkout and node_modules,
#   bash ../shared/gpu-bundle.sh        (packs .gpu/: Node, Dawn, bench/run.ts, bench/kernels.ts, torch anchor)
# then on the GPU machine, from the checkout's root:
#   bash scripts/gpu-probe.sh [--quick]
# It prints the card and driver, then
#   1. the workload benchmark (training and inference rows, lstm-large included) with each recurrent
#      variant forced — blocked, split, split-subgroup — and no TensorFlow.js peers;
#   2. the recurrent kernel harness (every variant validated against the CPU twin, then timed per path);
#   3. the profiling mode: per-kernel GPU time of one lstm training step per variant (timestamp queries);
#   4. PyTorch cuDNN on the same workloads (the anchor; the text rows char-gru and generate by bench/torch_text.py,
#      the seq2seq rows — teacher-forced step, beam and greedy decoding, the large ones too — by bench/torch_seq2seq.py).
# Every step has its own time limit (together 600 s: one device call, which may run 600 s), so one hang
# cannot spend the session's device time; JSON lines and tables land in
# $OUT (the device tool's output folder) or /tmp/gpu-probe. --quick: fewer repetitions, no lstm-large.
set -uo pipefail
cd "$(git rev-parse --show-toplevel)"
[ -x .gpu/run.sh ] || { echo "no .gpu/ bundle here: run ../shared/gpu-bundle.sh on the build machine and bring .gpu/ along" >&2; exit 2; }
out=${OUT:-/tmp/gpu-probe}; mkdir -p "$out"
large=--large; reps=5
if [ "${1:-}" = --quick ]; then large=; reps=3; fi

step() { # step <name> <seconds> <command…>: run with a limit, keep the output, say how it ended
  local name=$1 limit=$2; shift 2
  echo; echo "=== $name ($(date -u +%H:%M:%S) UTC, limit ${limit}s)"
  timeout "$limit" "$@" > "$out/$name.txt" 2> "$out/$name.err"
  local rc=$?
  grep -v '^{' "$out/$name.txt"          # the tables (JSON lines stay in the file)
  [ $rc -eq 0 ] || { echo "--- $name ended with status $rc; last lines of its stderr:"; tail -5 "$out/$name.err"; }
}

echo "=== card"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not found"
for v in blocked split split-subgroup; do
  step "bench-$v" 100 bash .gpu/run.sh bench $large --peers none --reps $reps --recurrent "$v"
done
step kernels-recurrent 90 bash .gpu/run.sh kernels --recurrent $large --reps $reps
step profile 60 bash .gpu/run.sh kernels --profile --only lstm,lstm-small-batch
step torch 90 bash .gpu/run.sh torch
step torch-text 30 python3 bench/torch_text.py
step torch-seq2seq 30 python3 bench/torch_seq2seq.py $large
echo; echo "outputs: $out"
