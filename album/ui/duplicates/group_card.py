"""One duplicate group, its photos side by side: tier, scores, the suggested keeper and why;
choose which to keep, move the others to the trash, or say they are not duplicates."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QRadioButton, QScrollArea, QSizePolicy, QVBoxLayout,
    QWidget,
)

from album.ui.common import formatting

TIER_TITLES = {"exact": "Exact copies", "same": "Same photo, edited", "similar": "Similar shots"}
TILE = 200


def _elided(text: str, font, width: int) -> str:
    """Cut in the middle with '…' (the start and the extension both tell), escaped for rich text."""
    elided = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideMiddle, width)
    return elided.replace("&", "&amp;").replace("<", "&lt;")


class MemberTile(QWidget):
    def __init__(self, member, facts, is_keeper: bool, thumbnails, parent=None):
        super().__init__(parent)
        self.member = member
        self._hash = facts.content_hash if facts else None
        self._thumbnails = thumbnails
        self.picture = QLabel(self)
        self.picture.setFixedSize(TILE, TILE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setFrameShape(QFrame.Shape.StyledPanel)
        self.keep = QRadioButton("Keep this one", self)
        details = [_elided(formatting.file_name(member.path), self.font(), TILE)]
        if facts and facts.width:
            details.append(f"{facts.width} × {facts.height} · {formatting.file_size(facts.size)}")
        if is_keeper:
            details.append("<b>suggested</b>")
        else:
            hamming = "" if member.hamming is None else f" · {member.hamming} bits differ"
            details.append(f"similarity {member.cosine:.2f}{hamming}")
        text = QLabel("<br>".join(details), self)
        text.setToolTip(formatting.path_text(member.path))
        text.setWordWrap(True)
        text.setFixedWidth(TILE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture)
        layout.addWidget(text)
        layout.addWidget(self.keep)
        self.show_thumbnail()

    def show_thumbnail(self, hashes=None) -> None:
        if self._hash and (hashes is None or self._hash in hashes):
            pixmap = self._thumbnails.pixmap(self._hash)
            if pixmap is not None:
                self.picture.setPixmap(pixmap.scaled(self.picture.size() * pixmap.devicePixelRatio(),
                                                     Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation))


class DuplicateGroupCard(QFrame):
    trashOthers = Signal(object, int)  # group, photo id to keep
    notDuplicates = Signal(object)  # group

    def __init__(self, group, facts: dict, thumbnails, parent=None):
        super().__init__(parent)
        self.group = group
        self.setFrameShape(QFrame.Shape.StyledPanel)
        header = QLabel(f"<b>{TIER_TITLES.get(group.tier, group.tier)}</b> · {len(group.members)} photos · "
                        f"suggested: keep {formatting.file_name(group.keep.path)} ({group.reason})", self)
        header.setWordWrap(True)
        # Wrap to the card's width instead of widening it (and the whole view) to fit one line.
        header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.choice = QButtonGroup(self)
        self.tiles = []
        # The photos scroll sideways inside the card, so a group of many never makes the card (and
        # its buttons) wider than the view: the buttons stay at its right edge at any window width.
        strip = QWidget(self)
        row = QHBoxLayout(strip)
        row.setContentsMargins(0, 0, 0, 0)
        for member in group.members:
            tile = MemberTile(member, facts.get(member.photo_id), member.photo_id == group.keep.photo_id, thumbnails, strip)
            self.choice.addButton(tile.keep)
            self.tiles.append(tile)
            row.addWidget(tile)
        row.addStretch(1)
        self.photos = QScrollArea(self)
        self.photos.setWidget(strip)
        self.photos.setWidgetResizable(True)
        self.photos.setFrameShape(QFrame.Shape.NoFrame)
        self.photos.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.photos.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.photos.setFixedHeight(strip.sizeHint().height() + self.photos.horizontalScrollBar().sizeHint().height())
        self.tiles[0].keep.setChecked(True)
        thumbnails.loaded.connect(self._thumbnails_loaded)
        trash = QPushButton("Move Others to Trash", self)
        trash.clicked.connect(lambda: self.trashOthers.emit(self.group, self.kept_id()))
        distinct = QPushButton("Not Duplicates", self)
        distinct.clicked.connect(lambda: self.notDuplicates.emit(self.group))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(distinct)
        buttons.addWidget(trash)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.photos)
        layout.addLayout(buttons)
        self.trash_button, self.distinct_button = trash, distinct

    def kept_id(self) -> int:
        for tile in self.tiles:
            if tile.keep.isChecked():
                return tile.member.photo_id
        return self.group.keep.photo_id

    def _thumbnails_loaded(self, hashes: list) -> None:
        wanted = set(hashes)
        for tile in self.tiles:
            tile.show_thumbnail(wanted)
