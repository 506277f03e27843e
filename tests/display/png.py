#!/usr/bin/python3
"""Read the wall display's screenshots without any module beyond Python's own (zlib):
enough PNG (8-bit RGB or RGBA, not interlaced) to look at regions of a frame.

  png.py size FILE                      -> "W H"
  png.py stats FILE X Y W H             -> "distinct=N top=RRGGBB"
  png.py share FILE X Y W H RRGGBB...   -> per mille of the region's pixels in those colours
  png.py diff A B X Y W H               -> per mille of the region's pixels that differ

Rows are decoded only down to the region's last row: a check near the top of a 4K frame
stays quick in pure Python.
"""
import struct
import sys
import zlib


def read(path, rows=None):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("%s: not a PNG" % path)
    pos, idat = 8, []
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                sys.exit("%s: only 8-bit RGB/RGBA, not interlaced" % path)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    want = h if rows is None else min(h, rows)
    prev = bytearray(stride)
    out = []
    for y in range(want):
        f = raw[y * (stride + 1)]
        cur = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                cur[i] = (cur[i] + cur[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                cur[i] = (cur[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = cur[i - bpp] if i >= bpp else 0
                cur[i] = (cur[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                if i >= bpp:
                    a, c = cur[i - bpp], prev[i - bpp]
                else:
                    a = c = 0
                b = prev[i]
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(cur)
        prev = cur
    return w, h, bpp, out


def pixels(path, x, y, w, h):
    iw, ih, bpp, rows = read(path, y + h)
    x, y = max(0, x), max(0, y)
    w, h = min(w, iw - x), min(h, ih - y)
    for row in rows[y:y + h]:
        for i in range(x * bpp, (x + w) * bpp, bpp):
            yield (row[i] << 16) | (row[i + 1] << 8) | row[i + 2]


def main(argv):
    cmd = argv[1]
    if cmd == "size":
        w, h, _, _ = read(argv[2], 0)
        print(w, h)
    elif cmd == "stats":
        counts = {}
        for p in pixels(argv[2], *map(int, argv[3:7])):
            counts[p] = counts.get(p, 0) + 1
        top = max(counts, key=counts.get) if counts else 0
        print("distinct=%d top=%06X" % (len(counts), top))
    elif cmd == "share":
        want = {int(c, 16) for c in argv[7:]}
        n = hit = 0
        for p in pixels(argv[2], *map(int, argv[3:7])):
            n += 1
            hit += p in want
        print(hit * 1000 // max(n, 1))
    elif cmd == "diff":
        box = list(map(int, argv[4:8]))
        a = list(pixels(argv[2], *box))
        b = list(pixels(argv[3], *box))
        if len(a) != len(b):
            print(1000)
        else:
            print(sum(p != q for p, q in zip(a, b)) * 1000 // max(len(a), 1))
    else:
        sys.exit("png.py: unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
