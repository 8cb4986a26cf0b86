# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch twin's own configuration, as an office core switch carries it, and the uplink router it peers with.

A real core switch is shared: before flatnet touches it, it already has the
company's configuration. ``netlab.office_switch`` gives the switch twin
one of its own, written into frr.conf before the lab starts:

* an uplink BGP neighbor in the default instance (password-protected), a
  BIRD router in a namespace of its own that announces an office route;
* a ``network`` statement and a route map on the uplink (with a prefix list);
* a VRF instance, a static route, an SNMP-style secret and a vty password.

The tests compare these lines before and after every run of flatnet, and
watch the uplink session: it must stay Established, never reset.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass

from . import bird, sh

SECRETS_FILE = "office-secrets.json"


@dataclass(frozen=True)
class Uplink:
    """The uplink router twin and the link to it."""

    netns: str
    switch_ip: str
    router_ip: str
    prefixlen: int
    as_number: int
    announces: str
    static_route: str
    switch_port: str = "up0"


def asplain(value: object) -> int:
    """An AS number as the inventory may write it (64513, '64513' or asdot '1.20') as a plain number."""
    text = str(value)
    high, dot, low = text.partition(".")
    return int(high) * 65536 + int(low) if dot else int(text)


def new_secrets() -> dict:
    """The office's own secrets for one lab: random, so that a test can count them in any output."""
    return {"vty": "vty-" + secrets.token_hex(8), "uplink": "uplink-" + secrets.token_hex(8)}


def write_secrets(state_dir: str, values: dict) -> str:
    """STATE/office-secrets.json, mode 0600."""
    path = os.path.join(state_dir, SECRETS_FILE)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(values, out)
    return path


def office_config(uplink: Uplink, switch_as: int, router_id: str, office_network: str, values: dict) -> str:
    """The switch's own lines, in the order and form FRR's show running-config prints them."""
    return "\n".join([
        "password %s" % values["vty"],
        "!",
        "ip route %s blackhole" % uplink.static_route,
        "!",
        "ip prefix-list OFFICE-UPLINK-IN seq 5 permit %s" % uplink.announces,
        "!",
        "route-map UPLINK-IN permit 10",
        " match ip address prefix-list OFFICE-UPLINK-IN",
        " set local-preference 200",
        "exit",
        "!",
        "router bgp %d" % switch_as,
        " bgp router-id %s" % router_id,
        " neighbor %s remote-as %d" % (uplink.router_ip, uplink.as_number),
        " neighbor %s description office uplink" % uplink.router_ip,
        " neighbor %s password %s" % (uplink.router_ip, values["uplink"]),
        " !",
        " address-family ipv4 unicast",
        "  network %s" % office_network,
        "  neighbor %s route-map UPLINK-IN in" % uplink.router_ip,
        " exit-address-family",
        "exit",
        "!",
        "router bgp %d vrf guests" % switch_as,
        " bgp router-id %s" % router_id,
        "exit",
        "!",
    ]) + "\n"


def bird_config(uplink: Uplink, switch_as: int, values: dict, events: str) -> str:
    """The uplink router: BIRD announcing the office route to the switch; its session's events go to ``events``."""
    return "\n".join([
        "# The lab's office uplink router: it announces %s to the core switch." % uplink.announces,
        'log "%s" all;' % events,
        "router id %s;" % uplink.router_ip,
        "protocol device { scan time 10; }",
        "protocol static office { route %s unreachable; }" % uplink.announces,
        "protocol kernel { export none; import none; }",
        "protocol bgp core {",
        "  local %s as %d;" % (uplink.router_ip, uplink.as_number),
        "  neighbor %s as %d;" % (uplink.switch_ip, switch_as),
        '  password "%s";' % values["uplink"],
        "  debug { states, events };",
        "  import all;",
        "  export where proto = \"office\";",
        "}",
    ]) + "\n"


def build(uplink: Uplink, switch_netns: str) -> None:
    """The uplink router's namespace and its link to the switch (both ends made inside lab namespaces)."""
    sh.netns_add(uplink.netns)
    sh.ip_batch(switch_netns, ["link add %s type veth peer name eth0 netns %s" % (uplink.switch_port, uplink.netns),
                               "addr add %s/%d dev %s" % (uplink.switch_ip, uplink.prefixlen, uplink.switch_port),
                               "link set %s up" % uplink.switch_port])
    sh.ip_batch(uplink.netns, ["addr add %s/%d dev eth0" % (uplink.router_ip, uplink.prefixlen), "link set eth0 up", "link set lo up"])


def events_log(directory: str) -> str:
    """Where the uplink router logs its session's state changes and events (why a session went down)."""
    return os.path.join(directory, "events.log")


def start(uplink: Uplink, switch_as: int, values: dict, directory: str) -> int:
    """Write the uplink router's BIRD configuration (0600: it holds the session's password) and start it; its pid."""
    files = bird.NodeFiles(directory)
    os.makedirs(directory, exist_ok=True)
    handle = os.open(files.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(bird_config(uplink, switch_as, values, events_log(directory)))
    return bird.start_bird(uplink.netns, files)


def session(pathspace: str, neighbor: str) -> dict:
    """The switch's view of the uplink session: state, times established, and milliseconds up."""
    done = sh.run(["vtysh", "-N", pathspace, "-c", "show bgp neighbors %s json" % neighbor], check=False)
    try:
        shown = json.loads(done.stdout).get(neighbor) or {}
    except ValueError:
        shown = {}
    return {"state": shown.get("bgpState"), "established": shown.get("connectionsEstablished"),
            "dropped": shown.get("connectionsDropped"), "up_ms": shown.get("bgpTimerUpMsec")}
