# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replacing a file in one step, for the modules that write configuration files, so that a crash leaves either the
old file or the new one, whole, and never an empty or partial file."""

from __future__ import annotations

import os
import tempfile
from typing import Optional, Tuple


def _sync_directory(directory: str) -> None:
    """fsync a directory, so that a rename or unlink in it survives a crash."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def replace(path: str, text: str, mode: int, owner: Optional[Tuple[int, int]] = None) -> None:
    """Write ``text`` to a temporary file beside ``path``, give it ``mode`` (and ``owner``), then rename it over ``path``.

    The temporary file is on disk (fsync) before the rename, and the rename is on disk (fsync of the directory) before
    this returns: readers, and a machine that crashes, see the old file or the new one, never a part. The temporary
    file is removed on any failure.
    """
    directory = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".flatnet-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if owner is not None:
            os.chown(temporary, *owner)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def remove(path: str) -> None:
    """Remove a file, the removal on disk before this returns; a file that is not there is no error."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    _sync_directory(os.path.dirname(path) or ".")
