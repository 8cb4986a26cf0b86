# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The flatnet intent: its schema, its cross-field rules and the plan.

The user describes the network once, in three inventory variables
(``flatnet_cluster``, ``flatnet_fabric``, ``flatnet_office``). The schema
here is the single source of their structure: the intent_plan module uses
it as its argument spec, and the preflight role's meta/argument_specs.yml
mirrors it (a unit test keeps the two equal).

``check_intent`` finds every problem the schema cannot express (overlaps,
families, ASNs, selectors, names) and returns them all at once, so one run
shows everything to fix. ``build_plan`` derives what the other roles use,
so that no role re-derives a CIDR or an AS number on its own.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils import _netmath as netmath
from ansible_collections.flatnet.kube.plugins.module_utils import _selector as selector
from ansible_collections.flatnet.kube.plugins.module_utils import _reconcile_intent as discovered
from ansible_collections.flatnet.kube.plugins.module_utils import _schema as schema
from ansible_collections.flatnet.kube.plugins.module_utils import _switch as switch_model
from ansible_collections.flatnet.kube.plugins.module_utils import _text as text

ENCAPSULATION_MODES = ["Never", "Always", "CrossSubnet"]
SWITCH_PLATFORMS = ["frr", "ios", "nxos", "iosxr", "eos", "junos", "vyos", "sonic", "vrp", "comware"]
# The platforms switch_bgp can configure in this release (those with a renderer); the others are known names for the
# switches it does not run on.
APPLIED_SWITCH_PLATFORMS = [platform for platform in SWITCH_PLATFORMS
                            if platform in switch_model.PLATFORMS and switch_model.platform_facts(platform)["applied"]]
# How each switch_bgp option a platform may lack is set: the option's variable, and whether its value asks for it.
_SWITCH_OPTIONS = {
    "listen_range": ("switch_bgp_neighbor_mode", lambda value: value == "listen_range"),
    "ttl_security": ("switch_bgp_ttl_security", bool),
    "graceful_restart": ("switch_bgp_graceful_restart", bool),
    "router_id": ("switch_bgp_router_id", bool),
    "maximum_paths": ("switch_bgp_maximum_paths", lambda value: value is not None),
    "max_prefix_restart": ("switch_bgp_maximum_prefix_action", lambda value: value == "restart"),
    "max_prefix_warning_only": ("switch_bgp_maximum_prefix_action", lambda value: value == "warning_only"),
    "max_prefix_teardown": ("switch_bgp_maximum_prefix_action", lambda value: value == "teardown"),
}
GATEWAY_PLATFORMS = ["linux"]
DNS_SERVER_KINDS = ["bind", "unbound", "dnsmasq", "coredns", "windows"]
SESSION_TYPES = ["ebgp", "ibgp"]

# Every inventory variable of the collection that starts with "flatnet_";
# check_variables flags any other name with that prefix as a typo.
INTENT_VARIABLES = ("flatnet_cluster", "flatnet_fabric", "flatnet_office")
KNOWN_VARIABLES = INTENT_VARIABLES

_API_SPEC: Dict[str, Any] = {
    "kubeconfig": {"type": "path"},
    "context": {"type": "str"},
    "host": {"type": "str"},
    "api_key": {"type": "str", "no_log": True},
    "ca_cert": {"type": "path"},
    "validate_certs": {"type": "bool"},
    "request_timeout": {"type": "float"},
    "request_retries": {"type": "int"},
}

_POOL_SPEC: Dict[str, Any] = {
    "name": {"type": "str", "required": True},
    "cidr": {"type": "str", "required": True},
    "block_size": {"type": "int"},
    "ipip_mode": {"type": "str", "default": "Never", "choices": ENCAPSULATION_MODES},
    "vxlan_mode": {"type": "str", "default": "Never", "choices": ENCAPSULATION_MODES},
    "nat_outgoing": {"type": "bool", "default": False},
    "node_selector": {"type": "str", "default": "all()"},
    "disabled": {"type": "bool", "default": False},
}

_CLUSTER_SPEC: Dict[str, Any] = {
    "name": {"type": "str", "default": "cluster"},
    "api": {"type": "dict", "default": {}, "options": _API_SPEC},
    "as_number": {"type": "raw", "required": True},
    "node_to_node_mesh": {"type": "bool", "default": True},
    "pools": {"type": "list", "elements": "dict", "required": True, "options": _POOL_SPEC},
    "service_cluster_ips": {"type": "list", "elements": "str", "required": True},
    "service_external_ips": {"type": "list", "elements": "str", "default": []},
    "service_loadbalancer_ips": {"type": "list", "elements": "str", "default": []},
    "domain": {"type": "str", "default": "cluster.local"},
    "dns_service_ip": {"type": "str"},
    "peer_selector": {"type": "raw", "required": True},
}

_SWITCH_SPEC: Dict[str, Any] = {
    "name": {"type": "str", "required": True},
    "platform": {"type": "str", "required": True, "choices": SWITCH_PLATFORMS},
    "as_number": {"type": "raw", "required": True},
    "peer_ip": {"type": "str", "required": True},
    "session_type": {"type": "str", "default": "ebgp", "choices": SESSION_TYPES},
    "password": {"type": "str", "no_log": True},
    "peer_name": {"type": "str"},
    "managed_elsewhere": {"type": "bool", "default": False},
}

