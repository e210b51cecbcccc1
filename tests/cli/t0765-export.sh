#!/usr/bin/env bash
# label export: the shipped MobileNetV2 with a head trained on three
# folders of real and synthetic pictures, as one TensorFlow.js layers
# model. nsfwjs (npm, tests/node) loads it over HTTP from 127.0.0.1 and
# classifies 20 images; its probabilities must equal winnow's for the same
# folder. The same for an MLP head on six classes (more than classify()
# has names for: read by infer()). Then the refusals: a folder not empty,
# a head on other embeddings, no head at all, a run killed before the
# rename, and label cam on an MLP head.
here=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$here/.." && pwd)
. "$(dirname "$0")/lib.sh"
export WINNOW_MODELS="$top/models"

copy_photos ds/photo astronaut.png chelsea.png coffee.png rocket.jpg retina.jpg \
  hubble_deep_field.jpg motorcycle_left.png motorcycle_right.png \
  /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg
copy_photos ds/art camera.png coins.png page.png text.png moon.png horse.png cell.png \
  brick.png gravel.png grass.png logo.png
mkfixtures dataset ds 4 10 0 synth

test_expect 'help and usage errors' '
  label --help | grep -q "label export --out web/model"
  label export --help | grep -q "^usage: label export --out DIR"
  label export --help | grep -q "nsfwjs.load(.http://HOST/model/., {type: .layers., size: 224})"
  expect_exit 2 label export
  expect_exit 2 label export --out x --model mobilenet_v2,inception_v3 2>err
  grep -q "an export has one backbone" err
  test_path_is_missing x
'

test_expect 'predict and train the head the export takes' '
  label predict --path ds -q
  cp winnow.db nohead.db
  label train --path ds >train.out
  grep -q "(30 images, 3 classes, 5 folds)" train.out
'

# one_line FILE: FILE holds exactly one line.
one_line() {
  test "$(wc -l <"$1")" -eq 1
}

test_expect 'no trained head: one line saying to run label train' '
  expect_exit 2 label export --out e0 --db nohead.db 2>err
  one_line err
  grep -q "^label export: nohead.db: no trained head: run .label train --path DIR. first$" err
  test_path_is_missing e0
'

test_expect 'a head trained on other embeddings is refused with the reason' '
  expect_exit 2 label export --out e1 --model inception_v3 2>err
  one_line err
  grep -q "the trained heads read mobilenet_v2 embeddings, not inception_v3.s: run .label train --path DIR --model inception_v3. first" err
  mkdir other
  ln -s "$top/models/inception_v3" other/mobilenet_v2
  expect_exit 2 label export --out e1 --model other/mobilenet_v2 2>err
  one_line err
  grep -q "the head .mobilenet_v2. was trained on 1280-wide embeddings and this model.s are 2048 wide" err
  test_path_is_missing e1
'

test_expect 'the export: one layers model, the classes in output order, winnow runs it' '
  label export --out web/model >out
  grep -q "^web/model: mobilenet_v2 with a head for 3 classes (30 images" out
  printf "art\nphoto\nsynth\n" >want
  cmp want web/model/classes.txt
  test_path_is_file web/model/model.json
  test_path_is_file web/model/group1-shard1of1.bin
  test_path_is_file web/model/.winnow-export
  test "$(ls -A web | wc -l)" -eq 1
  grep -q "\"output_layers\":\[\[\"winnow_head\",0,0\]\]" web/model/model.json
  test_grep_not -q training_config web/model/model.json
  test_grep_not -q "dense_1" web/model/model.json
  nntool info web/model | grep -q "^input 224x224x3 classes 3 embedding 1280 "
  label predict --path ds --model web/model --nsfwjs-compat --format csv -q >winnow.csv
  head -1 winnow.csv | grep -q "^path,art,photo,synth$"
  grep "^ds/photo/astronaut.png," winnow.csv | awk -F, "{exit !(\$3 > 0.5)}"
'

# rgb_list LIST FILE...: each FILE decoded for nsfwjs-classify.js, a line of LIST.
rgb_list() {
  local list=$1 f
  shift
  rm -f "$list"
  for f in "$@"; do
    echo "$f rgb$(echo "$f" | tr / _).u8 $(nntool rgb "$f" "rgb$(echo "$f" | tr / _).u8")" >>"$list"
  done
}

