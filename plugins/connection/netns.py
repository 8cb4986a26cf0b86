# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: netns
short_description: Run tasks inside a Linux network namespace on the controller
description:
  - Runs commands and modules on the controller host, inside a named Linux network namespace, as C(ip netns exec NAME ...) does.
  - Everything but the network is shared with the controller, that is the same filesystem, processes and users.
    Only the interfaces, addresses, routes, sockets and firewall rules are those of the namespace.
  - Commands go through C(ip netns exec), so the files in C(/etc/netns/NAME/) are bind-mounted over their
    counterparts in C(/etc/) for the command (for example a namespace's own C(resolv.conf)).
  - Useful for network labs, and for daemons that live in a network namespace or a VRF-like namespace.
author: flatnet.kube contributors (@flatnet-kube)
version_added: 0.1.0
options:
  netns:
    description:
      - The name of the network namespace, as listed by C(ip netns list) (a file in C(/run/netns/)).
      - When none of the variables nor the environment variable is set, the inventory host name
        (the host's address) is the namespace, so the host can simply be named after its namespace.
      - C(ansible_netns_name) takes precedence over C(ansible_host), and both over E(ANSIBLE_NETNS_NAME).
      - The namespace must exist; create it with C(ip netns add NAME).
    type: str
    vars:
      - name: ansible_host
      - name: ansible_netns_name
    env:
      - name: ANSIBLE_NETNS_NAME
  ip_executable:
    description:
      - The C(ip) command from iproute2, a path or a name looked up in E(PATH).
    type: str
    default: ip
    vars:
      - name: ansible_netns_ip_executable
extends_documentation_fragment:
  - connection_pipelining
notes:
  - Entering a network namespace needs root (C(CAP_SYS_ADMIN)) on the controller, so run Ansible as root.
    Commands run as the user that runs Ansible; privilege escalation (C(become)) cannot add rights that user lacks,
    and become methods that wait for a password are refused.
  - Files are copied directly on the controller's filesystem. Paths under C(/etc/) that the namespace overrides
    with an entry of C(/etc/netns/NAME/) are read from and written to that entry, as a command in the namespace sees them.
  - The remote user is ignored, the user that runs Ansible is used instead.
"""

EXAMPLES = r"""
# Inventory: each host is named after its namespace.
# lab:
#   hosts:
#     blue: {}
#     red:
#       ansible_netns_name: red-ns
#   vars:
#     ansible_connection: flatnet.kube.netns

- name: Show the addresses inside each namespace
  hosts: lab
  gather_facts: false
  tasks:
    - name: List the addresses
      ansible.builtin.command: ip -j addr
      changed_when: false
"""

import os
import shutil
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

display = Display()

_NETNS_RUN_DIR = "/run/netns"
_NETNS_ETC_DIR = "/etc/netns"


class Connection(ConnectionBase):
    """Run commands inside a named network namespace of the controller."""

    transport = "flatnet.kube.netns"
    has_pipelining = True
    # ip netns exec gives no terminal, so become methods that need one cannot work.
    has_tty = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._netns = None

    # Options -------------------------------------------------------------

    def _ip(self) -> str:
        return self.get_option("ip_executable") or "ip"

    def _namespace(self) -> str:
        name = self.get_option("netns") or self._play_context.remote_addr
        name = to_text(name or "").strip()
        if not name:
            raise AnsibleConnectionFailure(
                "No network namespace given: set ansible_netns_name (or ansible_host, or ANSIBLE_NETNS_NAME), "
                "or name the inventory host after the namespace."
            )
        if "/" in name or name in (".", ".."):
            raise AnsibleConnectionFailure(f"Invalid network namespace name {name!r}: it must be a plain name as listed by 'ip netns list'.")
        return name

    # Namespace discovery ---------------------------------------------------

    def _list_namespaces(self) -> list[str]:
        """The names of the named namespaces, as `ip netns list` prints them ("NAME" or "NAME (id: N)")."""
        ip = self._ip()
        try:
            result = subprocess.run([ip, "netns", "list"], stdin=subprocess.DEVNULL, capture_output=True, check=False)
        except OSError as ex:
            raise AnsibleConnectionFailure(
                f"Cannot run {ip!r} to list the network namespaces: {to_native(ex)}. Install iproute2 or set ansible_netns_ip_executable."
            ) from ex
        if result.returncode != 0:
            raise AnsibleConnectionFailure(
                f"'{ip} netns list' failed with rc={result.returncode}: {to_native(result.stderr, errors='surrogate_then_replace').strip()}"
            )
        names = []
        for line in to_text(result.stdout, errors="surrogate_or_strict").splitlines():
            fields = line.split()
            if fields:
                names.append(fields[0])
        return names

    def _connect(self) -> Connection:
        if self._connected:
            return self
        name = self._namespace()
        if not os.path.exists(os.path.join(_NETNS_RUN_DIR, name)) and name not in self._list_namespaces():
            raise AnsibleConnectionFailure(
                f"Network namespace {name!r} does not exist on the controller (no {_NETNS_RUN_DIR}/{name}). "
                f"Create it with 'ip netns add {name}', or check ansible_netns_name / the inventory host name."
            )
        self._netns = name
        display.vvv(f"ESTABLISH NETNS CONNECTION TO NAMESPACE {name}", host=name)
        self._connected = True
        return self

    # Commands ----------------------------------------------------------------

    def _build_command(self, cmd: str) -> list[str]:
        return [self._ip(), "netns", "exec", self._netns, "/bin/sh", "-c", cmd]

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        """Run a shell command inside the namespace; in_data (pipelining) goes to its stdin."""
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)

        if sudoable and self.become and self.become.expect_prompt():
            raise AnsibleError(
                f"The flatnet.kube.netns connection cannot answer the {self.become.name} password prompt: "
                "run Ansible as root on the controller, or use passwordless privilege escalation."
            )

        argv = self._build_command(cmd)
        display.vvv(f"EXEC {to_text(cmd)}", host=self._netns)
        try:
            with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
                stdout, stderr = proc.communicate(in_data)
        except OSError as ex:
            raise AnsibleConnectionFailure(f"Cannot run {argv[0]!r} to enter network namespace {self._netns!r}: {to_native(ex)}") from ex
        return proc.returncode, stdout, stderr

    # Files -------------------------------------------------------------------

    def _host_path(self, path: str) -> str:
        """The controller path that `path` names inside the namespace.

        ip netns exec bind-mounts each entry of /etc/netns/NAME over the same name in /etc,
        so such paths are redirected there; every other path is shared with the controller.
        """
        if not os.path.isabs(path):
            return path
        normalized = os.path.normpath(path)
        parts = normalized.split(os.sep)
        # ['', 'etc', entry, ...]
        if len(parts) >= 3 and parts[1] == "etc" and parts[2]:
            overlay = os.path.join(_NETNS_ETC_DIR, self._netns, parts[2])
            if os.path.lexists(overlay):
                return os.path.join(overlay, *parts[3:])
        return path

    def _copy(self, src: str, dest: str, what: str) -> None:
        if not os.path.exists(src):
            raise AnsibleFileNotFound(f"file or module does not exist: {to_native(src)}")
        if os.path.isdir(src):
            raise AnsibleError(f"Cannot {what} {to_native(src)!r}: it is a directory")
        try:
            shutil.copyfile(src, dest)
        except shutil.SameFileError as ex:
            raise AnsibleError(f"Cannot {what} {to_native(src)!r} to {to_native(dest)!r}: they are the same file") from ex
        except OSError as ex:
            raise AnsibleError(f"Failed to {what} {to_native(src)!r} to {to_native(dest)!r}: {to_native(ex)}") from ex

    def put_file(self, in_path: str, out_path: str) -> None:
        """Copy a controller file to a path as seen inside the namespace (the filesystem is shared)."""
        super().put_file(in_path, out_path)
        dest = self._host_path(out_path)
        display.vvv(f"PUT {in_path} TO {dest}", host=self._netns)
        self._copy(in_path, dest, "put")

    def fetch_file(self, in_path: str, out_path: str) -> None:
        """Copy a path as seen inside the namespace to a controller file (the filesystem is shared)."""
        super().fetch_file(in_path, out_path)
        src = self._host_path(in_path)
        display.vvv(f"FETCH {src} TO {out_path}", host=self._netns)
        self._copy(src, out_path, "fetch")

    def reset(self) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between commands."""
        self._connected = False