_FABRIC_SPEC: Dict[str, Any] = {
    "switches": {"type": "list", "elements": "dict", "required": True, "options": _SWITCH_SPEC},
}

_GATEWAY_SPEC: Dict[str, Any] = {
    "name": {"type": "str", "required": True},
    "platform": {"type": "str", "default": "linux", "choices": GATEWAY_PLATFORMS},
    "next_hop": {"type": "str", "required": True},
}

_DNS_SERVER_SPEC: Dict[str, Any] = {
    "name": {"type": "str", "required": True},
    "kind": {"type": "str", "required": True, "choices": DNS_SERVER_KINDS},
}

_OFFICE_SPEC: Dict[str, Any] = {
    "networks": {"type": "list", "elements": "str", "required": True},
    "gateways": {"type": "list", "elements": "dict", "default": [], "options": _GATEWAY_SPEC},
    "dns_servers": {"type": "list", "elements": "dict", "default": [], "options": _DNS_SERVER_SPEC},
}

# Keyed by the inventory variable names; the module drops the prefix.
INTENT_SPEC: Dict[str, Any] = {
    "flatnet_cluster": {"type": "dict", "required": True, "options": _CLUSTER_SPEC},
    "flatnet_fabric": {"type": "dict", "required": True, "options": _FABRIC_SPEC},
    "flatnet_office": {"type": "dict", "required": True, "options": _OFFICE_SPEC},
}

# Names by full match (re.fullmatch): '$' alone would also take a name with a line break at its end.
_DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
# A Kubernetes object name (a DNS subdomain), as far as a cluster name that is already a valid label value can differ.
_OBJECT_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")
_K8S_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")

_OVERLAP_FIX = {
    ("pool", "pool"): "Calico pools must not overlap; give each pool its own range.",
    ("pool", "service"): "pods and Services need separate ranges (the seed uses pods 10.233.64.0/18 and Services 10.233.0.0/18).",
    ("service", "service"): "each Service range must be distinct; remove the duplicate or shrink one.",
    ("office", "office"): "list each office network once; remove the duplicate or the smaller range.",
    ("office", "cluster"): "the office could not route to a cluster range inside its own network; "
                           "choose cluster ranges outside the office networks.",
}


class IntentError(FlatnetError):
    """The intent has problems; ``problems`` lists each as a full message."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("the flatnet intent has %d problem%s; nothing was changed:\n- %s" % (
            len(self.problems), "" if len(self.problems) == 1 else "s", "\n- ".join(self.problems)))


class _Problems:
    """Collects the problems of one check run, each as a full message."""

    def __init__(self) -> None:
        self.messages: List[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def attempt(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call func; on FlatnetError record its message and return None."""
        try:
            return func(*args, **kwargs)
        except FlatnetError as error:
            self.add(str(error))
            return None


def _items(intent: Mapping[str, Any], variable: str, key: str) -> List[Tuple[str, Any]]:
    """Return (path, value) for each element of intent[variable][key]."""
    values = (intent.get(variable) or {}).get(key) or []
    return [("%s.%s[%d]" % (variable, key, index), value) for index, value in enumerate(values)]


def _range_paths(intent: Mapping[str, Any]) -> List[Tuple[str, str, Any]]:
    """Return (kind, path, cidr) for every range of the intent."""
    ranges = [("pool", path + ".cidr", pool.get("cidr")) for path, pool in _items(intent, "flatnet_cluster", "pools")]
    for key in ("service_cluster_ips", "service_external_ips", "service_loadbalancer_ips"):
        ranges.extend(("service", path, cidr) for path, cidr in _items(intent, "flatnet_cluster", key))
    ranges.extend(("office", path, cidr) for path, cidr in _items(intent, "flatnet_office", "networks"))
    return ranges


def _check_ranges(intent: Mapping[str, Any], problems: _Problems) -> Dict[str, Tuple[str, Any]]:
    """Parse every range; return the good ones by path, with their kind."""
    good: Dict[str, Tuple[str, Any]] = {}
    for kind, path, cidr in _range_paths(intent):
        network = problems.attempt(netmath.parse_cidr, cidr, name=path)
        if network is None:
            continue
        reserved = netmath.reserved_kind(network)
        if reserved:
            problems.add("%s: '%s' overlaps the %s range, which is never routed; use a private range such as 10.233.64.0/18 "
                         "(IPv4) or fd00:10:233::/56 (IPv6)." % (path, network, reserved))
            continue
        good[path] = (kind, network)
    return good


def _overlap_fix(left_kind: str, right_kind: str) -> str:
    kinds = tuple(sorted((left_kind, right_kind), key=["pool", "service", "office"].index))
    if "office" in kinds and kinds != ("office", "office"):
        kinds = ("office", "cluster")
    return _OVERLAP_FIX[kinds]


