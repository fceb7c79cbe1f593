"""Hostile files, one at a time: `python -m bench.fuzz [--count 60] [--seed 1] [--model mini|tiny]`.

Not a test: it runs for minutes and prints counts. From real files in ../shared/data it makes
hostile ones (bench/fuzz_cases.py: random bytes, truncations, header mutations, 1 x N and
N x 1 pictures, 0 x 0 and 65535 x 65535 headers, pictures just under the pixel limit, odd
names), then indexes each ALONE with `album index --json` in a fresh process, with its own copy
of a fresh library, so a crash, a hang or memory is put down to that one file. The library's
model is album-mini (what a user gets; `--model tiny` takes open_clip's path instead, whose torch
makes each start slower and larger) and the face pass runs as a user's would (`--no-faces` skips
it). A default run takes ~4 minutes on 2 busy cores (~3 s a file); `--count 0` all ~390 files.

Each file must end indexed, failed with one readable line, or skipped (not a photo's name),
with exit status 0; anything else is a crash: another exit status, a signal (the kernel's OOM
kill is SIGKILL), a traceback on stderr, an "unexpected error", a reason over several lines.
A file still running after --timeout seconds is a hang. Peak memory is the child's ru_maxrss
(its largest resident size; the face process counts as its own, not added), from wait4.

Prints files tried, indexed, failed (grouped by reason), skipped, crashes and hangs (both must
be 0) and the peak memory (must stay under --memory-limit, 1.5 GB); exits 1 when one of those
fails. `--list` prints the cases without running them; `--only TEXT` runs the ones whose name or
description holds TEXT; `--keep-dir` keeps the files, libraries and outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.fuzz_cases import KINDS, Case, all_cases, sample

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]
OUTCOMES = ("indexed", "failed", "skipped", "crash", "hang")


@dataclass
class Outcome:
    case: Case
    status: str  # one of OUTCOMES
    reason: str  # the failure's reason, or what crashed
    peak_mb: float
    seconds: float


def make_template(root: Path, model: str) -> Path:
    """A fresh library with the chosen model recorded, copied for each file."""
    from album import Library

    template = root / "template"
    if model == "tiny":
        from album.models.openclip import random_tiny

        Library.open(template, model=random_tiny()).close()
    else:
        Library.open(template).close()  # album's default: album-mini
    return template


def run_case(number: int, case: Case, template: Path, root: Path, timeout: float, env: dict, keep: bool) -> Outcome:
    folder = root / f"{number:04}"
    photos = folder / "photos"
    photos.mkdir(parents=True)
    (photos / case.name).write_bytes(case.make())
    library = folder / "library"
    shutil.copytree(template, library)
    command = [sys.executable, "-m", "album", "--library", str(library), "index", "--json", str(photos)]
    start = time.monotonic()
    with open(folder / "stdout", "wb") as out, open(folder / "stderr", "wb") as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=REPO, start_new_session=True)
        status, usage, hung = _wait(child, timeout)
    seconds = time.monotonic() - start
    stdout = (folder / "stdout").read_text(errors="replace")
    stderr = (folder / "stderr").read_text(errors="replace")
    outcome = Outcome(case, *_verdict(status, hung, stdout, stderr, timeout), usage.ru_maxrss / 1024, seconds)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return outcome


def _wait(child: subprocess.Popen, timeout: float):
    """(exit code or -signal, the child's rusage, hung?): wait4 gives the child's own peak memory."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            os.killpg(child.pid, signal.SIGKILL)  # the face process too: it is in the child's session
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage, True
        time.sleep(0.05)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, usage, False


def _verdict(code: int, hung: bool, stdout: str, stderr: str, timeout: float) -> tuple[str, str]:
    if hung:
        return "hang", f"still running after {timeout:.0f} s"
    if code < 0:
        name = signal.Signals(-code).name
        return "crash", f"killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    last_line = next((line for line in reversed(stderr.splitlines()) if line.strip()), "")
    if code != 0:
        return "crash", f"exit status {code}: {last_line[:200]}"
    if "Traceback (most recent call last)" in stderr:
        return "crash", f"traceback on stderr: {last_line[:200]}"
    try:
        summary = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return "crash", f"no JSON summary on stdout: {stdout[-200:]!r}"
    if summary["failed"]:
        reason = summary["failed"][0]["error"]
        if "\n" in reason or len(reason) > 300 or reason.startswith("unexpected error"):
            return "crash", f"not a readable reason: {reason[:300]!r}"
        return "failed", reason
    if summary["indexed"] == 1:
        return "indexed", ""
    return "skipped", "not taken for a photo (its name's suffix, or hidden)"


def report(outcomes: list[Outcome], seconds: float, memory_limit_mb: float, header: str) -> bool:
    counts = Counter(o.status for o in outcomes)
    print(f"\n{header}: {len(outcomes)} files tried in {seconds:.0f} s")
    for status in OUTCOMES:
        must = "  (must be 0)" if status in ("crash", "hang") else ""
        print(f"  {status:<8} {counts[status]:>4}{must}")
    failed = Counter(_reason_group(o.reason) for o in outcomes if o.status == "failed")
    if failed:
        print("failed, by reason:")
        for reason, n in failed.most_common():
            print(f"  {n:>4}  {reason}")
    for o in outcomes:
        if o.status in ("crash", "hang"):
            print(f"  {o.status.upper()}: {o.case.name!r} ({o.case.kind}: {o.case.what}): {o.reason}")
    print("by kind:  " + "  ".join(f"{kind} {sum(o.case.kind == kind for o in outcomes)}" for kind in KINDS))
    for kind in KINDS:
        mine = Counter(o.status for o in outcomes if o.case.kind == kind)
        if mine:
            print(f"  {kind:<15} " + ", ".join(f"{mine[s]} {s}" for s in OUTCOMES if mine[s]))
    peaks = sorted(outcomes, key=lambda o: o.peak_mb)
    top = peaks[-1]
    print(f"peak memory: max {top.peak_mb:,.0f} MB ({top.case.name!r}: {top.case.what}), "
          f"median {statistics.median(o.peak_mb for o in peaks):,.0f} MB; limit {memory_limit_mb:,.0f} MB")
    for o in reversed(peaks[-4:-1]):
        print(f"             {o.peak_mb:,.0f} MB ({o.case.name!r}: {o.case.what})")
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(f"slowest file: {slowest.seconds:.1f} s ({slowest.case.name!r}); median "
          f"{statistics.median(o.seconds for o in outcomes):.1f} s a file, album's start included")
    good = counts["crash"] == counts["hang"] == 0 and top.peak_mb < memory_limit_mb
    print("OK" if good else "NOT OK")
    return good


def _reason_group(reason: str) -> str:
    """Reasons without their numbers and parenthesised details, so like failures count together."""
    reason = re.sub(r"\d[\d,.]*", "N", reason)
    return reason if len(reason) <= 110 else reason[:107] + "..."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--count", type=int, default=60, help="files to try, every kind in turn (0: all, ~390)")
    parser.add_argument("--seed", type=int, default=1, help="makes the same files and the same choice again")
    parser.add_argument("--model", choices=("mini", "tiny"), default="mini",
                        help="album-mini (default: a user's model) or random-tiny (open_clip's preprocessing; "
                             "torch makes each start slower and ~0.9 GB)")
    parser.add_argument("--no-faces", action="store_true", help="skip the face pass")
    parser.add_argument("--jobs", type=int, default=1, help="files indexed at once (each in its own process)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds before a file counts as a hang")
    parser.add_argument("--memory-limit", type=float, default=1536, help="MB no file's indexing may pass")
    parser.add_argument("--only", help="only the cases of this kind, or whose name or description holds this text")
    parser.add_argument("--list", action="store_true", help="print the chosen cases and stop")
    parser.add_argument("--keep-dir", action="store_true", help="keep the files, libraries and outputs")
    parser.add_argument("--data", type=Path, default=DATA, help="the real files (default: ../shared/data)")
    args = parser.parse_args()
    if not (args.data / "formats").is_dir():
        print(f"no real files in {args.data}: pass --data or provide ../shared/data", file=sys.stderr)
        return 1

    cases = all_cases(args.data, args.seed)
    if args.only:
        cases = [c for c in cases if args.only == c.kind or args.only in c.name or args.only in c.what]
    chosen = sample(cases, 0 if args.only else args.count, args.seed)
    if args.list:
        for case in chosen:
            print(f"{case.kind:<15} {case.name!r}: {case.what}")
        print(f"{len(chosen)} of {len(cases)} cases")
        return 0

    root = Path(tempfile.mkdtemp(prefix="album-fuzz-"))
    env = dict(os.environ, XDG_DATA_HOME=str(root / "xdg"), PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    if args.no_faces:
        env["ALBUM_FACES"] = "off"
    else:
        env.pop("ALBUM_FACES", None)
    header = (f"fuzz (seed {args.seed}, model {'album-mini' if args.model == 'mini' else 'random-tiny'}, "
              f"faces {'off' if args.no_faces else 'on'}, {args.jobs} at a time)")
    print(f"{header}: {len(chosen)} of {len(cases)} cases; work in {root}")
    start = time.monotonic()
    try:
        template = make_template(root, args.model)
        outcomes: list[Outcome] = []
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(run_case, n, case, template, root, args.timeout, env, args.keep_dir)
                       for n, case in enumerate(chosen)]
            for n, future in enumerate(futures):
                outcome = future.result()
                outcomes.append(outcome)
                print(f"[{n + 1}/{len(chosen)}] {outcome.status:<8} {outcome.peak_mb:>6,.0f} MB "
                      f"{outcome.seconds:5.1f} s  {outcome.case.name!r:.70}"
                      + (f": {outcome.reason[:120]}" if outcome.reason else ""), flush=True)
    finally:
        if not args.keep_dir:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if report(outcomes, time.monotonic() - start, args.memory_limit, header) else 1


if __name__ == "__main__":
    sys.exit(main())
