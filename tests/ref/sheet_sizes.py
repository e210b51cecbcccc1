#!/usr/bin/env python3
"""Prints, for each image of a winnow HTML page (dedup --html, db report),
"WxH PATH": the size of the inlined JPEG and the image file it shows,
read from the <figure>'s caption. Needs no imaging library: the sizes come
from the JPEG SOF segment.

    sheet_sizes.py SHEET.html
"""
import base64
import re
import struct
import sys


def jpeg_size(data):
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            raise ValueError('not a JPEG marker at %d' % i)
        marker = data[i + 1]
        seglen = struct.unpack('>H', data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack('>HH', data[i + 5:i + 9])
            return w, h
        i += 2 + seglen
    raise ValueError('no SOF segment')


page = open(sys.argv[1], encoding='utf-8').read()
for b64, caption in re.findall(
        r'src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"><figcaption>(.*?)</figcaption>', page):
    w, h = jpeg_size(base64.b64decode(b64))
    path = re.sub(r'<b>.*?</b> (distance \d+ )?', '', caption)
    print('%dx%d %s' % (w, h, path))
