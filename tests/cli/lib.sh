# Shared by the end-to-end scripts: a scratch folder, the built commands on
# PATH, and test_expect 'description' 'commands' in the spirit of git's t/.
# Each test runs in a subshell with `set -e` and a trace (`set -x`); its
# output is shown only when it fails. Prints "ok N - ..." / "not ok N - ..." lines for tests/run.sh.
#
# Checks that something did NOT happen. Under `set -e` bash ignores the
# status of `! cmd` (and of `a && ! b`) unless it is the last command, so a
# line starting with `!` is a check that can never fail. Use the helpers
# below instead: test_must_fail, test_grep_not, test_path_is_missing,
# test_must_be_empty, test_no_temp_files. Every script is linted when it
# sources this file: a command starting with `! ` is a failure, except in the
# condition of an if/elif/while/until (`if ! cmd; then` is fine, and so is
# `test ! -e FILE`, where `test` itself returns 1).
#
# Likewise, in `a && b` bash ignores a's failure (the list fails, but errexit
# skips a list that failed before its last command), so `test -e x && test
# -e y` checks only y, and a setup `cd x && ...` that fails skips what
# follows without failing. The lint flags every `&&` in a test body or in a
# function of the script (test bodies call them) unless it is inside ( ),
# $( ) (a subshell's status is its list's, so `(cd d && db check)` fails
# when cd does) or in the condition of an if/elif/while/until. Write one
# command a line, and `if cond; then action; fi` for a conditional action.
set -u
: "${WINNOW_BIN:?set WINNOW_BIN to the folder of the built commands}"
: "${WINNOW_TESTBIN:?set WINNOW_TESTBIN to the folder of the test helpers}"
PATH="$WINNOW_BIN:$WINNOW_TESTBIN:$PATH"
export LC_ALL=C
unset WINNOW_DB
# A sanitizer's report aborts (exit 134), so it never passes for an
# expected exit 1 (expect_exit, test_must_fail).
export ASAN_OPTIONS="abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# traced ARGS...: strace ARGS..., with LeakSanitizer off in what it runs
# (under SANITIZE=address it aborts when ptrace'd; the other checks stay)
traced() { ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace "$@"; }
export UBSAN_OPTIONS="abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
test_count=0
test_failed=0
httpd_pid=
test_script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/winnow-cli.XXXXXX")
trap '[ -z "$httpd_pid" ] || httpd_kill KILL; rm -rf "$scratch"' EXIT
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

# test_must_fail cmd...: fails unless cmd exits non-zero by itself. Dying
# by a signal or a sanitizer's abort (exit above 128) fails the test too.
test_must_fail() {
  local rc=0
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "test_must_fail: the command succeeded: $*" >&2
    return 1
  elif [ "$rc" -gt 128 ]; then
    echo "test_must_fail: the command died (exit $rc): $*" >&2
    return 1
  fi
}

# test_grep_not [grep options] PATTERN FILE...: fails if a line matches,
# and if grep cannot read a file (a missing file is no proof of absence).
test_grep_not() {
  local rc=0 seen
  seen=$(grep "$@") || rc=$?
  case $rc in
  1) return 0 ;;
  0) printf '%s\n' "$seen" | head -5 | cut -c1-200 >&2
     echo "test_grep_not: matched (above): grep $*" >&2 ;;
  *) echo "test_grep_not: grep failed (exit $rc): grep $*" >&2 ;;
  esac
  return 1
}

# test_path_is_file PATH, test_path_is_missing PATH...
test_path_is_file() {
  [ -f "$1" ] || { echo "not a file: $1" >&2; return 1; }
}
test_path_is_missing() {
  local p bad=0
  for p in "$@"; do
    if [ -e "$p" ] || [ -L "$p" ]; then
      echo "exists but should not: $p" >&2
      bad=1
    fi
  done
  return "$bad"
}

# test_must_be_empty FILE: fails if FILE is missing or holds anything.
test_must_be_empty() {
  test_path_is_file "$1" || return 1
  if [ -s "$1" ]; then
    echo "not empty: $1" >&2
    head -20 "$1" >&2
    return 1
  fi
}

