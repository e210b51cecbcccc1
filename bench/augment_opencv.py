#!/usr/bin/python3
"""The two seed pipelines written with OpenCV, as a user would write them
without winnow: cv2.imread, each operation with warpAffine /
warpPerspective / remap / LUTs, cv2.imwrite at JPEG quality 90. One
thread (cv2.setNumThreads(1)).

    augment_opencv.py augmentor|keras|rotate|copy LIST OUT
    augment_opencv.py --memory augmentor|keras|rotate LIST ROUNDS

LIST holds one image path a line. Prints "<seconds> <images>" on stdout.
--memory decodes every image first and times only the operation
(the single-operation throughput albumentations publishes). "copy" does
no operation: imread and imwrite alone, the floor under every pipeline.
"""
import os
import random
import sys
import time

import cv2
import numpy as np

cv2.setNumThreads(1)
rng = random.Random(0)


def lut_apply(img, lut):
    return cv2.LUT(img, lut)


def brightness(img, f):  # PIL ImageEnhance.Brightness
    return lut_apply(img, np.clip(np.arange(256) * f + 0.5, 0, 255).astype(np.uint8))


def contrast(img, f):  # PIL ImageEnhance.Contrast: around the mean grey
    mean = int(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).mean() + 0.5)
    return lut_apply(img, np.clip(mean + f * (np.arange(256) - mean) + 0.5, 0, 255).astype(np.uint8))


def color(img, f):  # PIL ImageEnhance.Color: blend with the greyscale image
    grey = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return cv2.addWeighted(img, f, grey, 1 - f, 0)


def rotate_cover(img, deg):  # Augmentor rotate: turn, zoom to hide the corners
    h, w = img.shape[:2]
    r = np.deg2rad(abs(deg))
    k = max(np.cos(r) + h / w * np.sin(r), np.cos(r) + w / h * np.sin(r))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, k)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def zoom(img, f):  # Augmentor zoom: scale up, crop the centre
    h, w = img.shape[:2]
    big = cv2.resize(img, (int(round(w * f)), int(round(h * f))), interpolation=cv2.INTER_LINEAR)
    y0 = (big.shape[0] - h) // 2
    x0 = (big.shape[1] - w) // 2
    return big[y0:y0 + h, x0:x0 + w]


def distort(img, gw, gh, mag):  # Augmentor random_distortion as one remap
    h, w = img.shape[:2]
    d = np.zeros((gh + 1, gw + 1, 2), np.float32)
    for j in range(1, gh):
        for i in range(1, gw):
            d[j, i] = (rng.randint(-mag, mag), rng.randint(-mag, mag))
    field = cv2.resize(d, (w, h), interpolation=cv2.INTER_LINEAR)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, xs + field[..., 0], ys + field[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def skew(img, magnitude):  # Augmentor skew: one corner moved, perspective
    h, w = img.shape[:2]
    d = rng.uniform(1, max(w, h) * magnitude)
    d = min(d, 0.45 * min(w, h))
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src.copy()
    c = rng.randint(0, 3)
    dst[c] += np.float32([d if dst[c][0] == 0 else -d, d if dst[c][1] == 0 else -d])
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def augmentor(img):  # seed 003
    if rng.random() < 0.2:
        img = rotate_cover(img, rng.randint(-20, 20))
    if rng.random() < 0.4:
        img = cv2.flip(img, 1)
    if rng.random() < 0.8:
        img = cv2.flip(img, 0)
    if rng.random() < 0.2:
        img = zoom(img, rng.uniform(1.1, 1.5))
    if rng.random() < 0.2:
        img = distort(img, 4, 4, 8)
    if rng.random() < 0.2:
        img = brightness(img, rng.uniform(0.5, 3))
    if rng.random() < 0.2:
        img = color(img, rng.uniform(0.5, 3))
    if rng.random() < 0.2:
        img = contrast(img, rng.uniform(0.5, 3))
    if rng.random() < 0.2:
        img = skew(img, 0.4)
    return img


def keras(img):  # seed 002: one composed affine matrix, as Keras does
    h, w = img.shape[:2]
    theta = np.deg2rad(rng.uniform(-30, 30))
    tx = rng.uniform(-0.2, 0.2) * w
    ty = rng.uniform(-0.2, 0.2) * h
    shear = np.deg2rad(rng.uniform(-0.2, 0.2))
    zx, zy = rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2)
    c, s = np.cos(theta), np.sin(theta)
    to_c = np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]])
    back = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1]])
    m = back @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) \
        @ np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]]) \
        @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]) @ to_c
    m[:2, 2] += (tx, ty)
    img = cv2.warpAffine(img, m[:2], (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REPLICATE)
    shift = rng.uniform(-20, 20)
    lo, hi = int(img.min()), int(img.max())
    img = cv2.LUT(img, np.clip(np.arange(256) + shift, lo, hi).astype(np.uint8))
    if rng.random() < 0.5:
        img = cv2.flip(img, 1)
    return img


def rotate(img):
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-30, 30), 1)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def copy(img):
    return img


def main():
    ops = {"augmentor": augmentor, "keras": keras, "rotate": rotate, "copy": copy}
    if sys.argv[1] == "--memory":
        op, paths, rounds = ops[sys.argv[2]], open(sys.argv[3]).read().split(), int(sys.argv[4])
        imgs = [cv2.imread(p, cv2.IMREAD_COLOR) for p in paths]
        t0 = time.perf_counter()
        for _ in range(rounds):
            for img in imgs:
                op(img)
        print(time.perf_counter() - t0, len(imgs) * rounds)
        return
    op, paths, out = ops[sys.argv[1]], open(sys.argv[2]).read().split(), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    t0 = time.perf_counter()
    for i, p in enumerate(paths):
        img = cv2.imread(p, cv2.IMREAD_COLOR)
        if img is None:
            continue
        cv2.imwrite(os.path.join(out, "%06d.jpg" % i), op(img), [cv2.IMWRITE_JPEG_QUALITY, 90])
    print(time.perf_counter() - t0, len(paths))


if __name__ == "__main__":
    main()
