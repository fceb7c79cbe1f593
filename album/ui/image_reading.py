"""Decoding images for display, on worker threads (QImage is safe off the GUI thread; QPixmap is not).

Qt's reader handles JPEG/PNG/WebP/GIF/TIFF/BMP and applies the EXIF orientation itself; HEIC,
AVIF and RAW files go through album's own decoder (which also applies the orientation).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader


def read_scaled(path: Path | str, box: QSize) -> QImage | None:
    """Decode an image file to fit `box`; JPEG decoders scale while decoding, which is cheap."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        # Orientations 5-8 swap the sides: fit the upright picture, not the stored one.
        if reader.transformation().value & 0x4:  # QImageIOHandler.TransformationRotate90
            size = size.transposed()
        if size.width() > box.width() or size.height() > box.height():
            fitted = size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio)
            reader.setScaledSize(fitted.transposed() if reader.transformation().value & 0x4 else fitted)
    image = reader.read()
    return None if image.isNull() else image


def read_photo(path: str, box: QSize) -> QImage:
    """A photo for the viewer, upright and no bigger than `box`; raises DecodeError/OSError if unreadable."""
    image = read_scaled(path, box)
    if image is not None:
        return image
    from album.media import decode_photo

    photo = decode_photo(Path(path).read_bytes(), Path(path).name, min_side=0)
    picture = photo.image.convert("RGB")
    picture.thumbnail((box.width(), box.height()))
    data = picture.tobytes()
    return QImage(data, picture.width, picture.height, 3 * picture.width, QImage.Format.Format_RGB888).copy()
