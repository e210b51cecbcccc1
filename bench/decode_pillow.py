#!/usr/bin/python3
"""Times Pillow's JPEG decoding of the files in LIST, read into memory first.
    decode_pillow.py [--scale 8] LIST
--scale 8 uses Image.draft() for libjpeg's 1/8 DCT scaling, as Pillow users
do for thumbnails. Prints "<images/s> <images> <seconds>"."""
import io, sys, time
from PIL import Image

args = sys.argv[1:]
scale8 = args[:2] == ["--scale", "8"]
blobs = [open(p.rstrip("\n"), "rb").read() for p in open(args[-1])]
t0 = time.perf_counter()
for b in blobs:
    im = Image.open(io.BytesIO(b))
    if scale8:
        im.draft("RGB", (max(1, im.size[0] // 8), max(1, im.size[1] // 8)))
    im = im.convert("RGB")  # decodes; a no-op conversion for RGB JPEGs
t1 = time.perf_counter()
print(f"{len(blobs) / (t1 - t0):.1f} {len(blobs)} {t1 - t0:.3f}")
