"""Decoding images for display, on worker threads (QImage is safe off the GUI thread; QPixmap is not).

Qt's reader decodes JPEG/PNG/WebP/GIF/TIFF/BMP (JPEGs scaled while decoding, which is cheap);
HEIC, AVIF and RAW files go through album's own decoder. Either way the picture is turned by
album's reading of the EXIF orientation (`file_orientation`), the one the thumbnails and the
model use: Qt's own auto-transform ignores it in WebP files, so a photo could stand upright in
the grid and lie on its side in the viewer.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QTransform

# EXIF orientation → the turns that make the stored picture upright (as album.media.pixels does
# with Pillow): (degrees clockwise, then mirror left-right).
_UPRIGHT = {2: (0, True), 3: (180, False), 4: (180, True), 5: (90, True), 6: (90, False), 7: (270, True),
            8: (270, False)}


def read_scaled(path: Path | str, box: QSize, *, orientation: int | None = 1) -> QImage | None:
    """Decode an image file to fit `box`, turned upright by `orientation` (None: read it from the
    file's EXIF as album does). Album's thumbnail files are stored upright: the default, 1."""
    if orientation is None:
        from album.media.decode import file_orientation

        orientation = file_orientation(path)
    reader = QImageReader(str(path))
    reader.setAutoTransform(False)  # album decides (see the module's note)
    swaps = orientation in (5, 6, 7, 8)
    size = reader.size()
    if size.isValid():
        upright = size.transposed() if swaps else size  # fit the upright picture, not the stored one
        if upright.width() > box.width() or upright.height() > box.height():
            fitted = fitted_size(upright, box)
            reader.setScaledSize(fitted.transposed() if swaps else fitted)
    image = reader.read()
    return None if image.isNull() else turned_upright(image, orientation)


def fitted_size(size: QSize, box: QSize) -> QSize:
    """`size` shrunk to fit `box`, its shape kept (never enlarged), and at least 1 x 1: Qt's own
    scaling rounds a 1 x 100000 picture's width to 0, and a 0-wide image is no image at all."""
    if size.width() <= box.width() and size.height() <= box.height():
        return QSize(size)
    return size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio).expandedTo(QSize(1, 1))


def turned_upright(image: QImage, orientation: int) -> QImage:
    degrees, mirror = _UPRIGHT.get(orientation, (0, False))
    if degrees:
        image = image.transformed(QTransform().rotate(degrees))
    if mirror:
        image = image.transformed(QTransform().scale(-1, 1))
    return image


def read_photo(path: str, box: QSize) -> QImage:
    """A photo for the viewer, upright and no bigger than `box`; raises DecodeError/OSError if unreadable."""
    image = read_scaled(path, box, orientation=None)
    if image is not None:
        return image
    from album.media import decode_photo

    photo = decode_photo(Path(path).read_bytes(), Path(path).name, min_side=0)
    picture = photo.image.convert("RGB")
    picture.thumbnail((box.width(), box.height()))
    data = picture.tobytes()
    return QImage(data, picture.width, picture.height, 3 * picture.width, QImage.Format.Format_RGB888).copy()