def _check_overlaps(ranges: Dict[str, Tuple[str, Any]], problems: _Problems) -> None:
    named = dict((path, str(network)) for path, (_kind, network) in ranges.items())
    for pair in netmath.cidr_conflicts(named):
        left, right = pair["left"], pair["right"]
        problems.add("%s: '%s' overlaps %s '%s'; %s" % (
            left, pair["left_cidr"], right, pair["right_cidr"], _overlap_fix(ranges[left][0], ranges[right][0])))


def _check_pool(path: str, pool: Mapping[str, Any], network: Any, problems: _Problems) -> None:
    """Check one pool's Calico rules, its block math included."""
    if not _K8S_NAME.fullmatch(str(pool.get("name") or "")):
        problems.add("%s.name: %s is not a valid Kubernetes object name; use lower-case letters, digits, '-' and '.', "
                     "starting and ending with a letter or digit, e.g. 'default-pool'." % (path, text.shown(pool.get("name"))))
    ipip, vxlan = pool.get("ipip_mode", "Never"), pool.get("vxlan_mode", "Never")
    if ipip != "Never" and vxlan != "Never":
        problems.add("%s: ipip_mode '%s' and vxlan_mode '%s' are both enabled; Calico allows one encapsulation per pool: "
                     "set one of them to Never (a flat network wants both Never)." % (path, ipip, vxlan))
    if network is not None and network.version == 6 and ipip != "Never":
        problems.add("%s.ipip_mode: '%s' on the IPv6 pool '%s'; IP-in-IP carries IPv4 only: set ipip_mode: Never "
                     "(use vxlan_mode for an IPv6 overlay)." % (path, ipip, network))
    problems.attempt(selector.to_calico, pool.get("node_selector", "all()"), name=path + ".node_selector")
    if network is not None:
        problems.attempt(netmath.pool_blocks, str(network), pool.get("block_size"), name=path)


def _check_pools(intent: Mapping[str, Any], ranges: Dict[str, Tuple[str, Any]], problems: _Problems) -> None:
    pools = _items(intent, "flatnet_cluster", "pools")
    if not pools:
        problems.add("flatnet_cluster.pools: no pool is given; list at least one, e.g. "
                     "{name: default-pool, cidr: 10.233.64.0/18, block_size: 24}.")
    for path, pool in pools:
        _check_pool(path, pool, ranges.get(path + ".cidr", (None, None))[1], problems)
    _check_unique(pools, "flatnet_cluster.pools", "name", problems)


def _check_unique(items: Sequence[Tuple[str, Any]], what: str, key: str, problems: _Problems) -> None:
    seen: Dict[Any, str] = {}
    for path, item in items:
        value = item.get(key)
        if value in seen:
            problems.add("%s.%s: '%s' is already used by %s; %s need unique %ss." % (path, key, value, seen[value], what, key))
        seen.setdefault(value, path)


def _address_in(address: Any, ranges: Dict[str, Tuple[str, Any]], path_prefix: str) -> Optional[Tuple[str, Any]]:
    """Return (path, network) of the first range under path_prefix that holds address."""
    for path, (_kind, network) in ranges.items():
        if path.startswith(path_prefix) and address in network:
            return path, network
    return None


def _check_address(path: str, value: Any, ranges: Dict[str, Tuple[str, Any]], problems: _Problems) -> Any:
    """Parse a host address that must lie outside every cluster range."""
    address = problems.attempt(netmath.parse_address, value, name=path)
    if address is None:
        return None
    inside = _address_in(address, ranges, "flatnet_cluster.")
    if inside:
        problems.add("%s: '%s' lies inside the cluster range %s '%s'; it must be an address of the node or office "
                     "network, outside every pod and Service range." % (path, value, inside[0], inside[1]))
    return address


def _check_asn(path: str, value: Any, problems: _Problems) -> Optional[int]:
    return problems.attempt(netmath.asn_plain, value, name=path)


def _check_name(path: str, value: Any, problems: _Problems) -> None:
    problem = text.host_name_problem(value, path)
    if problem:
        problems.add(problem)


def _check_platform(path: str, switch: Mapping[str, Any], switch_hosts: Optional[Sequence[str]], problems: _Problems,
                    switch_options: Optional[Mapping[str, Mapping[str, Any]]] = None) -> None:
    """A switch that switch_bgp will configure must be on a platform it can apply, with options the platform has."""
    platform = switch.get("platform")
    if platform in switch_model.PLATFORMS:
        # Also where flatnet only writes the files (render.yml): the file must say what the variables ask.
        _check_platform_options(path, switch, (switch_options or {}).get(switch.get("name")) or {}, problems)
    if platform in APPLIED_SWITCH_PLATFORMS or (switch_hosts is not None and switch.get("name") not in switch_hosts):
        return
    why = switch_model.platform_facts(platform)["not_applied"] if platform in switch_model.PLATFORMS else "it has no renderer yet"
    problems.add("%s.platform: switch_bgp cannot configure %s in this release (%s), and the switch %s is a host of the switches "
                 "group, so site.yml would fail on it after the cluster has changed; configure this switch yourself (for example "
                 "from the file of playbooks/render.yml), take it out of the switches group and set managed_elsewhere: true "
                 "on it, or use one of %s."
                 % (path, text.shown(platform), why, text.shown(switch.get("name")), ", ".join(APPLIED_SWITCH_PLATFORMS)))


