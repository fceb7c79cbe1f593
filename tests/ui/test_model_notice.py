"""The first-run model notice: once, without blocking start-up; offline it points to Preferences ▸ Model, with a
hub that answers it offers the download (a fake hub on 127.0.0.1, found through HF_ENDPOINT)."""

from __future__ import annotations

import socket
import time

import pytest

from album.ui.common.settings_keys import MODEL_NOTICE_SHOWN
from album.ui.settings.model_notice import OFFLINE_TEXT
from fake_hub import FakeHub

UPGRADE_REPO = "Xenova/clip-vit-base-patch32"


@pytest.fixture
def mini_library(tmp_path, tiny_model):
    """A new library on its default model, album-mini; the tiny model stands in for it (the notice is about the
    choice of model, not about album-mini's weights)."""
    from album import Library

    with Library.open(tmp_path / "library", model_loader=lambda source, device, **kw: tiny_model) as library:
        library.set_labels([])
        assert library.model_id == "album-mini"
        yield library


@pytest.fixture
def open_window(qtbot, make_context):
    """Opens main windows as the app does (show, then start) and closes them afterwards."""
    from album.ui.window.main_window import MainWindow

    def open_(library, timeout: float | None = None):
        window = MainWindow(make_context(library))
        qtbot.addWidget(window)
        if timeout is not None:
            window.notice_check.timeout = timeout
        window.show()
        window.start()
        return window

    return open_


def test_offline_the_notice_says_so_once_and_can_be_dismissed(qtbot, mini_library, open_window, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    window = open_window(mini_library)
    notice = window.model_notice
    qtbot.waitUntil(notice.isVisible, timeout=10_000)
    assert notice.label.text() == OFFLINE_TEXT and not notice.download.isVisible()
    assert window.context.settings.value(MODEL_NOTICE_SHOWN, False, type=bool)
    notice.close_button.click()
    assert not notice.isVisible()
    window.close()

    again = open_window(mini_library)  # the next launch: same settings
    qtbot.waitUntil(lambda: again.context.warmup.ready, timeout=10_000)
    assert not again.notice_check.running and not again.model_notice.isVisible()
    # The place-name index is built in the background too: a first 'dog at the beach' does not
    # wait ~3 s for it.
    qtbot.waitUntil(lambda: again.context.library.gazetteer.loaded, timeout=30_000)


def test_with_a_hub_it_offers_the_download_in_settings(qtbot, mini_library, open_window, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with FakeHub({UPGRADE_REPO: {"tokenizer.json": b"{}"}}) as fake:
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        window = open_window(mini_library)
        notice = window.model_notice
        qtbot.waitUntil(notice.isVisible, timeout=10_000)
        assert ("HEAD", f"/{UPGRADE_REPO}/resolve/main/tokenizer.json") in fake.requests
    assert notice.download.isVisible() and UPGRADE_REPO in notice.label.text() and "610 MB" in notice.label.text()
    notice.download.click()
    dialog = window.settings_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    assert dialog.model_infos[dialog.models.currentIndex()].model_id == f"onnx:{UPGRADE_REPO}"
    assert "610 MB" in dialog.models.currentText() and not notice.isVisible()
    dialog.close()


def test_start_up_does_not_wait_for_a_hub_that_does_not_answer(qtbot, mini_library, open_window, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with socket.socket() as silent:  # accepts connections (the backlog does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        window = open_window(mini_library, timeout=1.5)
        qtbot.waitUntil(lambda: window.notice_check.running, timeout=10_000)
        qtbot.waitUntil(lambda: window.context.warmup.ready, timeout=10_000)
        assert window.notice_check.running, "the model loaded while the hub check was still waiting"
        assert time.monotonic() - started < 1.5
        qtbot.waitUntil(window.model_notice.isVisible, timeout=10_000)
    assert window.model_notice.label.text() == OFFLINE_TEXT


def test_a_library_that_chose_its_model_gets_no_notice(qtbot, window, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    qtbot.waitUntil(lambda: not window.notice_check.running, timeout=10_000)
    assert window.context.library.model_id == "random-tiny" and not window.model_notice.isVisible()
    assert not window.context.settings.value(MODEL_NOTICE_SHOWN, False, type=bool)
