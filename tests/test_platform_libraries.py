"""The first start on a plain Linux machine: missing X11 libraries are named before Qt aborts."""

from __future__ import annotations

from pathlib import Path

import pytest

from album.errors import AlbumError
from album.ui.common.platform_libraries import (
    XCB_LIBRARIES,
    PlatformLibrariesMissing,
    check_platform_libraries,
    library_dirs,
    missing_libraries,
    missing_message,
    uses_xcb,
)


def test_an_empty_library_path_misses_every_xcb_library(tmp_path: Path):
    assert missing_libraries(XCB_LIBRARIES, [tmp_path]) == list(XCB_LIBRARIES)


def test_only_the_absent_libraries_are_reported(tmp_path: Path):
    present = [name for name in XCB_LIBRARIES if name not in ("libxcb-cursor.so.0", "libxcb-keysyms.so.1")]
    for name in present:
        (tmp_path / name).write_bytes(b"\x7fELF")
    assert missing_libraries(XCB_LIBRARIES, [tmp_path / "elsewhere", tmp_path]) == [
        "libxcb-cursor.so.0", "libxcb-keysyms.so.1"]


def test_the_message_is_one_line_with_a_command_per_distribution_family():
    message = missing_message(["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert "\n" not in message
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in message
    assert "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms" in message
    assert "sudo pacman -S xcb-util-cursor xcb-util-wm xcb-util-keysyms" in message
    assert "sudo zypper install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in message
    # Several libraries of one package name it once.
    assert "sudo dnf install libxcb;" in missing_message(["libxcb-randr.so.0", "libxcb-shape.so.0"])


def test_check_raises_a_typed_error_when_qt_would_use_x11(tmp_path: Path):
    if not __import__("sys").platform.startswith("linux"):
        pytest.skip("the xcb platform is Linux's")
    with pytest.raises(PlatformLibrariesMissing, match="libxcb-cursor0") as raised:
        check_platform_libraries({"DISPLAY": ":0"}, search_dirs=[tmp_path])
    assert isinstance(raised.value, AlbumError)
    # Headless (CI, tests, screenshots) and Wayland sessions are never checked.
    check_platform_libraries({"QT_QPA_PLATFORM": "offscreen"}, search_dirs=[tmp_path])
    check_platform_libraries({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, search_dirs=[tmp_path])


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb:display=:1"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux", True),
        ({}, "darwin", False),
        ({}, "win32", False),
    ],
)
def test_when_qt_uses_xcb(env, platform, expected):
    assert uses_xcb(env, platform) is expected


def test_library_dirs_follow_ld_library_path_first():
    dirs = library_dirs({"LD_LIBRARY_PATH": "/opt/x/lib:/opt/y/lib"})
    assert dirs[:2] == [Path("/opt/x/lib"), Path("/opt/y/lib")] and Path("/usr/lib") in dirs
