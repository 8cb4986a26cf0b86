# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's two DNS servers: the cluster DNS pod and the office DNS server.

The cluster DNS is dnsmasq in a pod of the first node, reached through the
kube-dns ClusterIP by way of the kube-proxy tables. It answers what CoreDNS's
kubernetes plugin answers, from the API's Services and Endpoints:

* ``<svc>.<ns>.svc.<domain>`` A: the ClusterIP (for a headless Service, its
  endpoints), and its PTR;
* ``<a-b-c-d>.<svc>.<ns>.svc.<domain>`` A and PTR for every endpoint address
  (CoreDNS's name for a pod behind a Service);
* ``_<port>._<proto>.<svc>.<ns>.svc.<domain>`` SRV for named ports.

Other names of the domain and of the reverse zones get NXDOMAIN, never an
upstream. Every query is logged, so the tests can tell what reached it.

The office DNS server runs BIND (laid out as Debian's package does), Unbound
or dnsmasq in its own namespace on the office LAN, with DNSSEC validation on
where the server has it. It serves an office zone of its own (``office.lan``),
which shows that it keeps answering when a change is refused. The office PC
uses it through ``/etc/netns/<pc>/resolv.conf``.
"""

from __future__ import annotations

import ipaddress
import os
import shlex

from . import procs, sh
from .model import DnsServer, Topology

START_TIMEOUT = 60.0
CLUSTER_PID = "cluster-dns.pid"
# A line each server's checker refuses, for the tests that break a configuration on purpose.
BROKEN_LINE = {"bind": "flatnet-lab-broken-on-purpose;", "unbound": "server:\n\tflatnet-lab-broken-on-purpose: yes",
               "dnsmasq": "flatnet-lab-broken-on-purpose"}
# What each checker says about that line (dnsmasq gives the line number, not the word).
BROKEN_SAYS = {"bind": "flatnet-lab-broken-on-purpose", "unbound": "flatnet-lab-broken-on-purpose", "dnsmasq": "bad option at line"}
OFFICE_ZONE = "office.lan"
# The lab's root server: an authoritative-only named on a loopback address of the office DNS server's namespace.
ROOT_ADDRESS = "127.0.0.2"
ROOT_NAME = "a.root-servers.lab"
ROOT_DIR = "root"
ROOT_PID = "named.pid"
# The office servers that recurse (the lab's dnsmasq has no upstream at all).
RECURSING = ("bind", "unbound")
# The root zone's key-signing key (KSK-2017) as a DS record, for Unbound's validator.
ROOT_DS = ". DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"


# --- the cluster DNS -------------------------------------------------------------------------------------------------


def _dashed(address: str) -> str:
    return address.replace(".", "-").replace(":", "-")


def cluster_records(services: list, endpoints: list, domain: str) -> list:
    """dnsmasq lines (host-record and srv-host) for the API's Services and Endpoints, sorted and without repeats."""
    by_key = {(item["metadata"]["namespace"], item["metadata"]["name"]): item for item in endpoints}
    lines: list = []
    for service in sorted(services, key=lambda item: (item["metadata"]["namespace"], item["metadata"]["name"])):
        meta, spec = service["metadata"], service.get("spec") or {}
        name = "%s.%s.svc.%s" % (meta["name"], meta["namespace"], domain)
        subsets = (by_key.get((meta["namespace"], meta["name"])) or {}).get("subsets") or []
        addresses = sorted({address["ip"] for subset in subsets for address in subset.get("addresses") or []}, key=ipaddress.ip_address)
        cluster_ip = spec.get("clusterIP")
        if cluster_ip and cluster_ip != "None":
            lines.append("host-record=%s,%s" % (name, cluster_ip))
        else:
            lines.extend("host-record=%s,%s" % (name, address) for address in addresses)
        lines.extend("host-record=%s.%s,%s" % (_dashed(address), name, address) for address in addresses)
        for port in spec.get("ports") or []:
            if port.get("name"):
                lines.append("srv-host=_%s._%s.%s,%s,%d,0,100" % (port["name"], port.get("protocol", "TCP").lower(), name, name, int(port["port"])))
    return list(dict.fromkeys(lines))


def reverse_zone_names(cidrs: list) -> list:
    """The whole-octet reverse zones of IPv4 ranges (a /18 is 64 /24 zones), for dnsmasq's local=."""
    zones: list = []
    for cidr in cidrs:
        net = ipaddress.ip_network(str(cidr), strict=False)
        if net.version != 4:
            continue
        octets = max(1, min(3, -(-net.prefixlen // 8)))
        for sub in (net.subnets(new_prefix=octets * 8) if net.prefixlen < octets * 8 else [net.supernet(new_prefix=octets * 8)]):
            parts = str(sub.network_address).split(".")[:octets]
            zones.append(".".join(reversed(parts)) + ".in-addr.arpa")
    return list(dict.fromkeys(zones))


def cluster_config(records: list, domain: str, zones: list, listen: str, directory: str) -> str:
    """The cluster DNS pod's dnsmasq configuration."""
    lines = ["# The lab's cluster DNS: records of the API's Services and Endpoints, as CoreDNS answers them.",
             "no-resolv", "no-hosts", "no-poll", "bind-interfaces", "listen-address=%s" % listen, "user=root",
             "pid-file=%s" % os.path.join(directory, CLUSTER_PID),
             "log-queries", "log-facility=%s" % os.path.join(directory, "cluster-dns.log"),
             # Names of the domain and the reverse zones are answered here or not at all.
             "local=/%s/" % domain]
    lines += ["local=/%s/" % zone for zone in zones]
    return "\n".join(lines + records) + "\n"


def start_cluster(netns: str, directory: str, domain: str, cluster_ranges: list, pod_ip: str, services: list, endpoints: list) -> int:
    """(Re)write the cluster DNS configuration from the API's objects and (re)start its dnsmasq; its pid."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "cluster-dns.conf")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(cluster_config(cluster_records(services, endpoints, domain), domain, reverse_zone_names(cluster_ranges), pod_ip, directory))
    pidfile = os.path.join(directory, CLUSTER_PID)
    running = procs.read_pidfile(pidfile)
    if running is not None:
        procs.stop([(running, procs.start_time(running))])
    return procs.start_forking(netns, ["dnsmasq", "-C", path], os.path.join(directory, "cluster-dns.out"), pidfile,
                               lambda: procs.read_pidfile(pidfile) is not None, START_TIMEOUT,
                               "dnsmasq did not start in %s (see %s)" % (netns, directory))


# --- the office DNS --------------------------------------------------------------------------------------------------


def _bind_files(server: DnsServer, topo: Topology, directory: str) -> dict:
    d = directory
    named = ("// The lab's office DNS server, laid out as Debian's BIND package lays out /etc/bind.\n"
             'include "%s/named.conf.options";\ninclude "%s/named.conf.local";\ninclude "%s/named.conf.default-zones";\n'
             'include "%s/rndc.key";\ncontrols {\n\tinet 127.0.0.1 port 953 allow { 127.0.0.1; } keys { "rndc-key"; };\n};\n'
             % (d, d, d, d))
    # Debian's default zones give the Internet's root hints; the lab's point at its own root server.
    default_zones = '// The root hints: the lab\'s own root server (start_root).\nzone "." {\n\ttype hint;\n\tfile "%s/root.hints";\n};\n' % d
    options = ("options {\n\tdirectory \"%s/cache\";\n\tpid-file \"%s/named.pid\";\n\tsession-keyfile \"%s/session.key\";\n"
               "\tlisten-on { any; };\n\tlisten-on-v6 { none; };\n\t// Validation on, as Debian ships it.\n\tdnssec-validation auto;\n"
               "\trecursion yes;\n};\n" % (d, d, d))
    local = ('// The office\'s own zone.\nzone "%s" {\n\ttype primary;\n\tfile "%s/%s.zone";\n};\n' % (OFFICE_ZONE, d, OFFICE_ZONE))
    rndc = 'include "%s/rndc.key";\noptions {\n\tdefault-key "rndc-key";\n\tdefault-server 127.0.0.1;\n\tdefault-port 953;\n};\n' % d
    return {"named.conf": named, "named.conf.options": options, "named.conf.local": local, "named.conf.default-zones": default_zones,
            "rndc.conf": rndc, OFFICE_ZONE + ".zone": _office_zone(server, topo), "root.hints": _root_hints()}


# --- the lab's root server -------------------------------------------------------------------------------------------
# A real office server recurses from the Internet's root servers. The lab's must not send a packet toward them, and a
# query that waits for them ends in a time-out or a SERVFAIL depending on the server's timers and the machine's load.
# So BIND and Unbound get root hints that name the lab's own root server: an empty, unsigned root zone that answers
# at once, the same every time. Their validators keep the real root's trust anchor, so what they answer for a name
# nobody forwards is a SERVFAIL (the root's keys cannot be had), given at once.


def _root_hints() -> str:
    return ". 3600000 IN NS %s.\n%s. 3600000 IN A %s\n" % (ROOT_NAME, ROOT_NAME, ROOT_ADDRESS)


def root_files(directory: str) -> dict:
    """The lab root server's named.conf and its zone, by name."""
    d = directory
    conf = ("// The lab's root server: authoritative only, for an empty root zone.\noptions {\n\tdirectory \"%s\";\n"
            "\tpid-file \"%s/%s\";\n\tsession-keyfile none;\n\tlisten-on { %s; };\n\tlisten-on-v6 { none; };\n\trecursion no;\n"
            "\tdnssec-validation no;\n};\ncontrols { };\nzone \".\" {\n\ttype primary;\n\tfile \"%s/root.zone\";\n};\n"
            % (d, d, ROOT_PID, ROOT_ADDRESS, d))
    zone = ("$TTL 300\n@ IN SOA %s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS %s.\n%s. IN A %s\n"
            % (ROOT_NAME, ROOT_NAME, ROOT_NAME, ROOT_NAME, ROOT_ADDRESS))
    return {"named.conf": conf, "root.zone": zone}


def start_root(netns: str, directory: str) -> int:
    """Start the lab's root server in the office DNS server's namespace and wait until it answers; its pid."""
    _write_files(root_files(directory), directory)
    # named listens on the interfaces' addresses only; this one is the namespace's own, gone with it.
    sh.ip_batch(netns, ["address replace %s/32 dev lo" % ROOT_ADDRESS])
    return procs.start_forking(netns, ["named", "-c", os.path.join(directory, "named.conf"), "-n", "1"],
                               os.path.join(directory, "server.log"), os.path.join(directory, ROOT_PID),
                               lambda: answers(netns, ROOT_ADDRESS, ".", "NS") == ROOT_NAME + ".", START_TIMEOUT,
                               "the lab's root server did not answer in %s (see %s)" % (netns, directory), step=0.2)


def _office_zone(server: DnsServer, topo: Topology) -> str:
    return ("$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\nns IN A %s\npc IN A %s\n"
            "printer IN A %s\n" % (OFFICE_ZONE, OFFICE_ZONE, OFFICE_ZONE, server.ip, topo.pc_ip, printer_ip(topo)))


def printer_ip(topo: Topology) -> str:
    """An address of the office zone that only the office DNS knows."""
    return str(ipaddress.ip_network(topo.office_networks[0])[20])


def _unbound_files(server: DnsServer, topo: Topology, directory: str) -> dict:
    d = directory
    conf = ("# The lab's office DNS server.\nserver:\n\tusername: \"\"\n\tchroot: \"\"\n\tdirectory: \"%s\"\n\tpidfile: \"%s/unbound.pid\"\n"
            "\tuse-syslog: no\n\tlogfile: \"%s/unbound.log\"\n\tinterface: 0.0.0.0\n\tdo-ip6: no\n\tnum-threads: 1\n"
            "\t# Validation on, with the root's trust anchor.\n\tmodule-config: \"validator iterator\"\n\ttrust-anchor: \"%s\"\n"
            "\t# The lab's own root server, on a loopback address.\n\troot-hints: \"%s/root.hints\"\n\tdo-not-query-localhost: no\n"
            "\tlocal-zone: \"%s.\" static\n\tlocal-data: \"printer.%s. A %s\"\n\tlocal-data: \"pc.%s. A %s\"\n"
            "remote-control:\n\tcontrol-enable: yes\n\tcontrol-interface: \"%s/unbound.ctl\"\n\tcontrol-use-cert: no\n"
            % (d, d, d, ROOT_DS, d, OFFICE_ZONE, OFFICE_ZONE, printer_ip(topo), OFFICE_ZONE, topo.pc_ip, d))
    return {"unbound.conf": conf, "root.hints": _root_hints()}


def _dnsmasq_files(server: DnsServer, topo: Topology, directory: str) -> dict:
    d = directory
    conf = ("# The lab's office DNS server. No upstream: the lab has no Internet.\nno-resolv\nno-hosts\nno-poll\nuser=root\n"
            "pid-file=%s/dnsmasq.pid\nlog-queries\nlog-facility=%s/dnsmasq.log\nlocal=/%s/\nhost-record=printer.%s,%s\nhost-record=pc.%s,%s\n"
            % (d, d, OFFICE_ZONE, OFFICE_ZONE, printer_ip(topo), OFFICE_ZONE, topo.pc_ip))
    return {"dnsmasq.conf": conf}


# Per kind: its own files, its main configuration file, its pid file, and how it starts (after -c/-C <main file>).
_SERVERS = {"bind": (_bind_files, "named.conf", "named.pid", ["named", "-c"], ["-n", "1"]),
            "unbound": (_unbound_files, "unbound.conf", "unbound.pid", ["unbound", "-c"], []),
            "dnsmasq": (_dnsmasq_files, "dnsmasq.conf", "dnsmasq.pid", ["dnsmasq", "-C"], [])}


def dns_dir(state_dir: str) -> str:
    """Where the lab's DNS servers keep their files (the cluster DNS's directly)."""
    return os.path.join(state_dir, "dns")


def office_dir(state_dir: str) -> str:
    """Where the office DNS server keeps its files."""
    return os.path.join(dns_dir(state_dir), "office")


def office_files(server: DnsServer, topo: Topology, directory: str) -> dict:
    """The office DNS server's own configuration files (before flatnet touches them), by name."""
    return _SERVERS[server.kind][0](server, topo, directory)


def role_vars(server: DnsServer, directory: str) -> dict:
    """The dns_forward variables that point the role at the lab's server, and where the tests find its files."""
    d = directory
    if server.kind == "bind":
        found = {"dns_forward_bind_path": d + "/flatnet-kube.zones.conf", "dns_forward_bind_include_in": d + "/named.conf.local",
                 "dns_forward_bind_options_path": d + "/flatnet-kube.options.conf", "dns_forward_bind_options_in": d + "/named.conf.options",
                 "dns_forward_check_command": ["named-checkconf", d + "/named.conf"],
                 "dns_forward_reload_command": ["rndc", "-c", d + "/rndc.conf", "reload"],
                 "dns_forward_flush_command": ["rndc", "-c", d + "/rndc.conf", "flushtree"],
                 "netlab_dns_own_config": d + "/named.conf.options", "netlab_dns_managed": d + "/flatnet-kube.zones.conf"}
    elif server.kind == "unbound":
        found = {"dns_forward_unbound_path": d + "/flatnet-kube.conf", "dns_forward_unbound_include_in": d + "/unbound.conf",
                 "dns_forward_check_command": ["unbound-checkconf", d + "/unbound.conf"],
                 "dns_forward_reload_command": ["unbound-control", "-c", d + "/unbound.conf", "reload"],
                 "netlab_dns_own_config": d + "/unbound.conf", "netlab_dns_managed": d + "/flatnet-kube.conf"}
    else:
        found = {"dns_forward_dnsmasq_path": d + "/flatnet-kube.conf", "dns_forward_dnsmasq_include_in": d + "/dnsmasq.conf",
                 "dns_forward_check_command": ["dnsmasq", "--test", "-C", d + "/dnsmasq.conf"],
                 "dns_forward_reload_command": ["sh", "-c", dnsmasq_restart(d)],
                 "netlab_dns_own_config": d + "/dnsmasq.conf", "netlab_dns_managed": d + "/flatnet-kube.conf"}
    found.update({"dns_forward_kind": server.kind, "netlab_dns_address": server.ip, "netlab_dns_broken_line": BROKEN_LINE[server.kind],
                  "netlab_dns_broken_says": BROKEN_SAYS[server.kind],
                  "netlab_dns_office_name": "printer." + OFFICE_ZONE})
    return found


def dnsmasq_restart(directory: str) -> str:
    """A shell line that restarts the office dnsmasq (it does not re-read its configuration on SIGHUP); bounded waits."""
    pidfile = shlex.quote(directory + "/dnsmasq.pid")
    conf = shlex.quote(directory + "/dnsmasq.conf")
    return ("pid=$(cat %s 2>/dev/null); if [ -n \"$pid\" ]; then kill \"$pid\" 2>/dev/null; "
            "for i in $(seq 300); do kill -0 \"$pid\" 2>/dev/null || break; sleep 0.1; done; fi; "
            "exec dnsmasq -C %s" % (pidfile, conf))


def _write_files(files: dict, directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(directory, name), "w", encoding="utf-8") as handle:
            handle.write(text)


def start_office(topo: Topology, directory: str) -> tuple:
    """Write the office DNS server's configuration, start it in its namespace and wait until it answers; (pid, restart spec)."""
    server = topo.dns_server
    assert server is not None
    files, main, pid, start, extra = _SERVERS[server.kind]
    _write_files(files(server, topo, directory), directory)
    if server.kind == "bind":
        os.makedirs(os.path.join(directory, "cache"), exist_ok=True)
        sh.run(["rndc-confgen", "-a", "-k", "rndc-key", "-c", os.path.join(directory, "rndc.key")])
    spec = procs.daemon(server.netns, start + [os.path.join(directory, main)] + extra, os.path.join(directory, "server.log"),
                        os.path.join(directory, pid))
    return procs.start_daemon(spec, lambda: answers(server.netns, "127.0.0.1", "printer.%s" % OFFICE_ZONE) == printer_ip(topo),
                              START_TIMEOUT, "the office DNS server (%s) did not answer in %s (see %s)" % (server.kind, server.netns, directory),
                              step=0.2), spec


def answers(netns: str, server: str, name: str, qtype: str = "A") -> str:
    """The first answer of ``dig +short`` from a namespace, '' when there is none."""
    done = sh.ns_run(netns, ["dig", "+short", "+time=1", "+tries=1", "@" + server, name, qtype], check=False)
    lines = [line for line in done.stdout.splitlines() if line and not line.startswith(";")]
    return lines[0] if done.returncode == 0 and lines else ""


def write_resolv_conf(netns: str, nameserver: str) -> None:
    """/etc/netns/<netns>/resolv.conf, which ip netns exec mounts over /etc/resolv.conf."""
    directory = os.path.join("/etc/netns", netns)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "resolv.conf"), "w", encoding="utf-8") as handle:
        handle.write("# The lab's office DNS server.\nnameserver %s\n" % nameserver)
