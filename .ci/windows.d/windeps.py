"""Requirements a Windows pip would install that the Linux pip left out.

    python3 windeps.py --pyproject          (run in the project's root)
    python3 windeps.py SITE_PACKAGES PY_FULL_VERSION [REQUIREMENT ...]

The Linux pip, even with --platform win_amd64 --python-version X, evaluates
environment markers for the machine it runs on: click's
`colorama; platform_system == "Windows"` is skipped. This prints, one a
line, each requirement (of the ones given, and of every *.dist-info in
SITE_PACKAGES) whose marker holds on Windows x64 with that CPython and which
is not installed there yet. --pyproject prints pyproject.toml's [project]
dependencies, one a line.
"""

import sys
import tomllib
from pathlib import Path

from pip._vendor.packaging.markers import default_environment
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name

if sys.argv[1:] == ["--pyproject"]:
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    print("\n".join(project.get("dependencies", [])))
    raise SystemExit(0)
if len(sys.argv) < 3:
    raise SystemExit(__doc__)

site, full = Path(sys.argv[1]), sys.argv[2]
windows = default_environment() | {
    "os_name": "nt",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "platform_machine": "AMD64",
    "platform_release": "10",
    "platform_version": "10.0.19045",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "implementation_version": full,
    "python_full_version": full,
    "python_version": ".".join(full.split(".")[:2]),
}

installed, wanted = set(), [Requirement(r) for r in sys.argv[3:]]
for info in site.glob("*.dist-info"):
    meta = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
    head = meta.split("\n\n", 1)[0]
    for line in head.splitlines():
        if line.startswith("Name:"):
            installed.add(canonicalize_name(line[5:].strip()))
        elif line.startswith("Requires-Dist:"):
            wanted.append(Requirement(line[14:].strip()))

missing = {}
for req in wanted:
    if req.marker is not None and not req.marker.evaluate(windows | {"extra": ""}):
        continue
    name = canonicalize_name(req.name)
    if name not in installed:
        req.marker = None
        missing.setdefault(name, str(req))
print("\n".join(missing.values()))
