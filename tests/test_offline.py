"""album is offline: it makes no network request the user did not ask for (a model download)."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from photo_files import write_photo

ALBUM = Path(__file__).resolve().parents[1] / "album"


def test_onnx_runtime_is_only_imported_through_the_module_that_turns_its_telemetry_off():
    importers = [
        str(path.relative_to(ALBUM.parent)) for path in ALBUM.rglob("*.py")
        if path.name != "onnx_runtime.py" and re.search(r"^\s*(import onnxruntime|from onnxruntime)",
                                                         path.read_text(), re.MULTILINE)
    ]
    assert importers == [], "use album.models.onnx_runtime.load(), which turns telemetry off first"


@pytest.mark.slow
def test_watching_with_album_mini_makes_no_network_request(tmp_path, shared_data):
    """ONNX Runtime's telemetry looked up mobile.events.data.microsoft.com ~10 s after album-mini's
    first run; strace sees every connect/sendto of the process and its children."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (apt install strace): it is what sees native code's requests")
    photos = tmp_path / "photos"
    write_photo(photos / "a.jpg", seed=1)
    shutil.copy(next((shared_data / "caltech101" / "images").rglob("*.jpg")), photos / "b.jpg")
    log = tmp_path / "strace.log"
    env = dict(os.environ, ALBUM_FACES="off")
    command = [sys.executable, "-m", "album", "--library", str(tmp_path / "library")]
    subprocess.run(command + ["folders", "add", str(photos)], check=True, env=env, timeout=120)
    child = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(log)]
                             + command + ["watch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        time.sleep(45)  # the start-up scan embeds both photos, then the lookup came ~10 s later
    finally:
        os.killpg(child.pid, signal.SIGINT)  # album (strace's child) stops cleanly; strace ends with it
        child.wait(timeout=120)
    calls = log.read_text()
    network = [line for line in calls.splitlines() if re.search(r"AF_INET6?|htons\(53\)", line)]
    assert network == [], "\n".join(network[:5])
