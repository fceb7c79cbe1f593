"""Writes the Windows .ico and macOS .icns from resources/icons/album-*.png (run after changing them)."""

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icons" / "album-512.png"
OUT = Path(__file__).resolve().parent / "icons"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    image = Image.open(SOURCE).convert("RGBA")
    image.save(OUT / "album.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    image.save(OUT / "album.icns")
    print(f"wrote {OUT / 'album.ico'} and {OUT / 'album.icns'}")


if __name__ == "__main__":
    main()
