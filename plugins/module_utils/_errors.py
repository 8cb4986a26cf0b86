# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one exception family of flatnet.kube.

Every check in module_utils raises FlatnetError with a message that names
the setting, the bad value and what to do instead. Modules turn it into
fail_json in one place; filters turn it into AnsibleFilterError.
"""

from __future__ import annotations


class FlatnetError(ValueError):
    """A value is wrong; the message says which one and how to fix it."""
