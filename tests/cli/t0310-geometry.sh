#!/usr/bin/env bash
# resize --geometry against ImageMagick itself: every size of the grammar
# on odd source shapes must come out as `convert -resize` makes it.
. "$(dirname "$0")/lib.sh"

if ! command -v convert >/dev/null || ! convert -version >/dev/null 2>&1; then
  echo "t0310: ImageMagick's convert is needed (make deps installs it)" >&2
  exit 1
fi

sizes="1x1 7x3 3x7 1000x1 1x1000 333x777 777x333 240x320 320x240 101x99 640x480"
mkdir -p src/c
for s in $sizes; do convert -size "$s" xc:gray "src/c/s$s.png"; done

# Where convert refuses (a side of 0, or over its pixel cache's limit),
# winnow keeps each side at least 1 or stops at its own --max-pixels:
# those cases are not compared. Everything else must be equal.
compare_geometry() {  # compare_geometry G: prints one line per source that differs
  local g=$1 s want got
  rm -rf out
  resize --path src --out out --geometry "$g" --format png --db g.db -q 2>/dev/null || true
  for s in $sizes; do
    want=$(convert "src/c/s$s.png" -resize "$g" -format '%wx%h' info: 2>/dev/null) || continue
    got=$(sqlite3 g.db "SELECT width || 'x' || height FROM images WHERE path = 'out/c/s$s.png'")
    echo "compared" >>compared
    test "$got" = "$want" || echo "$s $g: winnow ${got:-nothing}, ImageMagick $want"
  done
}

test_expect 'every form of the grammar gives ImageMagick'\''s sizes' '
  : >diff
  for g in 320 x320 320x240 320x240^ 320x240! "320x240>" "320x240<" x320^ 320^ \
           "320x320^>" "x320<" 50% 50%x25% 50x25% 50%x25 33%x 150% 33.3% 1e2 \
           10000@ "10000@>" 100000@ 1@ 320.5x X320; do
    compare_geometry "$g" >>diff
  done
  test_must_be_empty diff
  test "$(wc -l <compared)" -ge 240
'

test_expect 'forms ImageMagick reads in a way nobody means are refused' '
  expect_exit 2 resize --path src --out r --geometry "10000@<" 2>err
  grep -q "@ takes only >" err
  expect_exit 2 resize --path src --out r --geometry 100x100@ 2>err
  grep -q "one number" err
  expect_exit 2 resize --path src --out r --geometry "320x240+10+10" 2>err
  grep -q "unexpected .+." err
  test_path_is_missing r
'

test_done
