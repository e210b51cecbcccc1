#!/usr/bin/python3
"""What a finer decode would do for blurry: the sharpness of quality.h
(Laplacian energy over gradient energy, no box reduction) measured on each
JPEG of make-issues.py's set decoded at the smallest DCT scale (1/8, 1/4,
1/2, 1, as PIL's draft() asks libjpeg) whose short side is at least MIN,
for MIN 32 (db scan's decode), 64, 128 and 256; then, with the threshold
that flags 2% and 5% of the clean photos, the share of each planted kind
below it, and the time the decodes took (PIL, one core: the ratio between
rows is what the decode costs).

    bench/issues-blur.py SET

SET is make-issues.py's OUT. Runs with the system /usr/bin/python3.
"""
import csv, os, sys, time
import numpy as np
from PIL import Image

KINDS = ("clean", "blur", "blur_mild", "dark", "light", "grayscale", "banner")


def sharpness(a):
    a = a.astype(np.int64)
    p = a[1:-1, 1:-1]
    lap = 4 * p - a[1:-1, :-2] - a[1:-1, 2:] - a[:-2, 1:-1] - a[2:, 1:-1]
    dx = a[1:-1, 2:] - a[1:-1, :-2]
    dy = a[2:, 1:-1] - a[:-2, 1:-1]
    g = (dx * dx + dy * dy).sum()
    return (lap * lap).sum() / g if g else 0.0


def decode(path, min_side):
    im = Image.open(path)
    w, h = im.size
    s = next((d for d in (8, 4, 2) if min(w, h) // d >= min_side), 1)
    im.draft("L", (w // s, h // s))
    return np.asarray(im.convert("L"))


def main():
    root = sys.argv[1]
    truth = [t for t in csv.DictReader(open(os.path.join(root, "truth.csv")))
             if t["kind"] in KINDS and t["path"].endswith(".jpg")]
    for min_side in (32, 64, 128, 256):
        t0, got = time.time(), {}
        for t in truth:
            got.setdefault(t["kind"], []).append(sharpness(decode(os.path.join(root, t["path"]),
                                                                  min_side)))
        took = time.time() - t0
        clean = np.array(got["clean"])
        for share in (0.02, 0.05):
            thr = np.quantile(clean, share)
            print("short side >= %3d: %.0f%% of clean flagged (s < %.3f): %s; %.1f s" %
                  (min_side, share * 100, thr,
                   ", ".join("%s %.2f" % (k, np.mean(np.array(v) < thr))
                             for k, v in got.items() if k != "clean"), took))


if __name__ == "__main__":
    main()
