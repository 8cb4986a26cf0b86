# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lines no vendor module carries (``cli``), against the switch's running configuration: what cli_config would
send again on every run although the switch holds it already, in its own form, is left out (IOS, NX-OS, IOS XR, EOS).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional

# Cisco's type 7 is a reversible obfuscation with a published key, not encryption: it can be compared.
_TYPE7_KEY = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def _type7(text: str) -> Optional[str]:
    if not re.fullmatch(r"[0-9]{2}(?:[0-9A-Fa-f]{2})+", text):
        return None
    offset = int(text[:2])
    return "".join(chr(int(text[index:index + 2], 16) ^ ord(_TYPE7_KEY[(offset + index // 2 - 1) % len(_TYPE7_KEY)]))
                   for index in range(2, len(text), 2))


def _device_password(part: Mapping[str, Any], platform: str, running: str) -> Optional[Dict[str, Any]]:
    """The group's password as the running configuration holds it: its encryption type and key, or None."""
    name = re.escape(part["peer_group"]["name"])
    if platform == "iosxr":
        group = re.search(r"^ neighbor-group %s\n((?:  .*\n?)*)" % name, running, re.M)
        found = group and re.search(r"^  password (clear|encrypted) (\S.*?)\s*$", group.group(1), re.M)
        return {"type": 0 if found.group(1) == "clear" else "encrypted", "key": found.group(2)} if found else None
    if platform in ("ios", "eos"):
        found = re.search(r"^ +neighbor %s password (?:([0-9]) )?(\S.*?)\s*$" % name, running, re.M)
    else:
        template = re.search(r"^  template peer %s\n((?:    .*\n?)*)" % name, running, re.M)
        found = template and re.search(r"^    password (?:([0-9]) )?(\S.*?)\s*$", template.group(1), re.M)
    if not found:
        return None
    return {"type": int(found.group(1) or 0), "key": found.group(2)}


def device_cli(part: Mapping[str, Any], platform: str, cli: List[str], running: str, resend_password: bool = False) -> Dict[str, Any]:
    """The ``cli`` lines (the platform's resource data) to send to a device whose running configuration of BGP (and nothing else) is ``running``, and
    how its password compares (``password``: none, absent, same, differs or uncompared).

    cli_config sends every line that the running configuration lacks byte for byte, so two lines would go out on every
    run: the password, which the device shows in another form (IOS with service password-encryption: type 7; NX-OS:
    type 3; EOS: its own type 7, always; IOS XR: `password encrypted`), and NX-OS's `graceful-restart`, on by default
    and never shown. The password line is therefore sent when the device has none or a different one; IOS's type 7
    key is compared (the type is reversible), any other type cannot be and is left as it is unless
    ``resend_password``. `graceful-restart` is sent only where the device shows `no graceful-restart`.
    """
    lines = list(cli)
    wanted = part["peer_group"]["password"]
    state = "none"
    if wanted:
        have = _device_password(part, platform, running)
        if have is None:
            state = "absent"
        elif have["type"] == 0:
            state = "same" if have["key"] == wanted else "differs"
        elif have["type"] == 7 and platform == "ios":
            state = "same" if _type7(have["key"]) == wanted else "differs"
        else:
            state = "uncompared"
        if state == "same" or (state == "uncompared" and not resend_password):
            lines = [line for line in lines if not re.fullmatch(r"\s*(neighbor \S+ )?password .*", line)]
            if platform == "iosxr" and lines and lines[-1].startswith(" neighbor-group "):
                lines.pop()  # the password was the only line of the group there
    if platform == "nxos" and not re.search(r"^  no graceful-restart\s*$", running, re.M):
        lines = [line for line in lines if line != "  graceful-restart"]
    return {"cli": lines, "password": state}


# How a running configuration ties a neighbor to flatnet's group: on one line (IOS, EOS, VyOS's set commands), or inside the neighbor's
# context (NX-OS's template, IOS XR's neighbor-group).
_MEMBER_LINE = {"ios": r"^ +neighbor (\S+) peer-group %s\s*$", "eos": r"^ +neighbor (\S+) peer group %s\s*$",
                "vyos": r"^set protocols bgp neighbor (\S+) peer-group '?%s'?\s*$"}
_MEMBER_INSIDE = {"nxos": r"\s+inherit peer %s\s*", "iosxr": r"\s+use neighbor-group %s\s*"}
_NEIGHBOR_CONTEXT = re.compile(r"(\s*)neighbor (\S+)(?: remote-as \S+)?\s*")


def device_members(part: Mapping[str, Any], platform: str, running: str) -> List[str]:
    """The neighbors that the running BGP configuration makes members of flatnet's group, in their order."""
    name = re.escape(part["peer_group"]["name"])
    if platform in _MEMBER_LINE:
        found = re.findall(_MEMBER_LINE[platform] % name, running, re.M)
    else:
        inside = re.compile(_MEMBER_INSIDE[platform] % name)
        found, context = [], None
        for line in running.splitlines():
            indent = len(line) - len(line.lstrip())
            entered = _NEIGHBOR_CONTEXT.fullmatch(line)
            if entered:
                context = (len(entered.group(1)), entered.group(2))
            elif context and indent > context[0] and inside.fullmatch(line):
                found.append(context[1])
            elif context and line.strip() and indent <= context[0]:
                context = None
    return list(dict.fromkeys(found))


def device_removal_part(part: Mapping[str, Any], platform: str, running: str, present: str) -> Optional[Dict[str, Any]]:
    """The model whose removal takes out what the switch holds of flatnet's part: the members it has (a node the plan
    no longer lists too; one it never had is not named), the listen range only where it stands. None when nothing of
    the part is on the switch (``present``: its running lines that name the group, lists and route maps)."""
    if part["peer_group"]["name"] not in present and not re.search(r"\bFLATNET-", present):
        return None
    listen = part["listen_range"] if part["listen_range"] and part["listen_range"] in running else None
    return dict(part, neighbors=device_members(part, platform, running), listen_range=listen)
