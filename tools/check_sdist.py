"""Run the test suite of a built sdist in a fresh venv, as a packager would.

``python tools/check_sdist.py DIST_DIR WORK_DIR``: unpacks the one ``*.tar.gz`` in DIST_DIR
into WORK_DIR, makes a venv there, installs the sdist with its ``test`` extra and runs
``python -m pytest`` inside the unpacked tree. Exits with pytest's status. ``tox -e package``
runs it after ``python -m build``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import venv
from pathlib import Path


def main(dist: Path, work: Path) -> int:
    (sdist,) = dist.glob("*.tar.gz")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        archive.extractall(work, filter="data")
    (tree,) = (path for path in work.iterdir() if path.is_dir())
    env = work / "venv"
    venv.create(env, with_pip=True)
    python = env / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", f"{sdist}[test]"], check=True)
    print(f"check_sdist: running the test suite of {sdist.name} in {tree}", flush=True)
    return subprocess.run(
        [python, "-m", "pytest", "-q", "-n", "2"], cwd=tree, check=False
    ).returncode


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
