#!/usr/bin/env bash
# augment: pipelines as written, determinism, lineage, balance, re-runs,
# bad pipelines and bad sources.
examples=$(cd "$(dirname "$0")/../../examples" && pwd)
. "$(dirname "$0")/lib.sh"
mkfixtures dataset raw 5 4 0 a
mkfixtures dataset raw 6 2 0 b
mkfixtures bad raw/odd

# Every operation, each firing about half the time.
cat >all.pipeline <<'EOF'
rotate probability=0.5 max_left_rotation=10 max_right_rotation=10
rotate90 probability=0.2
rotate_random_90 probability=0.3
flip_random probability=0.5
zoom probability=0.5 min_factor=1.1 max_factor=1.3
zoom_random probability=0.3 percentage_area=0.8
random_distortion probability=0.5 grid_width=3 grid_height=3 magnitude=4
gaussian_distortion probability=0.5 grid_width=4 grid_height=4 magnitude=3 corner=bell method=in
skew probability=0.5 magnitude=0.3
shear probability=0.5 max_shear_left=10 max_shear_right=10
crop_centre probability=0.2 percentage_area=0.9
rotation_range=15,
width_shift_range=0.1,
zoom_range=[0.9, 1.1],
fill_mode='reflect',
random_brightness probability=0.5 min_factor=0.7 max_factor=1.3
random_color probability=0.5 min_factor=0.5 max_factor=1.5
random_contrast probability=0.5 min_factor=0.5 max_factor=1.5
channel_shift_range=20,
brightness_range=[0.8, 1.2],
hue_shift probability=0.5 degrees=20
pca_lighting probability=0.5 alpha_std=0.2
invert probability=0.1
greyscale probability=0.1
black_and_white probability=0.05 threshold=100
histogram_equalisation probability=0.2
gaussian_blur probability=0.3 sigma=[0.5, 1.5]
gaussian_noise probability=0.3 sigma=[2, 6]
random_erasing probability=0.3 rectangle_area=0.3
jpeg_quality probability=0.5 quality=[40, 80]
EOF

test_expect 'help and usage errors' '
  augment --help | grep -q "augment --path train --out aug --pipeline"
  augment --version | grep -q "^augment (winnow) "
  expect_exit 2 augment
  expect_exit 2 augment --path raw --out o --samples 2
  expect_exit 2 augment --path raw --out o --pipeline all.pipeline
  expect_exit 2 augment --path raw --out o --pipeline all.pipeline --samples 2 --balance 9
  expect_exit 2 augment --path raw --out o --pipeline all.pipeline --samples 0
  expect_exit 2 augment --path raw --out o --pipeline all.pipeline --samples 2 --format gif
  expect_exit 2 augment --path raw --out o --pipeline all.pipeline --samples 2 --seed -1
  expect_exit 2 augment --path raw --out raw --pipeline all.pipeline --samples 2 --db u.db
  test ! -e o
'

test_expect 'a bad pipeline is refused with its line before any image is touched' '
  printf "rotate probability=0.5 max_left_rotation=5 max_right_rotation=5\n\nspin probability=1\n" >bad1
  expect_exit 2 augment --path raw --out o --pipeline bad1 --samples 1 --db bad.db 2>err
  grep -q "^augment: bad1:3: " err
  grep -q spin err
  printf "zoom probability=0.5 min_factor=1.1 max_factor=99\n" >bad2
  expect_exit 2 augment --path raw --out o --pipeline bad2 --samples 1 --db bad.db 2>err
  grep -q "^augment: bad2:1: .*max_factor" err
  printf "rotate probability=1.5 max_left_rotation=5 max_right_rotation=5\n" >bad3
  expect_exit 2 augment --path raw --out o --pipeline bad3 --samples 1 --db bad.db 2>err
  grep -q "^augment: bad3:1: .*probability" err
  expect_exit 2 augment --path raw --out o --pipeline missing --samples 1 --db bad.db 2>err
  grep -q "^augment: missing: " err
  test_path_is_missing o bad.db
'

