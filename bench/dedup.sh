#!/usr/bin/env bash
# dedup against the tools users would otherwise use, on the same files in
# one run (medians of ROUNDS where timed):
#  1. accuracy on CORPUS/dedup, scored by score-dups.py: winnow dedup and
#     findimagedupes (default and a tuned threshold);
#  2. a full run (exact + near) on CORPUS/scale: winnow against
#     findimagedupes -R, and winnow's unchanged re-run;
#  3. --exact-only on a 20,000-file tree made from CORPUS/scale against
#     jdupes -r -q (and fdupes -r -q), checking they find the same files;
#  4. the near search alone on 1,000,000 synthetic hashes (bench/mih_bench);
#  5. mirrored and rotated copies on CORPUS/transformed when it exists
#     (bench/make-transformed.py), scored per variant, against findimagedupes;
#     and with --crops, the crop variants too, and the first and unchanged
#     runs of dedup --crops on CORPUS/scale against section 2's findimagedupes;
#  6. the 8-orientation search on 1,000,000 synthetic thumbnails.
#
#   bench/dedup.sh CORPUS [ROUNDS] [SCORER]
#
# CORPUS is what ../shared/bench/make-corpus.py wrote (dedup/ and scale/);
# SCORER defaults to ../shared/bench/score-dups.py beside the repository.
# winnow's groups are scored twice: against the corpus's truth, and
# against it plus the pool's own copies that the truth lacks
# (bench/pool-copies.csv, read by bench/score-own.py; "+ own copies").
# Needs jdupes, fdupes, findimagedupes (make deps BENCH=1).
set -euo pipefail
corpus=$(cd "${1:?usage: bench/dedup.sh CORPUS [ROUNDS] [SCORER]}" && pwd)
rounds=${2:-3}
. "$(dirname "$0")/lib.sh"
scorer=${3:-$top/../shared/bench/score-dups.py}
make -s -C "$top" all bench >/dev/null
dedup=$top/bin/dedup
bench_tmp

seconds_each() {  # seconds_each N CMD...: mean wall time of N runs in a row,
  local n=$1 t0 t1      # for runs so short that timing overhead would show
  shift
  t0=$(date +%s.%N)
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 || true; done
  t1=$(date +%s.%N)
  echo "($t1 - $t0) / $n" | bc -l
}

echo "dedup benchmark on $corpus, $(nproc) cores, winnow $(git -C "$top" rev-parse --short HEAD)"
echo "tools: $(jdupes -v 2>&1 | head -1 | cut -c1-40); fdupes $(fdupes -v | awk '{print $2}'); findimagedupes $(dpkg-query -W -f='${Version}' findimagedupes)"

# 1. Accuracy.
echo
echo "## 1. accuracy on $corpus/dedup ($(find "$corpus/dedup/train" -type f | wc -l) images)"
cd "$corpus/dedup"
"$dedup" --db "$tmp/acc.db" --path train --format csv -q >"$tmp/w.csv" 2>/dev/null || true
findimagedupes -R train >"$tmp/f90.txt" 2>/dev/null || true
findimagedupes -R -t 95% train >"$tmp/f95.txt" 2>/dev/null || true
printf '%-30s %-26s %-12s %s\n' tool exact "false pairs" near
for run in "winnow dedup (defaults):$tmp/w.csv:csv" "findimagedupes -R (90%):$tmp/f90.txt:lines" \
           "findimagedupes -R -t 95%:$tmp/f95.txt:lines"; do
  IFS=: read -r name file fmt <<<"$run"
  out=$(/usr/bin/python3 "$scorer" "$corpus/dedup" "$file" --format "$fmt")
  printf '%-30s %-26s %-12s %s\n' "$name" "$(sed -n 's/^exact  recall //p' <<<"$out")" \
    "$(sed -n 's/^false pairs: \([0-9]*\) of.*/\1/p' <<<"$out")" "$(tail -1 <<<"$out" | cut -d' ' -f2-)"
done
# Exact groups must hold byte-identical files only: check every one.
bad=$(awk -F, 'NR > 1 && $2 == "exact" {print $1, $5}' "$tmp/w.csv" | sort -k1,1n | awk '
  $1 != g {g = $1; first = $2; next} {print first "\t" $2}' | while IFS=$'\t' read -r a b; do
  cmp -s "$a" "$b" || echo "$a $b"; done | wc -l)
