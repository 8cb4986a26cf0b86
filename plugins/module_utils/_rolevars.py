# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles' own variables, each checked by the form it must have, all problems at once.

The intent is checked by preflight; a role's variables (a path of a DNS
server, a route protocol, a namespace) are checked by the role's first task,
which site.yml runs for every place before anything changes. A value reaches
a configuration file, a command line or an object of the cluster, so each is
one line of printable text and matches its form in full.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from ansible_collections.flatnet.kube.plugins.module_utils import _text

_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"


def _full(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


def _parses(parse: Callable[[str], Any]) -> Callable[[str], bool]:
    """A test that holds when ``parse`` takes the value without a ValueError."""
    def test(value: str) -> bool:
        try:
            parse(value)
        except ValueError:
            return False
        return True
    return test


_address = _parses(ipaddress.ip_address)
_ipv4 = _parses(ipaddress.IPv4Address)
_network = _parses(lambda value: ipaddress.ip_network(value, strict=True))


def _cidr(value: str) -> bool:
    return "/" in value and _network(value)


def _route_protocol(value: str) -> bool:
    if value.isdigit():
        return 0 <= int(value) <= 255
    return re.fullmatch(r"[a-z][a-z0-9_-]{0,30}", value) is not None


def _path(value: str) -> bool:
    return value.startswith("/") and not set(value) & set('"\\')


#: kind: (test of a non-empty string, the form as a message says it, whether the empty string is accepted).
KINDS: Dict[str, tuple] = {
    "line": (lambda value: True, "one line of printable text", True),
    "path": (_path, "an absolute path without quotes or backslashes, such as /etc/bind/named.conf.local", True),
    "ipv4": (_ipv4, "an IPv4 address such as 10.200.20.254", True),
    "cidr": (_cidr, "a network in CIDR form such as 10.200.20.0/24 (no host bits set)", True),
    "address": (_address, "an IP address such as 10.233.0.3", False),
    "interface": (_full(r"[A-Za-z0-9_.@-]{1,15}"), "a Linux interface name of 1 to 15 letters, digits and _ . @ -, such as eth1", True),
    "route_protocol": (_route_protocol, "a route protocol: a number from 0 to 255 or a name from /etc/iproute2/rt_protos, such as static or 250", False),
    "k8s_label": (_full(_DNS_LABEL), "a Kubernetes name (RFC 1123 label): lower-case letters, digits and '-', 1 to 63, such as kube-system", False),
    "k8s_subdomain": (lambda value: len(value) <= 253 and _full(r"%s(?:\.%s)*" % (_DNS_LABEL, _DNS_LABEL))(value),
                      "a Kubernetes object name (RFC 1123 subdomain) such as calico-node", False),
    "secret_key": (_full(r"[-._a-zA-Z0-9]{1,253}"), "a key of a Secret's data: letters, digits and - _ ., such as password", False),
    "domain": (lambda value: _text.host_name_problem(value, "") is None, "a DNS domain such as cluster.local", False),
    "word": (_full(r"[A-Za-z0-9_.-]{1,64}"), "a word of 1 to 64 letters, digits and _ . -", True),
}


def _choice(choices: Sequence[str]) -> tuple:
    return (lambda value: value in choices, "one of %s" % ", ".join(choice or "'' (empty)" for choice in choices), "" in choices)


def _one(name: str, value: Any, kind: Any) -> Optional[str]:
    test, form, empty_ok = _choice(kind) if isinstance(kind, (list, tuple)) else KINDS[kind]
    if not isinstance(value, str):
        return "%s: %r is of type %s; it must be %s." % (name, value, type(value).__name__, form)
    found = _text.control_character(value)
    if found is not None:
        return ("%s: %s holds the control character '%s' at position %d; it must be %s. Remove it (a YAML block scalar "
                "such as '|' adds a line break at the end)." % (name, _text.shown(value), found[1], found[0], form))
    if value == "":
        return None if empty_ok else "%s: the value is empty; it must be %s." % (name, form)
    if not test(value):
        return "%s: %s is not %s." % (name, _text.shown(value), form)
    return None


def problems(checked: Mapping[str, Sequence[Any]]) -> List[str]:
    """Every problem of the variables, given as {name: [kind, value]}.

    A kind ending in ``[]`` is a list of that kind (None means the role's
    default); a list as the kind is the values allowed. The message names the variable (with its list index), shows
    the value escaped, and says the form it must have.
    """
    found = []
    for name, (kind, value) in checked.items():
        if isinstance(kind, str) and kind.endswith("[]"):
            if value is None:
                continue
            if not isinstance(value, (list, tuple)):
                found.append("%s: %s must be a list." % (name, _text.shown(value)))
                continue
            for index, item in enumerate(value):
                problem = _one("%s[%d]" % (name, index), item, kind[:-2])
                if problem is not None:
                    found.append(problem)
        else:
            problem = _one(name, value, kind)
            if problem is not None:
                found.append(problem)
    return found
