#!/usr/bin/env bash
# dist/album-VERSION-linux-ARCH.tar.gz: the bundle plus a desktop entry and icon, runnable in place.
set -euo pipefail
BUNDLE="$1" VERSION="$2" OUT="$3"
HERE="$(cd "$(dirname "$0")" && pwd)"
NAME="album-$VERSION-linux-$(uname -m)"
STAGE="$(dirname "$BUNDLE")/../build/tarball/$NAME"
rm -rf "$STAGE" && mkdir -p "$STAGE"
cp -a "$BUNDLE" "$STAGE/album"
cp "$HERE/../../resources/icons/album-256.png" "$STAGE/album.png"
cp "$HERE/INSTALL-tarball.txt" "$STAGE/README.txt"
sed "s|^Exec=.*|Exec=album|; s|^Icon=.*|Icon=album|" "$HERE/album.desktop" > "$STAGE/album.desktop"
LEVEL=9
[ "${ALBUM_PACK_FAST:-0}" = 1 ] && LEVEL=1
tar -C "$(dirname "$STAGE")" -cf - "$NAME" | gzip -"$LEVEL" > "$OUT/$NAME.tar.gz"
echo "tarball: $OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1))"
