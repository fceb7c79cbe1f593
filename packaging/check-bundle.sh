#!/usr/bin/env bash
# Checks a built installer the way a user meets it: unpacks the .deb (or the tarball), then runs
# the installed `album` in a clean environment (no venv, no network, empty caches) and checks it
# reports its version, indexes real photos headless, answers searches correctly and draws its
# window offscreen. Prints start-up and indexing times.
#   bash packaging/check-bundle.sh [dist/album_VERSION_ARCH.deb | dist/album-*.tar.gz]
# With ALBUM_CHECK_INSTALL=1 (as root) it installs the .deb with apt for real, and removes it after.
# Needs ../shared/data beside the checkout (real photos); says so and exits 0 when it is absent.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${ALBUM_SHARED_DATA:-$ROOT/../shared/data}"
PACKAGE="${1:-$(ls "$ROOT"/dist/album_*.deb 2>/dev/null | head -1)}"
[ -n "$PACKAGE" ] && [ -f "$PACKAGE" ] || { echo "no installer given and none in dist/: run packaging/build.sh"; exit 1; }
if [ ! -d "$DATA/caltech101" ] || [ ! -d "$DATA/formats" ]; then
    echo "SKIP bundle check: real photos not found in $DATA (../shared/data beside the checkout)"
    exit 0
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

echo "== unpacking $(basename "$PACKAGE") ($(du -h "$PACKAGE" | cut -f1))"
case "$PACKAGE" in
    *.deb)
        if [ "${ALBUM_CHECK_INSTALL:-0}" = 1 ]; then
            apt-get install -y -q "$(realpath "$PACKAGE")" >/dev/null
            trap 'apt-get purge -y -q album >/dev/null; rm -rf "$WORK"' EXIT
            BIN=/usr/bin/album
            [ -f /usr/share/applications/album.desktop ] || fail "no menu entry installed"
        else
            dpkg-deb -x "$PACKAGE" "$WORK/root"
            BIN="$WORK/root/opt/album/album"
            [ "$(readlink "$WORK/root/usr/bin/album")" = /opt/album/album ] || fail "/usr/bin/album does not point at the bundle"
            [ -f "$WORK/root/usr/share/applications/album.desktop" ] || fail "no .desktop entry"
            [ -f "$WORK/root/usr/share/icons/hicolor/256x256/apps/album.png" ] || fail "no icon"
        fi
        if command -v desktop-file-validate >/dev/null; then desktop-file-validate "$ROOT/packaging/linux/album.desktop"; fi
        ;;
    *.tar.gz)
        mkdir "$WORK/root" && tar -C "$WORK/root" -xzf "$PACKAGE"
        BIN="$(ls -d "$WORK"/root/album-*/album/album)"
        ;;
    *) fail "not a .deb or .tar.gz: $PACKAGE" ;;
esac
[ -x "$BIN" ] || fail "no executable at $BIN"
INTERNAL="$(dirname "$(realpath "$BIN")")/_internal"
for heavy in torch nvidia timm transformers open_clip; do
    [ ! -e "$INTERNAL/$heavy" ] || fail "the bundle contains $heavy"
done
[ -z "$(find "$INTERNAL" -name 'shape_predictor_68*')" ] || fail "the bundle contains the 68-point face model"
for model in shape_predictor_5_face_landmarks.dat dlib_face_recognition_resnet_model_v1.dat mmod_human_face_detector.dat; do
    [ -f "$INTERNAL/face_recognition_models/models/$model" ] || fail "the bundle lacks the face model $model"
done

# A user's session: no venv, no PYTHONPATH, no network, caches and library in fresh folders.
mkdir -p "$WORK/home" "$WORK/photos"
user_env() {  # user_env [NAME=VALUE...] COMMAND...
    env -i PATH=/usr/bin:/bin HOME="$WORK/home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
        XDG_CACHE_HOME="$WORK/home/.cache" XDG_DATA_HOME="$WORK/home/.local/share" \
        XDG_CONFIG_HOME="$WORK/home/.config" HF_HUB_OFFLINE=1 "$@"
}
run() { user_env "$BIN" "$@"; }

echo "== version"
EXPECTED="album $(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$ROOT/album/__init__.py")"
GOT="$(run --version)"
[ "$GOT" = "$EXPECTED" ] || fail "version: expected '$EXPECTED', got '$GOT'"
echo "$GOT"

