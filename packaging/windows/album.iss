; Inno Setup script for album on Windows (not buildable on the Linux CI machine; see README).
; Build: run packaging\windows\build.ps1, which freezes the app into dist\album\ and then calls
;   iscc /DAppVersion=<version> packaging\windows\album.iss
; Output: dist\album-<version>-setup.exe (a per-user install: no administrator rights needed).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6C1B5E2A-4F0B-4E5C-9C55-5A1B7D8E3A10}
AppName=album
AppVersion={#AppVersion}
AppPublisher=album developers
DefaultDirName={localappdata}\Programs\album
DefaultGroupName=album
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=album-{#AppVersion}-setup
SetupIconFile=..\icons\album.ico
UninstallDisplayIcon={app}\album-gui.exe
Compression=lzma2/ultra64
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern

[Files]
Source: "..\..\dist\album\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; album-gui.exe is the windowed twin of the album.exe command-line tool (no console window).
Name: "{group}\album"; Filename: "{app}\album-gui.exe"; IconFilename: "{app}\album-gui.exe"
Name: "{userdesktop}\album"; Filename: "{app}\album-gui.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Registry]
; `album` in new terminals (per-user PATH).
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\album-gui.exe"; Description: "Start album"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; The library (%LOCALAPPDATA%\album) and downloaded models (%LOCALAPPDATA%\album\Cache) are the
; user's data: the uninstaller leaves them; the README says how to remove them.

[Code]
function NeedsAddPath(Param: string): boolean;
var
  OrigPath: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', OrigPath) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Param) + ';', ';' + Uppercase(OrigPath) + ';') = 0;
end;
