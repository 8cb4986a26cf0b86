# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch model as the system-view commands of Huawei VRP and H3C Comware 7.

No resource module writes these platforms, so the part is rendered here as
text: the lines a network engineer types in system view, each view left with
``quit``, indented as the devices display them. The syntax is from the
vendors' command references:

- VRP: the Huawei S1720/S2700/S5700/S6720 V200R011C10 and CloudEngine 5800/6800/7800/8800 (V200R0xx) command
  references (ip ip-prefix, route-policy, bgp, group, peer ..., ipv4-family unicast, maximum load-balancing, and the
  4-byte AS forms of as-notation plain);
- Comware 7: the H3C S12500X-AF R28xx and HPE 5710 (Comware 7) Layer 3 IP Routing command references (ip prefix-list,
  route-policy, bgp, group, peer ..., address-family ipv4 unicast, balance, and dynamic peers as
  ``peer <subnet> <length> group``).

Both CLIs take ``?`` as a request for help wherever it is typed, so a value holding one cannot be sent as text.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Mapping, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils import _text
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

COMMENT_VRP = "#"
COMMENT_COMWARE = "#"

# Options a platform cannot express (option: reason), for the platform registry, so that preflight refuses them.
CANNOT_VRP: Dict[str, str] = {
    "listen_range": "VRP has no dynamic BGP peers in the S series V200R0xx command references, and where a release has them "
                    "they take a peer group of their own type; list the peering nodes (neighbor_mode neighbors) instead",
}
CANNOT_COMWARE: Dict[str, str] = {}

# Lines for the header of a review file: how the platform takes the file.
NOTES_VRP: Tuple[str, ...] = (
    "type these lines in system view (system-view); on a CloudEngine in two-stage mode, commit after them; then save",
    "the device stores the password encrypted: display current-configuration shows it as cipher text",
)
NOTES_COMWARE: Tuple[str, ...] = (
    "type these lines in system view (system-view), then save to keep them across a reboot",
    "the device stores the password encrypted: display current-configuration shows it as cipher text",
)

# Comware 7 takes a peer (group) description of at most 79 characters; VRP at most 255.
_DESCRIPTION_MAX = {"vrp": 255, "comware": 79}


def _typed(value: str, what: str, platform: str, secret: bool = False) -> str:
    """``value`` as it may be typed at the platform's CLI: one line, no '?' (the CLI's help key)."""
    _text.check_one_line(value, what, secret=secret)
    if "?" in value:
        raise FlatnetError("%s cannot hold '?' on %s: its CLI reads '?' as a request for help%s"
                           % (what, platform, "" if secret else " (%s)" % _text.shown(value)))
    return value


def _description(part: Mapping[str, Any], platform: str) -> str:
    description = _typed(part["peer_group"]["description"], "the peer group's description", platform)
    if len(description) > _DESCRIPTION_MAX[platform]:
        raise FlatnetError("the peer group's description is %d characters long; %s takes at most %d: %s"
                           % (len(description), platform, _DESCRIPTION_MAX[platform], _text.shown(description)))
    return description


def _address_and_length(prefix: str) -> Tuple[str, int]:
    address, length = prefix.split("/")
    return address, int(length)


def _prefix_entry(keyword: str, name: str, entry: Mapping[str, Any]) -> str:
    """One index of a prefix list. Both vendors read a missing greater-equal as the prefix's own length, so it is
    written only when it is longer (as FRR's renderer does)."""
    address, length = _address_and_length(entry["prefix"])
    return "%s %s index %d %s %s %d%s less-equal %d" % (
        keyword, name, entry["seq"], entry["action"], address, length,
        " greater-equal %d" % entry["ge"] if entry["ge"] > entry["prefixlen"] else "", entry["le"])


def _prefix_lists(part: Mapping[str, Any], keywords: Mapping[int, str]) -> List[str]:
    lines = []
    for family in part["families"]:
        prefix_list = family["prefix_list"]
        lines += [_prefix_entry(keywords[family["family"]], prefix_list["name"], entry) for entry in prefix_list["entries"]]
    return lines


def _route_policy_out(part: Mapping[str, Any]) -> List[str]:
    # A node with no if-match clause matches every route: with deny, the group is sent nothing.
    out = part["route_map_out"]
    return ["route-policy %s %s node %d" % (out["name"], out["action"], out["seq"]), "quit"]


def _group_lines(part: Mapping[str, Any], platform: str, remote_as: str, ttl_security: str, password_keyword: str) -> List[str]:
    """The BGP view's lines: the instance settings asked for, the group, its session options and its members."""
    group = part["peer_group"]
    name = group["name"]
    lines = []
    if part["router_id"]:
        lines.append(" router-id %s" % part["router_id"])
    if part["graceful_restart"]:
        lines.append(" graceful-restart")
    if group["session_type"] == "ibgp":
        # An internal group peers in the switch's own AS: the group type says so, no as-number is given.
        lines.append(" group %s internal" % name)
    else:
        lines += [" group %s external" % name, " peer %s as-number %s" % (name, remote_as)]
    lines.append(" peer %s description %s" % (name, _description(part, platform)))
    if group["password"]:
        lines.append(" peer %s password %s %s" % (name, password_keyword, _typed(group["password"], "the session's password", platform, secret=True)))
    if group["ttl_security_hops"]:
        lines.append(" peer %s %s %d" % (name, ttl_security, group["ttl_security_hops"]))
    return lines


