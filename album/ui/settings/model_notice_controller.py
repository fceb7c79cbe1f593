"""The first-run model notice: once, a library on the embedded model hears that it is offline-only, and that a
better model can be downloaded (now, when the hub answers; later, in Preferences ▸ Model, when it does not).

The check runs on the network pool with a short timeout, so the window never waits for it; it emits typed data
and the main window words the notice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from album.ui.common.settings_keys import MODEL_NOTICE_SHOWN
from album.ui.common.tasks import NETWORK

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class UpgradeCheck:
    model_id: str  # the model to offer (registry.recommended_upgrade)
    download_mb: int
    reachable: bool  # whether its hub answered: offer the download now, or say "later"


class ModelNoticeCheck(QObject):
    """`start()` once the window is up; `checked(UpgradeCheck)` comes only when the notice should be shown."""

    checked = Signal(object)

    def __init__(self, context, parent: QObject | None = None, timeout: float = PROBE_TIMEOUT_S):
        super().__init__(parent)
        self._context = context
        self.timeout = timeout  # seconds the hub has to answer
        self.running = False

    def start(self) -> bool:
        """Begin the background check unless the notice was shown before; True if it began."""
        if self._context.settings.value(MODEL_NOTICE_SHOWN, False, type=bool):
            return False
        self.running = True
        self._context.tasks.run_task(NETWORK, self._check, self._done, self._failed, name="model notice")
        return True

    def mark_shown(self) -> None:
        self._context.settings.setValue(MODEL_NOTICE_SHOWN, True)
        self._context.settings.sync()

    def _check(self) -> UpgradeCheck | None:  # on the network pool
        from album.models import DEFAULT_MODEL_ID
        from album.models.registry import hub_model_reachable, recommended_upgrade

        library = self._context.library
        if library.model_id != DEFAULT_MODEL_ID or library.pending_model_id:
            return None  # a library that chose its model needs no notice
        upgrade = recommended_upgrade()
        reachable = hub_model_reachable(upgrade.model_id, timeout=self.timeout)
        return UpgradeCheck(upgrade.model_id, upgrade.download_mb, reachable)

    def _done(self, result: UpgradeCheck | None) -> None:
        self.running = False
        if result is not None:
            self.checked.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.running = False
        log.warning("the first-run model check failed: %s", error)
