# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch model on Cisco IOS XR (cisco.iosxr), as its resource modules' data.

IOS XR filters routes with the routing policy language, not with prefix lists on a neighbor: the inbound list of each
address family is a prefix-set (FLATNET-IN, FLATNET-IN6), which the route-policy of the same name passes and which
drops everything else; the outbound deny is the route-policy FLATNET-OUT (`drop`). XR takes no routes from an eBGP
peer and sends none to it without both policies (RFC 8212), so every address family of the group carries both.

iosxr_route_maps writes the route-policies (and reads them back as it wrote them); iosxr_bgp_address_family the
instance's maximum-paths (`maximum-paths ebgp|ibgp N` in the instance's address family); iosxr_bgp_templates the
neighbor-group FLATNET, XR's peer group (remote AS, description, `ttl-security`, and per address family the policies
and maximum-prefix); iosxr_bgp_global the members (`neighbor X` / `use neighbor-group FLATNET`), the router-id and
graceful restart. ``cli`` is what no module carries, as XR configuration text indented as the running configuration
shows it, sent first with cli_config (which compares it with the running configuration and sends only what is
missing; a prefix-set that differs in any line is sent whole, as XR replaces a set):

- the prefix-sets: iosxr_prefix_lists writes `ipv4 prefix-list`, which no route-policy can match;
- the instance's address families themselves: XR refuses a neighbor address family whose family the instance has
  not enabled, and iosxr_bgp_address_family writes nothing for an address family with no setting in it;
- the group's password (`password clear ...`): iosxr_bgp_templates carries only `password encrypted`, the form XR
  writes back, which flatnet cannot compute. The running configuration therefore never holds the line as cli sends
  it: a merge sends it again every time (the same password: the session stays, but the task reports a change).

iosxr_route_maps compares a policy section by section and sends only the sections that differ, while XR replaces a
route-policy with what is sent: a FLATNET policy changed by hand on the switch (in its shape, not only its names)
gets a partial body that XR refuses at commit. flatnet's own policies never change shape between runs.

XR's `ttl-security` has no hop count: it accepts only directly connected peers, which is what the model's
``ttl_security_hops`` 1 asks. XR has no prefix-list sequence numbers: a prefix-set's entries keep the order of the
model's. 4-byte ASNs are written asplain (see ``_asplain``). The listen range is not written (see ``CANNOT_IOSXR``).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

COMMENT_IOSXR = "!"

CANNOT_IOSXR = {
    "listen_range": "the IOS XR modules have no BGP dynamic neighbors (a neighbor range): XR takes them only on some platforms "
                    "and releases, in a form flatnet cannot write and read back; use switch_bgp_neighbor_mode: neighbors",
}

NOTES_IOSXR = (
    "paste in configuration mode (configure), then commit",
    "each address family is also enabled in the BGP instance (address-family ... unicast), which XR needs before a "
    "neighbor can use it; the removal leaves it, as the instance's own",
)


def _asplain(asn: int) -> str:
    # asplain: XR takes both forms and writes asplain unless `bgp as-format asdot` was set, an instance-wide display
    # setting flatnet leaves alone; the modules compare the AS as the text the device writes.
    return str(asn)


# ---- the policies ---------------------------------------------------------------------------------------------------

def _set_entry(entry: Mapping[str, Any]) -> str:
    # A prefix-set entry matches its own length unless ge/le say otherwise; `le` alone covers the prefix's length up
    # to it, `ge` is written only when it is longer than the prefix.
    if entry["action"] != "permit":
        raise FlatnetError("an IOS XR prefix-set only lists prefixes; the model's inbound entry %s %s cannot be a deny"
                           % (entry["seq"], entry["prefix"]))
    text = entry["prefix"]
    if entry["ge"] > entry["prefixlen"]:
        text += " ge %d" % entry["ge"]
    if entry["le"] > max(entry["ge"], entry["prefixlen"]):
        text += " le %d" % entry["le"]
    return text


def _prefix_sets(part: Mapping[str, Any]) -> List[str]:
    lines = []
    for family in part["families"]:
        entries = [_set_entry(entry) for entry in sorted(family["prefix_list"]["entries"], key=lambda entry: entry["seq"])]
        lines.append("prefix-set %s" % family["prefix_list"]["name"])
        lines += ["  %s%s" % (entry, "," if index < len(entries) - 1 else "") for index, entry in enumerate(entries)]
        lines.append("end-set")
    return lines


def _route_policies(part: Mapping[str, Any]) -> List[Dict[str, Any]]:
    # The inbound policy of each family is named as its prefix-set (XR keeps sets and policies apart).
    policies: List[Dict[str, Any]] = [{"name": family["prefix_list"]["name"],
                                       "if_section": {"condition": "destination in %s" % family["prefix_list"]["name"], "pass": True},
                                       "else_section": {"global": {"drop": True}}} for family in part["families"]]
    out = part["route_map_out"]
    policies.append({"name": out["name"], "global": {"drop" if out["action"] == "deny" else "pass": True}})
    return policies


