"""Serve a tiny ONNX CLIP from a fake hub until killed: `python tests/serve_tiny_onnx_clip.py WORKDIR`.

For packaging/check-bundle.sh: the installed app (no torch) downloads it as `onnx:REPO` from the
URL written to WORKDIR/hub-url, as it would download Xenova/clip-vit-base-patch32 from the hub.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_hub import FakeHub  # noqa: E402
from onnx_clip_files import REPO, served_files, write_tiny_onnx_clip  # noqa: E402

if __name__ == "__main__":
    work = Path(sys.argv[1])
    folder = work / "tiny-clip"
    write_tiny_onnx_clip(folder)
    files = served_files(folder)
    with FakeHub({REPO: files}) as hub:
        (work / "hub-url.tmp").write_text(f"{hub.url} {REPO}\n")
        (work / "hub-url.tmp").rename(work / "hub-url")
        while True:
            time.sleep(1)
