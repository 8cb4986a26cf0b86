# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test makes each of its virtual environments without pip, then runs
a cached get-pip script (``~/.ansible/test/cache/get_pip_<version>.py``)
with the wanted pip (for example ``pip==24.2``) and pip options as its
arguments. The official script carries pip inside itself and is downloaded
from the internet, which closed networks cannot do.

This stand-in starts from the pip wheel that the interpreter itself ships
(``ensurepip``), then asks that pip to install the requested version from
the package index pip is configured for (PyPI, or a mirror set with
PIP_INDEX_URL). When the index cannot serve it, the bundled pip stays and
a warning says so: ansible-test's own installs work with it.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys

# Options that only the official script understands; pip itself rejects them.
GET_PIP_ONLY_OPTIONS = frozenset(("--no-setuptools", "--no-wheel"))


def pip_arguments(argv: list[str]) -> list[str]:
    """Return the arguments to pass on to ``pip install``."""
    return [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]


def main(argv: list[str]) -> int:
    """Bootstrap pip into the running interpreter's environment."""
    # ensurepip clears PIP_* variables and hides pip's config files from
    # itself; the follow-up install must see the user's index, proxy and CA.
    environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    command = [sys.executable, "-m", "pip", "install", "--upgrade"] + pip_arguments(argv)
    if subprocess.call(command, env=environment) != 0:
        sys.stderr.write(
            "warning: could not install %s from the package index; keeping the interpreter's bundled pip\n"
            % " ".join(arg for arg in argv if not arg.startswith("-"))
        )
    return subprocess.call([sys.executable, "-m", "pip", "--version"], env=environment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
