#!/usr/bin/env bash
# label apply under the journal: a run killed in the middle of deleting,
# trashing or relabelling leaves plans the next writer settles, and the
# decisions whose act happened end up applied, once, so a re-run finishes
# the rest without calling any file "gone since it was reviewed".
# WINNOW_TEST_KILL_AFTER=N is a test-only hook (as in dedup and resize):
# SIGKILL right after the Nth act. Batches are 256 decisions.
. "$(dirname "$0")/lib.sh"

# The pristine set every test copies: w/ds/{cats,dogs,birds} catalogued
# in w/winnow.db, and files beside it that nothing may touch.
mkdir -p tpl/w
mkfixtures dataset tpl/w/ds 5 150 0 cats dogs birds >/dev/null
mkdir -p tpl/outside
for i in 1 2 3; do echo "not part of the dataset $i" >tpl/outside/keep$i.txt; done
(cd tpl/w && db scan ds -q 2>/dev/null)
(cd tpl && md5sum outside/*) >outside.md5

# fresh: a copy of the template; the tests run in w/.
fresh() {
  rm -rf w outside trash
  cp -a tpl/w tpl/outside .
}

q() { sqlite3 winnow.db "$1"; }

# decide DECISION NEW-CLASS: SQL expressions over an images row giving a
# decision for every image (`keep` where NULL), the acts first.
decide() {
  q "INSERT INTO reviews (image_id, queue, decision, new_class, seq, at_ms)
     SELECT id, 'suspects', coalesce($1, 'keep'), $2, id + 10000 * ($1 IS NULL), 0 FROM images"
}

# killed N ARGS...: label apply ARGS killed after its Nth act, leaving plans.
killed() {
  local n=$1 rc=0
  shift
  WINNOW_TEST_KILL_AFTER=$n label apply "$@" >/dev/null 2>&1 || rc=$?
  test "$rc" -eq 137
  test "$(q "SELECT count(*) FROM events WHERE state = 'planned'")" -gt 0
  expect_exit 1 db check --path ds >/dev/null 2>&1
}

# settled: catalog = disk, no plan left, every decision applied, each act
# done exactly once, nothing outside touched.
settled() {
  db check --path ds
  test "$(q "SELECT count(*) FROM events WHERE state = 'planned'")" -eq 0
  test "$(q "SELECT count(*) FROM reviews WHERE applied_ms IS NULL")" -eq 0
  test "$(q "SELECT count(*) FROM events WHERE state = 'done'")" -eq \
       "$(q "SELECT count(*) FROM reviews WHERE decision <> 'keep'")"
  test "$(q "SELECT count(*) FROM (SELECT 1 FROM events WHERE state = 'done'
             GROUP BY image_id HAVING count(*) > 1)")" -eq 0
  (cd .. && md5sum outside/*) | cmp - ../outside.md5
  test "$(ls ../outside | wc -l)" -eq 3
}

test_expect 'delete killed in its second batch: a scan settles it, a re-run ends it' '
  fresh
  cd w
  decide "CASE WHEN class <> \"birds\" THEN \"delete\" END" NULL
  killed 290
  test "$(find ds/cats ds/dogs -type f | wc -l)" -eq 10
  db scan ds -q 2>err
  grep -q "settled what a killed run left: 34 actions done, 10 not done" err
  test "$(q "SELECT count(*) FROM reviews WHERE applied_ms IS NOT NULL AND decision = \"delete\"")" -eq 290
  label apply >/dev/null 2>err
  grep -q "^label apply: 160 decisions: 0 relabelled, 10 deleted, 150 kept" err
  settled
  test "$(q "SELECT count(*) FROM images WHERE class <> \"birds\" AND status <> \"deleted\"")" -eq 0
  test "$(q "SELECT count(*) FROM images WHERE class = \"birds\" AND status = \"ok\"")" -eq 150
  test "$(find ds/birds -type f | wc -l)" -eq 150
'

test_expect 'delete killed in its first batch: the re-run settles, then ends it' '
  fresh
  cd w
  decide "CASE WHEN class <> \"birds\" THEN \"delete\" END" NULL
  killed 100
  test "$(find ds/cats ds/dogs -type f | wc -l)" -eq 200
  label apply >/dev/null 2>err
  grep -q "settled what a killed run left: 100 actions done, 156 not done" err
  grep -q "^label apply: 350 decisions: 0 relabelled, 200 deleted, 150 kept" err
  settled
  test "$(find ds/cats ds/dogs -type f | wc -l)" -eq 0
  test "$(q "SELECT count(*) FROM images WHERE class <> \"birds\" AND status <> \"deleted\"")" -eq 0
'

test_expect 'a trash outside the catalog folder: moves killed and settled' '
  fresh
  cd w
  decide "CASE WHEN class = \"cats\" THEN \"delete\" END" NULL
  killed 100 --trash ../trash
  test "$(find ../trash -type f | wc -l)" -eq 100
  test "$(q "SELECT count(*) FROM events WHERE state = \"planned\" AND dest LIKE \"../trash/ds/cats/img%\"")" -eq 150
  label apply --trash ../trash >/dev/null 2>err
  grep -q "settled what a killed run left: 100 actions done, 50 not done" err
  settled
  test "$(find ds/cats -type f | wc -l)" -eq 0
  test "$(find ../trash -type f | wc -l)" -eq 150
  test "$(q "SELECT count(*) FROM images WHERE class = \"cats\" AND status <> \"quarantined\"")" -eq 0
  q "SELECT path, dest FROM events WHERE state = \"done\"" >moved
  test "$(wc -l <moved)" -eq 150
  while IFS="|" read -r from to; do
    test_path_is_missing "$from"
    test_path_is_file "$to"
  done <moved
'

# cats and dogs relabelled to birds: most names clash there (img0001.jpg
# in all three), so one batch sends two files to birds/img0001-1.jpg and
# birds/img0001-2.jpg: its names must be free of each other's too.
test_expect 'relabel killed in its second batch: rows follow the files' '
  fresh
  cd w
  find ds -type f -exec md5sum {} + | cut -c1-32 | sort >before
  decide "CASE WHEN class <> \"birds\" THEN \"relabel\" END" \
         "CASE WHEN class <> \"birds\" THEN \"birds\" END"
  killed 280
  db scan ds -q 2>err
  grep -q "settled what a killed run left: 24 actions done, 20 not done" err
  label apply >/dev/null 2>err
  grep -q "^label apply: 170 decisions: 20 relabelled, 0 deleted, 150 kept" err
  settled
  test "$(find ds/cats ds/dogs -type f | wc -l)" -eq 0
  test "$(find ds/birds -type f | wc -l)" -eq 450
  find ds -type f -exec md5sum {} + | cut -c1-32 | sort >after
  cmp before after
  test "$(q "SELECT count(*) FROM images i JOIN reviews r ON r.image_id = i.id
             WHERE r.decision = \"relabel\" AND (i.class IS NOT \"birds\" OR i.status <> \"ok\"
             OR i.path NOT LIKE \"ds/birds/img%\")")" -eq 0
  test "$(q "SELECT count(*) FROM images WHERE status = \"ok\"")" -eq 450
'

test_expect 'a scan beside the run: a row it made at a relabel dest gives way' '
  fresh
  cd w
  decide "CASE WHEN id = 1 THEN \"relabel\" END" "CASE WHEN id = 1 THEN \"dogs\" END"
  from=$(q "SELECT path FROM images WHERE id = 1")
  killed 1
  to=$(q "SELECT dest FROM events WHERE state = \"planned\"")
  test_path_is_file "$to"
  # what a scan beside the run would have recorded of the moved file
  sqlite3 winnow.db "INSERT INTO images (path, class, size, mtime_ns, status, added_ms, updated_ms)
    SELECT \"$to\", \"dogs\", size, mtime_ns, \"ok\", 0, 0 FROM images WHERE id = 1"
  label apply >/dev/null 2>err
  grep -q "settled what a killed run left: 1 actions done" err
  settled
  test "$(q "SELECT path FROM images WHERE id = 1")" = "$to"
  test "$(q "SELECT count(*) FROM images WHERE path = \"$to\"")" -eq 1
  test_path_is_missing "$from"
'

test_done
