#!/usr/bin/python3
"""A set with planted issues over clean photos, with its truth, for bench/issues.sh.

    bench/make-issues.py POOL OUT [--seed S] [--per-kind N] [--outliers N]
                         [--drawings N]

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

The outliers need a class that is of one kind, which the pool's photos are
not (many are OpenCV documentation figures: screenshots, charts, test
patterns), so they go to a second class, OUT/drawings: DRAWINGS (default
100) sprites of POOL/drawing on a plain mid-tone ground, and among them

  outlier     OUTLIERS images (default 10) of another kind, in turn: a
              document scan (a rendered page, turned a little, on grey
              paper with noise), a bar or line chart, a diagram (boxes
              and arrows), one of the clean photos            -> outlier

OUT/truth.csv: path,kind,expect (expect is the issue that should be found,
"outlier" for the out-of-place images, which need 'label predict''s
embeddings, and "clean" for the clean photos and drawings).
Needs python3-pil and python3-numpy; runs with the system /usr/bin/python3.
"""
import argparse, csv, os, random, sys
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

EXPECT = {"blur": "blurry", "blur_mild": "blurry", "dark": "dark", "light": "light",
          "flat": "low_information", "card": "low_information", "grayscale": "grayscale",
          "banner": "odd_aspect_ratio", "tiny": "odd_size", "outlier": "outlier"}
WORDS = ("image removed", "no preview", "content unavailable", "404 not found",
         "this photo is no longer available", "placeholder")


def load(path, bg=(255, 255, 255)):
    try:
        im = ImageOps.exif_transpose(Image.open(path))
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, bg + (255,))
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


def scan(rng):
    """A document as a scanner gives it: grey paper, turned, noisy."""
    im = document(rng).convert("L")
    im = im.rotate(rng.uniform(-3, 3), resample=Image.BICUBIC, expand=True, fillcolor=235)
    a = np.asarray(im, dtype=np.float64) * rng.uniform(0.85, 0.95)
    a += np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 6, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).convert("RGB")


def diagram(rng):
    """Boxes joined by arrows, labelled: a flow chart."""
    w, h = rng.choice([(800, 600), (700, 500)])
    im = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(im)
    n = rng.randint(3, 5)
    boxes = []
    for i in range(n):
        x = 40 + i * (w - 80) // n
        y = rng.randint(60, h - 160)
        boxes.append((x, y, x + (w - 80) // n - 40, y + 70))
    for (a, b) in zip(boxes, boxes[1:]):
        y0, y1 = (a[1] + a[3]) // 2, (b[1] + b[3]) // 2
        d.line([(a[2], y0), (b[0], y1)], fill=(0, 0, 0), width=2)
        d.polygon([(b[0], y1), (b[0] - 10, y1 - 6), (b[0] - 10, y1 + 6)], fill=(0, 0, 0))
    for i, bx in enumerate(boxes):
        d.rectangle(bx, outline=(0, 0, 0), width=2,
                    fill=rng.choice([(255, 255, 255), (220, 235, 250), (250, 240, 210)]))
        d.text((bx[0] + 8, bx[1] + 25), rng.choice(("input", "decode", "hash", "store",
                                                    "filter", "output")), fill=(0, 0, 0),
               font=font(16))
    return im


def drawings(pool, n, rng):
    """Up to n sprites of POOL/drawing on white, scaled up to 300..500 px."""
    d = os.path.join(pool, "drawing")
    out = []
    for name in sorted(os.listdir(d)):
        im = load(os.path.join(d, name), tuple(rng.randint(70, 190) for _ in range(3)))
        if im is None:
            continue
        s = rng.randint(300, 500) / max(im.size)
        out.append(im.resize((round(im.width * s), round(im.height * s)), Image.NEAREST))
    rng.shuffle(out)
    return out[:n]


def outlier(k, rng, cleans):
    return (scan, chart, diagram, lambda r: r.choice(cleans))[k % 4](rng)


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


def save(im, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im.save(path, **({"quality": 90} if path.endswith(".jpg") else {}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pool")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-kind", type=int, default=20)
    ap.add_argument("--outliers", type=int, default=10)
    ap.add_argument("--drawings", type=int, default=100)
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
    for i, im in enumerate(drawings(args.pool, args.drawings, rng)):
        p = "drawings/drawing-%04d.png" % i
        save(im, os.path.join(args.out, p))
        rows.append((p, "drawing", "clean"))
    for k in range(args.outliers):
        p = "drawings/outlier-%03d.%s" % (k, "png" if k % 2 else "jpg")
        save(outlier(k, rng, cleans), os.path.join(args.out, p))
        rows.append((p, "outlier", "outlier"))
    for kind in EXPECT:
        for k in range(args.per_kind if kind != "outlier" else 0):
            if kind == "card":
                im = card(rng)
            elif kind == "flat":
                im = flat(rng)
            else:
                im = plant(kind, rng.choice(cleans), rng)
            fmt = "png" if kind in ("outlier", "card") and k % 2 else "jpg"
            p = "photos/%s-%03d.%s" % (kind, k, fmt)
            save(im, os.path.join(args.out, p))
            rows.append((p, kind, EXPECT[kind]))
    with open(os.path.join(args.out, "truth.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["path", "kind", "expect"])
        wr.writerows(rows)
    print("make-issues: %d clean photos, %d drawings, %d planted, in %s" %
          (len(cleans), sum(r[1] == "drawing" for r in rows),
           sum(r[2] != "clean" for r in rows), args.out))


if __name__ == "__main__":
    main()
