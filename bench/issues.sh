#!/usr/bin/env bash
# db issues on a set with planted issues (bench/make-issues.py), and what
# the quality signals cost db scan:
#  1. per planted kind, the share of its images that get the issue they
#     should (recall), the share of clean photos and drawings flagged with
#     anything, at the default thresholds, and how many planted outliers
#     are among the first 20 outlier rows (after 'label predict', whose
#     embeddings outlier needs);
#  2. with BEFORE (a folder of commands built without the signals), `db
#     scan -j 1` of SCALE (default /work/bench/corpus/scale) into a fresh
#     catalog, before and after alternating, ROUNDS times each: median
#     wall and CPU (user + sys). The fairest BEFORE is this tree with the
#     signals taken out of the scan alone (grey-only decode, no quality
#     row):
#       git worktree add --detach /tmp/nosig HEAD && cd /tmp/nosig &&
#       sed -i 's/if (scan_decode(buf, len, j->limits, &j->fp, &j->quality,/if (fingerprint_decode(buf, len, j->limits, \&j->fp,/; s/r.quality = &j->quality;/r.quality = NULL;/' lib/catalog/scan.c &&
#       make -j2 all    # BEFORE is /tmp/nosig/bin
#
#   bench/issues.sh SET [BEFORE [ROUNDS [SCALE]]]
#
# OUTLIER_SWEEP="0.45 0.5 ...": also, at each of these outlier thresholds
# (the others at their defaults), the planted outliers flagged, the clean
# photos and drawings flagged as outliers, and the clean images (photos
# and drawings) flagged with anything, one line a threshold.
#
# SET is make-issues.py's OUT. Needs /usr/bin/time and python3.
set -euo pipefail
set_dir=$(cd "${1:?usage: bench/issues.sh SET [BEFORE [ROUNDS [SCALE]]]}" && pwd)
before=${2:-}
rounds=${3:-5}
scale=${4:-/work/bench/corpus/scale}
. "$(dirname "$0")/lib.sh"
make -s -C "$top" all >/dev/null
db=$top/bin/db
bench_tmp

echo "db issues on $set_dir, winnow $(git -C "$top" rev-parse --short HEAD)"
mkdir "$tmp/set"
cp -r "$set_dir/photos" "$set_dir/drawings" "$tmp/set/"
(cd "$tmp" && "$db" --db "$tmp/set.db" scan -q set >/dev/null &&
 "$top/bin/label" predict --db "$tmp/set.db" --path set -q >/dev/null &&
 "$db" --db "$tmp/set.db" issues --path set --format csv >"$tmp/issues.csv" 2>"$tmp/summary" &&
 "$db" --db "$tmp/set.db" issues --path set --format csv --issue outlier \
   --threshold outlier=1 >"$tmp/ranked.csv" 2>/dev/null)
for t in ${OUTLIER_SWEEP:-}; do
  (cd "$tmp" && "$db" --db "$tmp/set.db" issues --path set --format csv \
     --threshold "outlier=$t" >"$tmp/sweep.$t.csv" 2>/dev/null)
done
cat "$tmp/summary"
python3 - "$set_dir/truth.csv" "$tmp/issues.csv" "$tmp/ranked.csv" <<'EOF'
import csv, sys
from collections import defaultdict
truth = list(csv.DictReader(open(sys.argv[1])))
found = defaultdict(set)
for r in csv.DictReader(open(sys.argv[2])):
    found[r["path"]].add(r["issue"])
kinds = defaultdict(lambda: [0, 0])
also = defaultdict(lambda: defaultdict(int))
for t in truth:
    f = found.get("set/" + t["path"], set())
    if t["expect"] == "clean":
        hit = bool(f)
    else:
        hit = t["expect"] in f
    kinds[t["kind"]][0] += hit
    kinds[t["kind"]][1] += 1
    for i in f:
        also[t["kind"]][i] += 1
