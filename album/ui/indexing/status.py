"""The status bar's indexing area: progress with counts, rate and ETA; pause/resume, cancel;
and a button listing the files that could not be read."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from album.ui.common import formatting
from album.ui.indexing.controller import CANCELLING, IDLE, PAUSED, RUNNING


class IndexingStatus(QWidget):
    failuresWanted = Signal()

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self._controller = controller
        self.label = QLabel("Ready", self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(False)
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(controller.cancel)
        self.failed_button = QPushButton(self)
        self.failed_button.setFlat(True)
        self.failed_button.clicked.connect(self.failuresWanted)
        self.failed_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.bar, self.pause_button, self.cancel_button, self.failed_button):
            layout.addWidget(widget)
        layout.addStretch(1)  # the space the status bar gives is left empty, not spread over the buttons
        controller.progressed.connect(self.show_progress)
        controller.stateChanged.connect(self.show_state)
        controller.runFinished.connect(self.show_summary)
        controller.runFailed.connect(lambda error: self.label.setText(f"Indexing stopped: {error}"))
        self.show_state(controller.state)

    def show_state(self, state: str) -> None:
        busy = state != IDLE
        self.bar.setVisible(busy)
        self.pause_button.setVisible(state in (RUNNING, PAUSED))
        self.cancel_button.setVisible(state in (RUNNING, PAUSED))
        self.pause_button.setText("Resume" if state == PAUSED else "Pause")
        if state == PAUSED:
            self.label.setText(self.label.text().split(" · ")[0] + " · paused")
        elif state == CANCELLING:
            self.label.setText("Stopping after the current batch…")
        elif state == RUNNING and self.bar.maximum() == 0:
            self.label.setText("Looking for photos…")

    def show_progress(self, progress) -> None:
        if progress.phase == "scanning" or progress.total == 0:
            self.bar.setRange(0, 0)  # busy: the total is not known yet
            self.label.setText("Looking for photos…")
            return
        self.bar.setRange(0, progress.total)
        self.bar.setValue(progress.done)
        verb = "Finding faces in" if progress.phase == "faces" else "Indexing"
        parts = [f"{verb} {progress.done:,} of {progress.total:,}"]
        if progress.rate:
            parts.append(f"{progress.rate:.1f} photos/s")
        if progress.eta_seconds is not None:
            parts.append(f"{formatting.duration(progress.eta_seconds)} left")
        if self._controller.state == PAUSED:
            parts.append("paused")
        self.label.setText(" · ".join(parts))
        self._show_failures(progress.failed)

    def show_summary(self, summary) -> None:
        self.bar.setRange(0, 1)
        if summary.cancelled:
            text = f"Stopped: {summary.indexed:,} indexed; the rest will be picked up next time"
        else:
            text = f"Up to date: {summary.indexed:,} new, {summary.unchanged:,} unchanged"
            if summary.removed:
                text += f", {summary.removed:,} removed"
        self.label.setText(text)
        self._show_failures(len(summary.failed))

    def _show_failures(self, failed: int) -> None:
        self.failed_button.setVisible(failed > 0)
        self.failed_button.setText(f"{formatting.count(failed, 'file')} could not be read…")

    def _pause_or_resume(self) -> None:
        if self._controller.state == PAUSED:
            self._controller.resume()
        else:
            self._controller.pause()
