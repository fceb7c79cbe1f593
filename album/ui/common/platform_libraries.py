"""Before Qt starts on Linux: are the system libraries of its X11 (xcb) platform plugin there?

PySide6's wheels carry Qt but not the X11 libraries its xcb plugin links against. Without them
Qt prints "xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin" and
aborts the process, which a developer install (`make run`) meets on a plain Debian machine (the
.deb declares them). album checks first and says, in one line, what to install on each family
of distributions. Nothing here imports Qt; headless platforms (offscreen, used by CI and tests)
and Wayland sessions are not checked.
"""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path
from typing import Iterable, Mapping

from album.errors import AlbumError

# The xcb plugin's own system libraries (DT_NEEDED of Qt 6's libqxcb.so and libQt6XcbQpa.so.6,
# less Qt's own, libc/libstdc++, and what QtGui needs on every platform), and the package that
# holds each: (Debian/Ubuntu apt, Fedora dnf, Arch pacman, openSUSE zypper).
XCB_LIBRARIES: dict[str, tuple[str, str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor", "libxcb-cursor0"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm", "libxcb-icccm4"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms", "libxcb-keysyms1"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image", "libxcb-image0"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil", "xcb-util-renderutil",
                                "libxcb-render-util0"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util", "libxcb-util1"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb", "libxcb-randr0"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb", "libxcb-shape0"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb", "libxcb-shm0"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb", "libxcb-sync1"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb", "libxcb-xfixes0"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb", "libxcb-render0"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb", "libxcb-xkb1"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb", "libxcb1"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11", "libxkbcommon-x11-0"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11", "libX11-xcb1"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11", "libX11-6"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd", "libGL1"),
}
_INSTALLERS = (("Debian/Ubuntu", "sudo apt install"), ("Fedora", "sudo dnf install"),
               ("Arch", "sudo pacman -S"), ("openSUSE", "sudo zypper install"))
_DEFAULT_DIRS = ("/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib")
_HEADLESS = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay", "wayland")


class PlatformLibrariesMissing(AlbumError):
    """Qt's X11 support cannot load: system libraries are missing (the message says which packages)."""


def check_platform_libraries(env: Mapping[str, str] | None = None, search_dirs: Iterable[Path] | None = None) -> None:
    """Raise PlatformLibrariesMissing when Qt would pick X11 and a library it needs is absent."""
    env = os.environ if env is None else env
    if not uses_xcb(env, sys.platform):
        return
    missing = missing_libraries(XCB_LIBRARIES, library_dirs(env) if search_dirs is None else search_dirs)
    if missing:
        raise PlatformLibrariesMissing(missing_message(missing))


def uses_xcb(env: Mapping[str, str], platform: str) -> bool:
    """Whether Qt will load its xcb plugin: Linux, and no other platform asked for or implied."""
    if not platform.startswith("linux"):
        return False
    requested = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if requested:
        first = requested.split(";")[0].split(":")[0]
        return first == "xcb"
    # Qt 6 chooses Wayland by itself in a Wayland session.
    return not (env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE", "").lower() == "wayland")


def missing_libraries(names: Iterable[str], search_dirs: Iterable[Path]) -> list[str]:
    """The library file names found in none of the directories."""
    dirs = [Path(d) for d in search_dirs]
    return [name for name in names if not any((d / name).exists() for d in dirs)]


def library_dirs(env: Mapping[str, str]) -> list[Path]:
    """Where the dynamic loader looks: LD_LIBRARY_PATH, /etc/ld.so.conf (and its includes), the defaults."""
    dirs = [Path(p) for p in env.get("LD_LIBRARY_PATH", "").split(":") if p]
    dirs += _ld_so_conf(Path("/etc/ld.so.conf"), depth=0)
    dirs += [Path(d) for d in _DEFAULT_DIRS]
    return list(dict.fromkeys(dirs))


def _ld_so_conf(path: Path, depth: int) -> list[Path]:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    dirs: list[Path] = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line.startswith("include") and depth < 4:
            pattern = line.split(None, 1)[1] if len(line.split(None, 1)) > 1 else ""
            if pattern and not pattern.startswith("/"):
                pattern = str(path.parent / pattern)
            for included in sorted(glob.glob(pattern)):
                dirs += _ld_so_conf(Path(included), depth + 1)
        elif line.startswith("/"):
            dirs.append(Path(line))
    return dirs


def missing_message(missing: list[str]) -> str:
    """One line: what is missing, and the command that installs it on each family of distributions."""
    commands = []
    for column, (family, install) in enumerate(_INSTALLERS):
        packages = dict.fromkeys(XCB_LIBRARIES[name][column] for name in missing if name in XCB_LIBRARIES)
        unknown = [name for name in missing if name not in XCB_LIBRARIES]
        commands.append(f"{family}: {install} {' '.join([*packages, *unknown])}")
    return (
        f"the desktop app cannot start: Qt's X11 support needs system libraries that are missing "
        f"({', '.join(missing)}). Install them, then start album again: " + "; ".join(commands)
        + ". The command line (album --help) works without them."
    )