print("%-10s %6s %8s  %s" % ("kind", "images", "recall", "issues found (images)"))
for k, (hit, n) in kinds.items():
    detail = ", ".join("%s %d" % (i, c) for i, c in sorted(also[k].items()))
    clean = k in ("clean", "drawing")
    print("%-10s %6d %8.2f  %s%s" % (k, n, hit / n, detail,
                                     "  (share flagged)" if clean else ""))
kind = {"set/" + t["path"]: t["kind"] for t in truth}
planted = sum(t["kind"] == "outlier" for t in truth)
for name, f in (("at the default threshold", sys.argv[2]),
                ("with --threshold outlier=1 (every image past its class's median)", sys.argv[3])):
    rows = [r for r in csv.DictReader(open(f)) if r["issue"] == "outlier"]
    print("planted outliers in the first 20 outlier rows %s: %d of %d (%d rows)" %
          (name, sum(kind.get(r["path"]) == "outlier" for r in rows[:20]), planted, len(rows)))
EOF
[ -z "${OUTLIER_SWEEP:-}" ] || python3 - "$set_dir/truth.csv" "$tmp" ${OUTLIER_SWEEP} <<'EOF'
import csv, sys
from collections import defaultdict
truth = list(csv.DictReader(open(sys.argv[1])))
kind = {"set/" + t["path"]: t["kind"] for t in truth}
clean = [p for p, k in kind.items() if k in ("clean", "drawing")]
planted = sum(k == "outlier" for k in kind.values())
print("outlier threshold sweep (other issues at their defaults):")
print("threshold  planted outliers flagged  clean flagged as outlier (photos, drawings)"
      "  clean flagged with anything")
for t in sys.argv[3:]:
    found = defaultdict(set)
    for r in csv.DictReader(open("%s/sweep.%s.csv" % (sys.argv[2], t))):
        found[r["path"]].add(r["issue"])
    out = [p for p, f in found.items() if "outlier" in f]
    hit = sum(kind.get(p) == "outlier" for p in out)
    ph = sum(kind.get(p) == "clean" for p in out)
    dr = sum(kind.get(p) == "drawing" for p in out)
    anything = sum(bool(found.get(p)) for p in clean)
    print("%9s  %24s  %12d (%d, %d)  %15d of %d (%.1f%%)" % (
        t, "%d of %d" % (hit, planted), ph + dr, ph, dr, anything, len(clean),
        100.0 * anything / len(clean)))
EOF

[ -n "$before" ] || exit 0
echo
echo "db scan -j 1 of $scale ($(find "$scale" -type f | wc -l) files), before ($before) and after, alternating, $rounds rounds"
for _ in $(seq "$rounds"); do
  for which in before after; do
    bin=$top/bin
    [ "$which" = before ] && bin=$before
    rm -f "$tmp"/scan.db*
    /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$bin/db" --db "$tmp/scan.db" scan -j 1 -q "$scale" >/dev/null 2>&1
    awk -v w="$which" '{print w, $1, $2 + $3}' "$tmp/t" >>"$tmp/times"
  done
done
for which in before after; do
  wall=$(awk -v w="$which" '$1 == w {print $2}' "$tmp/times" | median)
  cpu=$(awk -v w="$which" '$1 == w {print $3}' "$tmp/times" | median)
  echo "$which: median wall $wall s, cpu $cpu s"
  eval "${which}_cpu=$cpu ${which}_wall=$wall"
done
printf 'after / before: wall %.3f, cpu %.3f\n' "$(ratio "$after_wall" "$before_wall")" \
  "$(ratio "$after_cpu" "$before_cpu")"
# Each round's own ratio (its two runs side by side), the median of them:
# steadier than the ratio of medians when the load drifts.
pair_ratios() { paste - - <"$tmp/times" | awk -v c="$1" '{print $(c + 3) / $c}' | median; }
printf 'median of the rounds'"'"' ratios: wall %.3f, cpu %.3f\n' "$(pair_ratios 2)" "$(pair_ratios 3)"
