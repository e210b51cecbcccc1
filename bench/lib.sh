# What the bench scripts share, sourced after `set -euo pipefail`:
#   . "$(dirname "$0")/lib.sh"
# It sets top, the repository's folder.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bench_tmp: makes $tmp, a fresh folder removed when the script exits
# (a script that must also stop a server sets its own trap instead).
bench_tmp() {
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
}

# median [FILE]: the median of the numbers, one a line, in FILE or stdin.
median() { sort -g "$@" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# ratio A B: A / B to bc's precision.
ratio() { echo "$1 / $2" | bc -l; }

# seconds CMD...: prints the wall time of CMD, its output discarded, and
# returns CMD's status (so a failing CMD stops a `set -e` script).
seconds() {
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || rc=$?
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
  return "$rc"
}

# seconds_any CMD...: the same whatever CMD's exit status (tools that
# exit non-zero when they find something).
seconds_any() { seconds "$@" || true; }

# link_jpegs SRC N DEST: the first N *.jpg files under SRC, in name order,
# hard-linked (copied across file systems) into DEST, flat.
link_jpegs() {
  mkdir -p "$3"
  find "$1" -type f -iname '*.jpg' | sort | sed -n "1,${2}p" | while read -r f; do
    ln "$f" "$3/$(basename "$f")" 2>/dev/null || cp "$f" "$3/"
  done
}
