# Shared by the end-to-end scripts: a scratch folder, the built commands on
# PATH, and test_expect 'description' 'commands' in the spirit of git's t/.
# Each test runs in a subshell with `set -e` and a trace (`set -x`); its
# output is shown only when it fails. Prints "ok N - ..." / "not ok N - ..." lines for tests/run.sh.
set -u
: "${WINNOW_BIN:?set WINNOW_BIN to the folder of the built commands}"
: "${WINNOW_TESTBIN:?set WINNOW_TESTBIN to the folder of the test helpers}"
PATH="$WINNOW_BIN:$WINNOW_TESTBIN:$PATH"
export LC_ALL=C
unset WINNOW_DB
test_count=0
test_failed=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/winnow-cli.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

test_expect() {
  local desc=$1 body=$2 out
  test_count=$((test_count + 1))
  # The trace goes to its own descriptor, so a test's `2>err` holds only
  # what the command itself wrote.
  out=$( (exec 9>&1; BASH_XTRACEFD=9; set -ex; eval "$body") 2>&1 )
  if [ $? -eq 0 ]; then
    echo "ok $test_count - $desc"
  else
    test_failed=$((test_failed + 1))
    echo "not ok $test_count - $desc"
    printf '%s\n' "$out" | tail -25 | sed 's/^/#   /'
  fi
}

# expect_exit CODE cmd...: runs cmd, fails unless it exits with CODE.
expect_exit() {
  local want=$1 rc=0
  shift
  "$@" || rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "expected exit $want, got $rc: $*" >&2
    return 1
  fi
}

test_done() {
  [ "$test_failed" -eq 0 ]
}
