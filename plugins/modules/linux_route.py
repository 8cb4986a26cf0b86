#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: linux_route
short_description: Manage static routes on a Linux host with iproute2
version_added: 0.1.0
description:
  - Adds or removes static routes in the kernel's routing tables, for example the office gateways' routes to the
    cluster's summarised pod and Service ranges through the switch.
  - Reads the routes with C(ip -N -j route show table T), compares, and writes with C(ip route replace) or deletes
    with C(ip route del). Nothing is run when the routes are already right.
  - The kernel keeps one route per family, table, destination and metric. A listed route whose slot holds a
    different route (another next hop, interface or protocol) replaces it. A route to the same destination with
    another metric is a different route and stays, unless O(purge) removes it.
  - A next hop that is not on a connected network fails with a message saying so; add the transit link first.
  - Can also write the routes where the host's network setup reads them at boot (O(persist)). The routes take effect
    at once through ip; the file only matters at the next boot or network reload.
author:
  - flatnet.kube contributors (@flatnet-kube)
requirements:
  - iproute2 4.17 or later (C(ip -j)) on the managed host.
  - The Python library netaddr on the managed host.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the routes and the persistence file and reports the commands and the file it would write. Whether
      a next hop is reachable is only known when ip writes the route, so check mode does not report that error.
  diff_mode:
    support: full
    details: Shows the routes concerned as route lines before and after, and the persistence file before and after. The
      result carries the diff without diff mode too, for the plan report (callback flatnet.kube.plan).
  platform:
    platforms: linux
options:
  routes:
    description:
      - The routes to add (O(state=present)) or remove (O(state=absent)).
      - Two routes with the same family, O(routes[].table), O(routes[].dest) and O(routes[].metric) are refused,
        because the kernel keeps only one of them.
    type: list
    elements: dict
    required: true
    suboptions:
      dest:
        description:
          - The destination, as an address and a prefix length with no host bits set, e.g. V(10.233.0.0/17).
          - The default route is V(0.0.0.0/0) or V(::/0).
        type: str
        required: true
      via:
        description:
          - The next hop, of the same family as O(routes[].dest). It must be on a network the host is connected to.
          - An IPv6 link-local next hop needs O(routes[].dev).
          - With O(state=present) a route needs O(routes[].via), O(routes[].dev) or both. With O(state=absent), leave
            it out to remove the route whatever its next hop.
        type: str
      dev:
        description:
          - The interface the route leaves through. Without O(routes[].via) the destination is on that link.
          - Leave it out to let the kernel choose the interface from the next hop; then a route through any interface
            counts as right.
        type: str
      metric:
        description:
          - The route's metric (priority); lower wins. The kernel's default is 0 for IPv4 and 1024 for IPv6.
        type: int
      table:
        description:
          - The routing table, as a number or a name from C(/etc/iproute2/rt_tables).
        type: str
        default: main
      proto:
        description:
          - The routing protocol the route is marked with, as a number from 3 to 255 or a name from
            C(/etc/iproute2/rt_protos). O(purge) uses it to recognise the routes it may remove.
          - V(kernel), V(redirect) and V(unspec) are refused.
        type: str
        default: static
  state:
    description:
      - V(present) writes each listed route that is missing or different.
      - V(absent) deletes the kernel routes that match a listed route (destination, metric, table and protocol, and the
        next hop and interface where given).
    type: str
    default: present
    choices: [present, absent]
  purge:
    description:
      - With O(state=present), also delete every unicast route of the same family, table and O(routes[].proto) as a
        listed route that is not listed. An empty O(routes) purges nothing; use O(state=absent) for the last routes.
      - Other tools mark routes V(static) too; systemd-networkd, for one, marks its configured routes, the default
        route included, V(static). Before you purge, give the module's routes a protocol of their own, such as
        V(250), and set O(purge_within), so that purge cannot touch anything else.
    type: bool
    default: false
  purge_within:
    description:
      - With O(purge), only routes whose destination lies inside one of these ranges are purged, in the kernel and
        in the persistence file; a default route, or any route outside them, is never removed. The office_routes
        role passes the plan's cluster ranges. Empty means no limit.
    type: list
    elements: str
    default: []
  persist:
    description:
      - Where to keep the routes for the next boot as well. The file belongs to the module; it holds the routes of
        every run that wrote it, changed the same way as the kernel's (with O(purge), exactly the listed routes). A
        file left with no routes is removed. The file is written only when its content changes.
      - V(none) keeps nothing.
      - V(networkd) writes a systemd-networkd drop-in with one C([Route]) section per route for the link
        O(persist_interface). systemd-networkd reads it at boot or on C(networkctl reload), which the module does
        not run. A protocol networkd has no name for is written as its number.
      - V(ifupdown) writes an C(iface) stanza for O(persist_interface) in C(inet manual) with one C(up ip route
        replace) line per route. C(/etc/network/interfaces) must source C(/etc/network/interfaces.d).
      - V(script) writes an executable C(/bin/sh) script of C(ip route replace) lines. Run it once the links are up,
        for example from a oneshot systemd unit ordered after C(network-online.target).
      - With V(networkd) and V(ifupdown), each route's O(routes[].dev) must be O(persist_interface) or unset; call the
        module once per interface.
    type: str
    default: none
    choices: [none, networkd, ifupdown, script]
  persist_path:
    description:
      - The file O(persist) writes.
      - The default is C(/etc/systemd/network/<persist_interface>.network.d/flatnet-routes.conf) for V(networkd);
        when the link's C(.network) file has another name, set the path to a drop-in directory of that file.
      - The default is C(/etc/network/interfaces.d/flatnet-routes) for V(ifupdown) and
        C(/usr/local/sbin/flatnet-routes) for V(script).
    type: path
  persist_interface:
    description:
      - The interface the routes leave through. Required with O(persist=networkd) and O(persist=ifupdown).
    type: str
