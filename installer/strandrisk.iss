; Inno Setup 6 script for the StrandRisk Windows installer.
;
; Build (from the repository root, after `python -m PyInstaller --noconfirm --clean build.spec`):
;   for /f %v in ('python tools\version_info.py --version') do set V=%v
;   for /f %v in ('python tools\version_info.py --numeric') do set N=%v
;   iscc /DAppVersion=%V% /DAppVersionNumeric=%N% installer\strandrisk.iss
; The release workflow (.github/workflows/release.yml) does exactly this and adds signing.
;
; Installs for all users (Program Files, needs administrator rights) by default; where policy allows,
; the user can choose an install just for themselves (no administrator rights) in the first dialog, and IT
; can force either mode with /ALLUSERS or /CURRENTUSER. See docs/INSTALL.md.

#if Ver < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or later is needed (the x64compatible architecture)
#endif
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (python tools\version_info.py --version prints it)
#endif
#ifndef AppVersionNumeric
  #define AppVersionNumeric AppVersion
#endif
; The PyInstaller onedir output built by build.spec.
#ifndef SourceFolder
  #define SourceFolder "..\dist\StrandRisk"
#endif
#ifndef OutputFolder
  #define OutputFolder "..\dist\installer"
#endif

; tools/wincheck.sh builds a throw-away "previous version" with /DCompression=zip/1 to test upgrades quickly.
#ifndef Compression
  #define Compression "lzma2/max"
#endif

#define AppName "StrandRisk"
#define AppExeName "StrandRisk.exe"
#define AppPublisher "StrandRisk developers"
#define ProjectProgId "StrandRisk.Project"
#define ProjectIcon "_internal\strandrisk\resources\icons\strandrisk-project.ico"

[Setup]
; AppId identifies the product across versions: never change it, or upgrades install side by side.
AppId={{212E52C0-7778-419C-9B70-DB2C771AE685}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductVersion={#AppVersionNumeric}
VersionInfoDescription={#AppName} {#AppVersion} installer
VersionInfoCompany={#AppPublisher}
; Per-machine by default; per-user allowed from the dialog or the command line where policy permits.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog commandline
; {autopf} is Program Files for all users and %LOCALAPPDATA%\Programs for one user.
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\resources\icons\strandrisk.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName} {#AppVersion}
OutputDir={#OutputFolder}
OutputBaseFilename={#AppName}-{#AppVersion}-setup
Compression={#Compression}
SolidCompression=yes
WizardStyle=modern
; The .strandrisk association: Explorer is told to refresh its icons after install and uninstall.
ChangesAssociations=yes
; Close a running StrandRisk (Restart Manager) so an upgrade can replace its files.
CloseApplications=yes
RestartApplications=no
#ifdef Sign
; Set by the release workflow when signing secrets exist: iscc /DSign /Sstrandrisk=...
SignTool=strandrisk
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Upgrade: remove the previous version's program files first, so no stale library or resource from an
; older build is left beside the new one. User data (logs, autosaves, settings) lives elsewhere.
Type: filesandordirs; Name: "{app}\_internal"
Type: files; Name: "{app}\{#AppExeName}"

[Files]
Source: "{#SourceFolder}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "Stranded-cost risk modelling"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Registry]
; HKA is HKLM for an all-users install and HKCU for a per-user one.
; Uninstall removes only what is ours: the .strandrisk key and its OpenWithProgids go once empty (another
; program may have added itself there), the ProgID and the Applications entry go whole.
Root: HKA; Subkey: "Software\Classes\.strandrisk"; ValueType: string; ValueName: ""; ValueData: "{#ProjectProgId}"; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKA; Subkey: "Software\Classes\.strandrisk\OpenWithProgids"; ValueType: string; ValueName: "{#ProjectProgId}"; ValueData: ""; Flags: uninsdeletevalue uninsdeletekeyifempty
Root: HKA; Subkey: "Software\Classes\{#ProjectProgId}"; ValueType: string; ValueName: ""; ValueData: "StrandRisk project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProjectProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#ProjectIcon},0"
Root: HKA; Subkey: "Software\Classes\{#ProjectProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExeName}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExeName}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExeName}\SupportedTypes"; ValueType: string; ValueName: ".strandrisk"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
