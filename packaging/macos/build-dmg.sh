#!/usr/bin/env bash
# Builds album for macOS: dist/album.app and dist/album-VERSION.dmg (drag to Applications).
# Needs a Mac with the dev install (`make setup`; PyPI's macOS torch wheels are CPU/MPS builds).
# Not buildable on the Linux CI machine. For distribution outside your own Macs, sign and notarise:
#   codesign --deep --force --options runtime --sign "Developer ID Application: …" dist/album.app
#   xcrun notarytool submit dist/album-VERSION.dmg --keychain-profile … --wait && xcrun stapler staple dist/album-VERSION.dmg
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
VERSION="$("$PYTHON" -c 'import album; print(album.__version__)')"
PREBUILT="$ROOT/build/album-mini-prebuilt"
"$PYTHON" -m pip show pyinstaller >/dev/null 2>&1 || "$PYTHON" -m pip install --quiet -e "$ROOT[packaging]"
"$PYTHON" "$ROOT/packaging/export_model.py" "$PREBUILT"
ALBUM_PREBUILT="$PREBUILT" ALBUM_VERSION="$VERSION" "$PYTHON" -m PyInstaller --noconfirm --clean \
    --distpath dist --workpath build/pyinstaller packaging/album.spec
STAGE="build/dmg" && rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -R dist/album.app "$STAGE/" && ln -s /Applications "$STAGE/Applications"
hdiutil create -volname album -srcfolder "$STAGE" -ov -format UDZO "dist/album-$VERSION.dmg"
echo "dist/album-$VERSION.dmg"
