#!/usr/bin/env python3
"""png.py — decode a PNG with the standard library only, to check that
`loupe render -o x.png` wrote a picture and not just bytes.

    png.py FILE                     prints "WIDTHxHEIGHT" when FILE decodes
    png.py FILE --crop X Y W H OUT  writes a cropped copy (for looking at parts)

Decoding checks the signature, every chunk's CRC, the zlib stream, the
scanline filters and the data size: 8-bit grey, RGB and RGBA, not interlaced
(what cairo writes).
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG signature")
    at, idat, header = 8, b"", None
    while at < len(data):
        (n,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + n]
        (crc,) = struct.unpack(">I", data[at + 8 + n:at + 12 + n])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError("bad CRC in chunk %r" % kind)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        at += 12 + n
    if header is None:
        raise ValueError("no IHDR")
    width, height, depth, color, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace:
        raise ValueError("unsupported PNG kind (depth %d, color %d)" % (depth, color))
    raw = zlib.decompress(idat)
    stride = width * channels
    if len(raw) != height * (stride + 1):
        raise ValueError("image data has %d bytes, want %d" % (len(raw), height * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            elif kind != 0:
                raise ValueError("bad filter %d on row %d" % (kind, y))
        rows.append(line)
        prev = line
    return width, height, channels, color, rows


def write(path, width, height, color, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0))
    out += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    open(path, "wb").write(out)


if __name__ == "__main__":
    try:
        w, h, ch, color, rows = decode(sys.argv[1])
    except Exception as e:  # one line, for the test log
        print("png.py: %s: %s" % (sys.argv[1], e))
        sys.exit(1)
    if len(sys.argv) > 2 and sys.argv[2] == "--crop":
        x, y, cw, chh = (int(v) for v in sys.argv[3:7])
        cw, chh = min(cw, w - x), min(chh, h - y)
        write(sys.argv[7], cw, chh, color, [r[x * ch:(x + cw) * ch] for r in rows[y:y + chh]])
    print("%dx%d" % (w, h))