def _check_platform_options(path: str, switch: Mapping[str, Any], options: Mapping[str, Any], problems: _Problems) -> None:
    """switch_bgp's options of this switch's host (its inventory variables) that its platform cannot express."""
    for option, reason in sorted(switch_model.platform_facts(switch["platform"])["cannot"].items()):
        variable, asks = _SWITCH_OPTIONS[option]
        if variable in options and asks(options[variable]):
            problems.add("%s (%s): %s is %s for this host, but the platform %s cannot do it: %s. Unset %s for %s, or configure "
                         "this switch yourself from render.yml's file and take it out of the switches group."
                         % (path, text.shown(switch.get("name")), variable, text.shown(options[variable]), switch["platform"], reason,
                            variable, text.shown(switch.get("name"))))


def _check_managed(path: str, switch: Mapping[str, Any], switch_hosts: Sequence[str], problems: _Problems) -> None:
    """Each switch of the intent is configured by switch_bgp (a host of the switches group) or marked as configured by
    someone else; otherwise every peering node would hold a session to a switch that nobody configures."""
    name, elsewhere = switch.get("name"), bool(switch.get("managed_elsewhere"))
    if name not in switch_hosts and not elsewhere:
        problems.add("%s: the switch %s is no host of the switches group, so nothing would configure its side, while the "
                     "cluster would get its BGPPeer and every peering node a session to it that stays down (Active). Add "
                     "%s to the switches group of the inventory, or, if someone else configures it (for example the network "
                     "team from playbooks/render.yml's file), set %s.managed_elsewhere: true."
                     % (path, text.shown(name), text.shown(name), path))
    elif name in switch_hosts and elsewhere:
        problems.add("%s.managed_elsewhere: true, but the switch %s is a host of the switches group, so switch_bgp would "
                     "configure it too; take it out of the switches group, or drop managed_elsewhere."
                     % (path, text.shown(name)))


def _check_switches(intent: Mapping[str, Any], cluster_as: Optional[int], ranges: Dict[str, Tuple[str, Any]], problems: _Problems,
                    switch_hosts: Optional[Sequence[str]] = None, switch_options: Optional[Mapping[str, Mapping[str, Any]]] = None,
                    require_switch_hosts: bool = False) -> None:
    switches = _items(intent, "flatnet_fabric", "switches")
    if not switches:
        problems.add("flatnet_fabric.switches: no switch is given; list the switches the nodes peer with, e.g. "
                     "{name: switch1, platform: frr, as_number: 65200, peer_ip: 10.200.20.254}.")
    for path, switch in switches:
        _check_name(path + ".name", switch.get("name"), problems)
        _check_platform(path, switch, switch_hosts, problems, switch_options)
        if require_switch_hosts and switch_hosts is not None:
            _check_managed(path, switch, switch_hosts, problems)
        if switch.get("password") is not None:
            problem = text.password_problem(switch.get("password"), path + ".password")
            if problem:
                problems.add(problem)
        peer_name = switch.get("peer_name") or "peer-%s" % switch.get("name")
        if not _K8S_NAME.fullmatch(str(peer_name)):
            where = path + (".peer_name" if switch.get("peer_name") else ".name")
            problems.add("%s: the BGPPeer name %s is not a valid Kubernetes object name; set %s.peer_name to lower-case letters, "
                         "digits, '-' and '.', e.g. 'peer-switch'." % (where, text.shown(peer_name), path))
        switch_as = _check_asn(path + ".as_number", switch.get("as_number"), problems)
        _check_address(path + ".peer_ip", switch.get("peer_ip"), ranges, problems)
        if switch_as is None or cluster_as is None:
            continue
        session = switch.get("session_type", "ebgp")
        if session == "ebgp" and switch_as == cluster_as:
            problems.add("%s.as_number: %d equals flatnet_cluster.as_number, but session_type is ebgp; give the switch its "
                         "own AS (the seed uses 65200 against the cluster's 64513), or set session_type: ibgp if the "
                         "switch is meant to be an iBGP peer (supported: the nodes then peer in the cluster's AS)."
                         % (path, switch_as))
        if session == "ibgp" and switch_as != cluster_as:
            problems.add("%s.as_number: %d differs from flatnet_cluster.as_number %d, but session_type is ibgp; iBGP "
                         "needs one AS on both ends: use %d, or set session_type: ebgp." % (path, switch_as, cluster_as, cluster_as))
    _check_unique(switches, "flatnet_fabric.switches", "name", problems)


def _check_domain(value: Any, problems: _Problems) -> None:
    path = "flatnet_cluster.domain"
    domain = value if isinstance(value, str) else ""
    labels = domain.split(".")
    if not domain or len(domain) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        problems.add("%s: %s is not a valid cluster domain; use lower-case DNS labels of letters, digits and '-' "
                     "(1 to 63 characters each, no leading or trailing '-' or dot), as in kubelet's --cluster-domain, "
                     "e.g. 'cluster.local'." % (path, text.shown(value)))