echo "winnow exact groups re-checked byte for byte: $bad false pairs"
own() {  # own DIR FILE: winnow's score against the truth plus the pool's own copies
  /usr/bin/python3 "$top/bench/score-own.py" "$1" "$2" --format csv --scorer "$scorer" |
    grep -E "^(by variant|false pairs|near:)" | sed 's/^/  /'
}
echo "winnow dedup (defaults), truth + own copies:"
own "$corpus/dedup" "$tmp/w.csv"

# 2. Full run on the scale set.
cd "$corpus"
n=$(find scale -type f | wc -l)
echo
echo "## 2. full run (exact + near) on $corpus/scale ($n images), $rounds rounds"
for r in $(seq "$rounds"); do
  rm -f "$tmp/s.db"*
  seconds_any "$dedup" --db "$tmp/s.db" --path scale -q >>"$tmp/t.w"
  seconds_each 10 "$dedup" --db "$tmp/s.db" --path scale -q >>"$tmp/t.w2"
  seconds_any "$dedup" --db "$tmp/s1.db" --path scale -q -j 1 >>"$tmp/t.w1"; rm -f "$tmp/s1.db"*
  seconds_any findimagedupes -R scale >>"$tmp/t.f"
done
w=$(median <"$tmp/t.w"); w1=$(median <"$tmp/t.w1"); w2=$(median <"$tmp/t.w2"); f=$(median <"$tmp/t.f")
printf '%-36s %9s %9s\n' tool seconds "images/s"
printf '%-36s %9.2f %9.0f\n' "winnow dedup (-j $(nproc))" "$w" "$(ratio "$n" "$w")"
printf '%-36s %9.2f %9.0f\n' "winnow dedup (-j 1)" "$w1" "$(ratio "$n" "$w1")"
printf '%-36s %9.3f %9.0f\n' "winnow dedup, unchanged re-run" "$w2" "$(ratio "$n" "$w2")"
printf '%-36s %9.2f %9.0f\n' "findimagedupes -R" "$f" "$(ratio "$n" "$f")"
printf 'ratio: %.1fx findimagedupes (%.1fx on one core); re-run %.0fx faster than the first run\n' \
  "$(ratio "$f" "$w")" "$(ratio "$f" "$w1")" "$(ratio "$w" "$w2")"