echo "== indexing real photos headless"
# Every camera and phone format (HEIC, AVIF, WebP, TIFF, PNG, a DNG RAW, EXIF orientations):
# the native libraries of pillow-heif and rawpy must be in the bundle. DSCN*.jpg carry GPS
# positions in Arezzo, Tuscany.
cp "$DATA"/formats/* "$WORK/photos/"
for label in sunflower airplanes grand_piano Motorbikes pizza; do
    grep ",$label\$" "$DATA/caltech101/labels.csv" | head -4 | cut -d, -f1 | while read -r file; do
        cp "$DATA/caltech101/$file" "$WORK/photos/${label}_$(basename "$file")"
    done
done
# Faces: Caltech-101 Faces_easy photos (CC BY 4.0); 0245, 0249 and 0259 show one person.
grep ",Faces_easy\$" "$DATA/caltech101/labels.csv" | head -20 | cut -d, -f1 | while read -r file; do
    cp "$DATA/caltech101/$file" "$WORK/photos/Faces_easy_$(basename "$file")"
done
run folders add "$WORK/photos" >/dev/null
START=$(date +%s.%N)
run index --json > "$WORK/index.json"
END=$(date +%s.%N)
PHOTOS="$(ls "$WORK/photos" | wc -l)"
python3 - "$WORK/index.json" "$START" "$END" "$PHOTOS" <<'PY' || fail "indexing"
import json, sys
summary = json.load(open(sys.argv[1]))
print(f"indexed {summary['indexed']} photos, {len(summary['failed'])} failed, "
      f"{float(sys.argv[3]) - float(sys.argv[2]):.1f} s including start-up")
assert summary["indexed"] == int(sys.argv[4]) and not summary["failed"], summary
PY

echo "== searching"
for expected in "an airplane=airplanes" "a grand piano=grand_piano" "a motorbike=Motorbikes" "pizza=pizza"; do
    query="${expected%%=*}"
    run search "$query" --json --limit 3 > "$WORK/search.json"
    python3 - "$WORK/search.json" "$query" "${expected#*=}" <<'PY' || fail "search '$query'"
import json, os, sys
hits = json.load(open(sys.argv[1]))
label = sys.argv[3]
top = os.path.basename(hits[0]["path"]) if hits else None
print(f"'{sys.argv[2]}' -> {top} ({hits[0]['score']:.3f})" if hits else f"'{sys.argv[2]}' -> nothing")
assert top and top.startswith(label + "_"), hits
PY
done
run search "in Tuscany" --json --limit 50 > "$WORK/search.json"
python3 - "$WORK/search.json" <<'PY' || fail "place search 'in Tuscany'"
import json, os, sys
names = sorted(os.path.basename(h["path"]) for h in json.load(open(sys.argv[1])))
print(f"'in Tuscany' -> {', '.join(names)}")
assert names == [f"DSCN00{n}.jpg" for n in (10, 12, 21, 25, 27)], names  # the Arezzo photos, no others
PY

echo "== faces found and grouped (dlib and its models in the bundle)"
run people --json > "$WORK/people.json"
python3 - "$WORK/people.json" <<'PY' || fail "people: no faces found by the installed app"
import json, os, sys
people = json.load(open(sys.argv[1]))
print(f"{len(people)} persons: " + "; ".join(f"{p['faces']} faces" for p in people))
biggest = people[0]
names = sorted(os.path.basename(p) for p in biggest["photos"])
assert biggest["faces"] >= 3 and all(n.startswith("Faces_easy_") for n in names), people
PY

echo "== a label album-mini never learned is read through the shipped lexicon"
run labels add euphonium >/dev/null
run labels list --explain | grep "^euphonium .*read as: a bass horn" || fail "label grounding (resources/lexicon)"
run labels remove euphonium >/dev/null

echo "== downloading a better model (an ONNX CLIP from a local fake hub)"
if [ -x "$ROOT/.venv/bin/python" ]; then
    "$ROOT/.venv/bin/python" "$ROOT/tests/serve_tiny_onnx_clip.py" "$WORK" &
    HUB_PID=$!
    for _ in $(seq 120); do [ -f "$WORK/hub-url" ] || sleep 0.5; done
    read -r HUB_URL HUB_REPO < "$WORK/hub-url" || fail "the fake hub did not start"
    user_env HF_HUB_OFFLINE=0 HF_ENDPOINT="$HUB_URL" "$BIN" model set "onnx:$HUB_REPO" \
        || { kill "$HUB_PID"; fail "model download"; }
    kill "$HUB_PID"
    run status --json > "$WORK/status.json"
    python3 - "$WORK/status.json" "onnx:$HUB_REPO" "$PHOTOS" <<'PY' || fail "switching to the downloaded model"
import json, sys
status = json.load(open(sys.argv[1]))
print(f"model {status['model']}, {status['vectors']} vectors, pending {status['pending_model']}")
assert status["model"] == sys.argv[2] and status["vectors"] == int(sys.argv[3]) and not status["pending_model"], status
PY
    run search "a photo" --json --all > "$WORK/search.json"  # offline again: the cached model answers
    python3 -c "import json,sys; hits=json.load(open(sys.argv[1])); print(f'search with it: {len(hits)} photos'); assert len(hits) == int(sys.argv[2])" \
        "$WORK/search.json" "$PHOTOS" || fail "search with the downloaded model"
    run model set album-mini >/dev/null  # back, for the window and start-up checks below
else
    echo "skipped: needs the development install (.venv) to make and serve the test model"
fi

echo "== the window, offscreen"
run gui --screenshot "$WORK/window.png" --search "a grand piano"
python3 - "$WORK/window.png" <<'PY' || fail "screenshot"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
print(f"screenshot {width}x{height}, {len(data) // 1024} KB")
assert width >= 800 and height >= 500 and len(data) > 20_000, (width, height, len(data))
PY
[ -z "${ALBUM_CHECK_KEEP:-}" ] || cp "$WORK/window.png" "$ALBUM_CHECK_KEEP"

echo "== start-up to an interactive window (3 runs)"
for attempt in 1 2 3; do
    START=$(date +%s.%N)
    user_env ALBUM_STARTUP_REPORT="$WORK/startup.json" "$BIN" gui --no-index </dev/null
    python3 -c "import json,sys; print(f'  {json.load(open(sys.argv[1]))[\"interactive_at\"] - float(sys.argv[2]):.2f} s')" \
        "$WORK/startup.json" "$START" || fail "no start-up report"
    rm -f "$WORK/startup.json"
done
echo "OK: the bundle works"
