# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Network math of flatnet.kube: AS numbers, CIDRs, reverse zones, Calico blocks.

Everything that checks or derives addresses lives here, on top of netaddr,
so that modules, filters and tests agree on one answer. Bad input raises
FlatnetError with a message that names the setting, quotes the value and
says how to fix it.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Mapping
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

try:
    import netaddr
except ImportError:
    HAS_NETADDR = False
    NETADDR_IMPORT_ERROR: Optional[str] = traceback.format_exc()
else:
    HAS_NETADDR = True
    NETADDR_IMPORT_ERROR = None

ASN_MAX = 4294967295
AS_TRANS = 23456
PRIVATE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))

IPV4_BLOCK_SIZES = (20, 32)
IPV6_BLOCK_SIZES = (116, 128)
DEFAULT_BLOCK_SIZES = {4: 26, 6: 122}

MAX_REVERSE_ZONES = 65536
MIN_IPV4_REVERSE_PREFIX = 8

_ASN_FIX = "Use a number from 1 to 4294967295 in asplain (64513) or asdot (1.10) notation."
_CIDR_FIX = "Write it as an address and a prefix length, e.g. '10.233.64.0/18' or '2001:db8::/32'."
_DIGITS = re.compile(r"[0-9]+")
_MAX_QUOTED = 80

# Special ranges checked by reserved_kind(), in address order per family.
_RESERVED = (
    ("unspecified", "0.0.0.0/8"),
    ("loopback", "127.0.0.0/8"),
    ("link-local", "169.254.0.0/16"),
    ("multicast", "224.0.0.0/4"),
    ("unspecified", "::/128"),
    ("loopback", "::1/128"),
    ("link-local", "fe80::/10"),
    ("multicast", "ff00::/8"),
)