def _check_api_limits(api: Mapping[str, Any], problems: _Problems) -> None:
    """The client's time-out and retries: a run with none, or with no time to wait, could only fail later."""
    retries, timeout = api.get("request_retries"), api.get("request_timeout")
    if isinstance(retries, int) and not 0 <= retries <= 20:
        problems.add("flatnet_cluster.api.request_retries: %s is outside 0 to 20; give how many times a request the API could not "
                     "serve is tried again (4 by default, 0: never)." % retries)
    if isinstance(timeout, (int, float)) and not 0 < timeout <= 600:
        problems.add("flatnet_cluster.api.request_timeout: %s is outside 0 to 600 seconds; give how long each API request may "
                     "wait for a reply (30 by default)." % timeout)


def _check_cluster(intent: Mapping[str, Any], ranges: Dict[str, Tuple[str, Any]], problems: _Problems) -> Optional[int]:
    cluster = intent.get("flatnet_cluster") or {}
    cluster_name = cluster.get("name", "cluster")
    name_problem = selector.label_value_problem(cluster_name) if isinstance(cluster_name, str) else "it is not a string"
    if name_problem or not cluster_name:
        problems.add("flatnet_cluster.name: %s is not a valid cluster name (%s); it labels what flatnet makes and names the "
                     "nodes on the switch, so use up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter "
                     "or digit, e.g. 'dev-cluster'." % (text.shown(cluster_name), name_problem or "it is empty"))
    elif not _OBJECT_NAME.fullmatch(cluster_name):
        problems.add("flatnet_cluster.name: %s also names the ConfigMap flatnet-start-<name> that records the cluster's start, "
                     "and a Kubernetes object name holds lower-case letters, digits, '-' and '.' only; use e.g. %s."
                     % (text.shown(cluster_name), text.shown(re.sub(r"[^a-z0-9.-]", "-", cluster_name.lower()))))
    _check_api_limits(cluster.get("api") or {}, problems)
    cluster_as = _check_asn("flatnet_cluster.as_number", cluster.get("as_number"), problems)
    _check_pools(intent, ranges, problems)
    if not cluster.get("service_cluster_ips"):
        problems.add("flatnet_cluster.service_cluster_ips: no range is given; copy the API server's "
                     "--service-cluster-ip-range here, e.g. [10.233.0.0/18].")
    problems.attempt(selector.to_calico, cluster.get("peer_selector"), name="flatnet_cluster.peer_selector")
    _check_domain(cluster.get("domain", "cluster.local"), problems)
    dns_ip = cluster.get("dns_service_ip")
    if dns_ip is not None:
        address = problems.attempt(netmath.parse_address, dns_ip, name="flatnet_cluster.dns_service_ip")
        if address is not None and not _address_in(address, ranges, "flatnet_cluster.service_cluster_ips"):
            problems.add("flatnet_cluster.dns_service_ip: '%s' is outside every flatnet_cluster.service_cluster_ips range; "
                         "use the ClusterIP of the kube-dns Service (kubectl -n kube-system get svc kube-dns)." % dns_ip)
    return cluster_as


def _check_office(intent: Mapping[str, Any], ranges: Dict[str, Tuple[str, Any]], problems: _Problems) -> None:
    office = intent.get("flatnet_office") or {}
    if not office.get("networks"):
        problems.add("flatnet_office.networks: no network is given; list the desk networks that should reach the cluster, "
                     "e.g. [192.168.10.0/24]. They also limit who may query the forwarded DNS zones.")
    gateways = _items(intent, "flatnet_office", "gateways")
    for path, gateway in gateways:
        _check_name(path + ".name", gateway.get("name"), problems)
        _check_address(path + ".next_hop", gateway.get("next_hop"), ranges, problems)
    _check_unique(gateways, "flatnet_office.gateways", "name", problems)
    dns_servers = _items(intent, "flatnet_office", "dns_servers")
    for path, server in dns_servers:
        _check_name(path + ".name", server.get("name"), problems)
    _check_unique(dns_servers, "flatnet_office.dns_servers", "name", problems)


def _check_reverse_zones(ranges: Dict[str, Tuple[str, Any]], problems: _Problems) -> None:
    """The pod and ClusterIP ranges get reverse zones; a range too large for them is a problem of its own key."""
    forwarded = [(path, str(network)) for path, (kind, network) in ranges.items()
                 if kind == "pool" or path.startswith("flatnet_cluster.service_cluster_ips")]
    # Every range is tried (each reports its own problem) before the total is.
    alone = [problems.attempt(netmath.reverse_zones, [cidr], name=path) for path, cidr in forwarded]
    if all(zones is not None for zones in alone):
        problems.attempt(netmath.reverse_zones, [cidr for _path, cidr in forwarded], name="flatnet_cluster.pools and service_cluster_ips")


