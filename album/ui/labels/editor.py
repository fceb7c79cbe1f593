"""The labels editor: the user's words for things in photos, their prompts and thresholds, with a
live preview of the photos a label would tag. Saving re-tags the library in the background."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QPlainTextEdit, QPushButton,
    QSlider, QSplitter, QVBoxLayout, QWidget,
)

from album.services.tagging import DEFAULT_THRESHOLD
from album.ui.common import formatting
from album.ui.labels.preview import labels_with_counts, score_label, tagged_count
from album.ui.library.photo_list_model import PhotoListModel
from album.ui.common.photo_rows import PhotoRows, load_rows_for
from album.ui.common.tasks import MODEL, SEARCH
from album.ui.library.photo_grid import PhotoGridView
from album.ui.common.confirm import confirm_destructive

PREVIEW_DELAY_MS = 400


class LabelsEditor(QWidget):
    saved = Signal(str, int)  # label name, photos now tagged with it
    photoActivated = Signal(int, list)  # a preview photo double-clicked; the preview's ids, in order

    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self.labels: list = []  # album.services.tagging.Label
        self._scores = None  # LabelScores of the text being edited
        self._pending = 0  # background jobs whose results are not shown yet
        self.list = QListWidget(self)
        self.list.currentRowChanged.connect(self._select)
        new, remove = QPushButton("New", self), QPushButton("Remove", self)
        new.clicked.connect(self.new_label)
        remove.clicked.connect(self.remove_current)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(QLabel("<b>Labels</b>", left))
        left_layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(new)
        row.addWidget(remove)
        left_layout.addLayout(row)

        self.name = QLineEdit(self)
        self.name.setPlaceholderText("a word for something in your photos: beach, my dog, receipts")
        self.prompts = QPlainTextEdit(self)
        self.prompts.setPlaceholderText("Optional: one description per line, e.g. “a dog playing in the snow”.\n"
                                        "Left empty, album describes the label by its name.")
        self.prompts.setMaximumHeight(110)
        self.use_default = QCheckBox(f"Default threshold ({DEFAULT_THRESHOLD:.2f})", self)
        self.use_default.setChecked(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 100)
        self.slider.setValue(round(DEFAULT_THRESHOLD * 100))
        self.threshold_label = QLabel(self)
        self.save_button = QPushButton("Save Label", self)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Label", self.name)
        form.addRow("Prompts", self.prompts)
        threshold = QHBoxLayout()
        threshold.addWidget(self.slider, 1)
        threshold.addWidget(self.threshold_label)
        threshold.addWidget(self.use_default)
        form.addRow("Threshold", threshold)
        self.preview_model = PhotoListModel(context.thumbnails, self)
        self.preview = PhotoGridView(self)
        self.preview.setModel(self.preview_model)
        self.preview.photoActivated.connect(lambda pid: self.photoActivated.emit(pid, list(self.preview_model.rows.ids)))
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        right_layout.addLayout(row)
        right_layout.addWidget(self.preview, 1)
        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([220, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._score)
        self.name.textEdited.connect(lambda _: self._timer.start())
        self.prompts.textChanged.connect(self._timer.start)
        self.slider.valueChanged.connect(self._threshold_moved)
        # The slider always moves; moving it is choosing a threshold of one's own.
        self.slider.actionTriggered.connect(lambda _: self.use_default.setChecked(False))
        self.use_default.toggled.connect(self._default_toggled)
        self._threshold_moved()
        self.refresh()

    @property
    def loading(self) -> bool:
        return self._pending > 0 or self._timer.isActive()

    def activate(self) -> None:
        self.refresh()

    def _run(self, pool, func, done, name: str) -> None:
        self._pending += 1

        def finished(result) -> None:
            self._pending -= 1
            done(result)

        def failed(error) -> None:
            self._pending -= 1
            self.status.setText(f"<b>Failed:</b> {error}")

        self._context.tasks.run_task(pool, func, finished, failed, name=name)

    # --- the list of labels -----------------------------------------------------------------------

    def refresh(self) -> None:
        library = self._context.library
        self._run(SEARCH, lambda: labels_with_counts(library), self._loaded, "labels")

    def _loaded(self, loaded) -> None:
        labels, counts = loaded
        current = self.name.text()
        self.labels = list(labels)
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems([f"{label.name}   ({counts.get(label.name, 0):,})" for label in self.labels])
        names = [label.name for label in self.labels]
        self.list.blockSignals(False)
        if current in names:
            self.list.blockSignals(True)
            self.list.setCurrentRow(names.index(current))
            self.list.blockSignals(False)
        elif not current and self.labels:
            self.list.setCurrentRow(0)  # something to look at the first time

    def _select(self, row: int) -> None:
        if not 0 <= row < len(self.labels):
            return
        label = self.labels[row]
        self.name.setText(label.name)
        self.prompts.setPlainText("\n".join(label.prompts))
        self.use_default.setChecked(label.threshold is None)
        self.slider.setValue(round((label.threshold if label.threshold is not None else DEFAULT_THRESHOLD) * 100))
        self._score()

    def new_label(self) -> None:
        self.list.clearSelection()
        self.name.clear()
        self.prompts.clear()
        self.use_default.setChecked(True)
        self._scores = None
        self.preview_model.set_rows(PhotoRows())
        self.status.clear()
        self.name.setFocus()

    # --- the label being edited -------------------------------------------------------------------

    def threshold(self) -> float | None:
        return None if self.use_default.isChecked() else self.slider.value() / 100

    def _prompts(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.prompts.toPlainText().splitlines() if line.strip())

    def _default_toggled(self, default: bool) -> None:
        if default:
            self.slider.setValue(round(DEFAULT_THRESHOLD * 100))  # shows where the default is
        self._threshold_moved()

    def _threshold_moved(self, *_) -> None:
        value = self.threshold() if self.threshold() is not None else DEFAULT_THRESHOLD
        self.threshold_label.setText(f"{value:.2f}")
        self._show_preview()

    def _score(self) -> None:
        self._timer.stop()
        name, prompts, library = self.name.text().strip(), self._prompts(), self._context.library
        if not name:
            return
        warmup = self._context.warmup

        def score():
            warmup.ensure()
            return score_label(library, name, prompts)

        self._run(MODEL, score, self._scored, "label preview")

    def _scored(self, scores) -> None:
        if scores.name == self.name.text().strip() and scores.prompts == self._prompts():
            self._scores = scores
            self._show_preview()

    def _show_preview(self) -> None:
        if self._scores is None:
            return
        threshold = self.threshold() if self.threshold() is not None else DEFAULT_THRESHOLD
        ids, scores = self._scores.above(threshold)
        self.status.setText(f"Saving will tag {formatting.count(len(ids), 'photo')} “{self._scores.name}” "
                            f"(score above {threshold:.2f}, and among each photo's best few labels)")
        database = self._context.library.database
        top_ids, top_scores = ids.tolist(), scores.tolist()
        self._run(SEARCH, lambda: load_rows_for(database, top_ids, top_scores), self.preview_model.set_rows,
                  "preview rows")

    # --- saving, removing -------------------------------------------------------------------------

    def save(self) -> None:
        name = self.name.text().strip()
        if not name:
            return
        library, prompts, threshold = self._context.library, self._prompts(), self.threshold()

        def save_and_count():
            self._context.warmup.ensure()
            library.add_label(name, prompts, threshold)  # upsert, then re-tags from stored vectors
            return tagged_count(library, name)

        self.status.setText(f"Saving “{name}” and re-tagging…")
        self._run(MODEL, save_and_count, lambda n: self._saved(name, n), "save label")

    def _saved(self, name: str, count: int) -> None:
        self.status.setText(f"Saved. {formatting.count(count, 'photo')} tagged “{name}”.")
        self.saved.emit(name, count)
        self._context.changes.tags()
        self.refresh()

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.labels):
            return
        name = self.labels[row].name
        if confirm_destructive(self, "Remove label", f"Remove the label “{name}” and its automatic tags? "
                               "Tags you set by hand stay."):
            library = self._context.library
            self._run(MODEL, lambda: library.remove_label(name), lambda _: self._context.changes.tags(), "remove label")
