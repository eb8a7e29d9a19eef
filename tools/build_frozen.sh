#!/usr/bin/env bash
# Build the frozen app on Linux with build.spec, check it works, and measure it.
#
#   tools/build_frozen.sh                 build into build/frozen + dist/StrandRisk, then check and measure
#   tools/build_frozen.sh --no-build      check and measure an existing dist/StrandRisk
#
# Checks (the script fails if any fails): the frozen `--smoke-test` and `run --sample --simulations 200`. Figures: folder size, zipped size, and
# start to a shown window for the frozen app against the same from source (python -m strandrisk) in the
# same run. Budgets: folder < 250 MB, zip < 100 MB, start to window < 3 s.
# Environment: STRANDRISK_BUILD_DIR, STRANDRISK_DIST_DIR (defaults build/frozen and dist, both gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK="${STRANDRISK_BUILD_DIR:-build/frozen}"
DIST="${STRANDRISK_DIST_DIR:-dist}"
APP="$DIST/StrandRisk"
PYTHON="${PYTHON:-python}"

echo "== Qt binding: measured for the None leak that aborts the app (issue 17)"
"$PYTHON" -c "import sys; from strandrisk.__main__ import leaking_qt_binding as probe; p = probe(); print(p or 'ok: no leak'); sys.exit(1 if p else 0)"

if [ "${1:-}" != "--no-build" ]; then
  build_start=$(date +%s)
  "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN --workpath "$WORK" --distpath "$DIST" build.spec
  echo "Build took $(( $(date +%s) - build_start )) s"
fi
[ -x "$APP/StrandRisk" ] || { echo "no frozen app at $APP" >&2; exit 1; }
APP="$(cd "$APP" && pwd)"

export QT_QPA_PLATFORM=offscreen
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
export STRANDRISK_DATA_DIR="$SCRATCH/user-data"

echo "== frozen smoke test"
"$APP/StrandRisk" --smoke-test
echo "== frozen run --sample --simulations 200 (from another folder)"
( cd "$SCRATCH" && "$APP/StrandRisk" run --sample --simulations 200 --out "$SCRATCH/run-report.xlsx" )
[ -s "$SCRATCH/run-report.xlsx" ] || { echo "run --sample wrote no report" >&2; exit 1; }

# Start to a shown window: launch time taken here, the moment the window is shown printed by the smoke test.
start_to_window() {
  local t0 out shown
  t0=$(date +%s.%N)
  out=$("$@" --smoke-test)
  shown=$(printf '%s\n' "$out" | sed -n 's/.*window shown at unix time \([0-9.]*\).*/\1/p')
  [ -n "$shown" ] || { echo "no window time in: $out" >&2; return 1; }
  "$PYTHON" -c "print(f'{$shown - $t0:.2f}')"
}
echo "== start to window (s): first start after the build, then two more"
frozen_times=()
source_times=()
for i in 1 2 3; do
  frozen_times+=("$(start_to_window "$APP/StrandRisk")")
  source_times+=("$(start_to_window "$PYTHON" -m strandrisk)")
done

folder_bytes=$(du -sb "$APP" | cut -f1)
"$PYTHON" - "$APP" "$SCRATCH/StrandRisk-portable.zip" <<'EOF'
import os, sys, zipfile
from pathlib import Path
app, target = Path(sys.argv[1]), sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
    for path in sorted(app.rglob("*")):
        name = str(Path("StrandRisk") / path.relative_to(app))
        if path.is_symlink():
            # PyInstaller links Qt libraries into _internal on Linux; store the link, as `zip -y` does.
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            zf.writestr(info, os.readlink(path))
        elif path.is_file():
            zf.write(path, name)
EOF
zip_bytes=$(stat -c %s "$SCRATCH/StrandRisk-portable.zip")
files=$(find "$APP" -type f | wc -l)

"$PYTHON" - "$folder_bytes" "$zip_bytes" "$files" "${frozen_times[*]}" "${source_times[*]}" <<'EOF'
import statistics, sys
folder, zipped, files = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
frozen = [float(x) for x in sys.argv[4].split()]
source = [float(x) for x in sys.argv[5].split()]
mb = 1024 * 1024
med_f, med_s = statistics.median(frozen), statistics.median(source)
rows = [
    ("Folder dist/StrandRisk", f"{folder / mb:.1f} MB ({files} files)", "< 250 MB", folder < 250 * mb),
    ("Zipped (deflate 9)", f"{zipped / mb:.1f} MB", "< 100 MB", zipped < 100 * mb),
    ("Start to window, frozen, first start", f"{frozen[0]:.2f} s", "< 3 s", frozen[0] < 3),
    ("Start to window, frozen, median of 3", f"{med_f:.2f} s", "< 3 s", med_f < 3),
    ("Start to window, from source (baseline), median of 3", f"{med_s:.2f} s", "", None),
    ("Frozen / source start ratio", f"{med_f / med_s:.2f}", "", None),
]
print("\n| Measure | Value | Budget | Within |\n|---|---|---|---|")
for name, value, budget, ok in rows:
    print(f"| {name} | {value} | {budget} | {'' if ok is None else ('yes' if ok else 'NO')} |")
print(f"\nfrozen start times: {frozen}; source start times: {source}")
EOF
echo "Frozen build checks passed."
