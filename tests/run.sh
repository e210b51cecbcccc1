#!/usr/bin/env bash
# Runs the unit test binaries given as arguments, then every end-to-end
# script tests/cli/t*.sh, and ends with one line "N passed, N failed".
# A unit binary that dies before its summary (a crash, a sanitizer report)
# counts as one failure. A script must source tests/cli/lib.sh, whose
# lint fails checks that cannot fail. Exit status 0 only when nothing failed.
#   WINNOW_BIN      folder of the built commands (required by tests/cli)
#   WINNOW_TESTBIN  folder of the test helpers (mkfixtures)
#   TESTS=pattern   run only unit binaries / scripts whose name matches
set -u
here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
failures=()
log=$(mktemp -d "${TMPDIR:-/tmp}/winnow-test.XXXXXX")
trap 'rm -rf "$log"' EXIT

for t in "$@"; do
  name=$(basename "$t")
  case "$name" in *${TESTS:-}*) ;; *) continue ;; esac
  out="$log/$name.out"
  "$t" >"$out" 2>&1
  rc=$?
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$out" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$out" | tail -1)
  p=${p:-0}
  f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1  # died before reporting
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    failures+=("$name")
    echo "--- $name (exit $rc)"
    grep -vE '^\[ (RUN|      OK) ' "$out" | tail -40
  else
    echo "ok   $name: $p passed"
  fi
done

for s in "$here"/cli/t[0-9]*.sh; do
  [ -e "$s" ] || continue
  name=$(basename "$s" .sh)
  case "$name" in *${TESTS:-}*) ;; *) continue ;; esac
  out="$log/$name.out"
  # lib.sh lints each script that sources it (checks that cannot fail);
  # a script that does not is refused rather than left unlinted
  if ! grep -q '^\. "$(dirname "$0")/lib.sh"' "$s"; then
    echo "not ok 1 - $name.sh sources tests/cli/lib.sh (its lint)" >"$out"
    rc=1
  else
    bash "$s" >"$out" 2>&1
    rc=$?
  fi
  p=$(grep -c '^ok ' "$out")
  f=$(grep -c '^not ok ' "$out")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    failures+=("$name")
    echo "--- $name (exit $rc)"
    tail -40 "$out"
  else
    echo "ok   $name: $p passed"
  fi
done

[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
