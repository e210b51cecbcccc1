#!/usr/bin/env python3
"""A synthetic winnow catalog of N images, without image files, for the
scale benchmark (bench/scale.sh).

    bench/make-catalog.py DB N [--embeddings M] [--mid] [--classes 5] [--seed 1]

DB must not exist: it is created by `db` itself (its schema, whatever the
version), then filled with N rows in DB's folder under data/<class>/:
  - sizes, mtimes, formats, XXH3-128s (random 16 bytes), and pixel sizes
    drawn from what scraped sets hold (1-8 MB photos, 200 px to 4000 px);
  - 16x16 luma thumbnails that look like photos to the thumbnail check
    (smooth random fields, never flat) and dHashes computed from them the
    way a 9x8 grid of the image would give them;
  - planted duplicate groups: 2% of the images are byte-identical copies
    (same XXH3, size and pixel size) and 3% near copies (the thumbnail with noise, a few dHash
    bits flipped), in groups of 2 to 4;
  - for the first M images (default: none), 'label predict'-style rows in
    predictions: 1,280 float32 embeddings (MobileNetV2's width) drawn
    around a mean per class, with 10% of the images drawn around another
    class's mean (the mislabels label suspects should find), and nsfwjs
    probabilities. label train and suspects use only images on disk, so
    these M images get empty placeholder files (nothing reads them).
    With --mid, these images also get the middle layer's rows that label
    predict keeps ("mid:mobilenet_v2", 576 floats, drawn the same way),
    which label train cross-validates on by default.
Prints one line: the counts it wrote. Reads nothing but DB.
"""
import argparse
import os
import sqlite3
import subprocess
import sys
import time

import numpy as np

CLASSES = ["drawings", "hentai", "neutral", "porn", "sexy"]
DIM = 1280
MID_DIM = 576
CHUNK = 50_000


def thumbs(rng, n):
    """n smooth 16x16 fields: a 4x4 random grid, bilinear, plus grain."""
    grid = rng.integers(20, 236, size=(n, 5, 5)).astype(np.float32)
    t = np.linspace(0, 4, 16, dtype=np.float32)
    i0 = np.minimum(t.astype(int), 3)
    f = t - i0
    rows = grid[:, i0, :] * (1 - f)[None, :, None] + grid[:, i0 + 1, :] * f[None, :, None]
    out = rows[:, :, i0] * (1 - f)[None, None, :] + rows[:, :, i0 + 1] * f[None, None, :]
    out += rng.normal(0, 4, size=out.shape)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def dhashes(th):
    """dHash-64 of each thumbnail read as the image: a 9x8 grid of cell
    means (nearest cells of the 16x16), left darker than right."""
    ys = (np.arange(8) * 16 + 8) // 8
    xs = (np.arange(9) * 16 + 8) // 9
    g = th[:, ys][:, :, xs].astype(np.int16)
    bits = (g[:, :, :-1] < g[:, :, 1:]).reshape(len(th), 64)
    weights = (1 << np.arange(63, -1, -1, dtype=np.uint64)).astype(np.uint64)
    h = (bits.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)
    return h.view(np.int64)


