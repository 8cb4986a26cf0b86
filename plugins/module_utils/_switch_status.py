# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state of flatnet's BGP sessions on a switch of any platform, from the switch's own show commands.

Each platform has its show commands (``commands``) and a reader of their outputs (``sessions``). flatnet's sessions
are the members of its FLATNET peer group: the model's neighbors, or any peer inside its listen range; every other
peer of the switch is left out. A session is one dict per neighbor and address family, with the same keys and row as
the FRR switch's (``_frr.sessions``): neighbor, family, state, remote_as, prefixes_received, uptime, established, row.

The outputs are read with a kept parser wherever one fits: the switch's own JSON (NX-OS ``| json``, EOS ``| json``,
Junos ``| display json``, FRR's ``json`` on VyOS and SONiC), else the TextFSM templates of ntc-templates. Where
ntc-templates has no template for a family's output (the IPv6 summaries of IOS, IOS XR and Comware), a TextFSM
template of our own below reads it, still through TextFSM.
"""

from __future__ import annotations

import datetime
import io
import ipaddress
import json
import os
from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Union

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

# The family names of FRR's `show bgp summary json`, so every platform's rows read alike.
FAMILY = {"ipv4": "ipv4Unicast", "ipv6": "ipv6Unicast"}
# One command for every family: its output holds them all.
ALL = "all"

# The show commands per platform and address family (or ALL).
COMMANDS: Dict[str, Dict[str, str]] = {
    "ios": {"ipv4": "show ip bgp summary", "ipv6": "show bgp ipv6 unicast summary"},
    "nxos": {"ipv4": "show bgp ipv4 unicast summary | json", "ipv6": "show bgp ipv6 unicast summary | json"},
    "iosxr": {"ipv4": "show bgp ipv4 unicast summary", "ipv6": "show bgp ipv6 unicast summary"},
    "eos": {"ipv4": "show ip bgp summary | json", "ipv6": "show ipv6 bgp summary | json"},
    # VyOS runs FRR; its operational shell runs vtysh, whose JSON is the FRR switch's (ntc-templates' VyOS template
    # reads only the older FRR 7 layout of `show ip bgp summary`).
    "vyos": {ALL: "vtysh -c 'show bgp summary json'"},
    "junos": {ALL: "show bgp summary | display json"},
    "vrp": {"ipv4": "display bgp peer", "ipv6": "display bgp ipv6 peer"},
    "comware": {"ipv4": "display bgp peer ipv4", "ipv6": "display bgp peer ipv6"},
    # SONiC runs FRR in its bgp container: vtysh's JSON, as on the FRR switch.
    "sonic": {ALL: "vtysh -c 'show bgp summary json'"},
}

# ntc-templates' template per platform and family where one reads the output.
NTC_TEMPLATE = {
    ("ios", "ipv4"): "cisco_ios_show_ip_bgp_summary",
    ("iosxr", "ipv4"): "cisco_xr_show_ip_bgp_summary",
    ("vrp", "ipv4"): "huawei_vrp_display_bgp_peer",
    ("vrp", "ipv6"): "huawei_vrp_display_bgp_peer",
    ("comware", "ipv4"): "hp_comware_display_bgp_peer_ipv4",
}

# The IPv6 summary of IOS and IOS XR: the Cisco columns, where a long neighbor address stands on its own line and
# the rest of its row on the next. ntc-templates' Cisco summary templates read IPv4 neighbors only.
CISCO_IPV6_SUMMARY = r"""Value Required NEIGHBOR ([0-9A-Fa-f:.]+)
Value NEIGHBOR_AS (\d+(?:\.\d+)?)
Value UP_DOWN (\S+)
Value STATE_OR_PREFIXES (\d+|\S+(?: \(\S+\))?)

Start
  ^Neighbor\s+(V|Spk)\s+AS\s -> Peers

Peers
  ^${NEIGHBOR}\s+\d+\s+${NEIGHBOR_AS}\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+${UP_DOWN}\s+${STATE_OR_PREFIXES}\s*$$ -> Record
  ^${NEIGHBOR}\s*$$
  ^\s+\d+\s+${NEIGHBOR_AS}\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+${UP_DOWN}\s+${STATE_OR_PREFIXES}\s*$$ -> Record
"""

# Comware's `display bgp peer ipv6`: its IPv4 columns with IPv6 peers (a dynamically created one marked `*`).
COMWARE_IPV6_PEERS = r"""Value Required PEER ([0-9A-Fa-f:.]+)
Value REMOTE_ASN (\d+(?:\.\d+)?)
Value PREFIXES_RECEIVED (\d+)
Value UP_DOWN (\S+)
Value STATE (\S+)

