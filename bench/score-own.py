#!/usr/bin/python3
"""Scores a duplicate finder's groups against a corpus's truth.csv plus the
pool's own copies that the truth lacks (bench/pool-copies.csv).

    bench/score-own.py CORPUS_DIR GROUPS_FILE [--format lines|csv]
        [--list bench/pool-copies.csv] [--with-edits] [--scorer PATH]

make-transformed.py and make-corpus.py drop the pool's byte-identical and
thumbnail-near copies, but not copies that are annotated, re-exposed,
recoloured, screenshotted or composited: a finder that groups them is
right, yet the truth counts those pairs false. pool-copies.csv lists such
pairs of originals (corpus is the CORPUS_DIR's folder name), each with the
reason seen by looking at both images. A "copy" pair joins the two truth
groups; "edit" pairs (one drawing with parts redrawn) join them only with
--with-edits; "apart" pairs (not one image) never do. The joined truth is
written to a temporary folder and scored by score-dups.py unchanged; the
second group's original is renamed "pool" there, so that the scorer counts
its pairs with the first group's originals as near, not exact.
"""
import argparse, csv, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("groups")
    ap.add_argument("--format", choices=["lines", "csv"], default="lines")
    ap.add_argument("--list", default=os.path.join(here, "pool-copies.csv"))
    ap.add_argument("--with-edits", action="store_true")
    ap.add_argument("--scorer", default=os.path.join(here, "..", "..", "shared", "bench", "score-dups.py"))
    a = ap.parse_args()
    name = os.path.basename(os.path.realpath(a.corpus))
    rows = list(csv.DictReader(open(os.path.join(a.corpus, "truth.csv"), newline="")))
    group = {os.path.normpath(r["path"]): r["group"] for r in rows}
    parent = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x
    joined = 0
    for p in csv.DictReader(open(a.list, newline="")):
        if p["corpus"] != name or p["verdict"] not in (("copy", "edit") if a.with_edits else ("copy",)):
            continue
        ga, gb = group.get(os.path.normpath(p["a"])), group.get(os.path.normpath(p["b"]))
        if ga is None or gb is None:
            sys.exit(f"score-own.py: {p['a']} or {p['b']} is not in {a.corpus}/truth.csv")
        ra, rb = find(ga), find(gb)
        if ra != rb:
            parent[max(ra, rb, key=int)] = min(ra, rb, key=int)
            joined += 1
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "truth.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["path", "group", "variant"])
            for r in rows:
                g = find(r["group"])
                v = "pool" if g != r["group"] and r["variant"] == "orig" else r["variant"]
                w.writerow([r["path"], g, v])
        groups = os.path.abspath(a.groups)
        print(f"truth plus {joined} joins from {os.path.relpath(a.list)}"
              f" ({'copies and edits' if a.with_edits else 'copies'})")
        # the groups' paths are relative to the corpus: score from there
        out = subprocess.run([sys.executable, a.scorer, tmp, groups, "--format", a.format],
                             cwd=a.corpus, capture_output=True, text=True, check=True).stdout
        sys.stdout.write(out)


if __name__ == "__main__":
    main()