def check_variables(names: Sequence[str]) -> List[str]:
    """Return a problem for each flatnet_* variable that the collection does not know (a typo)."""
    problems = []
    for name in sorted(set(names)):
        if name.startswith("flatnet_") and name not in KNOWN_VARIABLES:
            close = difflib.get_close_matches(name, KNOWN_VARIABLES, n=1)
            hint = "did you mean %s?" % close[0] if close else "the intent variables are %s." % ", ".join(INTENT_VARIABLES)
            problems.append("%s: this variable is not part of the flatnet intent and would be ignored; %s" % (name, hint))
    return problems


def check_intent(intent: Mapping[str, Any], switch_hosts: Optional[Sequence[str]] = None,
                 switch_options: Optional[Mapping[str, Mapping[str, Any]]] = None, require_switch_hosts: bool = False) -> List[str]:
    """Return every problem of a structurally valid intent, as messages.

    ``switch_hosts`` are the inventory hosts switch_bgp runs on (the switches group); None checks every switch as one.
    With ``require_switch_hosts``, each switch must be one of them or marked ``managed_elsewhere``.
    """
    problems = _Problems()
    for variable in INTENT_VARIABLES:
        for message in text.one_line_problems(intent.get(variable), variable):
            problems.add(message)
    ranges = _check_ranges(intent, problems)
    _check_overlaps(ranges, problems)
    _check_reverse_zones(ranges, problems)
    cluster_as = _check_cluster(intent, ranges, problems)
    _check_switches(intent, cluster_as, ranges, problems, switch_hosts, switch_options, require_switch_hosts)
    _check_office(intent, ranges, problems)
    return problems.messages


def _pool_plan(pool: Mapping[str, Any]) -> Dict[str, Any]:
    blocks = netmath.pool_blocks(pool["cidr"], pool.get("block_size"))
    return {
        "name": pool["name"],
        "cidr": blocks["cidr"],
        "family": blocks["family"],
        "block_size": blocks["block_size"],
        "blocks": blocks["blocks"],
        "addresses_per_block": blocks["addresses_per_block"],
        "ipip_mode": pool.get("ipip_mode", "Never"),
        "vxlan_mode": pool.get("vxlan_mode", "Never"),
        "nat_outgoing": bool(pool.get("nat_outgoing", False)),
        "node_selector": selector.to_calico(pool.get("node_selector", "all()")),
        "disabled": bool(pool.get("disabled", False)),
    }


def _accept_prefixes(cidrs: Sequence[str]) -> List[Dict[str, Any]]:
    """Prefix-list entries that accept a range and every more specific route in it."""
    entries = []
    for cidr, network in sorted(((cidr, netmath.parse_cidr(cidr)) for cidr in set(cidrs)), key=lambda pair: pair[1].sort_key()):
        entries.append({"prefix": cidr, "family": network.version, "ge": network.prefixlen,
                        "le": 32 if network.version == 4 else 128})
    return entries


# Room per Service range for the /32 routes of Services with externalTrafficPolicy Local, and the spare on top.
_LOCAL_ROUTES_PER_RANGE = 64
_SPARE_PREFIXES = 16


def _max_prefix(pools: Sequence[Mapping[str, Any]], services: Sequence[str], nodes: int, counted: str) -> Dict[str, Any]:
    """A session's prefix limit, from what one peering node's session carries: every block of the pools (the
    node-to-node mesh relays the other nodes' blocks), as many /32s borrowed from blocks, each Service range once per
    node (calico-node's BIRD sends with add-path, so the peering node relays every node's copy), room for the /32s of
    Services with externalTrafficPolicy Local, and a spare. ``counted`` says where the node count came from."""
    blocks = sum(pool["blocks"] for pool in pools if not pool["disabled"])
    ranges = len(services)
    limit = 2 * blocks + ranges * nodes + _LOCAL_ROUTES_PER_RANGE * ranges + _SPARE_PREFIXES
    formula = ("%d blocks + %d borrowed /32s + %d Service range(s) x %d nodes (add-path copies; %s) + %d x %d Service range(s) "
               "(/32s of externalTrafficPolicy Local) + %d spare = %d"
               % (blocks, blocks, ranges, nodes, counted, _LOCAL_ROUTES_PER_RANGE, ranges, _SPARE_PREFIXES, limit))
    return {"limit": limit, "formula": formula}


def _switch_plan(switch: Mapping[str, Any]) -> Dict[str, Any]:
    as_number = netmath.asn_plain(switch["as_number"])
    peer_name = switch.get("peer_name") or "peer-%s" % switch["name"]
    return {
        "name": switch["name"],
        "platform": switch["platform"],
        "as_number": as_number,
        "as_dot": netmath.asn_dot(as_number),
        "peer_ip": str(netmath.parse_address(switch["peer_ip"])),
        "session_type": switch.get("session_type", "ebgp"),
        "has_password": bool(switch.get("password")),
        "peer_name": peer_name,
        # The Secret that holds the password in calico-node's namespace (made only when a password is set).
        "secret_name": "bgp-%s" % peer_name,
        # Configured by someone else (for example from render.yml's file): switch_bgp never runs on it.
        "managed_elsewhere": bool(switch.get("managed_elsewhere")),
        # What the switch does when a session sends more than max_prefix (switch_bgp_maximum_prefix_action overrides it):
        # restart the session after a while where the platform's renderer writes that, else tear it down.
        "max_prefix_action": switch_model.default_max_prefix_action(switch["platform"]),
    }


