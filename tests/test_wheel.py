"""What a user installs: the wheel, in a fresh virtual environment, away from
the source tree. Every folder of the package and its data (the catalogs in
``i18n/locale/``, the page's ``html/page.js`` and ``page.css``) must be in it."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import NEURON, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding bpcli's wheel (and nothing of the source tree); its
    dependencies are this environment's, on its path by a .pth line."""
    where = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(where), str(ROOT)]
    subprocess.run(build, check=True, cwd=where, capture_output=True)  # as pip builds it
    (wheel,) = where.glob("bpcli-*.whl")
    env_dir = where / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    found = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(found, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return env_dir


def _run(env_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LANGUAGE", "LANG")}
    return subprocess.run(
        list(args), capture_output=True, text=True, cwd=env_dir, env=env, encoding="utf-8"
    )


def test_the_installed_package_is_the_wheels(installed: Path) -> None:
    python = str(installed / "bin" / "python")
    code = "import bpcli, bpcli.i18n; print(bpcli.__file__); print(bpcli.__version__)"
    done = _run(installed, python, "-c", code)
    where, version = done.stdout.split()
    assert Path(where).is_relative_to(installed), where  # not the source tree
    assert version == "0.1.0"
    assert _run(installed, python, "-m", "bpcli", "--version").stdout.strip().endswith("0.1.0")


def test_the_page_in_russian_from_the_wheel(installed: Path) -> None:
    done = _run(installed, str(installed / "bin" / "bpcli"), "--lang", "ru", "trace", "--html",
                "-", str(NEURON))  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = done.stdout
    assert page.startswith("<!DOCTYPE html>") and '<html lang="ru"' in page
    assert "sg0.backward()" in page and "<svg" in page
    assert "обратный" in page.lower() or "вентил" in page  # the catalog was found
    assert "function" in page and "font" in page  # page.js and page.css were inlined
