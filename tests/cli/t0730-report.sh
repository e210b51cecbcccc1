#!/usr/bin/env bash
# db report: one self-contained HTML page, checked in headless Chromium.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib.sh"
export WINNOW_MODELS="$top/models"
shots=${WINNOW_TEST_OUT:-$top/build/test-output}
mkdir -p "$shots"

mkdir -p ds
copy_photos src/photo astronaut.png chelsea.png coffee.png rocket.jpg retina.jpg motorcycle_left.png
cp -r src/photo ds/
/usr/bin/python3 -c "from PIL import Image; Image.new(\"RGB\", (640, 480), (128, 128, 128)).save(\"ds/photo/blank.png\")"
mkfixtures dataset ds 4 12 0 synth
mkfixtures near ds/near 6 3
mkfixtures bad ds/odd
printf "flip_left_right probability=1\n" >p.pipeline
augment --path src --out ds --pipeline p.pipeline --samples 2 -q 2>/dev/null
db scan -q ds 2>/dev/null || true
dedup --path ds -q >/dev/null 2>&1 || true
label predict --path ds -q 2>/dev/null || true
label train --path ds >/dev/null 2>&1 || true

test_expect 'usage' '
  db report --help | grep -q "db report --html report.html"
  expect_exit 2 db report
'

test_expect 'one self-contained page with charts, thumbnails and the problems' '
  db report --html report.html 2>err
  grep -q "^db report: report.html" err
  grep -q "<svg class=chart" report.html
  test "$(grep -c "<svg class=chart" report.html)" -eq 3
  grep -q "data:image/jpeg;base64," report.html
  test_grep_not "<script" report.html
  test_grep_not -E "(src|href)=\"?(https?:)?//" report.html
  for s in "Images per class" "Shorter side" "Aspect ratio" "Duplicate groups" \
           "Label conflicts" "Top suspects" "Quality issues" "Corrupt files" \
           "Augmentation"; do
    grep -q "$s" report.html
  done
  # db issues: counts per issue and class, and the worst of each issue
  grep -q "<th>issue</th><th>images</th><th>near</th><th>odd</th><th>photo</th>" report.html
  grep -q "<tr><td>low_information</td><td>[1-9][0-9]*</td>" report.html
  grep -q "<h3>low_information: the worst</h3>" report.html
  grep -q "<figcaption>ds/photo/blank.png: low_information 0.00</figcaption>" report.html
  grep -q "ds/odd/truncated.jpg" report.html
  grep -q "made by augment" report.html
'

test_expect 'in Chromium: renders, no console errors, nothing fetched' '
  node "$top/tests/node/report-browser.js" report.html "$shots/report.png" >seen.json
  test -s "$shots/report.png"
  python3 -c "
import json
s = json.load(open(\"seen.json\"))
assert s[\"errors\"] == [] and s[\"requests\"] == [], s
assert s[\"charts\"] == 3 and s[\"thumbs\"] >= 5, s
"
'

test_expect '--path keeps to one folder' '
  db report --html synth.html --path ds/synth 2>/dev/null
  test_grep_not "ds/odd/" synth.html
  grep -q "synth" synth.html
'

test_done
