#!/usr/bin/env bash
# Confinement (issue #16): what dedup and resize delete, move or write is
# reached from their root folders one name at a time, never through a
# symlinked folder, so nothing outside those folders is touched. Real
# files and real symlinks.
. "$(dirname "$0")/lib.sh"

dups() {  # dups DIR: DIR/a with two images and zz-copy.jpg, a copy of one
  rm -rf "$1"
  mkfixtures dataset "$1" 3 2 0 a
  cp -p "$1/a/img0000.gif" "$1/a/zz-copy.jpg"
}

# pid's state letter (T when stopped), from /proc/PID/stat
state_of() {
  sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat"
}

# stop_before_act DB: dedup --exact-only --delete on ds in the background,
# run until it stops itself (WINNOW_TEST_STOP_BEFORE_ACT) before acting;
# sets pid. The test changes the tree, then resume_expecting_1.
stop_before_act() {
  WINNOW_TEST_STOP_BEFORE_ACT=1 dedup --db "$1" --path ds --exact-only --keep first \
    --delete -q >out 2>err &
  pid=$!
  for i in $(seq 600); do  # up to 60 s: a hang guard, not a timing check
    if [ "$(state_of $pid)" = T ]; then break; fi
    sleep 0.1
  done
  test "$(state_of $pid)" = T
}

# resume_expecting_1: lets the stopped dedup go on; it must exit 1.
resume_expecting_1() {
  local rc=0
  kill -CONT $pid
  wait $pid || rc=$?
  test $rc -eq 1
}

test_expect 'dedup --move-to refuses a symlinked folder inside it' '
  dups ds
  rm -rf mt outside
  mkdir mt outside
  ln -s ../outside mt/a
  expect_exit 1 dedup --db mv.db --path ds --exact-only --keep first --move-to mt -q \
    >out 2>err
  test "$(grep -c zz-copy.jpg err)" -eq 1
  grep -q "zz-copy.jpg: not moved: mt/a/zz-copy.jpg: a symbolic link on the way" err
  test -z "$(ls -A outside)"
  test_path_is_file ds/a/zz-copy.jpg
  test "$(sqlite3 mv.db "SELECT count(*) FROM events WHERE action = \"move\" AND state = \"dropped\"")" -eq 1
  test "$(sqlite3 mv.db "SELECT count(*) FROM images WHERE status = \"quarantined\"")" -eq 0
'

test_expect 'dedup --move-to still moves into real folders, made on the way' '
  dups ds
  rm -rf mt2
  dedup --db mv2.db --path ds --exact-only --keep first --move-to mt2/deep -q >out 2>err
  cmp mt2/deep/a/zz-copy.jpg ds/a/img0000.gif
  test_path_is_missing ds/a/zz-copy.jpg
  test_no_temp_files mt2
'

test_expect 'dedup --delete: a class folder swapped for a symlink after the walk' '
  dups ds
  rm -rf outside ds.real
  stop_before_act sw.db
  mv ds/a ds.real
  cp -a ds.real outside
  ln -s ../outside ds/a
  resume_expecting_1
  grep -q "zz-copy.jpg: a symbolic link on the way" err
  cmp outside/zz-copy.jpg ds.real/zz-copy.jpg
  test_path_is_file ds.real/zz-copy.jpg
  test "$(sqlite3 sw.db "SELECT count(*) FROM events WHERE action = \"delete\" AND state = \"dropped\"")" -eq 1
'

test_expect 'dedup --delete: a file replaced after the walk (same size and time) is kept' '
  dups ds
  stop_before_act rp.db
  cp -p ds/a/zz-copy.jpg other.jpg
  mv other.jpg ds/a/zz-copy.jpg
  resume_expecting_1
  grep -q "zz-copy.jpg: changed since it was hashed" err
  test_path_is_file ds/a/zz-copy.jpg
'

test_expect 'resize --out: a symlinked class folder inside OUT is refused' '
  rm -rf rin ro outside
  mkdir ro outside
  mkfixtures dataset rin 3 2 0 a
  ln -s ../outside ro/a
  expect_exit 1 resize --db ro.db --path rin --out ro --size 16 -q 2>err
  test "$(grep -c "ro/a/img000[01].jpg: a symbolic link on the way" err)" -eq 2
  test -z "$(ls -A outside)"
  test -L ro/a
  test "$(sqlite3 ro.db "SELECT count(*) FROM images WHERE path LIKE \"ro/%\"")" -eq 0
'

test_expect 'resize --out: a symlink at an output name is not replaced nor followed' '
  rm -rf rin ro outside
  mkdir -p ro/a outside
  mkfixtures dataset rin 3 2 0 a
  echo theirs >outside/victim.jpg
  ln -s ../../outside/victim.jpg ro/a/img0000.jpg
  expect_exit 1 resize --db rl.db --path rin --out ro --size 16 -q 2>err
  grep -q "ro/a/img0000.jpg: a symbolic link, not replaced" err
  test -L ro/a/img0000.jpg
  test "$(cat outside/victim.jpg)" = theirs
  test_path_is_file ro/a/img0001.jpg
  test_no_temp_files ro
'

test_expect 'resize --in-place: a symlinked file is not followed' '
  rm -rf ip outside
  mkdir outside
  mkfixtures big outside 5 1 800 600
  mkfixtures big ip 6 2 400 300
  cp outside/c/big000.jpg victim.copy
  ln -s ../../outside/c/big000.jpg ip/c/link.jpg
  resize --db ip.db --path ip --in-place --size 16 -q 2>err
  test -L ip/c/link.jpg
  cmp outside/c/big000.jpg victim.copy
  test "$(sqlite3 ip.db "SELECT count(*) FROM images WHERE width = 21")" -eq 2
  test "$(sqlite3 ip.db "SELECT count(*) FROM images WHERE path LIKE \"%link.jpg\"")" -eq 0
'

test_expect 'resize --quarantine: a symlinked folder inside it is refused' '
  rm -rf rin ro qq outside
  mkdir qq outside
  mkfixtures dataset rin 3 1 0 a
  mkdir rin/odd
  echo "<!DOCTYPE html><p>not found</p>" >rin/odd/html.jpg
  ln -s ../outside qq/odd
  expect_exit 1 resize --db rq.db --path rin --out ro --quarantine qq --size 16 -q 2>err
  grep -q "rin/odd/html.jpg: not quarantined: qq/odd/html.jpg: a symbolic link on the way" err
  test -z "$(ls -A outside)"
  test_path_is_file rin/odd/html.jpg
  test "$(sqlite3 rq.db "SELECT count(*) FROM events WHERE action = \"quarantine\" AND state = \"dropped\"")" -eq 1
'

test_done
