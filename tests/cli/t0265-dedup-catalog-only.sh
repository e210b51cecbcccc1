#!/usr/bin/env bash
# dedup --catalog-only: the groups of a normal run, from the catalog's rows
# alone (a merged shard catalog, a million images): no file read.
. "$(dirname "$0")/lib.sh"

test_expect 'the same groups as a run that reads the files' '
  mkdir ds
  mkfixtures dataset ds 3 6 0 cats dogs
  mkfixtures near ds 4 3
  cp ds/a/src1.jpg ds/a/src1-copy.jpg
  cp ds/a/src2.jpg ds/b/src2-elsewhere.jpg
  dedup --path ds --format csv -q >walked.csv 2>walked.err
  dedup --path ds --catalog-only --format csv -q >rows.csv 2>rows.err
  diff walked.csv rows.csv
  diff walked.err rows.err
  grep -q ",exact,0,a,ds/a/src1-copy.jpg,report$" rows.csv
  grep -qE ",near,[0-9]+,a,ds/a/src1-bright.jpg,report$" rows.csv
'

test_expect 'it reads no file: the same groups with the images gone' '
  mv ds ds.away
  mkdir ds
  dedup --path ds --catalog-only --format csv -q >gone.csv
  diff walked.csv gone.csv
  rmdir ds
  mv ds.away ds
'

test_expect 'only the images under --path, classes as below it' '
  dedup --path ds/a --catalog-only --format csv -q >a.csv
  test_grep_not "ds/b/" a.csv
  grep -q ",exact,0,,ds/a/src1-copy.jpg,report$" a.csv
'

test_expect 'past its budget, the bounded search finds the same groups' '
  mkfixtures turned ds/c 1 4
  dedup --path ds --format csv -q >all.csv
  WINNOW_TEST_PAIRS_BUDGET=1e-9 dedup --path ds --catalog-only --format csv -q >bounded.csv
  diff all.csv bounded.csv
  grep -qE ",(mirror|rotate),[0-9]+,c,ds/c/" bounded.csv
  grep -qE ",near,[0-9]+,a,ds/a/src1-bright.jpg,report$" bounded.csv
'

test_expect 'it reports only' '
  expect_exit 2 dedup --path ds --catalog-only --delete
  expect_exit 2 dedup --path ds --catalog-only --move-to elsewhere
  test_path_is_file ds/a/src1-copy.jpg
'