def _family_lines(part: Mapping[str, Any], family: Mapping[str, Any], prefix_keyword: str, balance: str) -> List[str]:
    """One address family's lines: the group enabled in it, its filters both ways, its prefix limit, ECMP."""
    name = part["peer_group"]["name"]
    lines = []
    if part["maximum_paths"] is not None:
        # Only the session type of the group: the other type's ECMP stays the switch's own.
        lines.append("  %s %s %d" % (balance, part["peer_group"]["session_type"], part["maximum_paths"]))
    lines += ["  peer %s enable" % name,
              "  peer %s %s %s import" % (name, prefix_keyword, family["prefix_list"]["name"]),
              "  peer %s route-policy %s export" % (name, part["route_map_out"]["name"]),
              "  peer %s route-limit %d" % (name, family["maximum_prefix"]),
              " quit"]
    return lines


def render_vrp(part: Mapping[str, Any]) -> str:
    """The model as Huawei VRP system-view commands: flatnet's part.

    AS numbers are written asdot (x.y for a 4-byte AS): VRP takes both forms, keeps the one typed in its
    configuration and displays 4-byte AS numbers dotted by default (as-notation plain changes only the display), so the
    dotted form is the one a VRP operator reads back. The password is given with ``cipher``, which takes the plain
    text and stores it encrypted (``simple`` would keep it readable in the configuration).
    """
    if part["listen_range"]:
        raise FlatnetError("the switch platform vrp cannot take a listen range: %s" % CANNOT_VRP["listen_range"])
    name = part["peer_group"]["name"]
    lines = _prefix_lists(part, {4: "ip ip-prefix", 6: "ip ipv6-prefix"}) + _route_policy_out(part)
    lines.append("bgp %s" % part["as_dot"])
    lines += _group_lines(part, "vrp", part["peer_group"]["remote_as_dot"], "valid-ttl-hops", "cipher")
    lines += [" peer %s group %s" % (address, name) for address in part["neighbors"]]
    for family in part["families"]:
        lines.append(" %s-family unicast" % family["afi"])
        lines += _family_lines(part, family, "ip-prefix" if family["family"] == 4 else "ipv6-prefix", "maximum load-balancing")
    lines.append("quit")
    return "\n".join(lines) + "\n"


def render_comware(part: Mapping[str, Any]) -> str:
    """The model as H3C Comware 7 system-view commands: flatnet's part.

    AS numbers are written asplain: Comware 7 takes and displays an AS number only as an integer (1 to 4294967295).
    The password is given with ``simple`` (the plain text); Comware stores it encrypted and displays it with ``cipher``.
    A listen range is a dynamic peer subnet added to the group.
    """
    name = part["peer_group"]["name"]
    lines = _prefix_lists(part, {4: "ip prefix-list", 6: "ipv6 prefix-list"}) + _route_policy_out(part)
    lines.append("bgp %d" % part["as_number"])
    lines += _group_lines(part, "comware", str(part["peer_group"]["remote_as"]), "ttl-security hops", "simple")
    if part["listen_range"]:
        lines.append(" peer %s %d group %s" % (_address_and_length(part["listen_range"]) + (name,)))
    lines += [" peer %s group %s" % (address, name) for address in part["neighbors"]]
    for family in part["families"]:
        lines.append(" address-family %s unicast" % family["afi"])
        lines += _family_lines(part, family, "prefix-list", "balance")
    lines.append("quit")
    return "\n".join(lines) + "\n"


def _removal(part: Mapping[str, Any], as_number: str, peers: List[str], list_keywords: Mapping[int, str]) -> str:
    """The members (or dynamic peer subnet), the group, then its route policy and prefix lists, with ``undo``.

    Each member goes by itself (``undo peer``) before the group, so that no other peer of the switch is touched; the
    instance settings (router-id, graceful restart, ECMP) stay: after the change they are the switch's own.
    """
    lines = ["bgp %s" % as_number] + [" undo peer %s" % peer for peer in peers]
    lines += [" undo group %s" % part["peer_group"]["name"], "quit", "undo route-policy %s" % part["route_map_out"]["name"]]
    lines += ["undo %s %s" % (list_keywords[family["family"]], family["prefix_list"]["name"]) for family in part["families"]]
    return "\n".join(lines) + "\n"


def removal_vrp(part: Mapping[str, Any]) -> str:
    """VRP system-view commands that take flatnet's part out again and leave every other line."""
    return _removal(part, part["as_dot"], list(part["neighbors"]), {4: "ip ip-prefix", 6: "ip ipv6-prefix"})


