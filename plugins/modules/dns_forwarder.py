#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dns_forwarder
short_description: Forward the cluster domain and reverse zones from a BIND, Unbound or dnsmasq server
version_added: 0.2.0
description:
  - Writes the forwarding of O(zones) to O(forwarders) into a file of its own on an office DNS server, and, when asked,
    adds the one line that makes the server read it (O(include_in)).
  - B(BIND) gets forward-only zones and an ACL of the office networks in O(path), included at the top level.
    A second file, O(options_path), is included inside the C(options) block of O(options_in). It holds
    C(validate-except) for the zones (a validating BIND would otherwise answer SERVFAIL for the unsigned,
    undelegated cluster zones) and C(allow-recursion) and C(allow-query-cache) for the office networks.
  - B(Unbound) gets C(forward-zone) clauses (C(forward-first no)), C(domain-insecure), C(private-domain) for the cluster
    domain, C(local-zone ... transparent) for the reverse zones (Unbound answers private reverse zones itself by
    default), and C(access-control) for the office networks.
  - B(dnsmasq) gets C(server=/zone/address) lines, C(rebind-domain-ok) for the cluster domain and C(local-service).
  - After writing, the module runs the server's checker (O(check_command)) on the whole configuration. When it fails,
    every file is put back as it was, nothing is reloaded, and the module fails with the checker's message; the server
    keeps serving its previous configuration. Otherwise it runs O(reload_command), then O(flush_command) once per zone,
    so that an answer the server cached before the forwarding (an NXDOMAIN from the root for C(cluster.local)) is not
    served for hours after it.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Computes the files and reports what would change; writes, checks and reloads nothing.
  diff_mode:
    support: full
    details: One diff per file written or edited.
  platform:
    platforms: posix
