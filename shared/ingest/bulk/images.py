"""Product images from a workbook: embedded pictures go to Blob ``images/<key>.<ext>``.

openpyxl is the one reader that sees embedded images (and only outside read-only mode, which
loads the whole workbook), so it runs only when the file has pictures (``xl/media/`` in the
zip). A picture anchored on a row belongs to that row's style code (or barcode). A row with a
blank ``image`` is matched by style code or barcode against the images already stored.
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from shared.adapters.blob import BlobStore

PREFIX = "images/"


def has_pictures(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.startswith("xl/media/") for n in archive.namelist())
    except zipfile.BadZipFile:
        return False


def extract(path: Path, sheet: str, keys: list[str | None], blobs: BlobStore) -> dict[int, str]:
    """Pictures anchored on data rows of ``sheet`` -> ``{row index: blob name}``; ``keys[i]`` is
    the style code or barcode of data row i (header excluded)."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    found: dict[int, str] = {}
    try:
        names = {n.strip().lower().replace(" ", "_"): n for n in book.sheetnames}
        if sheet not in names:
            return found
        for image in getattr(book[names[sheet]], "_images", []):
            row = image.anchor._from.row - 1  # 0-based sheet row; row 0 is the header
            if not 0 <= row < len(keys) or not keys[row]:
                continue
            ext = (image.format or "png").lower()
            name = f"{PREFIX}{keys[row]}.{ext}"
            blobs.put(name, image._data())
            found[row] = name
    finally:
        book.close()
    return found


def stored(blobs: BlobStore) -> dict[str, str]:
    """Images already in Blob by key (file stem): what a blank ``image`` cell matches."""
    return {PurePosixPath(n).stem: n for n in blobs.list_names(PREFIX)}
