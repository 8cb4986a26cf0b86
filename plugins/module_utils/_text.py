# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Text that may reach a rendered file: one line of printable characters, names by full match.

A value with a line break in it would become a line of its own in a switch
configuration, a DNS server's file or a route script. Every string of the
intent is checked here before anything changes; the renderers check again.
Messages show a value with its control characters escaped, and never show
a secret at all.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, List, Optional, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*")
# What a BGP password may hold: the TCP MD5 key is at most 80 bytes (TCP_MD5SIG_MAXKEYLEN), and the value is written
# into FRR's and BIRD's configurations and a Kubernetes Secret, so no space, quote, backslash or '!'.
PASSWORD_CHARS = "letters, digits and _ . , : ; @ % ^ * + = ~ / ? < > ( ) [ ] { } | & $ # -"
_PASSWORD = re.compile(r"[A-Za-z0-9_.,:;@%^*+=~/?<>()\[\]{}|&$#-]{1,80}")
PASSWORD_MAX = 80

#: Keys whose values are secrets: checked, never shown.
SECRET_KEYS = frozenset(("password", "api_key"))


def shown(value: Any) -> str:
    """A value as a message shows it: quoted, with every control character escaped."""
    return repr(value)


def control_character(value: str) -> Optional[Tuple[int, str]]:
    """(position, escaped character) of the first control character in value, or None."""
    found = _CONTROL.search(value)
    return (found.start(), repr(found.group())[1:-1]) if found else None


def strings(value: Any, path: str) -> Iterator[Tuple[str, str, str]]:
    """(path, key, text) of every string in a nested structure of mappings and lists; mapping keys included."""
    if isinstance(value, str):
        yield path, path.rsplit(".", 1)[-1], value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield path + "." + key + " (the key)", "", key
            yield from strings(item, "%s.%s" % (path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from strings(item, "%s[%d]" % (path, index))


def one_line_problems(value: Any, path: str) -> List[str]:
    """A message for every string in value that holds a control character (secrets by position only)."""
    problems = []
    for where, key, text in strings(value, path):
        found = control_character(text)
        if found is None:
            continue
        position, character = found
        what = "holds" if key in SECRET_KEYS else "%s holds" % shown(text)
        problems.append("%s: %s the control character '%s' at position %d; a value that reaches a configuration file must "
                        "be one line of printable text: remove it (a YAML block scalar such as '|' adds a line break at "
                        "the end; use a plain or quoted string)." % (where, what, character, position))
    return problems


def check_one_line(value: Any, name: str, secret: bool = False) -> str:
    """Return value if it is a string without control characters; else raise FlatnetError naming it."""
    if not isinstance(value, str):
        raise FlatnetError("%s: %s is of type %s, not a string." % (name, "the value" if secret else shown(value), type(value).__name__))
    found = control_character(value)
    if found is not None:
        raise FlatnetError("%s: %s the control character '%s' at position %d; it would start a new line in the rendered "
                           "configuration. Remove it." % (name, "holds" if secret else "%s holds" % shown(value), found[1], found[0]))
    return value


def host_name_problem(value: Any, name: str) -> Optional[str]:
    """A message when value is not a host name (inventory host, device name) by full match; None when it is."""
    if isinstance(value, str) and len(value) <= 253 and _HOST_NAME.fullmatch(value):
        return None
    return ("%s: %s is not a host name; use letters, digits, '-' and '.', each dot-separated part 1 to 63 characters that "
            "starts and ends with a letter or digit, e.g. 'switch1' or 'core1.office.example' (the name of its host in the "
            "inventory)." % (name, shown(value)))


def password_problem(value: Any, name: str) -> Optional[str]:
    """A message when value cannot be a BGP password on every end; None when it can. The value is never shown."""
    if not isinstance(value, str):
        return "%s: the password is of type %s, not a string; quote it in YAML." % (name, type(value).__name__)
    if _PASSWORD.fullmatch(value):
        return None
    if len(value) > PASSWORD_MAX:
        return "%s: the password is %d characters long; TCP MD5 keys hold at most %d. Use a shorter one." % (name, len(value), PASSWORD_MAX)
    if not value:
        return "%s: the password is empty; give one, or leave the key out for no password." % name
    # Which character is wrong is part of the secret, so the message does not say.
    return ("%s: the password holds a character that cannot be written into the switch's and the nodes' BGP "
            "configurations (a space, a quote, a backslash, '!' or a non-ASCII character); use 1 to %d of %s."
            % (name, PASSWORD_MAX, PASSWORD_CHARS))