# parity WINNOW.csv NSFWJS.csv N: the same N images with the same
# probabilities within 1e-4; prints the count and the largest difference.
parity() {
  awk -F, -v tol=1e-4 -v want="$3" "
    NR == FNR { if (FNR > 1) w[\$1] = \$0; next }
    FNR > 1 {
      if (!(\$1 in w)) { print \"winnow has no \" \$1; bad = 1; next }
      split(w[\$1], o, \",\"); n++
      for (i = 2; i <= NF; i++) { d = \$i - o[i]; if (d < 0) d = -d; if (d > worst) worst = d }
    }
    END { print n \" images, largest difference \" worst; exit bad || n != want || worst > tol }
  " "$1" "$2"
}

test_expect 'nsfwjs loads it over HTTP and classifies 20 images as winnow does (1e-4)' '
  rgb_list list ds/photo/* ds/art/camera.png ds/art/coins.png ds/art/horse.png \
    ds/art/moon.png ds/art/logo.png ds/synth/img000[0-5]*
  test "$(wc -l <list)" -eq 20
  node "$here/node/nsfwjs-classify.js" web/model 224 list nsfwjs.csv requests.log \
    >node.out 2>node.err
  test "$(cat node.out)" = classify
  grep -q "^GET /model.json 200$" requests.log
  grep -q "^GET /group1-shard1of1.bin 200$" requests.log
  head -1 nsfwjs.csv | grep -q "^path,art,photo,synth$"
  test "$(tail -n +2 nsfwjs.csv | wc -l)" -eq 20
  parity winnow.csv nsfwjs.csv 20 >cmp
  grep -q "^20 images" cmp
'

test_expect 'the export says that classify() names outputs with nsfwjs own names' '
  grep -q "^nsfwjs. classify() names outputs 0 to 4 Drawing, Hentai, Neutral, Porn, Sexy" out
  grep -q "output i is line i+1 of web/model/classes.txt" out
  test_grep_not -q "no name" out
'

# six classes: more than classify() has names for
mkdir ds6
cp -r ds/photo ds/art ds/synth ds6/
mkfixtures dataset ds6 7 10 0 stripes noise rings

test_expect 'an MLP head is kept, with its hidden layers' '
  label predict --path ds6 -q --db six.db
  label train --path ds6 --head mlp --hidden 32,16 --db six.db >train6.out
  grep -q "(60 images, 6 classes, 5 folds)" train6.out
  test "$(sqlite3 six.db "SELECT hidden, dim, length(weights), length(bias) FROM heads")" = \
    "32,16|1280|$(( (1280 * 32 + 32 * 16 + 16 * 6) * 4 ))|$(( (32 + 16 + 6) * 4 ))"
'

test_expect 'the MLP exports as Dense relu layers and a softmax; winnow runs it' '
  label export --out mlp/model --db six.db >out6
  grep -q "^mlp/model: mobilenet_v2 with a head for 6 classes (60 images" out6
  printf "art\nnoise\nphoto\nrings\nstripes\nsynth\n" >want6
  cmp want6 mlp/model/classes.txt
  test "$(grep -o "\"class_name\":\"Dense\"" mlp/model/model.json | wc -l)" -eq 3
  test "$(grep -o "\"activation\":\"relu\",\"use_bias\"" mlp/model/model.json | wc -l)" -eq 2
  grep -q "\"units\":32" mlp/model/model.json
  grep -q "\"units\":16" mlp/model/model.json
  test_grep_not -q -i dropout mlp/model/model.json
  nntool info mlp/model | grep -q "^input 224x224x3 classes 6 embedding 1280 "
  label predict --path ds6 --model mlp/model --nsfwjs-compat --format csv -q --db six.db \
    >winnow6.csv
  head -1 winnow6.csv | grep -q "^path,art,noise,photo,rings,stripes,synth$"
'

test_expect 'the export says outputs past the fifth have no name in classify()' '
  grep -q "^nsfwjs. classify() names outputs 0 to 4" out6
  grep -q "gives outputs 5 and up no name: read model.infer(image).s probabilities by index" out6
'

test_expect 'nsfwjs runs the MLP export as winnow does (1e-4), six outputs by infer()' '
  rgb_list list6 $(ls ds6/*/* | awk "NR % 3 == 1")
  test "$(wc -l <list6)" -eq 20
  node "$here/node/nsfwjs-classify.js" mlp/model 224 list6 nsfwjs6.csv requests6.log \
    >node6.out 2>node6.err
  test "$(cat node6.out)" = infer
  head -1 nsfwjs6.csv | grep -q "^path,art,noise,photo,rings,stripes,synth$"
  parity winnow6.csv nsfwjs6.csv 20 >cmp6
  grep -q "^20 images" cmp6
'

test_expect 'label cam refuses an MLP head with the reason, on one line' '
  expect_exit 2 label cam --path ds6/photo/astronaut.png --out maps6 --db six.db 2>err
  one_line err
  grep -q "the head for mobilenet_v2 is an MLP (.label train --head mlp.): class activation maps are exact only for a linear head" err
'

test_expect 'a folder that is not empty is refused unless --force' '
  mkdir full
  echo mine >full/notes.txt
  expect_exit 2 label export --out full 2>err
  one_line err
  grep -q "full: exists and is not empty: give --force to replace it" err
  test "$(ls -A full)" = notes.txt
  cp web/model/model.json before.json
  expect_exit 2 label export --out web/model 2>err
  grep -q "web/model: exists and is not empty" err
  # --force replaces an earlier export, and only that
  expect_exit 2 label export --out full --force 2>err
  one_line err
  grep -q "not made by winnow" err
  test "$(ls -A full)" = notes.txt
  touch -d @0 web/model/model.json
  label export --out web/model --force >/dev/null
  test "$(stat -c %Y web/model/model.json)" -gt 0
  cmp before.json web/model/model.json
  test "$(ls -A web | wc -l)" -eq 1
  mkdir empty
  label export --out empty >/dev/null
  test_path_is_file empty/model.json
'

test_expect 'a run killed before the rename leaves no folder, and the old one whole' '
  rc=0; WINNOW_TEST_KILL_AFTER=1 label export --out killed 2>/dev/null || rc=$?
  test "$rc" -eq 137
  test_path_is_missing killed
  cp web/model/model.json before.json
  cp web/model/group1-shard1of1.bin before.bin
  rm web/model/classes.txt
  printf "art\nphoto\nsynth\n" >web/model/classes.txt
  rc=0; WINNOW_TEST_KILL_AFTER=1 label export --out web/model --force 2>/dev/null || rc=$?
  test "$rc" -eq 137
  cmp before.json web/model/model.json
  cmp before.bin web/model/group1-shard1of1.bin
  # the next export clears what the killed ones left beside
  label export --out killed >/dev/null
  test_path_is_file killed/model.json
  test "$(ls -A . | grep -c "winnow-tmp")" -eq 0
  label export --out web/model --force >/dev/null
  test "$(ls -A web)" = model
'

test_done
