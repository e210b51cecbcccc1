#!/usr/bin/python3
"""A set with planted issues over clean photos, with its truth, for bench/issues.sh.

    bench/make-issues.py POOL OUT [--seed S] [--per-kind N]

POOL is a pool as ../shared/bench/fetch-pool.sh makes it (POOL/photo/*).
The clean photos are the pool's photos that are plainly photos by simple
tests made here with PIL, independent of winnow: colour (some pixel's
max - min channel over 40), not tiny (short side >= 200), not elongated
(long / short <= 2) and with contrast (luma standard deviation >= 25).
Each is written once, scaled so its long side is 480..1024 px, as a
JPEG (quality 85..95), to OUT/photos/clean-*.jpg. Then, per kind, N of
them (drawn with the seed) get an issue planted, written beside them:

  blur        Gaussian blur, radius 1-2% of the long side    -> blurry
  blur_mild   Gaussian blur, radius 0.4-0.6% of the long side -> blurry
  dark        brightness x 0.08-0.25 (underexposed)           -> dark
  light       washed out: 255 - (255 - v) x 0.1-0.3           -> light
  flat        one colour with faint noise (sd 1)              -> low_information
  card        a placeholder card: flat colour, a line or two of text
              ("image removed", "no preview")                 -> low_information
  grayscale   the photo's luma, stored as RGB                 -> grayscale
  banner      a 3:1 to 6:1 strip cut from the photo           -> odd_aspect_ratio
  tiny        the photo scaled to a long side of 16-48 px     -> odd_size
  document    a rendered page of text, black on off-white     -> any issue
  chart       a bar or line chart on white, drawn with PIL    -> any issue

OUT/truth.csv: path,kind,expect (expect is the issue that should be found,
"any" for document and chart, which are out-of-place rather than broken,
and "clean" for the clean photos).
Needs python3-pil and python3-numpy; runs with the system /usr/bin/python3.
"""
import argparse, csv, os, random, sys
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

EXPECT = {"blur": "blurry", "blur_mild": "blurry", "dark": "dark", "light": "light",
          "flat": "low_information", "card": "low_information", "grayscale": "grayscale",
          "banner": "odd_aspect_ratio", "tiny": "odd_size", "document": "any", "chart": "any"}
WORDS = ("image removed", "no preview", "content unavailable", "404 not found",
         "this photo is no longer available", "placeholder")


def load(path):
    try:
        im = ImageOps.exif_transpose(Image.open(path))
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(bg, im)
        return im.convert("RGB")
    except Exception:
        return None


