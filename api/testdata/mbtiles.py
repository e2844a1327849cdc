#!/usr/bin/env python3
# Writes basemap.mbtiles and dedup.mbtiles, the MBTiles files the tests read,
# with Python's own sqlite3 module (the tests must not depend on the reader
# they check). Run from api/: python3 testdata/mbtiles.py
import os
import sqlite3

SIG = b"\x89PNG\r\n\x1a\n"


def tile(z, x, y):
    return SIG + (f"tile {z}/{x}/{y} ".encode()) * ((z * 7 + x * 3 + y) % 150 + 1)


for f in ("testdata/basemap.mbtiles", "testdata/dedup.mbtiles"):
    if os.path.exists(f):
        os.remove(f)

db = sqlite3.connect("testdata/basemap.mbtiles")
db.execute("PRAGMA page_size=1024")
db.execute("CREATE TABLE metadata (name text, value text)")
db.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)")
db.execute("CREATE UNIQUE INDEX tile_index on tiles (zoom_level, tile_column, tile_row)")
db.executemany("INSERT INTO metadata VALUES (?,?)", [("name", "test"), ("format", "png")])
for z in range(4):
    n = 1 << z
    for x in range(n):
        for y in range(n):
            if (z, x, y) == (3, 7, 7):
                continue  # one missing tile
            db.execute("INSERT INTO tiles VALUES (?,?,?,?)", (z, x, n - 1 - y, tile(z, x, y)))
db.commit()
db.close()

db = sqlite3.connect("testdata/dedup.mbtiles")
db.execute("PRAGMA page_size=512")
db.execute("CREATE TABLE metadata (name text, value text)")
db.execute("CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT, grid_id TEXT)")
db.execute("CREATE TABLE images (tile_data blob, tile_id text)")
db.execute("CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column, "
           "map.tile_row AS tile_row, images.tile_data AS tile_data FROM map JOIN images ON images.tile_id = map.tile_id")
imgs = {"sea": SIG + b"sea" * 300, "land": SIG + b"land" * 10, "pbf": b"\x1f\x8b\x08\x00vector"}
for k, v in imgs.items():
    db.execute("INSERT INTO images VALUES (?,?)", (v, k))
for z in range(3):
    n = 1 << z
    for x in range(n):
        for y in range(n):
            k = "pbf" if (z, x, y) == (2, 0, 0) else ("sea" if (x + y) % 2 == 0 else "land")
            db.execute("INSERT INTO map VALUES (?,?,?,?,NULL)", (z, x, n - 1 - y, k))
db.commit()
db.close()