notes:
  - Routes are compared by number, not name, because names are ambiguous (FRR names protocol 196 V(static) too).
"""

EXAMPLES = r"""
- name: The cluster's pod and Service ranges through the switch
  flatnet.kube.linux_route:
    routes:
      - dest: 10.233.0.0/17
        via: 10.200.21.1
      - dest: 10.233.128.0/18
        via: 10.200.21.1

- name: Only these routes carry protocol 250; remove any other that does, and keep them across reboots
  flatnet.kube.linux_route:
    routes:
      - {dest: 10.233.0.0/17, via: 10.200.21.1, proto: "250"}
      - {dest: "2001:db8:233::/56", via: "2001:db8:21::1", proto: "250"}
    purge: true
    persist: networkd
    persist_interface: eth1

- name: Routes a gateway without systemd-networkd runs at boot
  flatnet.kube.linux_route:
    routes:
      - {dest: 10.233.0.0/17, via: 10.200.21.1, dev: eth1, metric: 100}
    persist: script
    persist_path: /usr/local/sbin/flatnet-routes

- name: Remove a route, whatever its next hop
  flatnet.kube.linux_route:
    routes:
      - dest: 10.233.0.0/17
    state: absent
"""

RETURN = r"""
routes_added:
  description: The routes written (new, or replacing another route in the same slot), in the shape of O(routes).
  returned: always
  type: list
  elements: dict
  sample: [{dest: 10.233.0.0/17, via: 10.200.21.1, dev: null, metric: null, table: main, proto: static}]
routes_removed:
  description: The kernel routes deleted, in the shape of O(routes).
  returned: always
  type: list
  elements: dict
  sample: [{dest: 10.233.128.0/18, via: 10.200.21.1, dev: eth1, metric: 0, table: main, proto: static}]
commands:
  description: The ip commands run (in check mode, that would run), in order.
  returned: always
  type: list
  elements: str
  sample: ["ip -4 route replace 10.233.0.0/17 via 10.200.21.1 proto static"]
persist_path:
  description: The persistence file.
  returned: when O(persist) is not V(none)
  type: str
  sample: /etc/systemd/network/eth1.network.d/flatnet-routes.conf
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils import _linux_routes as linux_routes
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils._modules import execute

ROUTE_OPTIONS = {
    "dest": {"type": "str", "required": True},
    "via": {"type": "str"},
    "dev": {"type": "str"},
    "metric": {"type": "int"},
    "table": {"type": "str", "default": "main"},
    "proto": {"type": "str", "default": "static"},
}


def run(module: AnsibleModule) -> dict:
    """Bring the routes (and their file) in line."""
    ip = module.get_bin_path("ip")
    if not ip:
        raise FlatnetError("the ip command is not installed on this host; install iproute2")
    host = linux_routes.Host(lambda argv: module.run_command(argv, environ_update={"LC_ALL": "C", "LANG": "C"}), ip)
    # The diff stays in the result without --diff too (Ansible shows it only with --diff): the plan report reads it.
    return linux_routes.manage(host, module.params, check_mode=module.check_mode)


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec={
            "routes": {"type": "list", "elements": "dict", "required": True, "options": ROUTE_OPTIONS},
            "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
            "purge": {"type": "bool", "default": False},
            "purge_within": {"type": "list", "elements": "str", "default": []},
            "persist": {"type": "str", "default": "none", "choices": list(linux_routes.PERSIST_STYLES)},
            "persist_path": {"type": "path"},
            "persist_interface": {"type": "str"},
        },
        required_if=[("persist", "networkd", ["persist_interface"]), ("persist", "ifupdown", ["persist_interface"])],
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
