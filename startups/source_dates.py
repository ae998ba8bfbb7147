"""When each file of an imported folder last changed, according to its git
history: the "last update" a sheet takes when it is first imported."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)

# git reads the whole history of the folder once; beta.gouv.fr's takes a few
# seconds.
GIT_TIMEOUT = 120


def git_commit_dates(root: Path | str) -> dict[str, dt.datetime]:
    """{path relative to `root`: date of the last commit that changed it}, for
    every file of `root`'s history, in one `git log` pass (newest commit first:
    a file's first appearance is its last change). Empty when `root` is not in
    a git checkout or git cannot be run."""
    command = [
        "git",
        "-c",
        "core.quotePath=false",  # accented file names as they are
        "-C",
        str(root),
        "log",
        "--format=%x00%cI",
        "--name-only",
        "--relative",
        "--no-renames",
        "--",
        ".",
    ]
    try:
        result = subprocess.run(
            command, capture_output=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("no git dates for %s: %s", root, exc)
        return {}
    if result.returncode != 0:
        return {}  # not a git checkout
    dates: dict[str, dt.datetime] = {}
    when = None
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("\x00"):
            when = dt.datetime.fromisoformat(line[1:])
        elif line and when is not None:
            dates.setdefault(line, when)
    return dates
