# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Put the offline pip bootstrap where ansible-test looks for it.

Run with the Python that has ansible-core installed. It asks ansible-test
which pip version its virtual environments use and, when no bootstrap
script for that version is cached yet, installs get_pip_offline.py in its
place. A cached script (the official one included) is left alone.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "get_pip_offline.py")
CACHE = os.path.expanduser("~/.ansible/test/cache")


class _Python:  # pylint: disable=too-few-public-methods
    """The one attribute of ansible-test's PythonConfig that get_venv_packages reads."""

    def __init__(self, version: str) -> None:
        self.version = version


def wanted_pip_version(python_version: str) -> str:
    """Return the pip version ansible-test bootstraps for python_version."""
    from ansible_test._internal import python_requirements  # pylint: disable=import-outside-toplevel

    try:
        return python_requirements.get_venv_packages(_Python(python_version))["pip"]
    except (AttributeError, KeyError, TypeError):
        # Internal API moved: read the default from the source instead.
        with open(python_requirements.__file__, encoding="utf-8") as source:
            match = re.search(r"pip='([0-9.]+)'", source.read())
        if not match:
            raise SystemExit("cannot tell which pip version ansible-test bootstraps") from None
        return match.group(1)


def main() -> int:
    """Install the stand-in unless a bootstrap script is already cached."""
    python_version = sys.argv[1] if len(sys.argv) > 1 else "%d.%d" % sys.version_info[:2]
    pip_version = wanted_pip_version(python_version)
    target = os.path.join(CACHE, "get_pip_%s.py" % pip_version.replace(".", "_"))
    if os.path.exists(target):
        print("ansible-test pip %s bootstrap: using cached %s" % (pip_version, target))
        return 0
    os.makedirs(CACHE, exist_ok=True)
    shutil.copyfile(STANDIN, target)
    print("ansible-test pip %s bootstrap: installed the offline stand-in as %s" % (pip_version, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