def is_clean_photo(im):
    w, h = im.size
    if min(w, h) < 200 or max(w, h) / min(w, h) > 2:
        return False
    a = np.asarray(im.resize((max(1, w // 4), max(1, h // 4))), dtype=np.int16)
    if (a.max(axis=2) - a.min(axis=2)).max() <= 40:
        return False
    return np.asarray(im.convert("L"), dtype=np.float64).std() >= 25


def fit(im, rng):
    long_side = rng.randint(480, 1024)
    w, h = im.size
    s = long_side / max(w, h)
    return im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.LANCZOS)


def font(size):
    for f in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"):
        if os.path.exists(f):
            return ImageFont.truetype(f, size)
    return ImageFont.load_default()


def card(rng):
    w, h = rng.choice([(400, 300), (640, 480), (500, 500), (800, 600)])
    bg = rng.choice([(240, 240, 240), (255, 255, 255), (204, 204, 204), (30, 30, 30),
                     (230, 235, 245)])
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    ink = (120, 120, 120) if sum(bg) > 300 else (200, 200, 200)
    f = font(h // 14)
    d.text((w // 10, h // 2 - h // 10), rng.choice(WORDS), fill=ink, font=f)
    if rng.random() < 0.5:
        d.text((w // 10, h // 2 + h // 20), "www.example.com", fill=ink, font=font(h // 24))
    return im


def flat(rng):
    w, h = rng.choice([(640, 480), (800, 600), (500, 375)])
    c = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float64)
    a = np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 1, (h, w, 3)) + c
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def document(rng):
    w, h = 850, 1100
    im = Image.new("RGB", (w, h), (250, 250, 246))
    d = ImageDraw.Draw(im)
    d.text((80, 70), "Report %d" % rng.randint(1, 99), fill=(0, 0, 0), font=font(34))
    y, f = 140, font(16)
    words = "the of data image model set results table figure method shows value".split()
    while y < h - 90:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(8, 12)))
        d.text((80, y), line, fill=(20, 20, 20), font=f)
        y += 24 if rng.random() > 0.1 else 48
    return im


def chart(rng):
    w, h = rng.choice([(640, 480), (800, 600)])
    im = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(im)
    x0, y0, x1, y1 = 60, 40, w - 30, h - 50
    d.line([(x0, y0), (x0, y1), (x1, y1)], fill=(0, 0, 0), width=2)
    n = rng.randint(5, 12)
    colours = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)]
    if rng.random() < 0.5:
        bw = (x1 - x0) / n
        for i in range(n):
            top = y1 - rng.uniform(0.1, 0.95) * (y1 - y0)
            d.rectangle([x0 + i * bw + 4, top, x0 + (i + 1) * bw - 4, y1 - 1],
                        fill=colours[i % len(colours)])
    else:
        for c in colours[:rng.randint(1, 3)]:
            pts = [(x0 + i * (x1 - x0) / (n - 1), y1 - rng.uniform(0.1, 0.9) * (y1 - y0))
                   for i in range(n)]
            d.line(pts, fill=c, width=3)
    for i in range(5):
        d.text((10, y1 - i * (y1 - y0) / 4 - 6), str(i * 25), fill=(0, 0, 0), font=font(12))
    return im


def plant(kind, im, rng):
    w, h = im.size
    if kind in ("blur", "blur_mild"):
        lo, hi = (0.01, 0.02) if kind == "blur" else (0.004, 0.006)
        return im.filter(ImageFilter.GaussianBlur(rng.uniform(lo, hi) * max(w, h)))
    a = np.asarray(im, dtype=np.float64)
    if kind == "dark":
        return Image.fromarray(np.clip(a * rng.uniform(0.08, 0.25), 0, 255).astype(np.uint8))
    if kind == "light":
        k = rng.uniform(0.1, 0.3)
        return Image.fromarray(np.clip(255 - (255 - a) * k, 0, 255).astype(np.uint8))
    if kind == "grayscale":
        return im.convert("L").convert("RGB")
    if kind == "banner":
        r = rng.uniform(3, 6)
        if w >= h:
            bh = max(1, round(w / r))
            top = rng.randint(0, max(0, h - bh))
            return im.crop((0, top, w, top + min(bh, h)))
        bw = max(1, round(h / r))
        left = rng.randint(0, max(0, w - bw))
        return im.crop((left, 0, left + min(bw, w), h))
    if kind == "tiny":
        s = rng.randint(16, 48) / max(w, h)
        return im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.LANCZOS)
    raise ValueError(kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pool")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-kind", type=int, default=20)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    src = os.path.join(args.pool, "photo")
    cleans = []
    for name in sorted(os.listdir(src)):
        im = load(os.path.join(src, name))
        if im is not None and is_clean_photo(im):
            cleans.append(fit(im, rng))
    if len(cleans) < args.per_kind:
        sys.exit("make-issues: only %d clean photos in %s" % (len(cleans), src))
    out = os.path.join(args.out, "photos")
    os.makedirs(out, exist_ok=True)
    rows = []
    for i, im in enumerate(cleans):
        p = "photos/clean-%04d.jpg" % i
        im.save(os.path.join(args.out, p), quality=rng.randint(85, 95))
        rows.append((p, "clean", "clean"))
    for kind in EXPECT:
        for k in range(args.per_kind):
            if kind == "card":
                im = card(rng)
            elif kind == "flat":
                im = flat(rng)
            elif kind == "document":
                im = document(rng)
            elif kind == "chart":
                im = chart(rng)
            else:
                im = plant(kind, rng.choice(cleans), rng)
            fmt = "png" if kind in ("chart", "card") and k % 2 else "jpg"
            p = "photos/%s-%03d.%s" % (kind, k, fmt)
            im.save(os.path.join(args.out, p), **({"quality": 90} if fmt == "jpg" else {}))
            rows.append((p, kind, EXPECT[kind]))
    with open(os.path.join(args.out, "truth.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["path", "kind", "expect"])
        wr.writerows(rows)
    print("make-issues: %d clean photos, %d planted, in %s" %
          (len(cleans), len(rows) - len(cleans), args.out))


if __name__ == "__main__":
    main()
