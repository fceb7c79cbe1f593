#!/usr/bin/env bash
# dist/album_VERSION_ARCH.deb: the bundle in /opt/album, `album` on the PATH, a menu entry and
# icons. Install with `sudo apt install ./album_VERSION_ARCH.deb`; remove with `sudo apt remove album`.
set -euo pipefail
BUNDLE="$1" VERSION="$2" ARCH="$3" OUT="$4"
HERE="$(cd "$(dirname "$0")" && pwd)"
ICONS="$HERE/../../resources/icons"
STAGE="$(dirname "$BUNDLE")/../build/deb/album_${VERSION}_$ARCH"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications"
cp -a "$BUNDLE" "$STAGE/opt/album"
ln -s /opt/album/album "$STAGE/usr/bin/album"
cp "$HERE/album.desktop" "$STAGE/usr/share/applications/album.desktop"
for size in 16 32 48 64 128 256 512; do
    install -D -m 644 "$ICONS/album-$size.png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/album.png"
done
install -D -m 644 "$ICONS/album.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/album.svg"
INSTALLED_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
# Qt's xcb platform plugin needs these X libraries from the system; the rest is in the bundle.
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: album
Version: $VERSION
Architecture: $ARCH
Maintainer: album developers <album@example.org>
Installed-Size: $INSTALLED_KB
Depends: libc6 (>= 2.28), libgl1, libegl1, libfontconfig1, libfreetype6, libxkbcommon0, libxkbcommon-x11-0, libdbus-1-3, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-randr0, libxcb-render-util0, libxcb-image0, libxcb-xkb1
Section: graphics
Priority: optional
Homepage: https://example.org/album
Description: smart photo album: natural-language search, auto-tags, duplicates
 album watches your photo folders and lets you find photos by describing them
 ("dog on a beach", "sunset in Paris"), tags them from your own words, finds
 duplicates and organises albums. Everything runs offline on your computer.
CONTROL
cat > "$STAGE/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
SCRIPT
cp "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
chmod 755 "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
# xz: the smallest download. ALBUM_PACK_FAST=1 (CI's bundle check) trades size for minutes.
COMPRESS=(-Zxz -z6)
[ "${ALBUM_PACK_FAST:-0}" = 1 ] && COMPRESS=(-Zgzip -z1)
dpkg-deb --root-owner-group "${COMPRESS[@]}" --build "$STAGE" "$OUT/album_${VERSION}_$ARCH.deb" >/dev/null
echo "deb: $OUT/album_${VERSION}_$ARCH.deb ($(du -h "$OUT/album_${VERSION}_$ARCH.deb" | cut -f1))"