# test_no_temp_files DIR...: fails if an atomic write's temporary file
# (.NAME.winnow-tmp.RANDOM, base/fileio.h) is left in DIR or below.
test_no_temp_files() {
  local left
  left=$(find "$@" -name '*.winnow-tmp.*') || return 1
  if [ -n "$left" ]; then
    echo "temporary files left: $left" >&2
    return 1
  fi
}

# Debian's scikit-image sample photos (python3-skimage): real pictures.
skd=/usr/lib/python3/dist-packages/skimage/data

# copy_photos DIR NAME...: the photos NAME (in $skd, or a path) into DIR.
copy_photos() {
  local dir=$1 f
  shift
  mkdir -p "$dir"
  for f in "$@"; do
    case $f in
    /*) cp "$f" "$dir/" ;;
    *) cp "$skd/$f" "$dir/" ;;
    esac
  done
}

# photos_with_variants SRC OUT PIPELINE SAMPLES: OUT/CLASS for each
# SRC/CLASS, holding its photos and SAMPLES variants of each that augment
# makes with PIPELINE (catalog aug.db).
photos_with_variants() {
  local class
  augment --path "$1" --out "$2" --pipeline "$3" --samples "$4" -q --db aug.db 2>/dev/null
  for class in "$1"/*/; do
    cp "$class"* "$2/$(basename "$class")/"
  done
}

# start_httpd [ARGS]: the test web server ($WINNOW_HTTPD, tests/httpd.c) in
# the background, its stderr in httpd.log; sets port. Call it at the top
# level, not inside a test. test_done stops it and fails if it died before,
# did not exit 0 or logged a sanitizer's report. A watcher subshell keeps
# its exit status in httpd.status, so a server that died is known dead
# (its pid may be another process's by then: never signalled).
start_httpd() {
  rm -f httpd.status
  ( "${WINNOW_HTTPD:-httpd}" "$@" >port.txt 2>httpd.log 9>&- &
    echo $! >httpd.pid
    rc=0; wait $! || rc=$?
    echo "$rc" >httpd.status ) &
  httpd_pid=$!  # the watcher's
  port=
  for _ in $(seq 600); do  # up to 60 s: a sanitized build starts slowly
    # Whether it has exited is asked before its port is read: once it has,
    # all it printed is in port.txt (a server that prints its port and
    # dies at once must not pass for one that never printed it).
    if [ -e httpd.status ]; then exited=1; else exited=0; fi
    port=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' port.txt 2>/dev/null)
    if [ -n "$port" ] || [ "$exited" = 1 ]; then break; fi
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "not ok 1 - the test web server starts"
    sed 's/^/#   /' httpd.log
    exit 1
  fi
}

# Stops the server unless it died already (called by the EXIT trap too).
httpd_kill() {
  [ -e httpd.status ] || kill -"$1" "$(cat httpd.pid 2>/dev/null)" 2>/dev/null
}

# Stops the test web server: fails unless it was still running and exits
# 0 on SIGTERM within 30 s, with no sanitizer report in its log.
stop_httpd() {
  local rc alive=1
  [ ! -e httpd.status ] || alive=0
  httpd_kill TERM
  timeout 30 sh -c 'while [ ! -e httpd.status ]; do sleep 0.1; done' || httpd_kill KILL
  wait "$httpd_pid"
  httpd_pid=
  rc=$(cat httpd.status)
  test_count=$((test_count + 1))
  if [ "$alive" -eq 1 ] && [ "$rc" = 0 ] &&
     ! grep -qE 'Sanitizer|runtime error:' httpd.log; then
    echo "ok $test_count - the test web server ran clean to the end"
  else
    test_failed=$((test_failed + 1))
    echo "not ok $test_count - the test web server ran clean to the end"
    echo "#   running at the end: $alive, exit status: $rc; its log:"
    tail -40 httpd.log | sed 's/^/#   /'
  fi
}

