#!/usr/bin/env bash
# label: winnow's classifier against ONNX Runtime on the same weights.
#
#   bench/label_ort.sh CORPUS_DIR [IMAGES] [ROUNDS]
#
# IMAGES (default 50) JPEGs spread over CORPUS_DIR (searched recursively,
# in name order) are prepared once as label predict prepares them
# (nntool prep: decode, Lanczos3 to the model's square input, scaled to
# [0, 1]) into one file of float32 NHWC tensors that both engines read, so
# decoding and resizing are left out of both. The TensorFlow.js model is
# converted to ONNX (bench/onnx-convert.py) and run by onnxruntime-node
# (bench/ort/, `make bench-deps`) with all graph optimisations, THREADS
# intra-op threads and one inter-op thread; winnow by build/bench/nn_bench
# as `label predict -j THREADS` runs: THREADS workers, one image each at a
# time (batch 1). Both after a warm-up, medians of ROUNDS (default 5)
# rounds, the two engines' order alternating round by round.
#
# Parity: both engines' probabilities on the IMAGES images; the largest
# absolute difference must be under 1e-4 (else exit 1).
#
# Prints a line per model and thread count (1 and 2), each followed by
# the images per processor second (what each engine's work costs, which a
# loaded machine's other work changes less than it changes wall time),
# then MobileNetV2's
# with 2 threads again as
#   ort: winnow W img/s, onnxruntime O img/s, ratio R, max diff D
set -euo pipefail
src=$(cd "${1:?usage: bench/label_ort.sh CORPUS_DIR [IMAGES] [ROUNDS]}" && pwd)
n=${2:-50}
rounds=${3:-5}
. "$(dirname "$0")/lib.sh"
ort_pkg="$top/bench/ort/node_modules/onnxruntime-node/package.json"
[ -f "$ort_pkg" ] || { echo "label_ort.sh: no onnxruntime-node; run make bench-deps" >&2; exit 3; }
make -s -C "$top" all build/tests/nntool build/bench/nn_bench >/dev/null
bench_tmp
# label predict's OpenBLAS settings (label/main.c): its own threads off,
# and the kernels nn_blas_core() picks
export OPENBLAS_NUM_THREADS=1
core=$("$top/build/bench/nn_bench" --blas-core)
[ -z "$core" ] || export OPENBLAS_CORETYPE=$core

all=$(find "$src" -type f -iname '*.jpg' | sort | wc -l)
[ "$all" -ge "$n" ] || { echo "label_ort.sh: $src has $all JPEGs, fewer than $n" >&2; exit 3; }
find "$src" -type f -iname '*.jpg' | sort | awk -v n="$n" -v all="$all" \
  'NR > int(k * all / n) && k < n { print; k++ }' >"$tmp/list"

echo "label_ort benchmark: $n JPEGs prepared once, batch 1; $(nproc) cores; $rounds rounds"
echo "winnow $(git -C "$top" rev-parse --short HEAD) (OpenBLAS $("$top/build/bench/nn_bench" --core)); onnxruntime-node $(node -p "require('$ort_pkg').version")"

# run_winnow / run_ort MODEL THREADS REPEAT: one timed run; wall seconds
# appended to $tmp/w or $tmp/o, processor seconds to $tmp/wc or $tmp/oc
run_winnow() {
  "$top/build/bench/nn_bench" "$top/models/$1" "$tmp/$1.f32" "$2" "$3" >"$tmp/run"
  cut -d' ' -f1 "$tmp/run" >>"$tmp/w"; cut -d' ' -f3 "$tmp/run" >>"$tmp/wc"
}
run_ort() {
  node "$top/bench/label_ort.js" "$tmp/$1.onnx" "$tmp/$1.f32" "$2" "$3" >"$tmp/run"
  cut -d' ' -f1 "$tmp/run" >>"$tmp/o"; cut -d' ' -f3 "$tmp/run" >>"$tmp/oc"
}

for model in inception_v3 mobilenet_v2; do
  # each timed run ~2 s or more: MobileNetV2 goes over the images 4 times
  repeat=1
  [ "$model" = mobilenet_v2 ] && repeat=4
  "$top/bench/onnx-convert.py" "$top/models/$model" "$tmp/$model.onnx" >/dev/null
  "$top/build/tests/nntool" prep "$top/models/$model" "$tmp/$model.f32" $(cat "$tmp/list")
  "$top/build/bench/nn_bench" "$top/models/$model" "$tmp/$model.f32" 2 1 "$tmp/w.out" >/dev/null
  node "$top/bench/label_ort.js" "$tmp/$model.onnx" "$tmp/$model.f32" 2 1 "$tmp/o.out" >/dev/null
  diff=$(/usr/bin/python3 -c '
import sys, numpy as np
a, b = (np.fromfile(f, np.float32) for f in sys.argv[1:3])
print("%.2g" % (abs(a - b).max() if a.size == b.size else float("inf")))' "$tmp/w.out" "$tmp/o.out")
  if ! awk -v d="$diff" 'BEGIN { exit !(d < 1e-4) }'; then
    echo "label_ort.sh: $model: winnow and ONNX Runtime differ by $diff (limit 1e-4)" >&2
    exit 1
  fi
  for threads in 1 2; do
    : >"$tmp/w"; : >"$tmp/o"; : >"$tmp/wc"; : >"$tmp/oc"
    for r in $(seq "$rounds"); do
      if [ $((r % 2)) = 1 ]; then
        run_winnow "$model" "$threads" "$repeat"; run_ort "$model" "$threads" "$repeat"
      else
        run_ort "$model" "$threads" "$repeat"; run_winnow "$model" "$threads" "$repeat"
      fi
    done
    imgs=$((n * repeat))
    w=$(ratio "$imgs" "$(median "$tmp/w")"); o=$(ratio "$imgs" "$(median "$tmp/o")")
    line=$(printf 'winnow %.1f img/s, onnxruntime %.1f img/s, ratio %.2f, max diff %s' \
      "$w" "$o" "$(ratio "$w" "$o")" "$diff")
    printf '%-12s %d thread%s: %s\n' "$model" "$threads" "$([ "$threads" = 1 ] || echo s)" "$line"
    printf '%-12s   per processor second: winnow %.1f img, onnxruntime %.1f img\n' "" \
      "$(ratio "$imgs" "$(median "$tmp/wc")")" "$(ratio "$imgs" "$(median "$tmp/oc")")"
  done
done
echo "ort: $line"