# ---- BGP ------------------------------------------------------------------------------------------------------------

def _bgp_address_family(part: Mapping[str, Any]) -> Dict[str, Any]:
    families = []
    if part["maximum_paths"] is not None:
        kind = "ibgp" if part["peer_group"]["session_type"] == "ibgp" else "ebgp"
        families = [{"afi": family["afi"], "safi": "unicast", "maximum_paths": {kind: {"max_path_value": part["maximum_paths"]}}}
                    for family in part["families"]]
    return {"as_number": _asplain(part["as_number"]), "address_family": families}


def _bgp_templates(part: Mapping[str, Any]) -> Dict[str, Any]:
    group = part["peer_group"]
    # iBGP: the switch's own AS. The module takes the remote AS as a number.
    written: Dict[str, Any] = {"name": group["name"], "remote_as": int(group["remote_as"]), "description": group["description"]}
    if group["ttl_security_hops"]:
        written["ttl_security"] = {"set": True}
    written["address_family"] = [{"afi": family["afi"], "safi": "unicast",
                                  "route_policy": {"inbound": family["prefix_list"]["name"], "outbound": part["route_map_out"]["name"]},
                                  "maximum_prefix": {"max_limit": family["maximum_prefix"]}}
                                 for family in part["families"]]
    return {"as_number": _asplain(part["as_number"]), "neighbor": [written]}


def _bgp_global(part: Mapping[str, Any]) -> Dict[str, Any]:
    written: Dict[str, Any] = {"as_number": _asplain(part["as_number"])}
    bgp: Dict[str, Any] = {}
    if part["router_id"]:
        bgp["router_id"] = part["router_id"]
    if part["graceful_restart"]:
        bgp["graceful_restart"] = {"set": True}
    if bgp:
        written["bgp"] = bgp
    written["neighbors"] = [{"neighbor_address": address, "use": {"neighbor_group": part["peer_group"]["name"]}}
                            for address in part["neighbors"]]
    return written


def _cli(part: Mapping[str, Any]) -> List[str]:
    group = part["peer_group"]
    lines = _prefix_sets(part) + ["router bgp %s" % _asplain(part["as_number"])]
    lines += [" address-family %s unicast" % family["afi"] for family in part["families"]]
    if group["password"]:
        lines += [" neighbor-group %s" % group["name"], "  password clear %s" % group["password"]]
    return lines


def resources_iosxr(part: Mapping[str, Any]) -> Dict[str, Any]:
    """The data of iosxr_route_maps, iosxr_bgp_address_family, iosxr_bgp_templates and iosxr_bgp_global for the part,
    in the order the switch takes them, and ``cli``: what they cannot carry (the prefix-sets, the instance's address
    families, the group's password; see the module's docstring), as XR configuration text indented as the running
    configuration shows it, applied before them."""
    if part["listen_range"]:
        raise FlatnetError("IOS XR: %s" % CANNOT_IOSXR["listen_range"])
    return {"cli": _cli(part), "route_maps": _route_policies(part), "bgp_address_family": _bgp_address_family(part),
            "bgp_templates": _bgp_templates(part), "bgp_global": _bgp_global(part)}


def removal_iosxr(part: Mapping[str, Any]) -> str:
    """IOS XR commands that take flatnet's part out: the members, the neighbor-group (which takes its address families
    with it), then the route-policies (no longer used) and the prefix-sets (no longer used by a policy). The instance
    settings (router-id, graceful restart, maximum-paths, its address families) stay: after the change they are the
    instance's own."""
    lines = ["router bgp %s" % _asplain(part["as_number"])]
    lines += [" no neighbor %s" % address for address in part["neighbors"]]
    lines += [" no neighbor-group %s" % part["peer_group"]["name"], "exit"]
    lines += ["no route-policy %s" % policy["name"] for policy in _route_policies(part)]
    lines += ["no prefix-set %s" % family["prefix_list"]["name"] for family in part["families"]]
    return "\n".join(lines) + "\n"


# ---- the commands as the running configuration shows them -----------------------------------------------------------

class _Line(NamedTuple):
    text: str  # stripped
    indent: str  # as the running configuration indents it
    closers: List[str]  # the `!` lines the running configuration shows before it (the contexts it leaves)
    owner: Optional[str]  # the prefix-set, route-policy, neighbor-group or neighbor line it is inside of, if any