# Lints the script that sourced this file (see the top): prints
# "FILE:LINE: negated command ..." for each `! cmd` whose status is lost.
lint_negations() {
  awk -v name="$(basename "$1")" '
    { line = $0; sub(/^[ \t]+/, "", line) }
    !cond && (line ~ /^!([ \t]|$)/ || line ~ /(;|&&|\|\|)[ \t]*![ \t]/) &&
      line !~ /^(if|elif|while|until)[ \t]/ {
      printf "%s:%d: negated command is ignored under set -e; use test_must_fail\n", name, NR
    }
    line ~ /^(if|elif|while|until)[ \t]/ { cond = 1 }
    cond && line ~ /(^|[ \t;])(then|do)([ \t;]|$)/ { cond = 0 }
  ' "$1"
}

# Prints "FILE:LINE: ..." for each line of a test body ('...' after
# test_expect) or of a function that holds an `&&` whose left side's status
# bash ignores under set -e (see the top). Reads quotes, ( ) and $( )
# across lines, skips comments and here-documents.
lint_and_lists() {
  awk -v name="$(basename "$1")" '
    function reset() { sp = 1; st[1] = "n"; cond = 0; here = "" }
    function word(w) {
      if (sp == 1 && w ~ /^(if|elif|while|until)$/) cond = 1
      if (sp == 1 && w ~ /^(then|do)$/) cond = 0
    }
    # scans s, keeping the quote and subshell stack st[1..sp] ("n" the
    # body, "p" in ( ) or $( ), "d" and "s" in quotes); 1 if it holds
    # an `&&` whose left side is lost
    function scan(s,    i, c, nx, w, hit, rest) {
      hit = 0; w = ""
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1); nx = substr(s, i + 1, 1)
        if (st[sp] == "s") { if (c == "\047") sp--; continue }
        if (st[sp] == "d") {
          if (c == "\\") i++
          else if (c == "\"") sp--
          else if (c == "$" && nx == "(") { st[++sp] = "p"; i++ }
          continue
        }
        if (c ~ /[A-Za-z_]/) { w = w c; continue }
        if (w != "") { word(w); w = "" }
        if (c == "\\") { i++; continue }
        if (c == "#" && (i == 1 || substr(s, i - 1, 1) ~ /[ \t;]/)) break
        if (c == "\"") st[++sp] = "d"
        else if (c == "\047") st[++sp] = "s"
        else if (c == "(") st[++sp] = "p"
        else if (c == ")") { if (sp > 1) sp-- }
        else if (c == "<" && nx == "<" && substr(s, i + 2, 1) != "<" &&
                 substr(s, i - 1, 1) != "<") {
          rest = substr(s, i + 2)
          sub(/^-?[ \t]*[\\"\047]?/, "", rest)
          if (match(rest, /^[A-Za-z_][A-Za-z0-9_]*/)) here = substr(rest, 1, RLENGTH)
          i++
        } else if (c == "&" && nx == "&") {
          if (sp == 1 && !cond) hit = 1
          i++
        }
      }
      if (w != "") word(w)
      return hit
    }
    function check(s) {
      if (scan(s))
        printf "%s:%d: && ignores the status of what is before it under set -e; one command a line\n", name, NR
    }
    BEGIN { scope = 0; reset() }
    here != "" {
      t = $0; gsub(/^[ \t]+|[ \t]+$/, "", t)
      if (t == here) here = ""
      next
    }
    scope == 1 && sp == 1 && /^[ \t]*\047[ \t]*$/ { scope = 0; next }
    scope == 2 && sp == 1 && /^}/ { scope = 0; next }
    scope { check($0); next }
    /^[ \t]*test_expect[ \t]/ && /\047[ \t]*$/ { scope = 1; reset(); next }
    /^[ \t]*[A-Za-z_][A-Za-z0-9_]*\(\)[ \t]*\{/ {
      reset()
      body = $0; sub(/^[^{]*\{/, "", body)
      check(body)
      if (!(sp == 1 && body ~ /}[ \t;]*(#.*)?$/)) scope = 2
    }
  ' "$1"
}

test_lint=$(lint_negations "$test_script"; lint_and_lists "$test_script")
if [ -n "$test_lint" ]; then
  test_count=$((test_count + 1))
  test_failed=$((test_failed + 1))
  echo "not ok $test_count - every check can fail (no ignored negations or && lists)"
  printf '%s\n' "$test_lint" | sed 's/^/#   /'
fi

test_done() {
  [ -z "$httpd_pid" ] || stop_httpd
  [ "$test_failed" -eq 0 ]
}