def _service_ranges(cluster: Mapping[str, Any], key: str) -> List[str]:
    return [str(netmath.parse_cidr(cidr)) for cidr in cluster.get(key) or []]


def build_plan(intent: Mapping[str, Any], facts: Optional[Mapping[str, Any]] = None,
               peering_nodes: Sequence[Mapping[str, Any]] = (), node_count: Optional[int] = None) -> Dict[str, Any]:
    """Derive the plan from an intent that check_intent found no problem in.

    With facts from cluster_network_info, the plan also holds the nodes, the
    peering nodes and the discovered DNS address. Secrets stay out: the plan
    says whether a password is set, never which.
    """
    cluster, fabric, office = intent["flatnet_cluster"], intent["flatnet_fabric"], intent["flatnet_office"]
    pools = [_pool_plan(pool) for pool in cluster["pools"]]
    pod_cidrs = [pool["cidr"] for pool in pools if not pool["disabled"]]
    cluster_ips = _service_ranges(cluster, "service_cluster_ips")
    external_ips = _service_ranges(cluster, "service_external_ips")
    loadbalancer_ips = _service_ranges(cluster, "service_loadbalancer_ips")
    advertised_services = cluster_ips + external_ips + loadbalancer_ips
    office_networks = netmath.summarise(office["networks"])
    as_number = netmath.asn_plain(cluster["as_number"])
    routes = netmath.summarise(pod_cidrs + advertised_services)
    accept = _accept_prefixes(pod_cidrs + advertised_services)
    cluster_part = discovered.cluster_plan(intent, facts, peering_nodes)
    if cluster_part["nodes"]:
        nodes, counted = len(cluster_part["nodes"]), "the cluster's nodes"
    elif node_count:
        nodes, counted = int(node_count), "no cluster read: preflight_node_count"
    else:
        # No cluster read (render.yml): the peering nodes given are the nodes known; the mesh may hold more.
        nodes, counted = max(len(cluster_part["peering_nodes"]), 1), "no cluster read: the peering nodes given"
    limit = _max_prefix(pools, advertised_services, nodes, counted)
    return {
        "cluster": {
            "name": cluster.get("name", "cluster"),
            "as_number": as_number,
            "as_dot": netmath.asn_dot(as_number),
            "as_private": netmath.asn_is_private(as_number),
            "node_to_node_mesh": bool(cluster.get("node_to_node_mesh", True)),
            "pools": pools,
            "pod_cidrs": pod_cidrs,
            "service_cluster_ips": cluster_ips,
            "service_external_ips": external_ips,
            "service_loadbalancer_ips": loadbalancer_ips,
            "domain": cluster.get("domain", "cluster.local"),
            "peer_selector": selector.to_calico(cluster["peer_selector"]),
            # The labels of every object flatnet creates in the cluster, by which a run prunes what it owns.
            "owner_labels": {"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": cluster.get("name", "cluster")},
            **cluster_part,
        },
        "fabric": {
            "switches": [_switch_plan(switch) for switch in fabric["switches"]],
            "accept_prefixes": accept,
            **switch_model.plan_part(accept),
            # FRR keeps at most 80 characters of a neighbor's description.
            "peer_group_description": ("%s nodes (%s)" % (cluster.get("name", "cluster"), selector.to_calico(cluster["peer_selector"])))[:80],
            "max_prefix": limit["limit"],
            # How max_prefix was counted, for the plan's reader.
            "max_prefix_formula": limit["formula"],
        },
        "office": {
            "networks": office_networks,
            "routes": routes,
            "gateways": [{"name": gateway["name"], "platform": gateway.get("platform", "linux"), "next_hop": gateway["next_hop"],
                          "routes": routes, "static_routes": [{"dest": route, "via": gateway["next_hop"]} for route in routes]}
                         for gateway in office.get("gateways") or []],
            "dns_servers": [dict(server) for server in office.get("dns_servers") or []],
            "reverse_zones": netmath.reverse_zones(pod_cidrs + cluster_ips),
            "passthrough_pools": [{"name": "office-" + re.sub(r"[.:/]+", "-", cidr).strip("-"), "cidr": cidr}
                                  for cidr in office_networks],
        },
    }


def secret_values(intent: Any) -> List[str]:
    """Every secret of a raw intent: the values under a secret key (text.SECRET_KEYS) and a kubeconfig mapping's values."""
    found: List[str] = []
    for _path, key, value in text.strings(intent, ""):
        if key in text.SECRET_KEYS and value:
            found.append(value)
    api = ((intent or {}).get("flatnet_cluster") or {}).get("api") if isinstance(intent, Mapping) else None
    kubeconfig = api.get("kubeconfig") if isinstance(api, Mapping) else None
    if isinstance(kubeconfig, Mapping):
        found += [value for _path, _key, value in text.strings(kubeconfig, "") if len(value) > 3]
    return found


