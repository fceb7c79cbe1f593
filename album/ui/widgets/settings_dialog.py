"""Settings: the model (the embedded default or a better hub model, downloaded and switched to in
the background), the device, thresholds, and folders to leave out."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QListWidget,
    QProgressBar, QPushButton, QTabWidget, QVBoxLayout, QWidget,
)

from album.ui import formatting
from album.ui.settings_keys import MODEL_DEVICE as DEVICE_KEY
from album.ui.settings_keys import SIMILAR_MIN_COSINE as SIMILAR_KEY
from album.ui.tasks import MODEL, PausableToken

DEVICES = ("auto", "cpu", "cuda", "mps")


class SettingsDialog(QDialog):
    def __init__(self, context, parent=None):
        super().__init__(parent)
        self._context = context
        self._token: PausableToken | None = None
        self.setWindowTitle("Settings")
        self.resize(620, 420)
        tabs = self.tabs = QTabWidget(self)
        tabs.addTab(self._model_tab(), "Model")
        tabs.addTab(self._thresholds_tab(), "Thresholds")
        tabs.addTab(self._excluded_tab(), "Excluded Folders")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)

    # --- model ------------------------------------------------------------------------------------

    def _model_tab(self) -> QWidget:
        from album.models.registry import available_models

        page = QWidget(self)
        library = self._context.library
        pending = library.pending_model_id
        self.current = QLabel(f"<b>{library.model_id}</b>" + (f" (switching to {pending})" if pending else ""), page)
        self.models = QComboBox(page)
        self.model_infos = [m for m in available_models() if m.model_id != "random-tiny"]
        for info in self.model_infos:
            size = f" · {info.download_mb} MB download" if info.download_mb else ""
            self.models.addItem(f"{info.model_id}{size}")
        self.description = QLabel(page)
        self.description.setWordWrap(True)
        self.models.currentIndexChanged.connect(lambda i: self.description.setText(self.model_infos[i].description))
        self.description.setText(self.model_infos[0].description if self.model_infos else "")
        self.switch = QPushButton("Use This Model", page)
        self.switch.clicked.connect(self._switch_model)
        self.cancel = QPushButton("Cancel", page)
        self.cancel.clicked.connect(lambda: self._token and self._token.cancel())
        self.cancel.hide()
        self.progress = QProgressBar(page)
        self.progress.hide()
        self.model_status = QLabel(page)
        self.model_status.setWordWrap(True)
        self.device = QComboBox(page)
        self.device.addItems(list(DEVICES))
        self.device.setCurrentText(str(self._context.settings.value(DEVICE_KEY, "auto")))
        self.device.currentTextChanged.connect(lambda text: self._context.settings.setValue(DEVICE_KEY, text))
        form = QFormLayout(page)
        form.addRow("In use", self.current)
        form.addRow("Model", self.models)
        form.addRow("", self.description)
        row = QHBoxLayout()
        row.addWidget(self.switch)
        row.addWidget(self.cancel)
        row.addWidget(self.progress, 1)
        form.addRow("", row)
        form.addRow("", self.model_status)
        form.addRow("Device", self.device)
        form.addRow("", QLabel("The device applies the next time album starts.", page))
        return page

    def select_model(self, model_id: str) -> None:
        """Preselect a model on the Model tab (e.g. the download the first-run notice offers)."""
        ids = [info.model_id for info in self.model_infos]
        if model_id in ids:
            self.models.setCurrentIndex(ids.index(model_id))
            self.tabs.setCurrentIndex(0)

    def _switch_model(self) -> None:
        name = self.model_infos[self.models.currentIndex()].model_id
        library, post, token = self._context.library, self._context.tasks.call_in_gui, PausableToken()
        self._token = token
        self.switch.setEnabled(False)
        self.cancel.show()
        self.progress.show()
        self.progress.setRange(0, 0)
        self.model_status.setText(f"Downloading and loading {name}… (search keeps using the current model)")

        def switch():
            return library.set_model(name, progress=lambda p: post(self._progress, p), cancel=token,
                                     download_progress=lambda *d: post(self._downloaded, *d))

        self._context.tasks.run_task(MODEL, switch, self._switched, self._switch_failed, name="set model")

    def _downloaded(self, file_name: str, done: int, total: int | None) -> None:
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / total))
        self.model_status.setText(f"Downloading {formatting.file_name(file_name)}: {formatting.file_size(done)}"
                                  + (f" of {formatting.file_size(total)}" if total else "")
                                  + " (search keeps using the current model)")

    def _progress(self, progress) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
            self.model_status.setText(f"Re-reading photos with the new model: {progress.done:,} of {progress.total:,}"
                                      f" · {formatting.duration(progress.eta_seconds)} left")

    def _switched(self, summary) -> None:
        self._context.warmup.invalidate()
        library = self._context.library
        self.current.setText(f"<b>{library.model_id}</b>" +
                             (f" (switching to {library.pending_model_id})" if library.pending_model_id else ""))
        self.model_status.setText("Stopped; the switch finishes during the next indexing." if summary.cancelled
                                  else "Done.")
        self._finish()

    def _switch_failed(self, error) -> None:
        self.model_status.setText(f"<b>Could not switch:</b> {error}")
        self._finish()

    def _finish(self) -> None:
        self._token = None
        self.switch.setEnabled(True)
        self.cancel.hide()
        self.progress.hide()

    # --- thresholds -------------------------------------------------------------------------------

    def _thresholds_tab(self) -> QWidget:
        page = QWidget(self)
        self.similar = QDoubleSpinBox(page)
        self.similar.setRange(0.80, 0.99)
        self.similar.setSingleStep(0.01)
        self.similar.setValue(float(self._context.settings.value(SIMILAR_KEY, 0.90)))
        self.similar.valueChanged.connect(lambda v: self._context.settings.setValue(SIMILAR_KEY, v))
        form = QFormLayout(page)
        form.addRow("“Similar shots” from similarity", self.similar)
        form.addRow("", QLabel("Label thresholds are set per label in the Labels view.", page))
        return page

    # --- excluded folders -------------------------------------------------------------------------

    def _excluded_tab(self) -> QWidget:
        page = QWidget(self)
        library = self._context.library
        supported = callable(getattr(library, "excluded_folders", None))
        self.excluded = QListWidget(page)
        add, remove = QPushButton("Add…", page), QPushButton("Remove", page)
        add.clicked.connect(self._add_excluded)
        remove.clicked.connect(self._remove_excluded)
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Folders inside your photo folders that album should leave alone.", page))
        layout.addWidget(self.excluded, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)
        if supported:
            self.excluded.addItems([str(p) for p in library.excluded_folders()])
        else:
            for widget in (self.excluded, add, remove):
                widget.setEnabled(False)
            layout.addWidget(QLabel("This version of the library cannot exclude folders yet.", page))
        return page

    def _add_excluded(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to leave out")
        if folder:
            self._context.library.set_excluded_folders([*self._excluded_paths(), folder])
            self.excluded.addItem(folder)

    def _remove_excluded(self) -> None:
        row = self.excluded.currentRow()
        if row >= 0:
            paths = self._excluded_paths()
            del paths[row]
            self._context.library.set_excluded_folders(paths)
            self.excluded.takeItem(row)

    def _excluded_paths(self) -> list[str]:
        return [self.excluded.item(i).text() for i in range(self.excluded.count())]
