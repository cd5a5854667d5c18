"""Draw the app icons into dashboard/public/ (Python standard library only).

The ReSight mark: a blue square with a white rising line, the same drawing as public/favicon.svg
(a 16-unit grid: the line goes through (4,11), (7,8), (9,10), (12,6)). Anti-aliased with signed
distances, written as RGBA PNG. Run from the repository root:

    python3 dashboard/scripts/make_icons.py
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "public"
BLUE = (15, 94, 247)
WHITE = (255, 255, 255)
LINE = [(4.0, 11.0), (7.0, 8.0), (9.0, 10.0), (12.0, 6.0)]
STROKE = 1.6


def segment_distance(px: float, py: float, a: tuple, b: tuple) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def rounded_box(px: float, py: float, half: float, radius: float) -> float:
    """Signed distance to a square of half-size `half` centred on 0, corners rounded."""
    qx, qy = abs(px) - half + radius, abs(py) - half + radius
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - radius


def draw(size: int, *, radius: float, glyph_scale: float) -> bytes:
    """RGBA rows: radius in grid units (0 = full square), glyph scaled about the centre."""
    unit = size / 16.0
    rows = []
    for y in range(size):
        row = bytearray([0])  # PNG filter: none
        for x in range(size):
            gx, gy = (x + 0.5) / unit, (y + 0.5) / unit  # grid coordinates
            box = rounded_box(gx - 8, gy - 8, 8, radius) * unit
            cover_box = max(0.0, min(1.0, 0.5 - box))
            lx, ly = 8 + (gx - 8) / glyph_scale, 8 + (gy - 8) / glyph_scale
            line = min(segment_distance(lx, ly, LINE[i], LINE[i + 1]) for i in range(len(LINE) - 1))
            cover_line = max(0.0, min(1.0, 0.5 - (line - STROKE / 2) * unit * glyph_scale))
            r, g, b = (round(BLUE[c] + (WHITE[c] - BLUE[c]) * cover_line) for c in range(3))
            row += bytes((r, g, b, round(255 * cover_box)))
        rows.append(bytes(row))
    return b"".join(rows)


def png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icons = {
        "icon-192.png": (192, 3.0, 1.0),
        "icon-512.png": (512, 3.0, 1.0),
        # Maskable: full bleed, the mark inside the safe zone (the middle 80% circle).
        "icon-maskable-512.png": (512, 0.0, 0.7),
        # iOS fills transparency with black, so the touch icon is a full square too.
        "apple-touch-icon.png": (180, 0.0, 0.8),
    }
    for name, (size, radius, scale) in icons.items():
        (OUT / name).write_bytes(png(size, draw(size, radius=radius, glyph_scale=scale)))
        print(name, size)


if __name__ == "__main__":
    main()