def _quote(value: Any) -> str:
    """Quote a value for a message: strings in quotes, other values as Python shows them."""
    if isinstance(value, str):
        text = repr(str(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        text = repr(int(value))
    else:
        text = repr(value)
    if len(text) > _MAX_QUOTED:
        text = text[:_MAX_QUOTED - 3] + "..."
    return text


def _require_netaddr(what: str) -> None:
    """Raise a clear FlatnetError when netaddr is not installed."""
    if not HAS_NETADDR:
        raise FlatnetError(
            f"{what} requires the Python library netaddr; install it on the controller with 'pip install netaddr'"
        )


# --- AS numbers ---


def _asn_error(name: str, value: Any, why: str, fix: str = _ASN_FIX) -> FlatnetError:
    """Build the one error shape used for AS numbers."""
    return FlatnetError(f"{name}: {_quote(value)} is not a valid AS number: {why}. {fix}")


def _asn_from_text(value: str, name: str) -> int:
    """Read an asplain or asdot string into an integer (range not yet checked)."""
    text = value.strip()
    if not text:
        raise _asn_error(name, value, "it is empty")
    if "." not in text:
        if not _DIGITS.fullmatch(text):
            raise _asn_error(name, value, "it is not a whole number")
        return int(text)
    parts = text.split(".")
    if len(parts) != 2 or not all(_DIGITS.fullmatch(part) for part in parts):
        raise _asn_error(name, value, "asdot notation is two numbers joined by one dot, like 1.10")
    high, low = (int(part) for part in parts)
    if high > 65535 or low > 65535:
        raise _asn_error(name, value, "each half of asdot notation must be from 0 to 65535")
    return high * 65536 + low


def asn_plain(value: Any, name: str = "asn", allow_as_trans: bool = False) -> int:
    """Return the AS number *value* (int, asplain or asdot string) as a plain integer."""
    if isinstance(value, bool):
        raise _asn_error(name, value, "it is a boolean, not a number")
    if isinstance(value, int):
        number = int(value)
    elif isinstance(value, str):
        number = _asn_from_text(value, name)
    else:
        raise _asn_error(name, value, f"it is of type {type(value).__name__}, not a whole number or a string")
    if number < 0:
        raise _asn_error(name, value, "it is negative")
    if number == 0:
        raise _asn_error(name, value, "AS 0 is reserved (RFC 7607) and cannot be used in a BGP session")
    if number > ASN_MAX:
        raise _asn_error(name, value, f"it is larger than {ASN_MAX}, the largest 4-byte AS number")
    if number == AS_TRANS and not allow_as_trans:
        raise _asn_error(
            name, value, "23456 is AS_TRANS (RFC 6793), a placeholder for 4-byte ASNs, not a real AS",
            "Use the real AS number of the speaker, e.g. a private one from 64512 to 65534.",
        )
    return number


def asn_dot(value: Any, name: str = "asn") -> str:
    """Return the AS number in asdot notation (RFC 5396): '64513' below 65536, else 'high.low'."""
    number = asn_plain(value, name)
    if number < 65536:
        return str(number)
    return f"{number // 65536}.{number % 65536}"


def asn_is_private(value: Any, name: str = "asn") -> bool:
    """Return True when the AS number is in a private range (RFC 6996)."""
    number = asn_plain(value, name)
    return any(low <= number <= high for low, high in PRIVATE_ASN_RANGES)


# --- CIDRs ---


def _cidr_error(name: str, value: Any, why: str, fix: str = _CIDR_FIX) -> FlatnetError:
    """Build the one error shape used for CIDRs."""
    return FlatnetError(f"{name}: {_quote(value)} is not a valid CIDR: {why}. {fix}")


def _valid(check: Any, address: str, **flags: Any) -> bool:
    """netaddr's validity check, False instead of the ValueError it raises for an embedded NUL."""
    try:
        return bool(check(address, **flags))
    except ValueError:
        return False


def _check_address(address: str, value: Any, name: str) -> int:
    """Validate the address part of a CIDR and return its IP version."""
    if ":" in address:
        if not _valid(netaddr.valid_ipv6, address):
            raise _cidr_error(name, value, f"{address!r} is not an IPv6 address")
        return 6
    if address.count(".") != 3:
        raise _cidr_error(
            name, value, "an IPv4 address needs all four octets",
            "Write the full dotted quad, e.g. '10.233.0.0/16' rather than '10.233/16'.",
        )
    if not _valid(netaddr.valid_ipv4, address, flags=netaddr.INET_PTON):
        raise _cidr_error(name, value, f"{address!r} is not an IPv4 address (four numbers 0 to 255, no leading zeros)")
    return 4


def _check_prefix(prefix: str, version: int, value: Any, name: str) -> int:
    """Validate the prefix length part of a CIDR and return it."""
    width = 32 if version == 4 else 128
    if not _DIGITS.fullmatch(prefix):
        raise _cidr_error(
            name, value, f"the prefix length {prefix!r} is not a number",
            f"Use a prefix length from 0 to {width}, e.g. '/24'; netmasks are not accepted.",
        )
    length = int(prefix)
    if length > width:
        raise _cidr_error(name, value, f"prefix length /{length} is out of range for IPv{version}", f"Use 0 to {width}.")
    return length


def parse_cidr(value: Any, name: str = "cidr") -> "netaddr.IPNetwork":
    """Parse a strict 'address/prefix' string into a netaddr.IPNetwork.

    The prefix length is required, IPv4 must be a full dotted quad and no
    host bits may be set. An IPNetwork is accepted too and checked the same way.
    """
    _require_netaddr("Parsing CIDRs")
    if isinstance(value, netaddr.IPNetwork):
        value = str(value)
    if not isinstance(value, str):
        raise _cidr_error(name, value, f"it is of type {type(value).__name__}, not a string")
    text = value.strip()
    if not text:
        raise _cidr_error(name, value, "it is empty")
    address, slash, prefix = text.partition("/")
    version = _check_address(address, value, name)
    if not slash:
        example = f"{address}/{32 if version == 4 else 128}"
        raise _cidr_error(name, value, "the prefix length is missing", f"For a single address write it as {example!r}.")
    length = _check_prefix(prefix, version, value, name)
    network = netaddr.IPNetwork(f"{address}/{length}", version=version)
    if network.ip != network.network:
        raise FlatnetError(f"{name}: {_quote(value)} has host bits set; did you mean {str(network.cidr)!r}?")
    return network


def parse_address(value: Any, name: str = "address") -> "netaddr.IPAddress":
    """Parse one host address (no prefix length) that a host can use.

    IPv4 must be a full dotted quad. Network-wide special addresses
    (unspecified, loopback, link-local, multicast) are refused.
    """
    _require_netaddr("Parsing addresses")
    text = value.strip() if isinstance(value, str) else ""
    if not text or "/" in text:
        raise FlatnetError(
            f"{name}: {_quote(value)} is not an IP address. "
            "Write one address without a prefix length, e.g. '10.200.20.254' or '2001:db8::1'."
        )
    try:
        version = _check_address(text, value, name)
    except FlatnetError:
        raise FlatnetError(
            f"{name}: {_quote(value)} is not an IP address. "
            "Write the full address, e.g. '10.200.20.254' (all four octets) or '2001:db8::1'."
        ) from None
    address = netaddr.IPAddress(text, version)
    kind = reserved_kind(f"{address}/{32 if version == 4 else 128}")
    if kind:
        raise FlatnetError(f"{name}: {_quote(value)} is a {kind} address, which cannot be a BGP peer or a next hop. "
                           "Use the address of the interface on the node or office network.")
    return address


def _cidr_list(cidrs: Any, name: str) -> List["netaddr.IPNetwork"]:
    """Parse one CIDR or an iterable of CIDRs; list items are named 'name[i]'."""
    _require_netaddr("Parsing CIDRs")
    if isinstance(cidrs, (str, netaddr.IPNetwork)):
        return [parse_cidr(cidrs, name)]
    if isinstance(cidrs, (Mapping, bytes)) or not isinstance(cidrs, Iterable):
        raise FlatnetError(
            f"{name}: {_quote(cidrs)} is not a CIDR or a list of CIDRs. "
            "Give one CIDR string, e.g. '10.233.64.0/18', or a list of them."
        )
    return [parse_cidr(item, f"{name}[{index}]") for index, item in enumerate(cidrs)]


def _sort_key(network: "netaddr.IPNetwork") -> Tuple[int, int, int]:
    """Order networks IPv4 first, then by address, then by prefix length."""
    return (network.version, network.first, network.prefixlen)


def _merged(cidrs: Any, name: str) -> List["netaddr.IPNetwork"]:
    """Return the sorted, merged networks of *cidrs*."""
    return sorted(netaddr.cidr_merge(_cidr_list(cidrs, name)), key=_sort_key)


def reserved_kind(cidr: Any) -> Optional[str]:
    """Name the special range that *cidr* overlaps, or None.

    Kinds are 'unspecified', 'loopback', 'link-local' and 'multicast'. When a
    range overlaps several (like 0.0.0.0/0), the lowest-addressed one is named.
    """
    network = parse_cidr(cidr)
    for kind, special in _RESERVED:
        other = netaddr.IPNetwork(special)
        if other.version == network.version and network.first <= other.last and other.first <= network.last:
            return kind
    return None


def summarise(cidrs: Any, name: str = "cidrs") -> List[str]:
    """Merge CIDRs into the fewest covering networks; sorted, IPv4 before IPv6."""
    return [str(network) for network in _merged(cidrs, name)]


# --- reverse DNS ---


def _zone_prefix(network: "netaddr.IPNetwork") -> int:
    """Prefix length of the reverse zones that cover *network*.

    IPv4 zones sit on octet boundaries and stop at /24; IPv6 zones sit on
    nibble boundaries.
    """
    step = 8 if network.version == 4 else 4
    boundary = -(-network.prefixlen // step) * step
    return min(boundary, 24) if network.version == 4 else boundary


def _zone_count(network: "netaddr.IPNetwork") -> int:
    """Number of reverse zones needed for *network*."""
    return 2 ** max(_zone_prefix(network) - network.prefixlen, 0)


def _zone_name(version: int, first: int, prefix: int) -> str:
    """The in-addr.arpa or ip6.arpa name of the zone at address *first* with a label-aligned *prefix*."""
    if version == 4:
        labels = [str((first >> shift) & 255) for shift in (24, 16, 8)][:prefix // 8]
        suffix = "in-addr.arpa"
    else:
        labels = list(f"{first:032x}"[:prefix // 4])
        suffix = "ip6.arpa"
    return ".".join(list(reversed(labels)) + [suffix])


def _zone_starts(network: "netaddr.IPNetwork", prefix: int) -> range:
    """First addresses of the /*prefix* zones that cover *network*."""
    width = 32 if network.version == 4 else 128
    step = 1 << (width - prefix)
    return range(network.first - network.first % step, network.last + 1, step)


def _check_reverse_input(network: "netaddr.IPNetwork", name: str) -> None:
    """Refuse IPv4 ranges too large to forward sensibly."""
    if network.version == 4 and network.prefixlen < MIN_IPV4_REVERSE_PREFIX:
        raise FlatnetError(
            f"{name}: {str(network)!r} is too large for reverse DNS forwarding: a prefix shorter than "
            f"/{MIN_IPV4_REVERSE_PREFIX} would take over reverse DNS for whole /8 blocks, up to all of in-addr.arpa. "
            "List the real cluster ranges instead (each /8 or smaller)."
        )


def reverse_zones(cidrs: Any, name: str = "cidrs") -> List[str]:
    """Reverse DNS zones to forward so that every address in *cidrs* is covered.

    Inputs are merged first. IPv4 zones are whole octets: a prefix that is a
    multiple of 8 gives one zone, a shorter one is split down to the next
    octet boundary, and a prefix longer than /24 gives its enclosing /24 zone,
    which then covers more than the range. RFC 2317 classless delegation is
    not used: it matters for delegation from a parent zone, not for
    forwarding. IPv4 ranges larger than /8 are refused. IPv6 zones sit on
    nibble boundaries. More than MAX_REVERSE_ZONES zones in total is refused.
    Names are sorted (IPv4 by address, then IPv6), lower case, without a
    trailing dot.
    """
    total = 0
    zones: Dict[Tuple[int, int, int], str] = {}
    for network in _merged(cidrs, name):
        _check_reverse_input(network, name)
        total += _zone_count(network)
        if total > MAX_REVERSE_ZONES:
            raise FlatnetError(
                f"{name}: {str(network)!r} brings the number of reverse zones to more than {MAX_REVERSE_ZONES}. "
                "Forward fewer ranges, or ranges on octet (IPv4) or nibble (IPv6) boundaries, which need one zone each."
            )
        prefix = _zone_prefix(network)
        for first in _zone_starts(network, prefix):
            zones[(network.version, first, prefix)] = _zone_name(network.version, first, prefix)
    return [zones[key] for key in sorted(zones)]


# --- overlaps ---


class _Entry(NamedTuple):
    """One CIDR of a named set, with its position in the input."""

    order: int
    set_name: Any
    network: Any


def _entries(named_sets: Any) -> List[_Entry]:
    """Flatten a mapping of name -> CIDR(s) into ordered entries."""
    if not isinstance(named_sets, Mapping):
        raise FlatnetError(
            f"named_sets: {_quote(named_sets)} is not a mapping. "
            "Give a dictionary of name to CIDR or list of CIDRs, e.g. {'pods': '10.233.64.0/18', 'services': '10.233.0.0/18'}."
        )
    entries: List[_Entry] = []
    for set_name, cidrs in named_sets.items():
        for network in _cidr_list(cidrs, str(set_name)):
            entries.append(_Entry(len(entries), set_name, network))
    return entries


def _overlapping_pairs(entries: List[_Entry]) -> List[Tuple[_Entry, _Entry]]:
    """All overlapping pairs among CIDRs of one family, by sort and sweep.

    CIDR blocks either nest or are disjoint, so after sorting by start
    (largest first) the blocks still open at a start point form a stack of
    nested blocks, and each of them contains the current one.
    """
    pairs: List[Tuple[_Entry, _Entry]] = []
    stack: List[_Entry] = []
    for entry in sorted(entries, key=lambda item: (item.network.first, -item.network.last, item.order)):
        while stack and stack[-1].network.last < entry.network.first:
            stack.pop()
        pairs.extend((outer, entry) for outer in stack)
        stack.append(entry)
    return pairs


def cidr_conflicts(named_sets: Any) -> List[Dict[str, Any]]:
    """Every pair of overlapping CIDRs, across sets and within one set.

    *named_sets* maps a name to a CIDR or a list of CIDRs. Each pair is
    reported once, as left/right in input order (mapping order, then list
    position), and pairs are sorted the same way.
    """
    entries = _entries(named_sets)
    pairs: List[Tuple[_Entry, _Entry]] = []
    for version in (4, 6):
        pairs.extend(_overlapping_pairs([entry for entry in entries if entry.network.version == version]))
    ordered = sorted((min(a, b), max(a, b)) for a, b in pairs)
    return [
        {"left": left.set_name, "left_cidr": str(left.network), "right": right.set_name, "right_cidr": str(right.network)}
        for left, right in ordered
    ]


# --- Calico IPAM ---


def _check_block_size(block_size: Any, version: int, name: str) -> int:
    """Validate a Calico block size for a pool of the given IP version."""
    low, high = IPV4_BLOCK_SIZES if version == 4 else IPV6_BLOCK_SIZES
    default = DEFAULT_BLOCK_SIZES[version]
    if isinstance(block_size, bool) or not isinstance(block_size, int):
        raise FlatnetError(
            f"{name}: {_quote(block_size)} is not a valid block size: it must be a whole number, "
            f"not of type {type(block_size).__name__}; use {low} to {high} (Calico's default is {default})"
        )
    if not low <= block_size <= high:
        raise FlatnetError(
            f"{name}: {_quote(block_size)} is out of range for an IPv{version} pool; use {low} to {high} (Calico's default is {default})"
        )
    return int(block_size)


def calico_blocks(cidr: Any, block_size: Any, name: str = "pool") -> Dict[str, Any]:
    """Calico IPAM block math for the IP pool *cidr* split into /*block_size* blocks.

    Messages name the pool's settings as '<name>.cidr' and '<name>.block_size'.
    """
    network = parse_cidr(cidr, f"{name}.cidr")
    size = _check_block_size(block_size, network.version, f"{name}.block_size")
    if network.prefixlen > size:
        raise FlatnetError(
            f"{name}.block_size: {size} does not fit pool {str(network)!r}: pool prefix /{network.prefixlen} is longer "
            f"than block_size {size}; a pool must hold at least one block: use a block_size of at least "
            f"{network.prefixlen} or a larger pool"
        )
    width = 32 if network.version == 4 else 128
    return {
        "cidr": str(network),
        "family": network.version,
        "prefix_length": network.prefixlen,
        "block_size": size,
        "blocks": 2 ** (size - network.prefixlen),
        "addresses_per_block": 2 ** (width - size),
        "addresses": network.size,
    }


def pool_blocks(cidr: Any, block_size: Any = None, name: str = "pool") -> Dict[str, Any]:
    """calico_blocks for a pool whose block size may be unset (Calico's default for its IP version then)."""
    if block_size is None:
        block_size = DEFAULT_BLOCK_SIZES[parse_cidr(cidr, f"{name}.cidr").version]
    return calico_blocks(cidr, block_size, name=name)