Start
  ^\s*Peer\s+AS\s+MsgRcvd\s+MsgSent\s+OutQ\s+PrefRcv\s+Up/Down\s+State -> Peers

Peers
  ^\s+\*?\s*${PEER}\s+${REMOTE_ASN}\s+\d+\s+\d+\s+\d+\s+${PREFIXES_RECEIVED}\s+${UP_DOWN}\s+${STATE}\s*$$ -> Record
  ^\s*$$
  ^. -> Error
"""

OWN_TEMPLATE = {("ios", "ipv6"): CISCO_IPV6_SUMMARY, ("iosxr", "ipv6"): CISCO_IPV6_SUMMARY,
                ("comware", "ipv6"): COMWARE_IPV6_PEERS}

# The words each platform uses for an Established session.
_ESTABLISHED = ("Established", "Estab", "Establ")


class Peer(NamedTuple):
    """One peer of one family, as the switch shows it (strings or numbers, before normalising)."""

    address: str
    family: str
    state: str
    remote_as: Any
    prefixes_received: Any
    uptime: Any


def reads(platform: str, families: Sequence[Union[str, Mapping[str, Any]]]) -> List[Dict[str, Any]]:
    """The show commands that give the sessions of ``families`` (the model's families, or their afi) on ``platform``,
    each with the families (afi) its output holds: [{"command": ..., "families": [...]}, ...]."""
    by_family = _commands_of(platform)
    afis = _afis(families)
    if ALL in by_family:
        return [{"command": by_family[ALL], "families": afis}]
    return [{"command": by_family[afi], "families": [afi]} for afi in afis]


def commands(platform: str, families: Sequence[Union[str, Mapping[str, Any]]]) -> List[str]:
    """The show commands that give the sessions of ``families`` on ``platform``, in order."""
    return [read["command"] for read in reads(platform, families)]


def sessions(platform: str, outputs: Mapping[str, str], members: Sequence[str], listen_range: Optional[str],
             families: Sequence[Union[str, Mapping[str, Any]]], now: Optional[float] = None) -> List[Dict[str, Any]]:
    """flatnet's sessions on ``platform`` from ``outputs`` (show command -> its text, as ``commands`` names them).

    ``members`` and ``listen_range`` are the model's neighbors and listen range; ``families`` its families (or their
    afi). ``now`` (seconds since the epoch) turns the time of EOS's last change into an uptime; without it EOS's
    uptime is that time itself.
    """
    by_family = _commands_of(platform)
    afis = _afis(families)
    wanted = {FAMILY[afi] for afi in afis}
    peers: List[Peer] = []
    for afi in ([ALL] if ALL in by_family else afis):
        command = by_family[afi]
        if command not in outputs:
            raise FlatnetError("no output of %r from the %s switch, which flatnet reads for its sessions" % (command, platform))
        peers.extend(_READERS[platform](platform, afi, outputs[command] or "", now))
    ours = _membership(members, listen_range)
    found = [_session(peer) for peer in peers if peer.family in wanted and ours(peer.address)]
    return sorted(found, key=lambda session: (session["family"], _sort_key(session["neighbor"])))


def _commands_of(platform: str) -> Dict[str, str]:
    if platform not in COMMANDS:
        raise FlatnetError("no session reader for platform %r; known: %s" % (platform, ", ".join(sorted(COMMANDS))))
    return COMMANDS[platform]


def _afis(families: Sequence[Union[str, Mapping[str, Any]]]) -> List[str]:
    afis = [family["afi"] if isinstance(family, Mapping) else family for family in families]
    unknown = [afi for afi in afis if afi not in FAMILY]
    if unknown:
        raise FlatnetError("unknown address family %r; flatnet reads %s" % (unknown[0], ", ".join(FAMILY)))
    return afis


def _address(text: str) -> Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _membership(members: Sequence[str], listen_range: Optional[str]):
    """Whether an address is one of flatnet's: a member of its group, or inside its listen range."""
    known = {_address(member) for member in members} - {None}
    network = ipaddress.ip_network(listen_range, strict=False) if listen_range else None

    def ours(text: str) -> bool:
        address = _address(text)
        if address is None:
            return False
        return address in known or (network is not None and address.version == network.version and address in network)

    return ours


def _sort_key(text: str) -> tuple:
    address = _address(text)
    return (address.version, int(address)) if address is not None else (0, 0)


def _asn(value: Any) -> Optional[int]:
    """An AS number as an int, from asplain or asdot ("64086.59905")."""
    text = str(value).strip() if value is not None else ""
    if "." in text:
        high, low = text.split(".", 1)
        if high.isdigit() and low.isdigit():
            return int(high) * 65536 + int(low)
    return int(text) if text.isdigit() else None


