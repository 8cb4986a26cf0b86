# SPDX-License-Identifier: GPL-3.0-or-later
"""Make ``ansible_collections.flatnet.kube`` importable from a plain checkout.

The collection root is this repository, but Python imports it by its
collection path, so a throw-away ``ansible_collections/flatnet/kube``
symlink to the checkout is put first on sys.path. Inside a built
collection tree (as ansible-test makes) the link is not needed.
"""

from __future__ import annotations

import os
import sys
import tempfile

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collection_parent() -> str:
    parts = _ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3] == "ansible_collections":
        return os.sep.join(parts[:-3])
    parent = tempfile.mkdtemp(prefix="flatnet-units-")
    namespace = os.path.join(parent, "ansible_collections", "flatnet")
    os.makedirs(namespace)
    os.symlink(_ROOT, os.path.join(namespace, "kube"))
    return parent


sys.path.insert(0, _collection_parent())
