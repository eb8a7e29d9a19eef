"""The release version, from the single source (pyproject.toml [project].version), for the build.

    python tools/version_info.py --version          prints 0.1.0 (the workflow passes it to iscc /DAppVersion)
    python tools/version_info.py --numeric          prints 0.1.0.0 (iscc /DAppVersionNumeric: Windows file version)
    python tools/version_info.py --write FILE       writes the Windows version resource PyInstaller embeds

build.spec calls write_version_file() itself; the installed package reports the same version through
importlib.metadata, and the spec refuses to build when the two disagree (a stale install).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
COMPANY = "StrandRisk developers"
PRODUCT = "StrandRisk"
DESCRIPTION = "StrandRisk - stranded-cost risk modelling for NHS trusts"


def project_version(pyproject: Path = PYPROJECT) -> str:
    with open(pyproject, "rb") as fh:
        return tomllib.load(fh)["project"]["version"]


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """Windows wants four 16-bit numbers: 1.2.3 -> (1, 2, 3, 0); pre-release tags are dropped (1.2.0rc1 -> 1.2.0.0)."""
    match = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?", version)
    if not match:
        raise ValueError(f"version {version!r} does not start with a number")
    parts = tuple(int(p or 0) for p in match.groups())
    if any(p > 65535 for p in parts):
        raise ValueError(f"version {version!r}: Windows version numbers must be 0-65535")
    return parts  # type: ignore[return-value]


def version_resource(version: str, exe_name: str = "StrandRisk.exe") -> str:
    """The version resource in PyInstaller's VSVersionInfo text form (what Explorer shows in Properties)."""
    nums = version_tuple(version)
    strings = {
        "CompanyName": COMPANY,
        "FileDescription": DESCRIPTION,
        "FileVersion": version,
        "InternalName": "StrandRisk",
        "LegalCopyright": f"(c) {COMPANY}",
        "OriginalFilename": exe_name,
        "ProductName": PRODUCT,
        "ProductVersion": version,
    }
    string_structs = ",\n          ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={nums},
    prodvers={nums},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('080904B0', [
          {string_structs}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [2057, 1200])])
  ]
)
"""


def write_version_file(path: Path, version: str | None = None, exe_name: str = "StrandRisk.exe") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(version_resource(version or project_version(), exe_name), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="store_true", help="print the release version")
    parser.add_argument("--numeric", action="store_true", help="print it as four numbers for Windows")
    parser.add_argument("--write", metavar="FILE", help="write the Windows version resource to FILE")
    args = parser.parse_args(argv)
    if args.write:
        write_version_file(Path(args.write))
    if args.numeric:
        print(".".join(str(n) for n in version_tuple(project_version())))
    if args.version or not (args.write or args.numeric):
        print(project_version())
    return 0


if __name__ == "__main__":
    sys.exit(main())
