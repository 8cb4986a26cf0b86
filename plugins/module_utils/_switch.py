# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch side as one model, and a pure renderer per platform.

The model is what flatnet asks of every core switch, whatever its vendor:
the FLATNET peer group toward the cluster (its remote AS, description,
password, TTL security), its members (the peering nodes) or a listen range,
an inbound prefix list per address family that accepts only the cluster's
ranges (each pool prefix down to its host routes, and the Service ranges),
an outbound deny (the switch announces nothing to the nodes), the
maximum-prefix, and the instance-wide settings that the user asked for
(router-id, graceful restart, ECMP). It is built from the plan and the role's
options; every name, sequence number and limit comes from the plan. A
renderer only writes the model in its platform's form.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils import (_frr, _switch_cli, _switch_common, _switch_device, _switch_eos, _switch_ios,
                                                                   _switch_iosxr, _switch_junos, _switch_vyos, _text)
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

PEER_GROUP = "FLATNET"
ROUTE_MAP_OUT = "FLATNET-OUT"
_AFI = {4: "ipv4", 6: "ipv6"}


def _switch(plan: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    for switch in plan["fabric"]["switches"]:
        if switch["name"] == name:
            return switch
    raise FlatnetError("%s is not a switch of the plan (flatnet_fabric.switches: %s)"
                       % (_text.shown(name), ", ".join(switch["name"] for switch in plan["fabric"]["switches"]) or "none"))


def plan_part(accept_prefixes: List[Mapping[str, Any]]) -> Dict[str, Any]:
    """The switch side's names, sequence numbers and policies, for the plan's ``fabric``: the inbound prefix list of
    each address family, the outbound deny, and the peer group's name."""
    return {"prefix_lists": _prefix_lists(accept_prefixes), "route_map_out": {"name": ROUTE_MAP_OUT, "action": "deny", "seq": 10},
            "peer_group": PEER_GROUP}


def _prefix_lists(accept_prefixes: List[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    families = []
    for family in (4, 6):
        entries = [entry for entry in accept_prefixes if entry["family"] == family]
        if entries:
            families.append({
                "family": family,
                "afi": _AFI[family],
                "prefix_list": {
                    "name": "FLATNET-IN" if family == 4 else "FLATNET-IN6",
                    "entries": [{"seq": index * 10, "action": "permit", "prefix": entry["prefix"],
                                 "prefixlen": int(entry["prefix"].split("/")[1]), "ge": entry["ge"], "le": entry["le"]}
                                for index, entry in enumerate(entries, start=1)],
                },
            })
    return families


def model(plan: Mapping[str, Any], name: str, options: Mapping[str, Any], password: Optional[str] = None) -> Dict[str, Any]:
    """The switch ``name``'s part, from the plan and switch_bgp's options (``neighbor_mode``, ``listen_range``,
    ``maximum_prefix``, ``maximum_paths``, ``graceful_restart``, ``ttl_security``, ``router_id``).

    ``maximum_paths`` None and ``graceful_restart`` False leave the switch's own setting; an empty ``router_id``
    leaves the switch's own router-id.
    """
    switch = _switch(plan, name)
    cluster = plan["cluster"]
    ibgp = switch["session_type"] == "ibgp"
    if options["neighbor_mode"] == "listen_range":
        neighbors: List[str] = []
        listen_range: Optional[str] = options["listen_range"]
    else:
        neighbors, listen_range = [node["ip"] for node in cluster.get("peering_nodes") or []], None
    families = [dict(prefix_list, maximum_prefix=int(options["maximum_prefix"])) for prefix_list in plan["fabric"]["prefix_lists"]]
    action = options.get("maximum_prefix_action") or switch.get("max_prefix_action") or "teardown"
    if action not in MAX_PREFIX_ACTIONS:
        raise FlatnetError("switch_bgp_maximum_prefix_action: %s is not one of %s" % (_text.shown(action), ", ".join(MAX_PREFIX_ACTIONS)))
    return {
        "name": switch["name"],
        "platform": switch["platform"],
        "as_number": switch["as_number"],
        "as_dot": switch["as_dot"],
        "router_id": options.get("router_id") or None,
        "graceful_restart": bool(options.get("graceful_restart")),
        "maximum_paths": None if options.get("maximum_paths") is None else int(options["maximum_paths"]),
        "peer_group": {
            "name": plan["fabric"]["peer_group"],
            "session_type": switch["session_type"],
            # iBGP: the same AS on both ends; eBGP: the cluster's.
            "remote_as": switch["as_number"] if ibgp else cluster["as_number"],
            "remote_as_dot": switch["as_dot"] if ibgp else cluster["as_dot"],
            "description": plan["fabric"]["peer_group_description"],
            "password": password or None,
            "ttl_security_hops": 1 if options.get("ttl_security") else None,
        },
        "neighbors": neighbors,
        "listen_range": listen_range,
        "families": families,
        # A session over its maximum-prefix: restart after maximum_prefix_restart minutes, warning_only, or teardown.
        "maximum_prefix_action": action,
        "maximum_prefix_restart": int(options.get("maximum_prefix_restart") or 5) if action == "restart" else None,
        "route_map_out": dict(plan["fabric"]["route_map_out"]),
    }


def _frr_over_limit(part: Mapping[str, Any]) -> str:
    """The end of FRR's maximum-prefix line: what the switch does with a session over the limit."""
    action = part.get("maximum_prefix_action", "teardown")
    if action == "restart":
        return " restart %d" % part["maximum_prefix_restart"]
    return " warning-only" if action == "warning_only" else ""


def render_frr(part: Mapping[str, Any]) -> str:
    """The model as FRR's configuration: flatnet's part, for frr_config to compose into the running configuration."""
    group = part["peer_group"]
    name = group["name"]
    lines = ["frr defaults traditional", "!"]
    for family in part["families"]:
        keyword = "ip" if family["family"] == 4 else "ipv6"
        prefix_list = family["prefix_list"]
        for entry in prefix_list["entries"]:
            lines.append("%s prefix-list %s seq %d %s %s%s le %d" % (
                keyword, prefix_list["name"], entry["seq"], entry["action"], entry["prefix"],
                " ge %d" % entry["ge"] if entry["ge"] > entry["prefixlen"] else "", entry["le"]))
        lines.append("!")
    out = part["route_map_out"]
    lines += ["route-map %s %s %d" % (out["name"], out["action"], out["seq"]), "exit", "!", "router bgp %d" % part["as_number"]]
    if part["router_id"]:
        lines.append(" bgp router-id %s" % part["router_id"])
    if part["graceful_restart"]:
        lines.append(" bgp graceful-restart")
    lines += [" neighbor %s peer-group" % name,
              " neighbor %s remote-as %s" % (name, "internal" if group["session_type"] == "ibgp" else group["remote_as"]),
              " neighbor %s description %s" % (name, group["description"])]
    if group["password"]:
        lines.append(" neighbor %s password %s" % (name, group["password"]))
    if group["ttl_security_hops"]:
        lines.append(" neighbor %s ttl-security hops %d" % (name, group["ttl_security_hops"]))
    if part["listen_range"]:
        lines.append(" bgp listen range %s peer-group %s" % (part["listen_range"], name))
    lines += [" neighbor %s peer-group %s" % (address, name) for address in part["neighbors"]]
    lines.append(" !")
    for family in part["families"]:
        lines.append(" address-family %s unicast" % family["afi"])
        if family["family"] != 4:
            # FRR activates IPv4 unicast for a neighbor by default, every other family only when asked.
            lines.append("  neighbor %s activate" % name)
        lines += ["  neighbor %s prefix-list %s in" % (name, family["prefix_list"]["name"]),
                  "  neighbor %s route-map %s out" % (name, out["name"]),
                  "  neighbor %s maximum-prefix %d%s" % (name, family["maximum_prefix"], _frr_over_limit(part))]
        if part["maximum_paths"] is not None:
            lines.append("  maximum-paths %s%d" % ("ibgp " if group["session_type"] == "ibgp" else "", part["maximum_paths"]))
        lines.append(" exit-address-family")
    lines += ["exit", "!"]
    return "\n".join(lines) + "\n"


def removal_frr(part: Mapping[str, Any]) -> str:
    """FRR commands that take flatnet's part out again and leave every other line, in vtysh's configuration mode.

    The peer group's members go first (they use the lists), then the group, then its lists and route map. The
    instance settings (router-id, graceful restart, maximum-paths) stay: after the change they are the instance's own.
    """
    name = part["peer_group"]["name"]
    lines = ["router bgp %d" % part["as_number"]]
    if part["listen_range"]:
        lines.append(" no bgp listen range %s peer-group %s" % (part["listen_range"], name))
    lines += [" no neighbor %s" % address for address in part["neighbors"]]
    lines += [" no neighbor %s peer-group" % name, "exit"] + _switch_common.policy_removal(part)
    return "\n".join(lines) + "\n"


# Lines that only enter or leave a context for the lines inside it, in the platforms' CLIs.
_INSTANCE = re.compile(r"(?:router )?bgp (\d+(?:\.\d+)?)")
_CONTEXT = re.compile(r"(address-family (ipv4|ipv6)( unicast)?|(ipv4|ipv6)-family unicast|exit|exit-address-family|"
                      r"end-policy|end-set|quit|end|!|#)")
_MAXIMUM_PATHS = re.compile(r".*\b(maximum-paths|maximum load-balancing|balance|multipath)\b.*")


def foreign_commands(part: Mapping[str, Any], commands: List[str]) -> List[str]:
    """The commands that are not flatnet's part: none of its names (FLATNET...), none of its peers' addresses or its
    listen range, not a context line around them, and not an instance setting that the model asks for.

    A vendor module may add lines of its own (an instance default it fills in); such a line would change the
    behaviour of every other neighbor of the switch, so switch_bgp refuses to send it. The lines come back with any
    secret masked, for the error that names them.
    """
    names = {part["peer_group"]["name"], part["route_map_out"]["name"]} | {family["prefix_list"]["name"] for family in part["families"]}
    peers = list(part["neighbors"]) + ([part["listen_range"], part["listen_range"].split("/")[0]] if part["listen_range"] else [])
    settings = []
    if part["router_id"]:
        settings.append(re.compile(r".*\brouter-id %s\b.*" % re.escape(part["router_id"])))
    if part["graceful_restart"]:
        settings.append(re.compile(r".*\bgraceful-restart\b.*"))
    inside_own = PLATFORMS[part["platform"]].inside_own if part.get("platform") in PLATFORMS else None
    foreign = []
    for command in (inside_own(part, commands) if inside_own else commands):
        line = command.strip()
        words = re.split(r"[\s'\"]+", line)
        instance = _INSTANCE.fullmatch(line)
        if instance:
            # Entering the BGP instance is flatnet's only when it is the instance of the switch's AS in the plan.
            if instance.group(1) in (str(part["as_number"]), part["as_dot"]):
                continue
        elif (names & set(words) or any(peer in words for peer in peers) or _CONTEXT.fullmatch(line)
                or any(setting.fullmatch(line) for setting in settings)
                or (part["maximum_paths"] is not None and _MAXIMUM_PATHS.fullmatch(line) and str(part["maximum_paths"]) in words)):
            continue
        # A refused line is shown in an error: any secret in it is masked.
        foreign.append(_frr.mask(line, [part["peer_group"]["password"] or ""]))
    return foreign


class Platform(NamedTuple):
    """How a platform writes the model.

    ``render`` writes flatnet's part as text (FRR, and the CLI platforms); a platform applied through its vendor's
    resource modules has ``resources`` instead, the data of each module, and its text is what the modules render
    from it (``network_os`` runs them). ``removal`` writes the commands that take the part out again; ``comment``
    starts a comment line; ``cannot`` maps each switch_bgp option the platform cannot express to the reason; ``notes``
    are lines for the header of a review file that say how the platform takes the file.
    """

    render: Optional[Callable[[Mapping[str, Any]], str]]
    removal: Callable[[Mapping[str, Any]], str]
    comment: str
    resources: Optional[Callable[[Mapping[str, Any]], Dict[str, Any]]] = None
    network_os: Optional[str] = None
    cannot: Mapping[str, str] = {}
    notes: Tuple[str, ...] = ()
    connection: str = "ansible.netcommon.network_cli"
    # Why switch_bgp cannot apply the platform itself in this release (render.yml still writes its files); empty: it can.
    not_applied: str = ""
    # Drops the lines inside flatnet's own contexts (which name nothing themselves) before the foreign-commands guard.
    inside_own: Optional[Callable[[Mapping[str, Any], List[str]], List[str]]] = None
    # The show command that prints the BGP instance's running configuration, for the lines cli_config would resend
    # (_switch_device); empty: the platform's cli lines go as they are.
    running_command: str = ""
    # How switch_bgp's remove sends the removal: "frr" (frr_config), "cli" (cli_config), "vyos" or "junos" (their
    # config modules); "": it does not.
    removed_by: str = ""
    # The show command that prints the running lines naming FLATNET (its group or template, members where they name
    # it, prefix lists, route maps): what the removal takes out is read off the switch; empty: the plan's removal goes.
    presence_command: str = ""
    # What the renderer writes for a session over its maximum-prefix (MAX_PREFIX_ACTIONS); the first is the default.
    max_prefix_actions: Tuple[str, ...] = ("teardown",)


_PRESENCE = "show running-config | include FLATNET"

# A session over its maximum-prefix: restart it after switch_bgp_maximum_prefix_restart minutes (it heals by itself once
# the node sends fewer), only warn (the routes are kept), or tear it down until someone clears it.
MAX_PREFIX_ACTIONS = ("restart", "warning_only", "teardown")
_FRR_ACTIONS = ("restart", "warning_only", "teardown")

PLATFORMS: Dict[str, Platform] = {
    "frr": Platform(render_frr, removal_frr, "!", removed_by="frr", max_prefix_actions=_FRR_ACTIONS),
    # SONiC's routing stack is FRR in its bgp container; switch_bgp applies the same part with vtysh there.
    "sonic": Platform(render_frr, removal_frr, "!", removed_by="frr", max_prefix_actions=_FRR_ACTIONS, notes=(
        "apply in SONiC's bgp container: docker exec -it bgp vtysh, then configure terminal",
        "it lasts across restarts only in SONiC's split mode (DEVICE_METADATA docker_routing_config_mode: split); in the other "
        "modes bgpcfgd writes FRR's configuration from CONFIG_DB",
    )),
}


PLATFORMS.update({
    "vyos": Platform(None, _switch_vyos.removal_vyos, _switch_vyos.COMMENT_VYOS, resources=_switch_vyos.resources_vyos,
                     network_os="vyos.vyos.vyos", removed_by="vyos", presence_command="show configuration commands | match FLATNET",
                     cannot={"graceful_restart": "the VyOS modules and commands flatnet writes have no switch-wide graceful "
                                                 "restart; set it on the switch yourself"},
                     notes=("VyOS 1.4 (sagitta) syntax and later: paste in configure mode, then commit and save",)),
    "junos": Platform(None, _switch_junos.removal_junos, _switch_junos.COMMENT_JUNOS, resources=_switch_junos.resources_junos,
                      network_os="junipernetworks.junos.junos", connection="ansible.netcommon.netconf", removed_by="junos",
                      cannot={"ttl_security": "Junos has no TTL security (GTSM) for a BGP group"},
                      notes=("paste in configuration mode (load set terminal), then commit",
                             "multipath installs several paths only with a load-balance policy exported to the forwarding "
                             "table (routing-options forwarding-table export), which is switch-wide and left to you",
                             "the switch's own AS stays in routing-options autonomous-system; flatnet does not set it")),
})


# Cisco IOS / IOS-XE and NX-OS: their resource modules, and cli_config for what they cannot carry (see _switch_ios).
PLATFORMS.update({
    # IOS takes the removal in FRR's words (FRR's CLI follows IOS's).
    "ios": Platform(None, removal_frr, _switch_ios.COMMENT_IOS, resources=_switch_ios.resources_ios, network_os="cisco.ios.ios",
                    running_command="show running-config | section ^router bgp", removed_by="cli",
                    presence_command=_PRESENCE,
                    notes=("paste in configuration mode (configure terminal), then write memory",)),
    "nxos": Platform(None, _switch_ios.removal_nxos, _switch_ios.COMMENT_NXOS, resources=_switch_ios.resources_nxos,
                     network_os="cisco.nxos.nxos", inside_own=_switch_ios.outside_flatnet_contexts, running_command="show running-config bgp",
                     removed_by="cli", presence_command=_PRESENCE,
                     notes=("paste in configuration mode (configure terminal), then copy running-config startup-config",
                            "NX-OS has no peer groups: the peer template FLATNET is one, and each member inherits it",
                            "it needs BGP turned on (feature bgp), which is switch-wide and left to you")),
})

# Cisco IOS XR (cisco.iosxr) and Arista EOS (arista.eos): their resource modules, and cli_config for the rest.
PLATFORMS.update({
    "iosxr": Platform(None, _switch_iosxr.removal_iosxr, _switch_iosxr.COMMENT_IOSXR, resources=_switch_iosxr.resources_iosxr,
                      network_os="cisco.iosxr.iosxr", cannot=_switch_iosxr.CANNOT_IOSXR, notes=_switch_iosxr.NOTES_IOSXR,
                      inside_own=_switch_iosxr.outside_flatnet_contexts, running_command="show running-config router bgp",
                      removed_by="cli", presence_command=_PRESENCE),
    "eos": Platform(None, _switch_eos.removal_eos, _switch_eos.COMMENT_EOS, resources=_switch_eos.resources_eos,
                    network_os="arista.eos.eos", cannot={}, inside_own=_switch_eos.outside_flatnet_contexts,
                    running_command="show running-config section router bgp", removed_by="cli",
                    presence_command=_PRESENCE,
                    notes=("paste in configuration mode (configure), then write memory",
                           "EOS limits a peer's routes over all its address families together (neighbor maximum-routes): "
                           "the limit is the sum of the families' maximum-prefix")),
})


# Huawei VRP and H3C Comware: CLI text. The ansible bundle has no cliconf plugin that cli_config could apply either
# with (community.network's ce is not in it, and cannot compute a diff), so their files are for the network team.
_CLI_NOT_APPLIED = ("the ansible bundle has no cliconf plugin for it that ansible.netcommon.cli_config can apply a diff with; "
                    "playbooks/render.yml writes its part and removal for the network team")
PLATFORMS.update({
    "vrp": Platform(functools.partial(_switch_cli.rendered, platform="vrp"), functools.partial(_switch_cli.rendered, platform="vrp", removal=True),
                    _switch_cli.COMMENT_VRP, cannot=_switch_cli.CANNOT_VRP, notes=_switch_cli.NOTES_VRP, not_applied=_CLI_NOT_APPLIED),
    "comware": Platform(functools.partial(_switch_cli.rendered, platform="comware"),
                        functools.partial(_switch_cli.rendered, platform="comware", removal=True), _switch_cli.COMMENT_COMWARE,
                        cannot=_switch_cli.CANNOT_COMWARE, notes=_switch_cli.NOTES_COMWARE, not_applied=_CLI_NOT_APPLIED),
})


def _platform(platform: str) -> Platform:
    if platform not in PLATFORMS:
        raise FlatnetError("no renderer for the switch platform %s; the supported ones are %s" % (_text.shown(platform), ", ".join(sorted(PLATFORMS))))
    return PLATFORMS[platform]


def header(part: Mapping[str, Any], platform: str, removal: bool) -> str:
    """Comment lines for a file a network team reviews: which switch, what it does, and the values it came from."""
    group = part["peer_group"]
    lines = [
        "flatnet.kube: %s for %s (%s, AS %s)" % ("the removal of flatnet's part" if removal else "flatnet's part",
                                                 part["name"], platform, part["as_dot"]),
        "peer group %s: %s, remote AS %s" % (group["name"], group["session_type"], group["remote_as_dot"]),
        "peers: %s" % ("listen range %s" % part["listen_range"] if part["listen_range"] else ", ".join(part["neighbors"]) or "none"),
    ]
    for family in part["families"]:
        lines.append("%s accepted (each to its host routes): %s; maximum-prefix %d" % (
            family["afi"], ", ".join(entry["prefix"] for entry in family["prefix_list"]["entries"]), family["maximum_prefix"]))
    lines.append("announced to the cluster: nothing (%s)" % part["route_map_out"]["name"])
    lines += list(_platform(platform).notes)
    if group["password"] and not removal:
        lines.append("this file holds the session's password: keep it private")
    return "".join("%s %s\n" % (_platform(platform).comment, line) for line in lines)


def default_max_prefix_action(platform: str) -> str:
    """What a switch of ``platform`` does with a session over its maximum-prefix unless asked otherwise: restart it
    where the renderer writes that, else what the renderer writes (teardown)."""
    return _platform(platform).max_prefix_actions[0] if platform in PLATFORMS else "teardown"


def platform_facts(platform: str) -> Dict[str, Any]:
    """What switch_bgp needs to know of ``platform``: whether its vendor's resource modules write and apply it, the
    ``ansible_network_os`` they run under, the options it cannot express (option: reason), and how remove.yml takes
    its part out (``removed_by``, with the ``presence_command`` that shows whether there is anything to take out)."""
    chosen = _platform(platform)
    cannot = dict(chosen.cannot)
    for action in MAX_PREFIX_ACTIONS:
        if action not in chosen.max_prefix_actions:
            cannot["max_prefix_" + action] = ("switch_bgp does not write %s for a session over its maximum-prefix on %s in this "
                                              "release (it writes %s)" % (action.replace("_", "-"), platform,
                                                                          " or ".join(a.replace("_", "-") for a in chosen.max_prefix_actions)))
    return {"by_modules": chosen.resources is not None, "network_os": chosen.network_os, "connection": chosen.connection,
            "cannot": cannot, "applied": not chosen.not_applied, "not_applied": chosen.not_applied,
            "running_command": chosen.running_command, "removed_by": chosen.removed_by,
            "presence_command": chosen.presence_command}


def device_removal(part: Mapping[str, Any], platform: str, running: str, present: str) -> str:
    """The commands that take out what a switch holds of flatnet's part (``running``: its BGP configuration, the
    platform's ``running_command``, or on VyOS the same as ``present``; ``present``: the lines its
    ``presence_command`` shows); "" when it holds none."""
    if not _platform(platform).presence_command:
        raise FlatnetError("the switch platform %s is not read before its removal; device_removal is for %s"
                           % (_text.shown(platform), ", ".join(name for name, chosen in PLATFORMS.items() if chosen.presence_command)))
    found = _switch_device.device_removal_part(part, platform, running, present)
    return "" if found is None else render(found, platform, removal=True)


def resources(part: Mapping[str, Any], platform: str) -> Dict[str, Any]:
    """The data of each of ``platform``'s resource modules for the model (``cli``: lines no module expresses)."""
    written = _platform(platform).resources
    if written is None:
        raise FlatnetError("the switch platform %s is not applied through resource modules; it has no resource data" % _text.shown(platform))
    return written(part)


def device_cli(part: Mapping[str, Any], platform: str, running: str, resend_password: bool = False) -> Dict[str, Any]:
    """The platform's ``cli`` lines without those the switch already holds in its own form (``running``: the output of
    the platform's ``running_command``), and how its password compared; see _switch_device."""
    return _switch_device.device_cli(part, platform, resources(part, platform)["cli"], running, resend_password)


def render(part: Mapping[str, Any], platform: str, removal: bool = False, with_header: bool = False,
           commands: Optional[List[str]] = None) -> str:
    """The model in ``platform``'s form: flatnet's part, or with ``removal`` the commands that take it out; with
    ``with_header``, comment lines that say what it is and the values it came from come first.

    A platform applied through resource modules gets its part as ``commands``, the lines its modules rendered.
    """
    chosen = _platform(platform)
    if removal:
        written = chosen.removal(part)
    elif chosen.render is not None:
        written = chosen.render(part)
    elif commands is None:
        raise FlatnetError("the switch platform %s is written by its vendor's modules: give the commands they rendered" % _text.shown(platform))
    else:
        written = "".join("%s\n" % line for line in commands)
    return (header(part, platform, removal) if with_header else "") + written