# 3. Exact-only on 20,000 files: each scale image, then copies of it with
# a few bytes appended (different content, sizes that collide across
# images), and every tenth one byte-identical.
echo
echo "## 3. exact duplicates only, 20,000 files, $rounds rounds"
/usr/bin/python3 - "$corpus/scale" "$tmp/tree" <<'EOF'
import os, sys
src, out = sys.argv[1], sys.argv[2]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(src) for f in fs)
per = -(-20000 // len(files))
n = 0
for j, p in enumerate(files):
    data = open(p, "rb").read()
    d = os.path.join(out, "c%02d" % (j % 5))
    os.makedirs(d, exist_ok=True)
    for k in range(per):
        if n == 20000:
            break
        body = data if k == 0 or (j + k) % 10 == 0 else data + bytes([k]) * (k % 7 + 1)
        open(os.path.join(d, "f%05d_%02d.jpg" % (j, k)), "wb").write(body)
        n += 1
EOF
cd "$tmp"
jdupes -r -q tree >/dev/null 2>&1 || true  # warm the page cache for everyone
for r in $(seq "$rounds"); do
  rm -f "$tmp/e.db"*
  seconds_any "$dedup" --db "$tmp/e.db" --path tree --exact-only -q >>"$tmp/t.e"
  seconds_each 10 "$dedup" --db "$tmp/e.db" --path tree --exact-only -q >>"$tmp/t.e2"
  seconds_any jdupes -r -q tree >>"$tmp/t.j"
  seconds_any fdupes -r -q tree >>"$tmp/t.fd"
done
e=$(median <"$tmp/t.e"); e2=$(median <"$tmp/t.e2"); j=$(median <"$tmp/t.j"); fd=$(median <"$tmp/t.fd")
printf '%-36s %9s\n' tool seconds
printf '%-36s %9.2f\n' "winnow dedup --exact-only" "$e"
printf '%-36s %9.3f\n' "winnow dedup --exact-only, re-run" "$e2"
printf '%-36s %9.2f\n' "jdupes -r -q" "$j"
printf '%-36s %9.2f\n' "fdupes -r -q" "$fd"
printf 'ratio: %.2fx jdupes, %.2fx fdupes (above 1: winnow faster)\n' "$(ratio "$j" "$e")" "$(ratio "$fd" "$e")"
rm -f "$tmp/e.db"*
"$dedup" --db "$tmp/e.db" --path tree --exact-only --format csv -q 2>/dev/null |
  awk -F, 'NR > 1 {print $5}' | sort >"$tmp/w.files"
jdupes -r -q tree | grep . | sort >"$tmp/j.files"
if cmp -s "$tmp/w.files" "$tmp/j.files"; then
  echo "same duplicate files as jdupes: $(wc -l <"$tmp/w.files")"
else
  echo "DIFFERENT from jdupes: $(wc -l <"$tmp/w.files") vs $(wc -l <"$tmp/j.files") files"
fi

# 4. The near search alone.
echo
echo "## 4. near search on 1,000,000 synthetic hashes"
"$top/build/bench/mih_bench" 1000000 11 "$(nproc)"

# 5. Mirrored and rotated copies (#18), when CORPUS/transformed holds what
# bench/make-transformed.py makes (bench/make-transformed.py POOL
# CORPUS/transformed): each variant's recall and the false pairs, winnow
# at its defaults against findimagedupes on the same files, timed.
if [ -e "$corpus/transformed/truth.csv" ]; then
  echo
  echo "## 5. mirrored, rotated and cropped copies on $corpus/transformed" \
    "($(find "$corpus/transformed/train" -type f | wc -l) images)"
  cd "$corpus/transformed"
  rm -f "$tmp/t.db"*
  tw=$(seconds_any "$dedup" --db "$tmp/t.db" --path train --format csv -q)
  "$dedup" --db "$tmp/t.db" --path train --format csv -q >"$tmp/t.csv" 2>/dev/null || true
  tf=$(seconds_any findimagedupes -R train)
  findimagedupes -R train >"$tmp/t.f" 2>/dev/null || true
  for run in "winnow dedup (defaults):$tmp/t.csv:csv" "findimagedupes -R:$tmp/t.f:lines"; do
    IFS=: read -r name file fmt <<<"$run"
    echo "$name:"
    /usr/bin/python3 "$scorer" "$corpus/transformed" "$file" --format "$fmt" |
      grep -E "^(by variant|false pairs)" | sed 's/^/  /'
  done
  echo "winnow dedup (defaults), truth + own copies:"
  own "$corpus/transformed" "$tmp/t.csv"
  printf 'seconds: winnow %.2f, findimagedupes %.2f (%.1fx)\n' "$tw" "$tf" "$(ratio "$tf" "$tw")"
  # --crops: the crop variants (crop20, offcrop, flipcrop) as well; its
  # false pairs are the precision of every pair it predicts
  rm -f "$tmp/tc.db"*
  "$dedup" --db "$tmp/tc.db" --path train --crops --format csv -q >"$tmp/tc.csv" 2>/dev/null || true
  echo "winnow dedup --crops:"
  /usr/bin/python3 "$scorer" "$corpus/transformed" "$tmp/tc.csv" --format csv |
    grep -E "^(by variant|false pairs|near:)" | sed 's/^/  /'
  echo "winnow dedup --crops, truth + own copies:"
  own "$corpus/transformed" "$tmp/tc.csv"
  # the first run decodes every image for its features; the re-run reads
  # them from the catalog
  cd "$corpus"
  for r in $(seq "$rounds"); do
    rm -f "$tmp/sc.db"*
    seconds_any "$dedup" --db "$tmp/sc.db" --path scale --crops -q >>"$tmp/t.c"
    seconds_any "$dedup" --db "$tmp/sc.db" --path scale --crops -q >>"$tmp/t.c2"
  done
  c=$(median <"$tmp/t.c"); c2=$(median <"$tmp/t.c2")
  printf 'dedup --crops on scale (%d images): first run %.2f s, %.1fx findimagedupes -R (%.2f s);' \
    "$n" "$c" "$(ratio "$f" "$c")" "$f"
  printf ' unchanged re-run %.2f s, %.1fx faster\n' "$c2" "$(ratio "$c" "$c2")"
fi

# 6. The mirrored-and-rotated search alone.
echo
echo "## 6. the 8-orientation search on 1,000,000 synthetic thumbnails"
"$top/build/bench/orient_bench" 1000000 7 "$(nproc)" 9
