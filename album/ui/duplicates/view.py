"""The duplicates view: groups of duplicate photos, one card each, with bulk "apply suggestions"
behind a dry-run summary. Trashing is undone with Ctrl+Z (the main window's Undo)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout,
    QWidget,
)

from album.ui.common import formatting, settings_keys
from album.ui.duplicates.listing import load_duplicates
from album.ui.common.tasks import FILES, SEARCH
from album.ui.common.confirm import confirm_destructive
from album.ui.duplicates.group_card import DuplicateGroupCard

PAGE = 40  # cards built at once: each holds a few thumbnails and widgets
TIERS = (("All", None), ("Exact copies", "exact"), ("Same photo, edited", "same"), ("Similar shots", "similar"))


class DuplicatesView(QWidget):
    trashed = Signal(list)  # photo ids moved to the trash
    listed = Signal()  # groups are on screen (tests and screenshots wait for it)

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.groups: list = []
        self.cards: list[DuplicateGroupCard] = []
        self._facts: dict = {}
        self._shown = 0
        self.loading = False
        self.tier = QComboBox(self)
        for title, _ in TIERS:
            self.tier.addItem(title)
        self.tier.currentIndexChanged.connect(lambda _: self.refresh())
        refresh = QPushButton("Look Again", self)
        refresh.clicked.connect(self.refresh)
        self.apply_all = QPushButton("Apply Suggestions to All…", self)
        self.apply_all.setToolTip("Exact and edited copies; similar shots only when ticked")
        self.apply_all.clicked.connect(self.apply_suggestions)
        self.include_similar = QCheckBox("Include similar shots", self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        # The summary takes the room that is left (wrapping in a narrow window), so it never
        # makes the view, and the window, wider than the screen allows (800 px is enough).
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar = QHBoxLayout()
        for widget in (self.tier, refresh):
            bar.addWidget(widget)
        bar.addWidget(self.summary, 1)
        # The bulk action on a row of its own, right-aligned: together with the tier controls
        # it would not fit an 800 px window beside the folders panel.
        bulk = QHBoxLayout()
        bulk.addStretch(1)
        bulk.addWidget(self.include_similar)
        bulk.addWidget(self.apply_all)
        self.body = QWidget(self)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.addStretch(1)
        self.more = QPushButton("Show More Groups", self.body)
        self.more.clicked.connect(self._show_more)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.body)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(bulk)
        layout.addWidget(self.scroll, 1)
        self._started = False

    def activate(self) -> None:
        if not self._started:
            self._started = True
            self.refresh()

    def refresh(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.summary.setText("Looking for duplicates…")
        context, tier = self._context, TIERS[self.tier.currentIndex()][1]
        # Read here, on the GUI thread: QSettings is not shared with workers.
        similar = float(context.settings.value(settings_keys.SIMILAR_MIN_COSINE, 0.90))
        context.tasks.run_task(SEARCH, lambda: load_duplicates(context, tier, similar), self._loaded, self._failed,
                               name="duplicates")

    def _failed(self, error) -> None:
        self.loading = False
        self.summary.setText(f"Could not look for duplicates: {error}")

    def _loaded(self, listing) -> None:
        self.loading = False
        self.groups, self._facts = listing.groups, listing.facts
        for card in self.cards:
            card.deleteLater()
        self.cards, self._shown = [], 0
        self._show_more()
        self._update_summary()
        self.listed.emit()

    def _show_more(self) -> None:
        self.body_layout.removeWidget(self.more)
        for group in self.groups[self._shown : self._shown + PAGE]:
            card = DuplicateGroupCard(group, self._facts, self._context.thumbnails, self.body)
            card.trashOthers.connect(self.trash_others)
            card.notDuplicates.connect(self.not_duplicates)
            self.body_layout.insertWidget(self.body_layout.count() - 1, card)
            self.cards.append(card)
        self._shown = len(self.cards)
        if self._shown < len(self.groups):
            self.body_layout.insertWidget(self.body_layout.count() - 1, self.more)
        self.more.setVisible(self._shown < len(self.groups))

    def _update_summary(self) -> None:
        copies = sum(len(g.members) - 1 for g in self.groups)
        self.summary.setText(f"{formatting.count(len(self.groups), 'group')}, "
                             f"{formatting.count(copies, 'photo')} that could go" if self.groups else
                             "No duplicates found.")
        self.apply_all.setEnabled(bool(self.groups))

    def _remove_cards(self, groups) -> None:
        gone = {id(g) for g in groups}
        for card in [c for c in self.cards if id(c.group) in gone]:
            self.cards.remove(card)
            card.deleteLater()
        self.groups = [g for g in self.groups if id(g) not in gone]
        self._shown = len(self.cards)
        self._update_summary()

    # --- actions ----------------------------------------------------------------------------------

    def trash_others(self, group, keep_id: int) -> None:
        self._trash([(group, keep_id)], confirm=False)

    def apply_suggestions(self) -> None:
        """Exact copies and edited copies only, unless the user ticked "Include similar shots":
        similar shots are different pictures, and which of them to keep is the user's call."""
        include_similar = self.include_similar.isChecked()
        chosen = {id(card.group): card.kept_id() for card in self.cards}
        choices = [(g, chosen.get(id(g), g.keep.photo_id)) for g in self.groups
                   if include_similar or g.tier != "similar"]
        if not choices:
            QMessageBox.information(self, "Apply suggestions",
                                    "Only similar shots are listed; choose what to keep in each group yourself, "
                                    "or tick \"Include similar shots\".")
            return
        self._trash(choices, confirm=True)

    def _trash(self, choices, *, confirm: bool) -> None:
        duplicates = self._context.duplicates
        plan = duplicates.plan(choices)  # a dry run: nothing moves yet
        if confirm:
            text = (f"Move {formatting.count(len(plan.paths), 'photo')} ({formatting.file_size(plan.bytes)}) from "
                    f"{formatting.count(plan.groups, 'group')} to the trash, keeping the chosen photo of each?\n\n"
                    "They go to the system trash, and Edit ▸ Undo (Ctrl+Z) puts them back.")
            if plan.missing_keepers:
                text += f"\n\n{len(plan.missing_keepers)} groups are skipped: the photo to keep is missing."
            if not confirm_destructive(self, "Apply suggestions", text):
                return
        if not plan.paths:
            return
        self._context.tasks.run_task(
            FILES, lambda: duplicates.apply(plan), lambda result: self._applied(choices, result),
            lambda error: QMessageBox.warning(self, "Move to trash", str(error)), name="trash")

    def _applied(self, choices, resolution) -> None:
        moved = set(resolution.moved)
        trashed_ids = [m.photo_id for g, keep in choices for m in g.members if m.photo_id != keep and m.path in moved]
        self._trashed([g for g, _ in choices], trashed_ids)
        if resolution.skipped:
            reasons = "\n".join(f"{path}: {why}" for path, why in list(resolution.skipped.items())[:10])
            QMessageBox.warning(self, "Move to trash",
                                f"{formatting.count(len(resolution.skipped), 'photo')} stayed where they are:\n\n{reasons}")

    def _trashed(self, groups, photo_ids) -> None:
        self._remove_cards(groups)
        self.trashed.emit(photo_ids)

    def not_duplicates(self, group) -> None:
        duplicates = self._context.duplicates
        self._context.tasks.run_task(FILES, lambda: duplicates.mark_not_duplicates(group),
                                     lambda _: self._remove_cards([group]), name="not duplicates")

    def restored(self, paths) -> None:
        """Undo put files back: once they are indexed again, look again."""
        self._context.indexing.runFinished.connect(self._after_restore_indexed)

    def _after_restore_indexed(self, _summary) -> None:
        self._context.indexing.runFinished.disconnect(self._after_restore_indexed)
        self.refresh()
