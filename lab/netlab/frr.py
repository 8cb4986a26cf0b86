# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch's FRR: zebra and bgpd in the switch namespace, under their own pathspace.

With ``-N <pathspace>`` FRR keeps its configuration in /etc/frr/<pathspace>/
and its vty sockets and pid files in /var/run/frr/<pathspace>/, so
``vtysh -N <pathspace>`` and ``frr-reload.py --pathspace <pathspace>`` reach
these daemons and no other FRR of the machine. The integrated configuration
starts with the switch's own lines when the lab description gives some
(``netlab.office_switch``, see uplink.py), and none of flatnet's: the
switch_bgp role adds those.

vtysh prints the machine's own host name in ``show running-config`` whatever
the daemons were told (FRR issue #7583), so frr.conf names the switch the
same way, as a real switch's uname and FRR agree.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil

from . import procs, sh

FRR_BIN = "/usr/lib/frr"
FRR_ETC = "/etc/frr"
FRR_RUN = "/var/run/frr"
DAEMONS = ("zebra", "bgpd", "staticd")
START_TIMEOUT = 60.0


def conf_dir(pathspace: str) -> str:
    """/etc/frr/<pathspace>."""
    return os.path.join(FRR_ETC, pathspace)


def run_dir(pathspace: str) -> str:
    """/var/run/frr/<pathspace>."""
    return os.path.join(FRR_RUN, pathspace)


def frr_conf(hostname: str, own: str = "") -> str:
    """The switch's starting configuration: its own lines (``own``, see uplink.office_config), no flatnet yet."""
    return "frr defaults traditional\nhostname %s\nservice integrated-vtysh-config\n!\n%send\n" % (hostname, own)


def daemons_file() -> str:
    """The daemons file, as the packaging's init script would read it."""
    lines = ["zebra=yes", "bgpd=yes", "staticd=yes", "vtysh_enable=yes",
             'zebra_options=" -A 127.0.0.1 -s 90000000"', 'bgpd_options=" -A 127.0.0.1"']
    return "\n".join(lines) + "\n"


def _owned(path: str, text: str, group: str = "frr", mode: int = 0o640) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chown(path, pwd.getpwnam("frr").pw_uid, grp.getgrnam(group).gr_gid)
    os.chmod(path, mode)


def prepare(pathspace: str, own: str = "") -> None:
    """Write /etc/frr/<pathspace>/ and create /var/run/frr/<pathspace>/, owned by frr.

    frr.conf is 0600 when the switch's own lines hold passwords (as FRR's own ``write memory`` leaves it 0600 too).
    """
    uid, gid = pwd.getpwnam("frr").pw_uid, grp.getgrnam("frr").gr_gid
    for directory, mode in ((conf_dir(pathspace), 0o755), (run_dir(pathspace), 0o755)):
        os.makedirs(directory, exist_ok=True)
        os.chown(directory, uid, gid)
        os.chmod(directory, mode)
    _owned(os.path.join(conf_dir(pathspace), "frr.conf"), frr_conf(os.uname().nodename, own), mode=0o600 if own else 0o640)
    _owned(os.path.join(conf_dir(pathspace), "vtysh.conf"), "service integrated-vtysh-config\n", group="frrvty")
    _owned(os.path.join(conf_dir(pathspace), "daemons"), daemons_file())


def _command(daemon: str, pathspace: str, log_dir: str) -> list:
    command = [os.path.join(FRR_BIN, daemon), "-d", "-N", pathspace, "-F", "traditional", "-A", "127.0.0.1",
               "--log", "file:%s" % os.path.join(log_dir, daemon + ".log")]
    return command + (["-s", "90000000"] if daemon == "zebra" else [])


def _start(netns: str, daemon: str, pathspace: str, log_dir: str) -> tuple:
    """Start one daemon (it forks into the background) and wait for its vty socket and pid file; (pid, restart spec).

    The spec, for ``netlab revive``, loads the daemon's part of the integrated configuration after it is up, as FRR's
    watchfrr does (``vtysh -b -d DAEMON``)."""
    socket = os.path.join(run_dir(pathspace), daemon + ".vty")
    pidfile = os.path.join(run_dir(pathspace), daemon + ".pid")
    spec = procs.daemon(netns, _command(daemon, pathspace, log_dir), os.path.join(log_dir, daemon + ".out"), pidfile,
                        then=(["vtysh", "-N", pathspace, "-b", "-d", daemon],))
    pid = procs.start_forking(netns, spec["command"], spec["log"], pidfile,
                              lambda: os.path.exists(socket) and procs.read_pidfile(pidfile) is not None, START_TIMEOUT,
                              "%s did not come up in %s (see %s)" % (daemon, netns, log_dir))
    return pid, spec


def start(netns: str, pathspace: str, log_dir: str, registry: procs.Registry, label: str) -> None:
    """Start zebra and bgpd in the switch namespace, then load the integrated configuration (vtysh -b)."""
    os.makedirs(log_dir, exist_ok=True)
    for daemon in DAEMONS:
        pid, spec = _start(netns, daemon, pathspace, log_dir)
        if daemon == "zebra":
            # As watchfrr does: the other daemons hold no state a new zebra could take back, so they start again with it.
            spec["dependents"] = ["frr-%s@%s" % (other, label) for other in DAEMONS if other != "zebra"]
        registry.add("frr-%s@%s" % (daemon, label), pid, restart=spec)
    sh.ns_run(netns, ["vtysh", "-N", pathspace, "-b"])


def vtysh(pathspace: str, command: str) -> str:
    """The output of one vtysh command against the pathspace's daemons."""
    done = sh.run(["vtysh", "-N", pathspace, "-c", command], check=False)
    return (done.stdout + done.stderr).rstrip()


def remove(pathspace: str) -> None:
    """Delete the pathspace's directories."""
    for directory in (conf_dir(pathspace), run_dir(pathspace)):
        if os.path.isdir(directory) and not os.path.islink(directory):
            shutil.rmtree(directory, ignore_errors=True)
