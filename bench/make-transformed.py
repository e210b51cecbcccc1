#!/usr/bin/python3
"""Makes a corpus of transformed copies, with ground truth, for bench/dedup.sh.

    bench/make-transformed.py POOL OUT [--seed N] [--side PX]

POOL is any folder of images, one subfolder a class (fetch-pool.sh's pool
works). OUT/train/<class>/ gets each distinct pool image as gNNNNN-orig.jpg,
and for about 60% of them one or two transformed copies, each rescaled to
50-100% and recompressed (JPEG quality 70-92):

  mirror, rotations:  flip rot90 rot180 rot270 flipscale (mirrored, 50-70%)
                      fliprot (mirrored, then rotated by 90 or 270)
  crops:              crop20 (centred, 60% of each side kept)
                      offcrop (60-85% of each side kept, anywhere in the frame)
                      flipcrop (an offcrop, mirrored)

OUT/truth.csv lists path,group,variant (paths relative to OUT) in the form
score-dups.py reads; the originals alone are the distractors that measure
false pairs. Variant names match score-dups.py's HARD set where it has
them (fliprot and flipcrop it counts as near; read its by-variant line).
"""
import argparse, csv, hashlib, os, random, shutil
import numpy as np
from PIL import Image, ImageOps

ROTATE = {"rot90": Image.ROTATE_90, "rot180": Image.ROTATE_180, "rot270": Image.ROTATE_270}
KINDS = ["flip", "rot90", "rot180", "rot270", "flipscale", "fliprot",
         "crop20", "offcrop", "flipcrop"]


def load_rgb(path):
    im = ImageOps.exif_transpose(Image.open(path))
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return im.convert("RGB")


def signature(im):
    g = np.asarray(im.convert("L").resize((16, 16), Image.BILINEAR), dtype=np.float64).ravel()
    g -= g.mean()
    n = np.linalg.norm(g)
    return g / n if n > 0 else g


def distinct(pool):
    """(class, path) of the pool's images minus byte-identical and visually
    near copies of one another, so that truth holds only planted pairs."""
    md5s, sigs, keep = set(), [], []
    for cls in sorted(os.listdir(pool)):
        d = os.path.join(pool, cls)
        if not os.path.isdir(d) or cls == "debs":
            continue
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            md5 = hashlib.md5(open(p, "rb").read()).hexdigest()
            if md5 in md5s:
                continue
            md5s.add(md5)
            try:
                im = load_rgb(p)
            except Exception:
                continue
            if min(im.size) < 64:
                continue
            if np.asarray(im.convert("L"), dtype=np.float64).std() < 8:
                continue  # blank or nearly one colour: no source to copy
            s = signature(im)
            # Mirrored or rotated twins of one another are near copies too.
            forms = [s] + [signature(im.transpose(t)) for t in
                           (Image.FLIP_LEFT_RIGHT, Image.ROTATE_90, Image.ROTATE_180,
                            Image.ROTATE_270, Image.TRANSPOSE, Image.TRANSVERSE,
                            Image.FLIP_TOP_BOTTOM)]
            if sigs and float(np.max(np.stack(sigs) @ np.stack(forms).T)) > 0.95:
                continue
            sigs.append(s)
            keep.append((cls, p))
    return keep


def fit(im, longest):
    w, h = im.size
    if max(w, h) <= longest:
        return im
    k = longest / max(w, h)
    return im.resize((max(1, round(w * k)), max(1, round(h * k))), Image.LANCZOS)


def rescale(im, lo, hi, rng):
    k = rng.uniform(lo, hi)
    w, h = im.size
    return im.resize((max(32, round(w * k)), max(32, round(h * k))), Image.LANCZOS)


def crop(im, lo, hi, rng):
    """Keeps lo..hi of each side (drawn apart), anywhere in the frame."""
    w, h = im.size
    cw, ch = round(w * rng.uniform(lo, hi)), round(h * rng.uniform(lo, hi))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return im.crop((x, y, x + cw, y + ch))


def variant(im, kind, rng):
    if kind == "flip":
        out = rescale(ImageOps.mirror(im), 0.5, 1.0, rng)
    elif kind in ROTATE:
        out = rescale(im.transpose(ROTATE[kind]), 0.5, 1.0, rng)
    elif kind == "flipscale":
        out = rescale(ImageOps.mirror(im), 0.5, 0.7, rng)
    elif kind == "fliprot":
        t = rng.choice([Image.ROTATE_90, Image.ROTATE_270])
        out = rescale(ImageOps.mirror(im).transpose(t), 0.5, 1.0, rng)
    elif kind == "crop20":
        w, h = im.size
        dx, dy = round(w * .2), round(h * .2)
        out = rescale(im.crop((dx, dy, w - dx, h - dy)), 0.7, 1.0, rng)
    elif kind == "offcrop":
        out = rescale(crop(im, 0.6, 0.85, rng), 0.7, 1.0, rng)
    elif kind == "flipcrop":
        out = rescale(ImageOps.mirror(crop(im, 0.6, 0.85, rng)), 0.7, 1.0, rng)
    else:
        raise ValueError(kind)
    return out, rng.randint(70, 92)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pool")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--side", type=int, default=1024, help="longest side of the originals")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    shutil.rmtree(a.out, ignore_errors=True)
    rows = []
    for gi, (cls, src) in enumerate(distinct(a.pool)):
        d = os.path.join(a.out, "train", cls)
        os.makedirs(d, exist_ok=True)
        im = fit(load_rgb(src), a.side)
        orig = os.path.join(d, f"g{gi:05d}-orig.jpg")
        im.save(orig, "JPEG", quality=90)
        rows.append((orig, gi, "orig"))
        if rng.random() < 0.4:
            continue
        for kind in rng.sample(KINDS, rng.choice([1, 1, 2])):
            v, q = variant(im, kind, rng)
            p = os.path.join(d, f"g{gi:05d}-{kind}.jpg")
            v.save(p, "JPEG", quality=q)
            rows.append((p, gi, kind))
    with open(os.path.join(a.out, "truth.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["path", "group", "variant"])
        for p, g, k in rows:
            wr.writerow([os.path.relpath(p, a.out), g, k])
    print(f"{len(rows)} images, {sum(1 for r in rows if r[2] != 'orig')} transformed copies in {a.out}")


if __name__ == "__main__":
    main()
