#!/usr/bin/env bash
# The journal: a run killed in the middle of deleting, moving or rewriting
# files, or one that cannot record what it is about to do, never leaves the
# catalog saying something the disk does not; the next command that opens
# the catalog for writing settles what the killed run left.
# WINNOW_TEST_KILL_AFTER=N is a test-only hook of dedup and resize: SIGKILL
# right after the Nth act.
. "$(dirname "$0")/lib.sh"

# copies DIR N: DIR/a/ holds one picture and N-1 exact copies of it.
copies() {
  rm -rf "$1" src
  mkdir -p "$1/a"
  mkfixtures dataset src 7 1 0 a
  for i in $(seq 1 "$2"); do cp src/a/*.jpg "$1/a/c$i.jpg"; done
}

planned() { sqlite3 "${2:-winnow.db}" "SELECT count(*) FROM events WHERE state = '$1'"; }

test_expect 'dedup --delete killed after 100 deletes: the next writer settles it' '
  rm -f winnow.db
  copies ds 300
  db scan ds -q
  rc=0; WINNOW_TEST_KILL_AFTER=100 dedup --path ds --exact-only --delete -q >/dev/null 2>&1 || rc=$?
  test "$rc" -eq 137
  test "$(ls ds/a | wc -l)" -eq 200
  test "$(planned planned)" -eq 256
  expect_exit 1 db check --path ds >out 2>/dev/null
  test "$(grep -c "^unfinished" out)" -eq 256
  db init 2>err
  grep -q "settled what a killed run left: 100 actions done, 156 not done, 0 temporary" err
  test "$(planned planned)" -eq 0
  test "$(planned done)" -eq 100
  test "$(planned dropped)" -eq 156
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE status = \"deleted\"")" -eq 100
  db check --path ds
  dedup --path ds --exact-only --delete -q >/dev/null 2>&1
  test "$(ls ds/a | wc -l)" -eq 1
  db check --path ds
'

test_expect 'dedup --move-to killed after 30 moves: moved files are quarantined rows' '
  rm -f winnow.db
  rm -rf dups
  copies ds 60
  db scan ds -q
  rc=0; WINNOW_TEST_KILL_AFTER=30 dedup --path ds --exact-only --move-to dups -q >/dev/null 2>&1 || rc=$?
  test "$rc" -eq 137
  test "$(ls dups/a | wc -l)" -eq 30
  dedup --path ds --exact-only -q >/dev/null 2>&1
  test "$(planned planned)" -eq 0
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE status = \"quarantined\"")" -eq 30
  test "$(sqlite3 winnow.db "SELECT count(*) FROM events e WHERE state = \"done\" AND dest LIKE \"dups/a/c%\"")" -eq 30
  db check --path ds
'

test_expect 'a plan that cannot be recorded stops dedup before it deletes anything' '
  rm -f winnow.db
  copies ds 20
  db scan ds -q
  sqlite3 winnow.db "CREATE TRIGGER full BEFORE INSERT ON events WHEN NEW.state = \"planned\"
    BEGIN SELECT RAISE(ABORT, \"database or disk is full\"); END"
  expect_exit 3 dedup --path ds --exact-only --delete -q >/dev/null 2>err
  grep -q "disk is full" err
  test "$(ls ds/a | wc -l)" -eq 20
  db check --path ds
'

test_expect 'acts whose outcome cannot be recorded are settled by the next writer' '
  rm -f winnow.db
  copies ds 20
  db scan ds -q
  sqlite3 winnow.db "CREATE TRIGGER full BEFORE UPDATE OF state ON events
    BEGIN SELECT RAISE(ABORT, \"database or disk is full\"); END"
  expect_exit 3 dedup --path ds --exact-only --delete -q >/dev/null 2>err
  test "$(ls ds/a | wc -l)" -eq 1
  test "$(planned planned)" -eq 19
  sqlite3 winnow.db "DROP TRIGGER full"
  db init 2>/dev/null
  test "$(planned planned)" -eq 0
  test "$(planned done)" -eq 19
  db check --path ds
'

test_expect 'resize --in-place killed: leftovers removed, rows describe the files' '
  rm -f winnow.db
  rm -rf ds
  mkfixtures big ds 3 40 200 150
  db scan ds -q
  rc=0; WINNOW_TEST_KILL_AFTER=10 resize --path ds --in-place --size 64 -j 1 -q >/dev/null 2>&1 || rc=$?
  test "$rc" -eq 137
  test "$(planned planned)" -eq 40
  expect_exit 1 db check --path ds >out 2>/dev/null
  # what a kill between write and rename leaves: a planned file'"'"'s
  # temporary twin, and one no plan accounts for
  f=$(ls ds/c | tail -1)
  echo partial >"ds/c/.$f.winnow-tmp.AbC123"
  echo partial >"ds/.other.jpg.winnow-tmp.XyZ789"
  expect_exit 1 db check --path ds >out 2>/dev/null
  test "$(grep -c "^leftover" out)" -eq 2
  resize --path ds --out small --size 32 -q 2>err
  grep -q "30 not done, 1 temporary files removed" err
  test "$(planned planned)" -eq 0
  test ! -e "ds/c/.$f.winnow-tmp.AbC123"
  test -e "ds/.other.jpg.winnow-tmp.XyZ789"
  expect_exit 1 db check --path ds --format csv >out 2>/dev/null
  grep -qx "leftover,ds/.other.jpg.winnow-tmp.XyZ789," out
  rm "ds/.other.jpg.winnow-tmp.XyZ789"
  db check --path ds
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE xxh3 IS NULL")" -eq 10
  db scan ds -q
  resize --path ds --in-place --size 64 -q 2>/dev/null
  db check --path ds
  test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE width = 200")" -eq 0
'

test_expect 'resize --out killed while remaking outputs: their leftovers go too' '
  rm -f winnow.db
  rm -rf ds out
  mkfixtures big ds 4 30 200 150
  resize --path ds --out out --size 64 -q 2>/dev/null
  test "$(planned planned)" -eq 0
  touch ds/c/*
  rc=0; WINNOW_TEST_KILL_AFTER=8 resize --path ds --out out --size 64 -j 1 -q >/dev/null 2>&1 || rc=$?
  test "$rc" -eq 137
  test "$(planned planned)" -eq 30
  f=$(ls out/c | tail -1)
  echo partial >"out/c/.$f.winnow-tmp.Zz9Zz9"
  expect_exit 1 db check --path out >/dev/null 2>&1
  db init 2>/dev/null
  test ! -e "out/c/.$f.winnow-tmp.Zz9Zz9"
  test "$(planned planned)" -eq 0
  db check --path out
  resize --path ds --out out --size 64 -q 2>/dev/null
  db check --path out
'

test_expect 'a scan beside dedup --delete brings no deleted row back' '
  rm -f winnow.db
  copies ds 300
  db scan ds -q
  touch ds/a/*
  for round in 1 2 3; do
    db scan ds -q -j 1 2>/dev/null &
    scan=$!
    dedup --path ds --exact-only --delete -q >/dev/null 2>&1 || true
    wait $scan || true
    db check --path ds
    touch ds/a/*
    cp ds/a/$(ls ds/a | head -1) ds/a/again$round.jpg
  done
'

test_expect 'db merge settles what a killed run left in a shard before copying it' '
  rm -f winnow.db s1.db
  copies ds 40
  db scan ds -q --db s1.db
  rc=0; WINNOW_TEST_KILL_AFTER=10 dedup --path ds --exact-only --delete -q --db s1.db >/dev/null 2>&1 || rc=$?
  test "$rc" -eq 137
  test "$(planned planned s1.db)" -eq 39
  db merge s1.db --into winnow.db 2>/dev/null
  test "$(planned planned)" -eq 0
  test "$(planned done)" -eq 10
  test "$(planned planned s1.db)" -eq 0
  db check --path ds
'

# A real full disk: a small tmpfs in a user namespace of our own. The
# copies are hard-linked elsewhere so deleting them frees nothing, and the
# free space left is swept so that the disk fills at the plan's commit at
# some sizes and at the outcome's commit at others (the old code, at 64
# KiB: 256 files deleted, their rows still ok).
cat >full.sh <<'SCRIPT'
set -eu
mount -t tmpfs -o size=4000k tmpfs "$1"
cd "$1"
mkfixtures dataset src 7 1 0 a >/dev/null
mkdir -p ds/a keep
for i in $(seq 1 300); do cp src/a/img0000.jpg ds/a/c$i.jpg; ln ds/a/c$i.jpg keep/c$i.jpg; done
db scan ds -q 2>/dev/null
sqlite3 winnow.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
avail=$(df -k . | tail -1 | awk "{print \$4}")
dd if=/dev/zero of=filler bs=1k count=$((avail - $2)) 2>/dev/null
rc=0; dedup --path ds --exact-only --delete -q >/dev/null 2>&1 || rc=$?
test "$rc" -eq 3
rm filler
db init 2>/dev/null
db check --path ds
test "$(sqlite3 winnow.db "SELECT count(*) FROM events WHERE state = 'planned'")" -eq 0
test "$(sqlite3 winnow.db "SELECT count(*) FROM images WHERE status = 'deleted'")" -eq \
     "$((300 - $(ls ds/a | wc -l)))"
echo "free $2 KiB: $(ls ds/a | wc -l) files left"
SCRIPT
if unshare -rm true 2>/dev/null; then
test_expect 'a disk that fills during dedup --delete leaves catalog and disk agreeing' '
  for free in 16 32 64 96 128 192 256; do
    rm -rf mnt
    mkdir mnt
    unshare -rm bash full.sh "$PWD/mnt" $free
  done
'
else
  echo "# skipped the full-disk test: no user namespaces (unshare -rm)"
fi

test_done
