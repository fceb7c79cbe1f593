"""Settings: the model (the embedded default or a better hub model, downloaded and switched to in
the background), the device, thresholds, and folders to leave out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QListWidget,
    QProgressBar, QPushButton, QTabWidget, QVBoxLayout, QWidget,
)

from album.ui.common import formatting
from album.ui.common.settings_keys import MODEL_DEVICE as DEVICE_KEY
from album.ui.common.settings_keys import SIMILAR_MIN_COSINE as SIMILAR_KEY
from album.ui.common.tasks import MODEL, PausableToken

DEVICE_WORDS = {"auto": "Automatic (the fastest one present)", "cpu": "Processor (CPU)", "cuda": "NVIDIA graphics card (CUDA)",
                "mps": "Apple graphics (Metal)"}
# What each offered model is, in words, and how fast it reads photos on a typical laptop's processor
# (by its size: album-mini's image encoder is ~5 M parameters, the CLIP B models ~90 M, SigLIP2 B/16
# ~200 M at a larger input); the technical id stays in the tooltip and under the description.
MODEL_WORDS = {
    "album-mini": ("album-mini, built in", "fastest"),
    "onnx:Xenova/clip-vit-base-patch32": ("OpenAI CLIP B/32", "moderate"),
    "onnx:Xenova/clip-vit-base-patch32@q8": ("OpenAI CLIP B/32, compact", "moderate"),
    "MobileCLIP2-S0/dfndr2b": ("Apple MobileCLIP2-S0", "fast"),
    "ViT-B-32/laion2b_s34b_b79k": ("OpenCLIP B/32 (LAION)", "moderate"),
    "ViT-B-16-SigLIP2/webli": ("Google SigLIP2 B/16", "slow"),
}


def model_title(info) -> str:
    """'OpenAI CLIP B/32 · 610 MB download · moderate speed' for a registry ModelInfo."""
    name, speed = MODEL_WORDS.get(info.model_id, (info.model_id, ""))
    size = f"{info.download_mb} MB download" if info.download_mb else "no download"
    return " · ".join(part for part in (name, size, f"{speed} speed" if speed else "") if part)


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
        self.current = QLabel(page)
        self._show_current()
        self.models = QComboBox(page)
        self.model_infos = [m for m in available_models() if m.model_id != "random-tiny"]
        for row, info in enumerate(self.model_infos):
            self.models.addItem(model_title(info))
            self.models.setItemData(row, info.model_id, Qt.ItemDataRole.ToolTipRole)
        self.description = QLabel(page)
        self.description.setWordWrap(True)
        self.models.currentIndexChanged.connect(self._describe_model)
        self._describe_model(0)
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
        from album.models.device import devices_present

        saved = str(self._context.settings.value(DEVICE_KEY, "auto"))
        for device in ["auto", *devices_present()]:  # only what this computer has
            self.device.addItem(DEVICE_WORDS.get(device, device), device)
        self.device.setCurrentIndex(max(0, self.device.findData(saved)))
        self.device.currentIndexChanged.connect(
            lambda i: self._context.settings.setValue(DEVICE_KEY, self.device.itemData(i)))
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

    def _describe_model(self, row: int) -> None:
        if 0 <= row < len(self.model_infos):
            info = self.model_infos[row]
            self.description.setText(f"{info.description}.<br><small>Technical name: {info.model_id}</small>")

    def _show_current(self) -> None:
        library = self._context.library
        pending = library.pending_model_id

        def name(model_id: str) -> str:
            return MODEL_WORDS.get(model_id, (model_id, ""))[0]

        self.current.setText(f"<b>{name(library.model_id)}</b>" + (f" (switching to {name(pending)})" if pending else ""))
        self.current.setToolTip(library.model_id)

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
        self._show_current()
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