_TOP_BLOCK = re.compile(r"(prefix-set|route-policy) \S+")
_ROUTER = re.compile(r"router bgp \S+")
_PEER = re.compile(r"(neighbor-group|neighbor) \S+")
_INSTANCE_LINE = re.compile(r"(no )?bgp |no (neighbor-group|neighbor) \S+$")


def _walk(commands: List[str]) -> Tuple[List[_Line], List[str]]:
    """Each command with its place in XR's configuration tree. The modules render each context line with its lines
    unindented after it, and cli holds the running configuration's indentation: the place comes from the words.

    Top level: `prefix-set` and `route-policy` blocks (to `end-set`, `end-policy`; their lines two spaces a level, an
    `if` one level deeper) and `router bgp`. In the instance, one space a level: `bgp ...` lines, the instance's
    `address-family`, and `neighbor-group`/`neighbor` with their lines and address families (a `route-policy X in|out`
    there is a neighbor's, not a block); a `bgp ...` line or a `no neighbor ...` is the instance's wherever it comes.
    Also returns the `!` lines that close what is still open after the last command.
    """
    walked: List[_Line] = []
    stack: List[int] = []  # the levels of the open BGP contexts (router bgp 0, address family or peer 1, peer's family 2)
    block: Optional[str] = None  # the open prefix-set or route-policy line
    rpl = 1  # the depth of the next line in a route-policy
    peer: Optional[str] = None  # the open neighbor-group or neighbor line
    in_family = False  # in an address family (the instance's, or the open peer's)

    def close(level: int) -> List[str]:
        closed = []
        while stack and stack[-1] >= level:
            closed.append(" " * stack.pop() + "!")
        return closed

    for command in commands:
        line = command.strip()
        if not line or line == "!":
            continue
        if block is not None:
            if line in ("end-set", "end-policy"):
                walked.append(_Line(line, "", [], block))
                block = None
                continue
            if line.startswith("else") or line == "endif":
                rpl -= 1
            walked.append(_Line(line, "  " * rpl, [], block))
            if line.startswith("if ") or line.startswith("else"):
                rpl += 1
            continue
        if _TOP_BLOCK.fullmatch(line) or _ROUTER.fullmatch(line) or not stack:
            closers = close(0)
            if _TOP_BLOCK.fullmatch(line):
                block, rpl = line, 1
            elif _ROUTER.fullmatch(line):
                stack.append(0)
            peer, in_family = None, False
            walked.append(_Line(line, "", closers, None))
            continue
        if _PEER.fullmatch(line):
            closers = close(1)
            stack.append(1)
            peer, in_family = line, False
            walked.append(_Line(line, " ", closers, None))
        elif line.startswith("address-family "):
            level = 2 if peer else 1
            closers = close(level)
            stack.append(level)
            in_family = True
            walked.append(_Line(line, " " * level, closers, peer))
        elif _INSTANCE_LINE.match(line):
            # Only the instance has these: they end a neighbor's context even with no `!` before them.
            walked.append(_Line(line, " ", close(1), None))
            peer, in_family = None, False
        else:
            level = (1 if peer else 0) + (1 if in_family else 0) + 1
            walked.append(_Line(line, " " * level, close(level), peer))
    return walked, close(0)


def running_config(commands: List[str]) -> str:
    """The commands (as the modules render them, and the cli lines) as XR's running configuration shows them, which is
    what the cisco.iosxr parsers read: indented, each context closed by a `!` at its own indentation, each prefix-set
    and route-policy followed by one (iosxr_route_maps splits the policies at `end-policy` and `!`)."""
    walked, closers = _walk(commands)
    lines: List[str] = []
    for line in walked:
        lines += line.closers
        lines.append(line.indent + line.text)
        if line.text in ("end-set", "end-policy"):
            lines.append("!")
    return "\n".join(lines + closers) + "\n"


def outside_flatnet_contexts(part: Mapping[str, Any], commands: List[str]) -> List[str]:
    """The commands without the lines inside flatnet's own XR contexts: its prefix-sets and route-policies (their
    entries, `pass`, `drop`, `else`...), the neighbor-group FLATNET and the members' `neighbor` contexts with their
    address families. Those lines (remote-as, maximum-prefix, the prefix-sets' entries...) name nothing themselves,
    but they belong to flatnet's own objects, whose context line stays for the foreign-commands guard."""
    own = {"prefix-set %s" % family["prefix_list"]["name"] for family in part["families"]}
    own |= {"route-policy %s" % policy["name"] for policy in _route_policies(part)}
    own |= {"neighbor-group %s" % part["peer_group"]["name"]} | {"neighbor %s" % address for address in part["neighbors"]}
    kept = []
    walked = iter(_walk(commands)[0])
    for command in commands:
        if not command.strip() or command.strip() == "!":
            kept.append(command)
            continue
        line = next(walked)
        if line.owner not in own:
            kept.append(command)
    return kept
