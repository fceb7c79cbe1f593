"""The thread plumbing: work runs off the GUI thread, results and errors come back on it."""

import threading
import time

import pytest
from PySide6.QtCore import QThread

from album.ui.common.tasks import INDEXING, SEARCH, PausableToken, SynchronousTasks, TaskPools


@pytest.fixture
def pools(qapp):
    pools = TaskPools()
    yield pools
    pools.shutdown()


def test_result_is_delivered_on_the_gui_thread(qtbot, pools):
    gui = QThread.currentThread()
    seen = {}

    def work():
        seen["worker"] = threading.current_thread() is not threading.main_thread()
        return 42

    def done(value):
        seen["value"] = value
        seen["on_gui"] = QThread.currentThread() is gui

    pools.run_task(SEARCH, work, done)
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen == {"worker": True, "value": 42, "on_gui": True}


def test_errors_go_to_on_error(qtbot, pools):
    errors = []
    pools.run_task(SEARCH, lambda: 1 / 0, lambda _: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ZeroDivisionError)


def test_a_discarded_task_delivers_nothing(qtbot, pools):
    delivered, started, release = [], threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "late"

    task = pools.run_task(SEARCH, slow, delivered.append)
    started.wait(5)
    task.discard()
    release.set()
    pools.wait(SEARCH)
    qtbot.wait(50)
    assert delivered == []


def test_pools_are_separate(qtbot, pools):
    """A long index run does not hold up a search."""
    release = threading.Event()
    pools.run_task(INDEXING, lambda: release.wait(5))
    results = []
    pools.run_task(SEARCH, lambda: "found", results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=2000)
    release.set()


def test_synchronous_tasks_run_at_once():
    results = []
    SynchronousTasks().run_task(SEARCH, lambda: 7, results.append)
    assert results == [7]


def test_pausable_token_holds_the_worker_until_resumed():
    token = PausableToken()
    token.pause()
    checked = threading.Event()
    threading.Thread(target=lambda: (token.cancelled, checked.set()), daemon=True).start()
    time.sleep(0.1)
    assert not checked.is_set()  # held in the check while paused
    token.resume()
    assert checked.wait(2)
    token.pause()
    token.cancel()  # a paused run wakes up to notice the cancel
    assert token.cancelled and token.cancel_requested


def test_closing_never_waits_for_a_network_check(qtbot, qapp):
    from album.ui.common.tasks import NETWORK

    pools = TaskPools()
    hub_answers = threading.Event()
    delivered = []
    task = pools.run_task(NETWORK, lambda: hub_answers.wait(30), delivered.append, name="probe")
    pools.shutdown()  # returns while the check still waits on a hub that has not answered
    assert not task.finished.is_set()
    hub_answers.set()
    assert task.finished.wait(5)
    qapp.processEvents()
    assert delivered == []  # after shutdown, nothing is delivered
