#!/usr/bin/python3
"""Reference implementation of hash/dhash.h's definition, with exact
fractions, used to produce the test vectors pinned in tests/unit/hash/test_dhash.c.
It shares no code with the C implementation.

    tests/ref/dhash_ref.py     prints the vectors for the test images
"""
from fractions import Fraction


def luma(r, g, b):
    return (19595 * r + 38470 * g + 7471 * b + 32768) >> 16


def test_image(w, h):
    """The synthetic RGB image the C test builds the same way."""
    return [[((x * x * 3 + y * 11) % 256, (x * 13 + y * y) % 256, (x * y * 7) % 256)
             for x in range(w)] for y in range(h)]


def area_means(grey, gw, gh):
    h, w = len(grey), len(grey[0])
    cells = [[Fraction(0)] * gw for _ in range(gh)]
    for k in range(gh):
        y0, y1 = Fraction(k * h, gh), Fraction((k + 1) * h, gh)
        for i in range(gw):
            x0, x1 = Fraction(i * w, gw), Fraction((i + 1) * w, gw)
            total = Fraction(0)
            for y in range(int(y0), min(h, int(y1) + 1)):
                oy = min(y1, y + 1) - max(y0, y)
                if oy <= 0:
                    continue
                for x in range(int(x0), min(w, int(x1) + 1)):
                    ox = min(x1, x + 1) - max(x0, x)
                    if ox > 0:
                        total += grey[y][x] * ox * oy
            cells[k][i] = total / ((x1 - x0) * (y1 - y0))
    return cells


def dhash(grey):
    c = area_means(grey, 9, 8)
    bits = 0
    for r in range(8):
        for col in range(8):
            bits = bits << 1 | (1 if c[r][col] < c[r][col + 1] else 0)
    return bits


def thumb(grey):
    c = area_means(grey, 16, 16)
    # nearest integer, halves up
    return [int(v + Fraction(1, 2)) for row in c for v in row]


if __name__ == "__main__":
    for w, h in [(37, 23), (9, 8), (200, 120), (5, 3)]:
        grey = [[luma(*p) for p in row] for row in test_image(w, h)]
        t = thumb(grey)
        print(f"{w}x{h} dhash 0x{dhash(grey):016x} thumb[0..7] {t[:8]} sum {sum(t)}")