def plant(rng, n):
    """source index of each image (itself for originals), and whether the
    copy is exact."""
    src = np.arange(n)
    exact = np.zeros(n, dtype=bool)
    i = 0
    order = rng.permutation(n)
    want = int(n * 0.05)
    planted = 0
    while planted < want and i + 4 < n:
        k = int(rng.integers(1, 4))          # copies in this group
        s = order[i]
        is_exact = rng.random() < 0.4
        for j in range(1, k + 1):
            src[order[i + j]] = s
            exact[order[i + j]] = is_exact
        planted += k
        i += k + 1
    return src, exact


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("n", type=int)
    ap.add_argument("--embeddings", type=int, default=0)
    ap.add_argument("--mid", action="store_true")
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--db-bin", default=os.path.join(os.path.dirname(__file__), "..", "bin", "db"))
    a = ap.parse_args()
    if os.path.exists(a.db):
        sys.exit(f"make-catalog: {a.db} exists; give a new file")
    folder = os.path.dirname(os.path.abspath(a.db))
    os.makedirs(os.path.join(folder, "data"), exist_ok=True)
    # The schema is db's own: an empty scan creates it.
    subprocess.run([a.db_bin, "--db", a.db, "scan", "-q", os.path.join(folder, "data")],
                   check=True, stdout=subprocess.DEVNULL)
    rng = np.random.default_rng(a.seed)
    classes = CLASSES[: a.classes] if a.classes <= len(CLASSES) else \
        [f"class{c:02d}" for c in range(a.classes)]
    n = a.n
    src, exact = plant(rng, n)
    cls = rng.integers(0, len(classes), size=n)
    cls = cls[src]                            # copies sit with their source...
    moved = rng.random(n) < 0.02              # ...but 2% of them in another class
    cls = np.where(moved & (src != np.arange(n)), rng.integers(0, len(classes), size=n), cls)

    # All rows' hashes and thumbnails first: a copy may come before its
    # source. Copies take the source's thumbnail (with grain when near)
    # and, when exact, its XXH3.
    th = np.concatenate([thumbs(rng, min(CHUNK, n - c)) for c in range(0, n, CHUNK)])
    copy = np.nonzero(src != np.arange(n))[0]
    near = copy[~exact[copy]]
    th[copy] = th[src[copy]]
    grain = rng.normal(0, 2, size=(len(near), 16, 16))
    th[near] = np.clip(th[near].astype(np.float32) + grain, 0, 255).astype(np.uint8)
    dh = np.concatenate([dhashes(th[c:c + CHUNK]) for c in range(0, n, CHUNK)])
    xxh = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    ex = copy[exact[copy]]
    xxh[ex] = xxh[src[ex]]
    width = rng.integers(200, 4000, size=n)
    height = (width * rng.uniform(0.5, 1.5, size=n)).astype(int)
    size = rng.integers(20_000, 8_000_000, size=n)
    # an exact copy is the same file: the same bytes, so the same size
    # and pixel size (dedup groups exact copies by size and XXH3)
    size[ex] = size[src[ex]]
    width[ex] = width[src[ex]]
    height[ex] = height[src[ex]]

    con = sqlite3.connect(a.db)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA journal_mode = MEMORY")
    now = int(time.time() * 1000)
    means = rng.normal(0, 1, size=(len(classes), DIM)).astype(np.float32)
    # the middle layers from a generator of their own: without --mid the
    # catalog is what it was before the option, with it the rest the same
    mid_rng = np.random.default_rng([a.seed, 1]) if a.mid else None
    mid_means = mid_rng.normal(0, 1, size=(len(classes), MID_DIM)).astype(np.float32) \
        if a.mid else None
    mislabel = rng.random(n) < 0.10
    probs_classes = '["' + '","'.join(CLASSES) + '"]'
    emb_rows = 0
    for c0 in range(0, n, CHUNK):
        c1 = min(n, c0 + CHUNK)
        con.executemany(
            "INSERT INTO images (id, path, class, size, mtime_ns, xxh3, head_xxh3, dhash, thumb,"
            " width, height, format, added_ms, updated_ms)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,'jpeg',?,?)",
            ((k + 1, f"data/{classes[cls[k]]}/img{k:07d}.jpg", classes[cls[k]], int(size[k]),
              now * 1_000_000, xxh[k].tobytes(), xxh[k].tobytes(), int(dh[k]), th[k].tobytes(),
              int(width[k]), int(height[k]), now, now) for k in range(c0, c1)))
        if c0 < a.embeddings:
            e1 = min(c1, a.embeddings)
            m = e1 - c0
            which = np.where(mislabel[c0:e1], rng.integers(0, len(classes), size=m), cls[c0:e1])
            emb = means[which] * 0.6 + rng.normal(0, 1, size=(m, DIM)).astype(np.float32)
            emb = np.maximum(emb, 0).astype("<f4")   # ReLU6 outputs are >= 0
            pr = rng.dirichlet(np.ones(5), size=m).astype("<f4")
            con.executemany(
                "INSERT INTO predictions (image_id, model, prep, xxh3, classes, probs, embedding,"
                " made_ms) VALUES (?, 'mobilenet_v2', 'default', ?, ?, ?, ?, ?)",
                ((c0 + j + 1, xxh[c0 + j].tobytes(), probs_classes, pr[j].tobytes(),
                  emb[j].tobytes(), now) for j in range(m)))
            if a.mid:
                mid = mid_means[which] * 0.6 + mid_rng.normal(0, 1, size=(m, MID_DIM)).astype(np.float32)
                mid = np.maximum(mid, 0).astype("<f4")
                con.executemany(
                    "INSERT INTO predictions (image_id, model, prep, xxh3, classes, probs, embedding,"
                    " made_ms) VALUES (?, 'mid:mobilenet_v2', 'default', ?, ?, ?, ?, ?)",
                    ((c0 + j + 1, xxh[c0 + j].tobytes(), probs_classes, pr[j].tobytes(),
                      mid[j].tobytes(), now) for j in range(m)))
            emb_rows += m
            for k in range(c0, e1):
                p = os.path.join(folder, "data", classes[cls[k]], f"img{k:07d}.jpg")
                os.makedirs(os.path.dirname(p), exist_ok=True)
                open(p, "wb").close()
        con.commit()
    con.close()
    print(f"make-catalog: {n} images ({len(copy)} planted copies, {len(ex)} exact), "
          f"{emb_rows} embeddings{' and middle layers' if a.mid else ''}, {len(classes)} classes -> {a.db}")


if __name__ == "__main__":
    main()
