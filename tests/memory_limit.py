"""Running a snippet in a fresh Python whose memory may grow only so far beyond what its imports took.

For tests of "memory stays bounded": without a fix the snippet fails with a MemoryError at once,
instead of allocating many gigabytes on the test machine (or the kernel killing the test run).
Linux only: RLIMIT_AS is not enforced on macOS and does not exist on Windows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The snippet calls limit_memory() once its imports are done: from then on, its address space may
# grow by `headroom_mb` at most, so an allocation beyond that raises MemoryError.
_PRELUDE = '''
import resource


def limit_memory(headroom_mb):
    with open("/proc/self/status") as status:
        size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    limit = size_kb * 1024 + headroom_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
'''


def run_with_memory_limit(snippet: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `snippet` (which calls `limit_memory(MB)` after its imports) in a child Python; its output."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the address-space limit (RLIMIT_AS) is only enforced on Linux")
    paths = [str(REPO), str(REPO / "tests"), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    # One thread for the math libraries: their per-thread arenas would eat the headroom.
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-c", _PRELUDE + textwrap.dedent(snippet)],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO,
    )
