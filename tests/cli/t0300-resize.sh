#!/usr/bin/env bash
# resize: sizes, formats, the catalog, re-runs, in place, bad input.
. "$(dirname "$0")/lib.sh"

dims() {  # dims FILE: WxH as db would catalogue it
  db --db dims.db scan -q "$(dirname "$1")" >/dev/null 2>&1 || true
  sqlite3 dims.db "SELECT width || 'x' || height FROM images WHERE path = '$1'"
}

mkfixtures big raw 1 3 800 600
mkfixtures dataset raw 2 4 0 small
mkfixtures bad raw/odd

test_expect 'help and usage errors' '
  resize --help | grep -q "resize --path raw_data --out train"
  resize --version | grep -q "^resize (winnow) "
  expect_exit 2 resize
  expect_exit 2 resize --path raw
  expect_exit 2 resize --path raw --out a --in-place
  expect_exit 2 resize --path raw --out a --size 320 --geometry x320
  expect_exit 2 resize --path raw --out a --geometry 320y
  expect_exit 2 resize --path raw --out a --format gif
  expect_exit 2 resize --path raw --in-place --format jpg
  expect_exit 2 resize --path raw --out a --quality 0
'

test_expect 'default: shorter side 320, JPEG, same tree; bad sources fail alone' '
  expect_exit 1 resize --path raw --out train -q 2>err
  test -s train/c/big000.jpg
  test -s train/c/big002.jpg
  test "$(sqlite3 winnow.db "SELECT width || \"x\" || height FROM images WHERE path = \"train/c/big000.jpg\"")" = 427x320
  # small images are copied or converted, never enlarged
  for f in train/small/*; do case "$f" in *.jpg) ;; *) echo "not jpg: $f"; exit 1 ;; esac; done
  test "$(ls train/small | wc -l)" -eq 4
  # the unusual but valid files are made; the bad ones are not
  test -s train/odd/exif6.jpg
  test -s train/odd/png16.jpg
  test -s train/odd/cmyk.jpg
  for f in zero truncated html badcrc huge; do
    test ! -e train/odd/$f.jpg
    test ! -e train/odd/$f.png
  done
  test "$(grep -c "^resize: raw/odd/" err)" -eq 5
  grep -q "raw/odd/truncated.jpg: corrupt JPEG" err
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE status = \"corrupt\" AND path LIKE \"raw/odd/%\"")" -eq 5
  grep -q " 3 resized, " err
  test_no_temp_files train
'

test_expect 'EXIF orientation is applied: the output stands upright' '
  test "$(sqlite3 winnow.db "SELECT width || \"x\" || height FROM images WHERE path = \"train/odd/exif6.jpg\"")" = 48x64
  python3 -c "
import sys
d = open(\"train/odd/exif6.jpg\", \"rb\").read()
sys.exit(1 if b\"Exif\" in d[:200] else 0)"
'

test_expect 'outputs are catalogued with hashes and fingerprints, and where they came from' '
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE path LIKE \"train/%\" AND xxh3 IS NOT NULL AND dhash IS NOT NULL AND length(thumb) = 256")" -eq 14
  test "$(sqlite3 winnow.db "SELECT d.source FROM derived d JOIN images i ON i.id = d.image_id WHERE i.path = \"train/c/big001.jpg\"")" = raw/c/big001.jpg
  sqlite3 winnow.db "SELECT recipe FROM derived LIMIT 1" | grep -q "^resize size=320 format=jpeg quality=90$"
  # a later scan of the outputs reads nothing again
  db scan -q train 2>err
  grep -q "0 read, 14 unchanged" err
'

test_expect 'a re-run skips what is current and remakes what changed' '
  expect_exit 1 resize --path raw --out train -q 2>err
  grep -q " 0 resized, 0 copied, 14 unchanged, 5 failed" err
  cp raw/c/big000.jpg raw/c/big001.jpg
  expect_exit 1 resize --path raw --out train -q 2>err
  grep -q " 1 resized, 0 copied, 13 unchanged" err
  cmp -s train/c/big000.jpg train/c/big001.jpg
'

test_expect 'geometry as mogrify reads it' '
  resize --path raw/c --out g1 --geometry x100 -q
  test "$(dims g1/big000.jpg)" = 133x100
  resize --path raw/c --out g2 --geometry "100x100^" -q
  test "$(dims g2/big000.jpg)" = 133x100
  resize --path raw/c --out g3 --geometry "100x100!" -q
  test "$(dims g3/big000.jpg)" = 100x100
  resize --path raw/c --out g4 --geometry "1000x1000>" -q
  test "$(dims g4/big000.jpg)" = 800x600
  resize --path raw/c --out g5 --geometry 1000x1000 -q
  test "$(dims g5/big000.jpg)" = 1000x750
  if command -v mogrify >/dev/null && mogrify -version >/dev/null 2>&1; then
    mkdir -p m
    cp raw/c/big000.jpg m/
    mogrify -geometry x100 m/big000.jpg
    test "$(dims m/big000.jpg)" = "$(dims g1/big000.jpg)"
  fi
'

test_expect 'formats: png and webp keep alpha, jpg flattens it; names never collide' '
  mkdir -p fm/c
  cp raw/odd/lossless-alpha.webp fm/c/a.webp
  cp raw/c/big000.jpg fm/c/a.jpg
  cp raw/odd/png16.png fm/c/a.png
  resize --path fm --out fp --format png -q
  ls fp/c | sort | tr "\n" " " | grep -q "^a.jpg.png a.png a.webp.png $" || { ls fp/c; exit 1; }
  resize --path fm --out fj -q
  ls fj/c | sort | tr "\n" " " | grep -q "^a.jpg a.png.jpg a.webp.jpg $"
  resize --path fm --out fw --format webp --quality 80 -q
  test "$(ls fw/c | grep -c webp)" -eq 3
  resize --path fm --out fk --format keep -q
  ls fk/c | sort | tr "\n" " " | grep -q "^a.jpg a.png a.webp $"
  head -c 12 fk/c/a.webp | grep -q WEBP
'

test_expect 'in place: files replaced atomically, formats kept, a second run does nothing' '
  mkdir -p ip
  cp -r raw/c ip/
  cp raw/odd/png16.png ip/c/
  before=$(stat -c %s ip/c/big000.jpg)
  resize --path ip --in-place --geometry "x200>" -q 2>err
  test "$(stat -c %s ip/c/big000.jpg)" -lt "$before"
  test "$(dims ip/c/big000.jpg)" = 267x200
  head -c 8 ip/c/png16.png | grep -q PNG
  test_no_temp_files ip/c
  resize --path ip --in-place --geometry "x200>" -q 2>err
  grep -q " 0 resized, 0 copied, 4 unchanged" err
'

test_expect 'in place: GIFs are never rewritten; rotated JPEGs really are' '
  mkdir -p gi/c gr/c
  cp raw/odd/animated.gif gi/c/a.gif
  cp raw/odd/exif6.jpg gr/c/r.jpg
  before=$(md5sum <gi/c/a.gif)
  expect_exit 1 resize --db gi.db --path gi --in-place --size 8 -q 2>err
  grep -q "gi/c/a.gif: GIF is not rewritten in place" err
  test "$(md5sum <gi/c/a.gif)" = "$before"
  head -c 6 gi/c/a.gif | grep -q GIF89a
  # the rotated JPEG: same size, upright now, no EXIF left
  resize --db gr.db --path gr --in-place --size 320 -q
  python3 -c "
import sys
d = open(\"gr/c/r.jpg\", \"rb\").read()
sys.exit(1 if b\"Exif\" in d[:200] else 0)"
  test "$(sqlite3 gr.db "SELECT width || \"x\" || height FROM images WHERE path LIKE \"%r.jpg\"")" = 48x64
  # kept format: a GIF is converted to PNG, and named so
  resize --db gk.db --path gi --out gk --format keep --size 8 -q 2>/dev/null || true
  test -s gk/c/a.png
  head -c 8 gk/c/a.png | grep -q PNG
  test ! -e gk/c/a.gif
'

test_expect 'quarantine moves failing sources and records it' '
  mkdir -p q/c
  cp raw/odd/truncated.jpg raw/odd/html.jpg q/c/
  cp raw/c/big000.jpg q/c/
  expect_exit 1 resize --db q.db --path q --out qo --quarantine qbad -q 2>err
  test -s qbad/c/truncated.jpg
  test -s qbad/c/html.jpg
  test ! -e q/c/html.jpg
  test -s qo/c/big000.jpg
  test "$(sqlite3 q.db "SELECT count(*) FROM events WHERE action = \"quarantine\"")" -eq 2
  test "$(sqlite3 q.db "SELECT count(*) FROM images WHERE status = \"quarantined\"")" -eq 2
'

test_expect 'hostile names and an output folder inside the input' '
  mkdir -p hn/c
  cp raw/c/big000.jpg "hn/c/a b.jpg"
  cp raw/c/big001.jpg "hn/c/new
line.jpg"
  cp raw/c/big002.jpg "$(printf "hn/c/\\377.jpg")"
  resize --db hn.db --path hn --out hn/out -q
  test "$(ls -b hn/out/c | wc -l)" -eq 3
  resize --db hn.db --path hn --out hn/out -q 2>err
  grep -q " 3 unchanged" err
'

test_expect 'a killed run leaves no partial image, and the next run finishes' '
  mkfixtures big kb 9 60 800 600
  resize --db kb.db --path kb --out ko -j 1 -q & pid=$!
  sleep 0.3; kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  for f in ko/c/*.jpg; do [ -e "$f" ] || continue; python3 -c "
import sys
d = open(sys.argv[1], \"rb\").read()
sys.exit(0 if d[:2] == b\"\\xff\\xd8\" and d[-2:] == b\"\\xff\\xd9\" else 1)" "$f"; done
  resize --db kb.db --path kb --out ko -q 2>err
  test "$(ls ko/c/*.jpg | wc -l)" -eq 60
'

# The rows are written while the pool still works on the batch
# (commit_as_done): a kill after the last file, in the second batch of
# 256, leaves the first batch's rows whole and none of the second's
# (its transaction never committed), and the next run makes only the
# outputs that have no row.
test_expect 'a kill at the last file keeps the first batch, and a resume redoes only the rest' '
  mkfixtures big kr 5 300 48 40
  rc=0; WINNOW_TEST_KILL_AFTER=300 resize --db kr.db --path kr --out kro --size 24 -j 2 -q \
    >/dev/null 2>&1 || rc=$?
  test "$rc" -eq 137
  test "$(sqlite3 kr.db "SELECT count(*) FROM images WHERE path LIKE '"'"'kro/%'"'"'")" -eq 256
  test "$(sqlite3 kr.db "SELECT count(*) FROM images i JOIN derived d ON d.image_id = i.id
    WHERE i.path LIKE '"'"'kro/%'"'"'")" -eq 256
  test "$(ls kro/c | wc -l)" -eq 300
  resize --db kr.db --path kr --out kro --size 24 -q 2>err
  grep -q "300 files: 44 resized, 0 copied, 256 unchanged, 0 failed" err
  db --db kr.db check --path kro
'

test_done