test_expect 'every operation runs; corrupt sources are reported and skipped' '
  expect_exit 1 augment --path raw --out out1 --pipeline all.pipeline --samples 3 -j 1 -q 2>err
  for f in raw/a/* raw/b/*; do
    base=$(basename "$f"); stem=${base%.*}
    for k in 0 1 2; do test -s "out1/$(basename $(dirname $f))/${stem}_$k.jpg"; done
  done
  for f in zero truncated html badcrc huge; do grep -q "raw/odd/$f" err; test ! -e out1/odd/${f}_0.jpg; done
  test "$(grep -c "^augment: raw/odd/" err)" -eq 5
  # the unusual but valid ones are augmented
  test -s out1/odd/exif6_0.jpg
  test -s out1/odd/png16_2.jpg
  test -s out1/odd/cmyk_1.jpg
  grep -q "sources failed" err
  test_no_temp_files out1
  # each output decodes
  db --db check.db scan -q out1 2>err2
  test "$(sqlite3 check.db "SELECT count(*) FROM images WHERE status != \"ok\"")" -eq 0
'

test_expect 'the same seed gives the same bytes whatever -j; another seed differs' '
  augment --path raw --out out2 --pipeline all.pipeline --samples 3 -j 2 -q --db j2.db 2>/dev/null || true
  diff -r out1 out2
  augment --path raw --out out3 --pipeline all.pipeline --samples 3 -j 2 -q --seed 7 --db s7.db 2>/dev/null || true
  same=0; total=0
  for f in out1/a/*.jpg; do total=$((total + 1)); if cmp -s "$f" "out3/a/$(basename $f)"; then same=$((same + 1)); fi; done
  test "$total" -eq 12
  test "$same" -le 1
'

test_expect 'an output depends on the source content, not its name or neighbours' '
  mkdir -p solo/x
  cp raw/a/img0001.jpg solo/x/renamed.jpg
  augment --path solo --out outsolo --pipeline all.pipeline --samples 3 -q --db solo.db
  for k in 0 1 2; do cmp outsolo/x/renamed_$k.jpg out1/a/img0001_$k.jpg; done
'

test_expect 'the catalog keeps each output with its source and every value drawn' '
  test "$(sqlite3 winnow.db "SELECT count(*) FROM derived d JOIN images i ON i.id = d.image_id WHERE i.path LIKE \"out1/%\"")" -eq "$(find out1 -type f | wc -l)"
  sqlite3 winnow.db "SELECT d.source, d.lineage FROM derived d JOIN images i ON i.id = d.image_id WHERE i.path = \"out1/a/img0002_1.jpg\"" >lin
  grep -q "^raw/a/img0002\.\(jpg\|png\|gif\|webp\)|" lin
  cut -d"|" -f2- lin | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert d[\"seed\"] == 0 and d[\"sample\"] == 1, d
assert len(d[\"source_xxh3\"]) == 32
ops = [s[\"op\"] for s in d[\"steps\"]]
assert ops, d
for s in d[\"steps\"]:
    assert isinstance(s[\"line\"], int) and s[\"line\"] >= 1
    if s[\"op\"] == \"rotate\": assert -10 <= s[\"degrees\"] <= 10
    if s[\"op\"] == \"random_distortion\": assert len(s[\"displacements\"]) == 4
"
  sqlite3 winnow.db "SELECT recipe FROM derived d JOIN images i ON i.id = d.image_id WHERE i.path = \"out1/a/img0002_1.jpg\"" | grep -q "^augment pipeline=[0-9a-f]\{16\} seed=0 sample=1 format=jpg quality=90$"
  sqlite3 winnow.db "SELECT command, exit_code FROM runs WHERE command = \"augment\"" | grep -q "^augment|1$"
'

test_expect 'a re-run makes only what is missing, byte for byte the same' '
  n=$(find out1 -type f | wc -l)
  test "$n" -eq 39
  cp out1/b/img0001_2.jpg keep.jpg
  rm out1/b/img0001_2.jpg
  expect_exit 1 augment --path raw --out out1 --pipeline all.pipeline --samples 3 -q 2>err
  grep -q " 1 images made, 38 already made" err
  cmp keep.jpg out1/b/img0001_2.jpg
'

test_expect 'a file winnow did not make is never overwritten' '
  mkdir -p out4
  echo mine >out4/img0000_0.jpg
  expect_exit 1 augment --path raw/a --out out4 --pipeline all.pipeline --samples 1 -q --db o4.db 2>err
  grep -q "out4/img0000_0.jpg: exists and was not made from" err
  test "$(cat out4/img0000_0.jpg)" = mine
  test -s out4/img0001_0.jpg
'

test_expect '--balance tops every class up to N, originals counted' '
  rm -rf bal
  mkdir bal
  cp -r raw/a raw/b bal/
  augment --path bal --out balout --pipeline all.pipeline --balance 7 --dry-run -q --db bal.db >plan
  grep -q "^a  *4  *3  *7$" plan
  grep -q "^b  *2  *5  *7$" plan
  test ! -e balout
  augment --path bal --out balout --pipeline all.pipeline --balance 7 -q --db bal.db
  test "$(ls balout/a | wc -l)" -eq 3
  test "$(ls balout/b | wc -l)" -eq 5
  # the shortfall is shared: the first sources take one more
  test -e balout/b/img0000_2.jpg
  test_path_is_missing balout/b/img0001_2.jpg
  augment --path bal --out balout --pipeline all.pipeline --balance 7 --dry-run -q --db bal.db >plan
  grep -q "8 new images planned, 8 of them already made" plan
'

test_expect 'the example pipelines run as shipped; PNG output' '
  augment --path raw/a --out ex3 --pipeline "$examples/augmentor-seed003.pipeline" --samples 2 -q --db ex.db
  test "$(ls ex3 | wc -l)" -eq 8
  augment --path raw/a --out ex2 --pipeline "$examples/keras-seed002.pipeline" --samples 2 --format png -q --db ex.db 2>err
  grep -q "keras-seed002.pipeline:[0-9]*: rescale is ignored" err
  test "$(ls ex2/*.png | wc -l)" -eq 8
  head -c 8 ex2/img0000_0.png | od -An -c | grep -q "P   N   G"
'

test_expect 'sources sharing a stem keep their whole names' '
  mkdir -p stem/c
  cp raw/odd/exif6.jpg stem/c/x.jpg
  cp raw/odd/interlaced.png stem/c/x.png
  augment --path stem --out stemout --pipeline all.pipeline --samples 1 -q --db stem.db
  test -s stemout/c/x.jpg_0.jpg
  test -s stemout/c/x.png_0.jpg
'

# Two real photos (scikit-image's astronaut and coffee) at odd sizes, as
# 4:2:0 JPEGs, into the folder $1.
two_photos() {
  mkdir -p "$1"
  /usr/bin/python3 - "$1" <<'PY'
import sys
from PIL import Image
skd = "/usr/lib/python3/dist-packages/skimage/data"
Image.open(skd + "/astronaut.png").convert("RGB").resize((161, 119)).save(sys.argv[1] + "/a.jpg", quality=95, subsampling=2)
Image.open(skd + "/coffee.png").convert("RGB").resize((200, 133)).save(sys.argv[1] + "/b.jpg", quality=95, subsampling=2)
PY
}

test_expect 'a geometric sample stays in YCbCr and matches the RGB way' '
  # Two real photos, 4:2:0, odd sizes: outputs made from the JPEG planes
  # (chroma warped at half resolution) against the same samples made in
  # RGB (PNG output), compared as luma and as colour at half size.
  two_photos ycc/c
  printf "rotate probability=1 max_left_rotation=10 max_right_rotation=10\nflip_left_right probability=0.5\nrandom_distortion probability=0.5 grid_width=3 grid_height=3 magnitude=4\nskew probability=0.5 magnitude=0.3\n" >geo.pipeline
  augment --path ycc --out yccj --pipeline geo.pipeline --samples 6 --quality 100 -q --db yccj.db
  augment --path ycc --out yccp --pipeline geo.pipeline --samples 6 --format png -q --db yccp.db
  /usr/bin/python3 -c "
import glob
import numpy as np
from PIL import Image
n = 0
for j in sorted(glob.glob(\"yccj/c/*.jpg\")):
    a = Image.open(j).convert(\"RGB\")
    b = Image.open(j.replace(\"yccj\", \"yccp\")[:-3] + \"png\").convert(\"RGB\")
    assert a.size == b.size, (j, a.size, b.size)
    luma = abs(np.asarray(a.convert(\"L\"), float) - np.asarray(b.convert(\"L\"), float)).mean()
    half = (a.width // 2, a.height // 2)
    colour = abs(np.asarray(a.resize(half, Image.BOX), float) -
                 np.asarray(b.resize(half, Image.BOX), float)).mean()
    print(j, round(luma, 2), round(colour, 2))
    assert luma < 1 and colour < 2, j
    n += 1
assert n == 12
"
'

test_expect 'points with no source take the fill colour, in YCbCr too' '
  # A flat grey source under a strong tilt and a tenfold zoom: some output
  # points map to infinity. Every output must stay grey (no green from
  # chroma planes filled with 0), as the same samples made in RGB do.
  mkdir -p flat/c
  /usr/bin/python3 -c "
from PIL import Image
Image.new(\"RGB\", (96, 64), (128, 128, 128)).save(\"flat/c/grey.jpg\", quality=95, subsampling=2)
"
  printf "skew_tilt probability=1 magnitude=1\nzoom_range=[10, 10],\n" >horizon.pipeline
  augment --path flat --out flatj --pipeline horizon.pipeline --samples 200 -q --db flatj.db
  augment --path flat --out flatp --pipeline horizon.pipeline --samples 200 --format png -q --db flatp.db
  /usr/bin/python3 -c "
import glob
import numpy as np
from PIL import Image
for f in sorted(glob.glob(\"flatj/c/*.jpg\") + glob.glob(\"flatp/c/*.png\")):
    a = np.asarray(Image.open(f).convert(\"RGB\"), int)
    spread = (a.max(axis=2) - a.min(axis=2)).max()
    assert spread <= 8, (f, spread)
"
'

test_expect 'colour steps on the JPEG planes follow PIL within JPEG rounding' '
  # Pointwise colour steps (Augmentor enhancements, invert, greyscale,
  # Keras channel shift and brightness) run on the 4:2:0 planes. Each
  # output against PIL doing the drawn steps (from the lineage) to the
  # decoded source, saved as 4:2:0 JPEG at the same quality: a wrong
  # factor, centre or order is off by tens of levels. These are 0.7-2.5
  # (1.4 on average): PIL blurs the chroma it decodes and encodes again
  # (fancy upsampling, then block means), the planes keep theirs; samples
  # made the RGB way, which blur alike, were 0.4-1.2. (These photos span
  # nearly 0..255, so the range a channel shift clips to barely shows
  # here; test_augpixel holds it against the RGB way on a narrow image.)
  two_photos colr/c
  printf "random_brightness probability=0.5 min_factor=0.5 max_factor=3\nrandom_color probability=0.5 min_factor=0.5 max_factor=3\nrandom_contrast probability=0.5 min_factor=0.5 max_factor=3\ninvert probability=0.2\ngreyscale probability=0.2\nchannel_shift_range=40,\nbrightness_range=[0.5, 1.6],\n" >colour.pipeline
  augment --path colr --out colrj --pipeline colour.pipeline --samples 16 --quality 100 -q --db colr.db
  /usr/bin/python3 -c "
import io, json, sqlite3
import numpy as np
from PIL import Image, ImageEnhance
enhance = {\"random_brightness\": ImageEnhance.Brightness, \"brightness_range\": ImageEnhance.Brightness,
           \"random_color\": ImageEnhance.Color, \"random_contrast\": ImageEnhance.Contrast}
errs, ops = [], set()
for path, lin in sqlite3.connect(\"colr.db\").execute(
        \"SELECT i.path, d.lineage FROM derived d JOIN images i ON i.id = d.image_id\"):
    im = Image.open(json.loads(lin)[\"source\"]).convert(\"RGB\")
    for s in json.loads(lin)[\"steps\"]:
        ops.add(s[\"op\"])
        if s[\"op\"] in enhance:
            im = enhance[s[\"op\"]](im).enhance(s[\"factor\"])
        elif s[\"op\"] == \"invert\":
            im = Image.eval(im, lambda v: 255 - v)
        elif s[\"op\"] == \"greyscale\":
            im = im.convert(\"L\").convert(\"RGB\")
        else:
            a = np.asarray(im, float)
            im = Image.fromarray(np.round(np.clip(a + s[\"intensity\"], a.min(), a.max())).astype(np.uint8))
    buf = io.BytesIO()
    im.save(buf, \"JPEG\", quality=100, subsampling=2)
    want = np.asarray(Image.open(buf), float)
    got = np.asarray(Image.open(path).convert(\"RGB\"), float)
    errs.append(abs(got - want).mean())
    print(path, round(errs[-1], 2))
    assert errs[-1] < 3, path
assert len(errs) == 32 and np.mean(errs) < 1.75, np.mean(errs)
assert len(ops) == 7, ops
"
'

test_done
