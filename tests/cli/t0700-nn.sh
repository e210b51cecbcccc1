#!/usr/bin/env bash
# The classifier engine against TensorFlow.js: the nsfwjs models on real
# photos, a small model with the other layers, the nsfwjs preprocessing,
# and damaged model files.
#
# The reference outputs come from tests/node/tfjs-golden.js (tfjs, CPU
# backend). InceptionV3 takes tfjs about 15 s an image, so they are kept in
# $WINNOW_GOLDEN (make test: build/golden), keyed by the hash of the model,
# the inputs and the scripts (tfjs-golden.js, layers-model.js).
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/.." && pwd)
. "$(dirname "$0")/lib.sh"

golden_js="$here/node/tfjs-golden.js"
golden_lib="$here/node/layers-model.js"
cache=${WINNOW_GOLDEN:-$scratch/golden}
mkdir -p "$cache"
photos="$skd/astronaut.png $skd/chelsea.png $skd/coffee.png $skd/rocket.jpg $skd/retina.jpg
  $skd/hubble_deep_field.jpg $skd/motorcycle_left.png $skd/grass.png $skd/color.png
  $skd/camera.png /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"

# golden MODEL IN OUT [PARTS]: tfjs' outputs for the tensors in IN, from
# the cache or computed (split over PARTS node processes). A node that
# fails (say, killed for memory on a loaded machine) fails the test, and
# its partial output never enters the cache, where every later run would
# compare against it.
golden() {
  local model=$1 in=$2 out=$3 parts=${4:-1} key per n pids= pid failed
  key=$(cat "$model/model.json" "$in" "$golden_js" "$golden_lib" | sha256sum | cut -c1-32)
  if [ ! -s "$cache/$key" ]; then
    read -r per < <(nntool info "$model" | awk 'NR == 1 {split($2, s, "x"); print s[1] * s[2] * s[3] * 4}')
    n=$(( $(stat -c %s "$in") / per ))
    for p in $(seq 0 $((parts - 1))); do
      from=$(( n * p / parts )); to=$(( n * (p + 1) / parts ))
      tail -c +$((from * per + 1)) "$in" | head -c $(((to - from) * per)) >"$in.$p"
      node "$golden_js" "$model" "$in.$p" "$out.$p" 2>"$out.$p.err" &
      pids="$pids $!"
    done
    failed=0
    for pid in $pids; do wait "$pid" || failed=1; done
    if [ "$failed" -ne 0 ]; then
      cat "$out".*.err >&2
      return 1
    fi
    for p in $(seq 0 $((parts - 1))); do cat "$out.$p"; done >"$cache/$key.tmp"
    mv "$cache/$key.tmp" "$cache/$key"
  fi
  cp "$cache/$key" "$out"
}

per_image() {  # values per image in nntool run's output
  nntool info "$1" | awk 'NR == 1 {print $4 + $6}'
}

test_expect 'MobileNetV2 matches TensorFlow.js within 1e-4 on 11 real photos' '
  nntool info "$top/models/mobilenet_v2" | grep -q "^input 224x224x3 classes 5 embedding 1280 "
  nntool info "$top/models/mobilenet_v2" | grep -q "^class 3 Porn$"
  nntool prep "$top/models/mobilenet_v2" m.in $photos
  nntool run "$top/models/mobilenet_v2" m.in m.c
  golden "$top/models/mobilenet_v2" m.in m.g
  node "$golden_js" --compare m.c m.g "$(per_image "$top/models/mobilenet_v2")" 1e-4 >cmp
  grep -q "^11 inputs" cmp
'

test_expect 'InceptionV3 matches TensorFlow.js within 1e-4 on 11 real photos' '
  nntool info "$top/models/inception_v3" | grep -q "^input 299x299x3 classes 5 embedding 2048 "
  nntool prep "$top/models/inception_v3" i.in $photos
  nntool run "$top/models/inception_v3" i.in i.c
  golden "$top/models/inception_v3" i.in i.g 2
  node "$golden_js" --compare i.c i.g "$(per_image "$top/models/inception_v3")" 1e-4 >cmp
  grep -q "^11 inputs" cmp
'

test_expect 'the nsfwjs preprocessing is exactly nsfwjs'"'"'s' '
  rm -f ref.in
  for f in $skd/chelsea.png $skd/rocket.jpg /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg; do
    wh=$(nntool rgb "$f" rgb.u8)
    node "$golden_js" --nsfwjs-prep rgb.u8 $wh 224 ref.in 2>/dev/null
  done
  nntool prep "$top/models/mobilenet_v2" --nsfwjs ours.in $skd/chelsea.png $skd/rocket.jpg \
    /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
  node "$golden_js" --compare ours.in ref.in 150528 1e-6
  # and it is not the default preprocessing
  nntool prep "$top/models/mobilenet_v2" def.in $skd/chelsea.png $skd/rocket.jpg \
    /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
  test_must_fail node "$golden_js" --compare def.in ref.in 150528 1e-3
'

test_expect 'the other layers match TensorFlow.js too (a small model)' '
  node "$here/node/tiny-model.js" tiny
  python3 -c "
import random, struct
random.seed(3)
open(\"t.in\", \"wb\").write(struct.pack(\"<%df\" % (13 * 11 * 3 * 6), *[random.random() * 2 - 0.5 for _ in range(13 * 11 * 3 * 6)]))"
  nntool run tiny t.in t.c
  golden tiny t.in t.g
  node "$golden_js" --compare t.c t.g "$(per_image tiny)" 1e-5
'

# damaged NAME SED: NAME, a copy of the tiny model whose model.json SED
# changes (a SED that no longer matches fails here, not silently later).
damaged() {
  cp -r tiny "$1"
  sed -i "$2" "$1/model.json"
  test_must_fail cmp -s tiny/model.json "$1/model.json"
}

# refused MODEL MESSAGE: nntool info MODEL exits 1 saying MESSAGE.
refused() {
  expect_exit 1 nntool info "$1" 2>err
  grep -q "$2" err
}

test_expect 'damaged or unsupported model files are named with the cause' '
  refused nowhere "nowhere/model.json: No such file or directory"
  damaged bad1 "s/\"Dense\"/\"LSTM\"/"
  refused bad1 "bad1/model.json: unsupported layer type .LSTM."
  cp -r tiny bad2
  truncate -s -7 bad2/group1-shard1of1.bin
  refused bad2 "bad2/model.json: the shards are shorter than the manifest says"
  cp -r tiny bad3
  printf "{\"modelTopology\": [" >bad3/model.json
  refused bad3 "bad3/model.json: not JSON"
  damaged bad4 "s/\"fc\/bias\"/\"fc\/bias_other\"/"
  refused bad4 "missing weight .fc/bias."
  damaged bad5 "s/group1-shard1of1.bin/..\/..\/etc\/passwd/"
  refused bad5 "a bad shard path"
  damaged bad6 "s/\"pool_size\":\[2,2\]/\"pool_size\":0/"
  grep -q "\"pool_size\":0" bad6/model.json
  refused bad6 "bad kernel, stride or dilation in .mp."
  damaged bad7 "s/\"kernel_size\":\[3,3\],\"strides\":\[2,2\]/\"kernel_size\":-1,\"strides\":[2,2]/"
  grep -q "\"kernel_size\":-1" bad7/model.json
  refused bad7 "bad kernel, stride or dilation in .c1."
'

test_done