options:
  server:
    description: The DNS server software.
    type: str
    required: true
    choices: [bind, unbound, dnsmasq]
  state:
    description:
      - V(present) writes the forwarding. V(absent) takes it away again, with the same checker and reload. Flatnet's own
        files (O(path), and O(options_path) for BIND) are deleted and its include lines leave O(include_in) and
        O(options_in); every other line of those files stays.
    type: str
    default: present
    choices: [present, absent]
  zones:
    description:
      - The zones to forward, the cluster domain first (it gets C(private-domain) and C(rebind-domain-ok)), then the
        reverse zones (see the P(flatnet.kube.reverse_zones#filter) filter). Required with O(state=present).
    type: list
    elements: str
  forwarders:
    description: The cluster DNS addresses, normally the ClusterIP of the kube-dns Service. Required with O(state=present).
    type: list
    elements: str
  clients:
    description: The networks allowed to ask, normally C(flatnet_office.networks). Required with O(state=present).
    type: list
    elements: str
  restrict_clients:
    description: Restrict recursion to O(clients) (BIND, Unbound), or to directly connected networks (dnsmasq).
    type: bool
    default: true
  path:
    description: The file the module owns (absolute).
    type: path
    required: true
  include_in:
    description:
      - The server's own configuration file, which gets one include line for O(path) (BIND C(include), Unbound
        C(include-toplevel), dnsmasq C(conf-file)). Empty when the server already reads the directory of O(path),
        as Debian's Unbound (C(unbound.conf.d)) and dnsmasq (C(dnsmasq.d)) do.
    type: path
    default: ""
  options_path:
    description: BIND only. The file the module owns for the statements that belong in the C(options) block.
    type: path
    default: ""
  options_in:
    description: BIND only. The file with the C(options {) block; the include line becomes its first statement.
    type: path
    default: ""
  dnssec_except:
    description: BIND only. Add C(validate-except) for every zone.
    type: bool
    default: true
  check_command:
    description:
      - The checker, run after writing and before reloading, as an argument list. Defaults to C(named-checkconf),
        C(unbound-checkconf) or C(dnsmasq --test).
    type: list
    elements: str
    default: []
  reload_command:
    description:
      - How the server reads the new configuration, as an argument list. Defaults to C(rndc reload),
        C(unbound-control reload) or C(systemctl restart dnsmasq) (dnsmasq does not re-read its configuration on
        SIGHUP).
    type: list
    elements: str
    default: []
  flush_command:
    description:
      - After a reload, empties the cache of one zone; the zone name is added as the last argument, once per zone.
        A reload keeps the cache, so without it the server goes on answering from what it cached before the forwarding
        (BIND keeps an NXDOMAIN up to C(max-ncache-ttl), 3 hours by default).
      - Defaults to C(rndc flushtree) for BIND. Unbound's C(unbound-control reload) and dnsmasq's restart empty the
        whole cache, so they have none. An empty list turns the flush off. A flush that fails is a warning, not a
        failure.
    type: list
    elements: str
seealso:
  - name: BIND 9 reference, validate-except
    description: The options statement that leaves names out of DNSSEC validation.
    link: https://bind9.readthedocs.io/en/latest/reference.html#namedconf-statement-validate-except
  - name: unbound.conf(5)
    description: forward-zone, domain-insecure, local-zone and access-control.
    link: https://unbound.docs.nlnetlabs.nl/en/latest/manpages/unbound.conf.html
"""

EXAMPLES = r"""
- name: Forward the seed's cluster names from BIND
  flatnet.kube.dns_forwarder:
    server: bind
    zones: "{{ [preflight_plan.cluster.domain] + preflight_plan.office.reverse_zones }}"
    forwarders: ["{{ preflight_plan.cluster.dns_service_ip }}"]
    clients: "{{ preflight_plan.office.networks }}"
    path: /etc/bind/flatnet-kube.zones.conf
    include_in: /etc/bind/named.conf.local
    options_path: /etc/bind/flatnet-kube.options.conf
    options_in: /etc/bind/named.conf.options

- name: Forward them from Debian's Unbound, which reads unbound.conf.d by itself
  flatnet.kube.dns_forwarder:
    server: unbound
    zones: [cluster.local, 0.233.10.in-addr.arpa]
    forwarders: [10.233.0.3]
    clients: [192.168.10.0/24]
    path: /etc/unbound/unbound.conf.d/flatnet-kube.conf
"""

RETURN = r"""
files:
  description: The files written (in check mode, that would be written).
  returned: success
  type: list
  elements: str
  sample: [/etc/bind/flatnet-kube.zones.conf, /etc/bind/named.conf.local]
checked:
  description: The checker command that accepted the configuration; empty when nothing changed.
  returned: success
  type: str
  sample: named-checkconf
reloaded:
  description: Whether the reload command ran.
  returned: success
  type: bool
flushed:
  description: The zones whose cache entries were flushed after the reload.
  returned: success
  type: list
  elements: str
  sample: [cluster.local, 0.233.10.in-addr.arpa]
zones:
  description: The zones forwarded, normalised (lower case, no trailing dot).
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils import _dns as dns
from ansible_collections.flatnet.kube.plugins.module_utils._modules import execute


def run(module: AnsibleModule) -> dict:
    """Write, check and reload the forwarding."""
    params = module.params
    settings = dns.settings_from(params)
    if params["state"] == "absent":
        changes = dns.plan_removal(settings)
        outcome = dns.apply(changes, lambda command: module.run_command(list(command)), settings.check_command, settings.reload_command,
                            module.check_mode, marker=dns.marker_path(settings.path))
        return {"changed": outcome.changed, "files": outcome.files, "checked": outcome.checked, "reloaded": outcome.reloaded,
                "flushed": [], "zones": [], "diff": dns.diff(changes)}
    fwd = dns.forwarding_of(params["zones"], params["forwarders"], params["clients"])
    changes = dns.plan_files(fwd, settings)

    def runner(command):
        return module.run_command(list(command))

    outcome = dns.apply(changes, runner, settings.check_command, settings.reload_command, module.check_mode,
                        flush=dns.flush_commands(settings, fwd.zones), marker=dns.marker_path(settings.path))
    for warning in outcome.warnings:
        module.warn(warning)
    return {"changed": outcome.changed, "files": outcome.files, "checked": outcome.checked, "reloaded": outcome.reloaded,
            "flushed": list(outcome.flushed), "zones": fwd.zones, "diff": dns.diff(changes)}


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec={
            "server": {"type": "str", "required": True, "choices": list(dns.FILE_SERVERS)},
            "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
            "zones": {"type": "list", "elements": "str"},
            "forwarders": {"type": "list", "elements": "str"},
            "clients": {"type": "list", "elements": "str"},
            "restrict_clients": {"type": "bool", "default": True},
            "path": {"type": "path", "required": True},
            "include_in": {"type": "path", "default": ""},
            "options_path": {"type": "path", "default": ""},
            "options_in": {"type": "path", "default": ""},
            "dnssec_except": {"type": "bool", "default": True},
            "check_command": {"type": "list", "elements": "str", "default": []},
            "reload_command": {"type": "list", "elements": "str", "default": []},
            "flush_command": {"type": "list", "elements": "str"},
        },
        required_if=[("state", "present", ("zones", "forwarders", "clients"))],
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