def _count(value: Any) -> Optional[int]:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def _session(peer: Peer) -> Dict[str, Any]:
    """A peer as a session: FRR's keys and row; the state in FRR's words."""
    state = "Established" if peer.state in _ESTABLISHED else peer.state
    established = state == "Established"
    address = _address(peer.address)
    neighbor = str(address) if address is not None else peer.address
    uptime = peer.uptime if peer.uptime not in ("", None) else None
    # A session that is down has received nothing, whatever count the platform keeps (FRR shows none).
    prefixes = _count(peer.prefixes_received) if established else None
    session = {"neighbor": neighbor, "family": peer.family, "state": state, "remote_as": _asn(peer.remote_as),
               "prefixes_received": prefixes, "uptime": uptime, "established": established}
    # A session that is down shows the time since it went down, or "never"; neither is an uptime.
    up = uptime if established else ("never" if uptime in (None, "never") else "-")
    received = "no" if prefixes is None else prefixes
    session["row"] = "%s %s: %s, %s prefixes received, up %s" % (neighbor, peer.family, state, received, up)
    return session


# TextFSM: ntc-templates' templates, or ours.

def _textfsm_rows(platform: str, afi: str, text: str) -> List[Dict[str, str]]:
    try:
        import textfsm  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise FlatnetError("reading the %s switch's sessions needs the Python package textfsm on the controller "
                           "(pip install -r requirements.txt)" % platform) from None
    if (platform, afi) in NTC_TEMPLATE:
        template = _ntc_template(platform, NTC_TEMPLATE[(platform, afi)])
    else:
        template = OWN_TEMPLATE[(platform, afi)]
    try:
        fsm = textfsm.TextFSM(io.StringIO(template))
        rows = fsm.ParseText(text if text.endswith("\n") else text + "\n")
    except textfsm.TextFSMError as error:
        raise FlatnetError("the %s switch's %s output is not the summary flatnet reads: %s"
                           % (platform, COMMANDS[platform][afi], error)) from None
    return [dict(zip(fsm.header, row)) for row in rows]


def _ntc_template(platform: str, name: str) -> str:
    try:
        import ntc_templates  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise FlatnetError("reading the %s switch's sessions needs the Python package ntc-templates on the controller "
                           "(pip install -r requirements.txt)" % platform) from None
    path = os.path.join(os.path.dirname(ntc_templates.__file__), "templates", name + ".textfsm")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _state_or_prefixes(value: str) -> tuple:
    """Cisco's State/PfxRcd column: a count when Established, else the state."""
    value = (value or "").strip()
    return ("Established", value) if value.isdigit() else (value, None)


def _read_ios(platform: str, afi: str, text: str, _now: Optional[float]) -> Iterator[Peer]:
    # A neighbor of a listen range is marked `*10.0.0.1`; the templates read the address without its mark.
    text = "\n".join(line[1:] if line.startswith("*") and line[1:2].isalnum() else line for line in text.splitlines())
    for row in _textfsm_rows(platform, afi, text):
        address = row.get("BGP_NEIGHBOR") or row.get("BGP_NEIGH") or row.get("NEIGHBOR")
        remote_as = row.get("NEIGHBOR_AS") or row.get("NEIGH_AS")
        column = row.get("STATE_OR_PREFIXES_RECEIVED") or row.get("STATE_PFXRCD") or row.get("STATE_OR_PREFIXES")
        state, prefixes = _state_or_prefixes(column)
        yield Peer(address, FAMILY[afi], state, remote_as, prefixes, row.get("UP_DOWN"))


def _read_vrp(platform: str, afi: str, text: str, _now: Optional[float]) -> Iterator[Peer]:
    for row in _textfsm_rows(platform, afi, text):
        yield Peer(row["PEER"], FAMILY[afi], row["STATE"], row["ASN"], row["PREF_RCVD"], row["UP_DOWN"])


def _read_comware(platform: str, afi: str, text: str, _now: Optional[float]) -> Iterator[Peer]:
    for row in _textfsm_rows(platform, afi, text):
        yield Peer(row["PEER"], FAMILY[afi], row["STATE"], row["REMOTE_ASN"], row["PREFIXES_RECEIVED"], row["UP_DOWN"])


# JSON outputs.

