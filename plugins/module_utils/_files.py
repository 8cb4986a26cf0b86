# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replacing a file in one step, for the modules that write configuration files."""

from __future__ import annotations

import os
import tempfile
from typing import Optional, Tuple


def replace(path: str, text: str, mode: int, owner: Optional[Tuple[int, int]] = None) -> None:
    """Write ``text`` to a temporary file beside ``path``, give it ``mode`` (and ``owner``), then rename it over ``path``.

    Readers see the old file or the new one, never a part; the temporary file is removed on any failure.
    """
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".flatnet-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        if owner is not None:
            os.chown(temporary, *owner)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