def removal_comware(part: Mapping[str, Any]) -> str:
    """Comware 7 system-view commands that take flatnet's part out again and leave every other line."""
    peers = list(part["neighbors"])
    if part["listen_range"]:
        peers.insert(0, "%s %d" % _address_and_length(part["listen_range"]))
    return _removal(part, str(part["as_number"]), peers, {4: "ip prefix-list", 6: "ipv6 prefix-list"})


# Every form of line flatnet writes on these platforms; a line of another form is not flatnet's part.
_OWNED_FORMS = {
    "vrp": (
        r"ip (ip|ipv6)-prefix {list} index \d+ permit [0-9a-fA-F.:]+ \d+( greater-equal \d+)? less-equal \d+",
        r"route-policy {out} deny node \d+",
        r"bgp {as_dot}",
        r"(ipv4|ipv6)-family unicast",
        r"peer {group} (ip-prefix|ipv6-prefix) {list} import",
        r"maximum load-balancing {session} {paths}",
        r"peer {group} valid-ttl-hops \d+",
        r"peer {group} as-number \d+(\.\d+)?",
        r"undo (ip ip-prefix|ip ipv6-prefix) {list}",
    ),
    "comware": (
        r"(ip|ipv6) prefix-list {list} index \d+ permit [0-9a-fA-F.:]+ \d+( greater-equal \d+)? less-equal \d+",
        r"route-policy {out} deny node \d+",
        r"bgp {as_plain}",
        r"address-family (ipv4|ipv6) unicast",
        r"peer {group} prefix-list {list} import",
        r"balance {session} {paths}",
        r"peer {group} ttl-security hops \d+",
        r"peer {group} as-number \d+",
        r"peer {subnet} group {group}",
        r"undo peer {subnet}",
        r"undo (ip|ipv6) prefix-list {list}",
    ),
}
_COMMON_FORMS = (
    r"quit",
    r"router-id {router_id}",
    r"{graceful_restart}",
    r"group {group} (external|internal)",
    r"peer {group} description [^?]+",
    r"peer {group} password (cipher|simple) \S+",
    r"peer {peer} group {group}",
    r"peer {group} enable",
    r"peer {group} route-policy {out} export",
    r"peer {group} route-limit \d+",
    r"undo peer {peer}",
    r"undo group {group}",
    r"undo route-policy {out}",
)


def _alternation(words: Iterable[str]) -> str:
    """A regular expression matching exactly one of ``words``; with none, one that matches nothing."""
    escaped = [re.escape(word) for word in words]
    return "(%s)" % "|".join(escaped) if escaped else "(?!)"


def foreign_lines(part: Mapping[str, Any], text: str, platform: str) -> List[str]:
    """The lines of ``text`` that are not of a form flatnet writes for ``part`` on ``platform`` ('vrp', 'comware'):
    switch_bgp refuses to send a text with any, since such a line could change another neighbor or policy."""
    names = {"group": re.escape(part["peer_group"]["name"]), "out": re.escape(part["route_map_out"]["name"]),
             "list": _alternation(family["prefix_list"]["name"] for family in part["families"]),
             # Only the part's own peers, dynamic peer subnet and router-id: any other address is another neighbor's.
             "peer": _alternation(part["neighbors"]),
             "subnet": _alternation(["%s %d" % _address_and_length(part["listen_range"])] if part["listen_range"] else []),
             "router_id": _alternation([part["router_id"]] if part["router_id"] else []),
             # The instance settings only as the model asks for them; the BGP view only of the switch's own AS.
             "graceful_restart": "graceful-restart" if part["graceful_restart"] else "(?!)",
             "session": re.escape(part["peer_group"]["session_type"]),
             "paths": _alternation([str(part["maximum_paths"])] if part["maximum_paths"] is not None else []),
             "as_dot": re.escape(part["as_dot"]), "as_plain": str(int(part["as_number"]))}
    forms = [re.compile(form.format(**names)) for form in _OWNED_FORMS[platform] + _COMMON_FORMS]
    return [line for line in text.splitlines() if line.strip() and not any(form.fullmatch(line.strip()) for form in forms)]


def as_displayed(text: str) -> str:
    """``text`` as ``display current-configuration`` shows it: each view given by the indentation of its lines, no
    ``quit``. This is the form a configuration diff compares with the running configuration line by line; the lines
    to send are then typed in their views, leaving each view before the next one at its level."""
    return "".join("%s\n" % line for line in text.splitlines() if line.strip() != "quit")


def rendered(part: Mapping[str, Any], platform: str, removal: bool = False) -> str:
    """The part (or its removal) as ``platform``'s text, refused when a line is not of a form flatnet owns."""
    writers = {"vrp": (render_vrp, removal_vrp), "comware": (render_comware, removal_comware)}
    if platform not in writers:
        raise FlatnetError("%s is not a CLI platform of flatnet (vrp, comware)" % _text.shown(platform))
    text = writers[platform][1 if removal else 0](part)
    foreign = foreign_lines(part, text, platform)
    if foreign:
        secret = part["peer_group"]["password"]
        shown = [_text.shown(line.replace(secret, "<password>") if secret else line) for line in foreign]
        raise FlatnetError("the %s text holds lines that are not flatnet's part: %s" % (platform, "; ".join(shown)))
    return text
