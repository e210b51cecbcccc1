#!/usr/bin/env bash
# db issues --move-to: the flagged images quarantined, every move planned
# in the journal before it is made (also when the run is killed).
. "$(dirname "$0")/lib.sh"

copy_photos src chelsea.png coffee.png rocket.jpg motorcycle_left.png astronaut.png
/usr/bin/python3 - <<'PY'
import os
import numpy as np
from PIL import Image

os.makedirs("ds/a")
os.makedirs("ds/b")
for i, n in enumerate(sorted(os.listdir("src"))):
    im = Image.open("src/" + n).convert("RGB")
    im.save("ds/%s/clean-%d.jpg" % ("ab"[i % 2], i), quality=92)
    a = np.asarray(im, dtype=np.float64) * 0.1
    Image.fromarray(a.astype(np.uint8)).save("ds/%s/dark-%d.jpg" % ("ab"[i % 2], i), quality=92)
PY
q() { sqlite3 winnow.db "$1"; }

test_expect 'usage' '
  db issues --help >help
  grep -q -- "--move-to DIR" help
  grep -q -- "--dry-run" help
  db init
  db scan -q ds 2>/dev/null
  expect_exit 2 db issues --path ds --dry-run
'

test_expect 'a dry run says what would move and moves nothing' '
  db issues --path ds --issue dark --move-to q --dry-run >out 2>err
  test "$(grep -c "^db issues: would move ds/./dark-..jpg to q/./dark-..jpg$" err)" -eq 5
  grep -q "^db issues: --dry-run: 5 images would move to q$" err
  test_path_is_missing q
  test "$(q "SELECT count(*) FROM events")" -eq 0
  test "$(q "SELECT count(*) FROM runs WHERE command = '"'"'db issues'"'"'")" -eq 0
  test "$(ls ds/*/dark-* | wc -l)" -eq 5
'

test_expect 'the flagged images move, recorded as quarantined' '
  cp -r ds ds.orig
  db issues --path ds --issue dark --move-to q >out 2>err
  grep -q "^db issues: 5 images moved to q, 0 not moved$" err
  test_path_is_missing ds/a/dark-0.jpg
  cmp ds.orig/a/dark-0.jpg q/a/dark-0.jpg
  cmp ds.orig/b/dark-1.jpg q/b/dark-1.jpg
  test "$(ls q/*/* | wc -l)" -eq 5
  test "$(ls ds/*/clean-* | wc -l)" -eq 5
  test "$(q "SELECT count(*) FROM events WHERE action = '"'"'quarantine'"'"' AND state = '"'"'done'"'"' AND cause LIKE '"'"'db issues: dark 0.%'"'"'")" -eq 5
  test "$(q "SELECT dest FROM events WHERE path = '"'"'ds/a/dark-0.jpg'"'"'")" = q/a/dark-0.jpg
  test "$(q "SELECT status FROM images WHERE path = '"'"'ds/a/dark-0.jpg'"'"'")" = quarantined
  test "$(q "SELECT exit_code FROM runs WHERE command = '"'"'db issues'"'"'")" -eq 0
  db check --path ds
  db issues --path ds --issue dark --format csv >after.csv 2>/dev/null
  test "$(wc -l <after.csv)" -eq 1
  test_no_temp_files ds q
'

test_expect 'a file changed since the scan, or a taken place, stays' '
  rm -rf ds q
  cp -r ds.orig ds
  rm winnow.db
  db init
  db scan -q ds 2>/dev/null
  mkdir -p q/a
  echo other >q/a/dark-0.jpg
  touch -d "2001-01-01" ds/b/dark-1.jpg
  expect_exit 1 db issues --path ds --issue dark --move-to q >out 2>err
  grep -q "ds/a/dark-0.jpg: not moved: the --move-to folder has that name" err
  grep -q "ds/b/dark-1.jpg: not moved: changed since it was scanned" err
  grep -q "^db issues: 3 images moved to q, 2 not moved$" err
  test_path_is_file ds/a/dark-0.jpg
  test_path_is_file ds/b/dark-1.jpg
  echo other >want
  cmp want q/a/dark-0.jpg
  test "$(q "SELECT count(*) FROM events WHERE state = '"'"'dropped'"'"'")" -eq 1
  test "$(q "SELECT count(*) FROM events WHERE state = '"'"'done'"'"'")" -eq 3
  test "$(q "SELECT status FROM images WHERE path = '"'"'ds/b/dark-1.jpg'"'"'")" = ok
'

test_expect 'killed after its first move: the next writer settles the plans' '
  rm -rf ds q
  cp -r ds.orig ds
  rm winnow.db
  db init
  db scan -q ds 2>/dev/null
  rc=0
  WINNOW_TEST_KILL_AFTER=1 db issues --path ds --issue dark --move-to q >/dev/null 2>&1 || rc=$?
  test "$rc" -eq 137
  test "$(q "SELECT count(*) FROM events WHERE state = '"'"'planned'"'"'")" -eq 5
  test "$(ls q/*/* | wc -l)" -eq 1
  db scan -q ds 2>/dev/null
  test "$(q "SELECT count(*) FROM events WHERE state = '"'"'planned'"'"'")" -eq 0
  test "$(q "SELECT count(*) FROM events WHERE state = '"'"'done'"'"'")" -eq 1
  test "$(q "SELECT count(*) FROM images WHERE status = '"'"'quarantined'"'"'")" -eq 1
  db check --path ds
  db issues --path ds --issue dark --move-to q >/dev/null 2>err
  grep -q "^db issues: 4 images moved to q, 0 not moved$" err
  test "$(ls q/*/* | wc -l)" -eq 5
'

test_done
