# Builds album's Windows installer: dist\album-<version>-setup.exe.
# Needs: Python 3.11 with the dev install (`py -3.11 -m venv .venv; .venv\Scripts\pip install
# torch==2.14.1 torchvision==0.29.1 --index-url https://download.pytorch.org/whl/cpu; .venv\Scripts\pip install -e .[dev,packaging]`)
# and Inno Setup 6 (iscc on PATH). Run from the repository root: powershell -File packaging\windows\build.ps1
$ErrorActionPreference = "Stop"
$Python = ".venv\Scripts\python.exe"
$Version = & $Python -c "import album; print(album.__version__)"
$Prebuilt = "build\album-mini-prebuilt"
& $Python packaging\export_model.py $Prebuilt
$env:ALBUM_PREBUILT = (Resolve-Path $Prebuilt).Path
& $Python -m PyInstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\album.spec
iscc "/DAppVersion=$Version" packaging\windows\album.iss
