#!/usr/bin/env bash
# One command builds album's installer for this platform (Linux: a .deb and a tarball).
#   bash packaging/build.sh            # after `make setup`; output in dist/
# Steps: export album-mini's ONNX graphs (needs the dev install's torch, once), freeze the app
# with PyInstaller into dist/album/ (no torch inside), then pack that folder.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
VERSION="$("$PYTHON" -c 'import album; print(album.__version__)')"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
PREBUILT="$ROOT/build/album-mini-prebuilt"

"$PYTHON" -m pip show pyinstaller >/dev/null 2>&1 || "$PYTHON" -m pip install --quiet -e "$ROOT[packaging]"

echo "== album-mini graphs"
"$PYTHON" "$ROOT/packaging/export_model.py" "$PREBUILT"

echo "== PyInstaller"
ALBUM_PREBUILT="$PREBUILT" ALBUM_VERSION="$VERSION" "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "$ROOT/packaging/album.spec"
BUNDLE="$ROOT/dist/album"
bash "$ROOT/packaging/linux/trim.sh" "$BUNDLE"
echo "bundle: $(du -sh "$BUNDLE" | cut -f1) in $BUNDLE"

if [ "$(uname -s)" = Linux ]; then
    bash "$ROOT/packaging/linux/make-deb.sh" "$BUNDLE" "$VERSION" "$ARCH" "$ROOT/dist"
    bash "$ROOT/packaging/linux/make-tarball.sh" "$BUNDLE" "$VERSION" "$ROOT/dist"
fi
ls -la "$ROOT/dist"
