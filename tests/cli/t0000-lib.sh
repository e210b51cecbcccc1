#!/usr/bin/env bash
# The test library itself: each helper that checks something fails when it
# should, and the lint finds negations and && lists whose status bash would
# ignore.
. "$(dirname "$0")/lib.sh"

test_expect 'test_must_fail: a failure passes; success and death by a signal do not' '
  test_must_fail false
  test_must_fail sh -c "exit 3"
  rc=0; (test_must_fail true) 2>err || rc=$?
  test "$rc" -eq 1
  grep -q "succeeded" err
  rc=0; (test_must_fail sh -c "kill -SEGV \$\$") 2>err || rc=$?
  test "$rc" -eq 1
  grep -q "died (exit 139)" err
  rc=0; (test_must_fail sh -c "exit 134") 2>err || rc=$?
  test "$rc" -eq 1
'

test_expect 'test_grep_not: no match passes; a match or an unreadable file does not' '
  printf "one\ntwo\n" >f
  test_grep_not three f
  rc=0; (test_grep_not tw f) 2>err || rc=$?
  test "$rc" -eq 1
  grep -q "^two$" err
  rc=0; (test_grep_not three nosuch) 2>err || rc=$?
  test "$rc" -eq 1
  grep -q "grep failed (exit 2)" err
'

test_expect 'paths: missing, file, empty, temporary files' '
  : >empty; echo x >full; mkdir -p d/e
  test_path_is_missing nosuch other
  test_path_is_file empty
  test_must_be_empty empty
  rc=0; (test_path_is_missing nosuch full) 2>/dev/null || rc=$?
  test "$rc" -eq 1
  rc=0; (test_path_is_file d) 2>/dev/null || rc=$?
  test "$rc" -eq 1
  rc=0; (test_must_be_empty full) 2>/dev/null || rc=$?
  test "$rc" -eq 1
  rc=0; (test_must_be_empty nosuch) 2>/dev/null || rc=$?
  test "$rc" -eq 1
  test_no_temp_files d
  touch d/e/.a.jpg.winnow-tmp.Xy12Ab
  rc=0; (test_no_temp_files d) 2>err || rc=$?
  test "$rc" -eq 1
  grep -q "d/e/.a.jpg.winnow-tmp.Xy12Ab" err
'

test_expect 'the lint flags ignored negations, not conditions or test !' '
  # (written with NOT for !, so that this script passes its own lint)
  sed "s/^|//; s/NOT/!/" >t9999-x.sh <<-\EOT
	|test_expect "x" "
	|  true
	|  NOT grep -q a f
	|    NOT  cmp a b
	|  ls; NOT true
	|  a && NOT b
	|  if NOT grep -q a f; then :; fi
	|  while NOT true; do :; done
	|  until NOT false; do :; done
	|  if true &&
	|     NOT false; then :; fi
	|  elif NOT x; then
	|  test NOT -e x
	|  [ NOT -e x ]
	|  test \"\$a\" != b
	|"
	EOT
  lint_negations t9999-x.sh >lint
  printf "t9999-x.sh:%s: negated command is ignored under set -e; use test_must_fail\n" 3 4 5 6 >want
  diff want lint
'

test_expect 'the lint flags && lists that lose a status, not in ( ), $( ) or conditions' '
  # (% stands for a single quote, which this body cannot hold)
  sed "s/^|//" <<-\EOT | tr % "\047" >t9998-y.sh
	|test_expect %x% %
	|  test -e a && test -e b
	|  (cd d && db check)
	|  n=$(cd d && ls | wc -l)
	|  if test -e a && test -e b; then :; fi
	|  while true &&
	|    false; do :; done
	|  echo "a && b" # c && d
	|  python3 -c "
	|x = 1 && 2
	|" && true
	|  cat <<-EOF
	|	a && b
	|	EOF
	|  for f in a; do test -e $f && :; done
	|  cmd1 &&
	|    cmd2
	|%
	|true && true
	|f() {
	|  rm -rf x && mkdir x
	|}
	|g() { a && b; }
	|h() { (a && b); }
	|test_expect %y% %
	|  grep -q a f && grep -q b f
	|%
	EOT
  lint_and_lists t9998-y.sh >lint
  printf "t9998-y.sh:%s: && ignores the status of what is before it under set -e; one command a line\n" 2 11 15 16 21 23 26 >want
  diff want lint
'

# A server that dies, and one that reports a race at exit, fail the script's
# last check; the real one is tested in t0400.
# The traps are set before the port is printed, and the dying one is
# waited for (not slept on), so a loaded machine cannot change the outcome.
cat >fake-httpd <<'EOT'
#!/bin/sh
case $1 in
die) echo "port 1"; echo "==1==ERROR: AddressSanitizer: heap-use-after-free" >&2; exit 1 ;;
race) trap 'echo "WARNING: ThreadSanitizer: data race" >&2; exit 66' TERM ;;
clean) trap 'exit 0' TERM ;;
esac
echo "port 1"
while :; do sleep 0.1; done
EOT
chmod +x fake-httpd
counts="$test_count $test_failed"
for mode in die race clean; do
  WINNOW_HTTPD=./fake-httpd start_httpd $mode
  if [ $mode = die ]; then
    timeout 60 sh -c 'while [ ! -e httpd.status ]; do sleep 0.1; done'
  fi
  stop_httpd >stop-$mode.out
done
read -r test_count test_failed <<<"$counts"

test_expect 'a test web server that dies or reports is a failure' '
  grep -q "^not ok .* - the test web server ran clean to the end" stop-die.out
  grep -q "running at the end: 0, exit status: 1" stop-die.out
  grep -q "AddressSanitizer" stop-die.out
  grep -q "^not ok .* - the test web server ran clean to the end" stop-race.out
  grep -q "exit status: 66" stop-race.out
  grep -q "^ok .* - the test web server ran clean to the end" stop-clean.out
'

test_done
