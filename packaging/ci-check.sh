#!/usr/bin/env bash
# CI's bundle check, run when the packaging inputs change: builds the installer (fast
# compression) and checks it with check-bundle.sh. A successful check is remembered per digest of
# those inputs on this machine, so an unchanged packaging setup costs nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
INPUTS=(packaging pyproject.toml resources album/models/mini/prebuilt.py album/ui/app.py)
DIGEST="$(git ls-files -s -- "${INPUTS[@]}" | sha256sum | cut -c1-16)"
STAMPS="${XDG_CACHE_HOME:-$HOME/.cache}/album-ci"
if [ -f "$STAMPS/bundle-$DIGEST.ok" ] && [ "${ALBUM_FORCE_BUNDLE_CHECK:-0}" != 1 ]; then
    echo "bundle check: packaging inputs unchanged since a passing check ($DIGEST); skipped"
    exit 0
fi
echo "bundle check: packaging inputs $DIGEST not checked on this machine yet; building the installer"
ALBUM_PACK_FAST=1 bash packaging/build.sh
bash packaging/check-bundle.sh "$(ls dist/album_*.deb | head -1)"
bash packaging/check-bundle.sh "$(ls dist/album-*.tar.gz | head -1)"
mkdir -p "$STAMPS" && touch "$STAMPS/bundle-$DIGEST.ok"