def _beneath(problem: str, paths: Sequence[str]) -> bool:
    """Whether a problem's path is one of ``paths`` or lies inside one (its value was already found malformed)."""
    where = problem.split(":", 1)[0]
    return any(where == path or where.startswith((path + ".", path + "[")) for path in paths)


def check_raw(intent: Mapping[str, Any], switch_hosts: Optional[Sequence[str]] = None,
              switch_options: Optional[Mapping[str, Mapping[str, Any]]] = None,
              require_switch_hosts: bool = False) -> Tuple[Dict[str, Any], List[str]]:
    """The intent as the inventory holds it: its structure in flatnet's words, then the rules across fields, all at once.

    Returns the intent with its defaults filled in, and every problem. A rule across fields is left out where the
    structure of the value it reads was already reported.
    """
    normalised, structural = schema.check(INTENT_SPEC, intent)
    try:
        rules = check_intent(normalised, switch_hosts, switch_options, require_switch_hosts)
    except Exception:  # pylint: disable=broad-exception-caught
        # Only an intent already known to be malformed can get here; its structural problems say what to fix.
        if not structural:
            raise
        rules = []
    paths = [problem.split(":", 1)[0] for problem in structural]
    return normalised, structural + [problem for problem in rules if not _beneath(problem, paths)]


def peering_node_problems(nodes: Any, facts: Optional[Mapping[str, Any]], name: str = "preflight_peering_nodes") -> List[str]:
    """The peering nodes given for a plan without a cluster: each a host name and an IP address; not with facts."""
    if not nodes:
        return []
    if facts:
        return ["%s: the peering nodes are read from the cluster; give them only for a plan made without one "
                "(preflight_discover: false)." % name]
    if not isinstance(nodes, list):
        return ["%s: a list of {name, ip} is expected, not %s." % (name, type(nodes).__name__)]
    problems = []
    for index, node in enumerate(nodes):
        where = "%s[%d]" % (name, index)
        if not isinstance(node, dict) or set(node) != {"name", "ip"}:
            problems.append("%s: %s must be a mapping of exactly name and ip, e.g. {name: node2, ip: 10.200.20.105}."
                            % (where, text.shown(node)))
            continue
        problem = text.host_name_problem(node["name"], where + ".name")
        if problem:
            problems.append(problem)
        problems += text.one_line_problems(node["ip"], where + ".ip")
        try:
            netmath.parse_address(node["ip"], name=where + ".ip")
        except FlatnetError as error:
            problems.append(str(error))
    return problems


def plan_intent(intent: Mapping[str, Any], variables: Sequence[str] = (), facts: Optional[Mapping[str, Any]] = None,
                switch_hosts: Optional[Sequence[str]] = None, raw: bool = False,
                peering_nodes: Sequence[Mapping[str, Any]] = (),
                switch_options: Optional[Mapping[str, Mapping[str, Any]]] = None, require_switch_hosts: bool = False,
                node_count: Optional[int] = None) -> Dict[str, Any]:
    """Check the intent (and, given cluster facts, hold it against them); return the plan or raise IntentError.

    With ``raw``, the intent is as the inventory holds it, and its structure is checked here (check_raw); otherwise it
    has been through the module's argument spec already.
    """
    if raw:
        intent, problems = check_raw(intent, switch_hosts, switch_options, require_switch_hosts)
    else:
        problems = check_intent(intent, switch_hosts, switch_options, require_switch_hosts)
    problems = check_variables(variables) + problems + peering_node_problems(peering_nodes, facts)
    if isinstance(node_count, str) and node_count.strip().isdigit():
        node_count = int(node_count)
    if node_count is not None and (facts or isinstance(node_count, bool) or not isinstance(node_count, int) or not 1 <= node_count <= 5000):
        problems.append("preflight_node_count: %s; give the number of the cluster's nodes (1 to 5000) only for a plan made without "
                        "a cluster to read (preflight_discover: false), since the cluster gives it otherwise."
                        % ("the cluster is read" if facts else "%s is not a whole number from 1 to 5000" % text.shown(node_count)))
    if facts and not problems:
        problems = discovered.check_against_cluster(intent, facts)
    if problems:
        raise IntentError(problems)
    given = [{"name": node["name"], "ip": str(netmath.parse_address(node["ip"]))} for node in peering_nodes or ()]
    return build_plan(intent, facts, given, None if facts else node_count)


def module_argument_spec() -> Dict[str, Any]:
    """The intent_plan module's argument spec: the intent without the variable prefix."""
    spec = dict((name[len("flatnet_"):], dict(option, required=False)) for name, option in INTENT_SPEC.items())
    spec["intent"] = {"type": "raw"}
    spec["variables"] = {"type": "list", "elements": "str", "default": []}
    spec["cluster_facts"] = {"type": "dict"}
    spec["switch_hosts"] = {"type": "list", "elements": "str"}
    spec["switch_options"] = {"type": "dict", "default": {}}
    spec["require_switch_hosts"] = {"type": "bool", "default": False}
    spec["peering_nodes"] = {"type": "list", "elements": "raw", "default": []}
    spec["node_count"] = {"type": "raw"}
    return spec