def _json(platform: str, command: str, text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError as error:
        raise FlatnetError("the %s switch's %r output is not JSON: %s" % (platform, command, error)) from None


def _rows(node: Any, table: str, row: str) -> List[Dict[str, Any]]:
    """NX-OS's TABLE_x/ROW_x: one row is a dict, several a list."""
    found = (node or {}).get(table, {}).get(row, []) if isinstance(node, dict) else []
    return [found] if isinstance(found, dict) else list(found)


def _read_nxos(platform: str, afi: str, text: str, _now: Optional[float]) -> Iterator[Peer]:
    shown = _json(platform, COMMANDS[platform][afi], text)
    for vrf in _rows(shown, "TABLE_vrf", "ROW_vrf"):
        if vrf.get("vrf-name-out", "default") != "default":
            continue
        for family in _rows(vrf, "TABLE_af", "ROW_af"):
            for subfamily in _rows(family, "TABLE_saf", "ROW_saf"):
                for neighbor in _rows(subfamily, "TABLE_neighbor", "ROW_neighbor"):
                    yield Peer(str(neighbor.get("neighborid", "")), FAMILY[afi], str(neighbor.get("state", "")),
                               neighbor.get("neighboras"), neighbor.get("prefixreceived"), neighbor.get("time"))


def _eos_uptime(changed: Any, now: Optional[float]) -> Optional[str]:
    """EOS gives the time of the session's last change (seconds since the epoch): the uptime is now less that."""
    if not isinstance(changed, (int, float)):
        return None
    if now is None:
        return "since " + datetime.datetime.fromtimestamp(changed, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _duration(max(0, int(now - changed)))


def _duration(seconds: int) -> str:
    """FRR's way of writing an uptime: hh:mm:ss under a day, then 1d02h03m, then 1w2d03h."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days == 0:
        return "%02d:%02d:%02d" % (hours, minutes, seconds)
    if days < 7:
        return "%dd%02dh%02dm" % (days, hours, minutes)
    return "%dw%dd%02dh" % (days // 7, days % 7, hours)


def _read_eos(platform: str, afi: str, text: str, now: Optional[float]) -> Iterator[Peer]:
    shown = _json(platform, COMMANDS[platform][afi], text)
    vrf = (shown.get("vrfs") or {}).get("default") or {} if isinstance(shown, dict) else {}
    for address, peer in (vrf.get("peers") or {}).items():
        yield Peer(address, FAMILY[afi], str(peer.get("peerState", "")), peer.get("asn"), peer.get("prefixReceived"),
                   _eos_uptime(peer.get("upDownTime"), now))


def _read_frr(platform: str, afi: str, text: str, _now: Optional[float]) -> Iterator[Peer]:
    shown = _json(platform, COMMANDS[platform][afi], text)
    for family, table in (shown.items() if isinstance(shown, dict) else ()):
        peers = table.get("peers") if isinstance(table, dict) else None
        for address, peer in (peers or {}).items():
            yield Peer(address, family, str(peer.get("state", "")), peer.get("remoteAs"), peer.get("pfxRcd"),
                       peer.get("peerUptime"))


def _junos(node: Mapping[str, Any], key: str) -> Optional[str]:
    """The text of a Junos JSON leaf: a list of one {"data": ...}."""
    values = node.get(key) or []
    first = values[0] if isinstance(values, list) and values else values
    return str(first.get("data")) if isinstance(first, dict) and first.get("data") is not None else None


# Junos names its unicast tables after the family.
_JUNOS_TABLE = {"inet.0": FAMILY["ipv4"], "inet6.0": FAMILY["ipv6"]}


def _read_junos(platform: str, afi: str, text: str, _now: Optional[float]) -> Iterator[Peer]:
    shown = _json(platform, COMMANDS[platform][afi], text)
    for information in (shown.get("bgp-information") or [] if isinstance(shown, dict) else []):
        for peer in information.get("bgp-peer") or []:
            # A peer's address may carry its port (10.0.0.1+179).
            address = (_junos(peer, "peer-address") or "").split("+", maxsplit=1)[0]
            state = _junos(peer, "peer-state") or ""
            remote_as, uptime = _junos(peer, "peer-as"), _junos(peer, "elapsed-time")
            tables = [table for table in peer.get("bgp-rib") or [] if _junos(table, "name") in _JUNOS_TABLE]
            if state == "Established" and tables:
                for table in tables:
                    yield Peer(address, _JUNOS_TABLE[_junos(table, "name")], state, remote_as,
                               _junos(table, "received-prefix-count"), uptime)
            else:
                version = _address(address).version if _address(address) else 4
                yield Peer(address, FAMILY["ipv%d" % version], state, remote_as, None, uptime)


_READERS = {"ios": _read_ios, "iosxr": _read_ios, "nxos": _read_nxos, "eos": _read_eos, "vyos": _read_frr,
            "sonic": _read_frr, "junos": _read_junos, "vrp": _read_vrp, "comware": _read_comware}
