#!/usr/bin/python3
"""The same rows as catalog_bench, written with Python's sqlite3 and
executemany in transactions of 50,000 into a catalog `db init` made.
    catalog_python.py ROWS DB        prints "<rows/s> <rows> <seconds>" """
import os, sqlite3, sys, time

rows, db = int(sys.argv[1]), sys.argv[2]
classes = ["drawings", "hentai", "neutral", "porn", "sexy"]
con = sqlite3.connect(db, isolation_level=None)
con.execute("PRAGMA synchronous=NORMAL")
sql = ("INSERT INTO images (path, class, size, mtime_ns, xxh3, head_xxh3, dhash, thumb, width,"
       " height, format, status, added_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
       " ON CONFLICT(path) DO UPDATE SET size = excluded.size")
s, M = 1, (1 << 64) - 1
t0 = time.perf_counter()
batch = []
for i in range(rows):
    s = (s * 6364136223846793005 + 1442695040888963407) & M
    h = s.to_bytes(8, "little") + bytes(8)
    now = int(time.time() * 1000)
    batch.append((f"train/{classes[i % 5]}/{s:016x}.jpg", classes[i % 5], s >> 44, s >> 2,
                  h, h, s - (1 << 64) if s >= 1 << 63 else s, bytes([s & 0xff]) * 256,
                  320, 240, "jpeg", "ok", now, now))
    if len(batch) == 50000 or i == rows - 1:
        con.execute("BEGIN")
        con.executemany(sql, batch)
        con.execute("COMMIT")
        batch = []
t1 = time.perf_counter()
print(f"{rows / (t1 - t0):.0f} {rows} {t1 - t0:.3f}")
