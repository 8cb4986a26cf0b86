# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """How flatnet.kube's cluster modules reach the Kubernetes API (kubernetes.core's conventions)."""

    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file, or the kubeconfig as a dictionary.
      - When neither O(kubeconfig), O(host) with O(api_key), nor C(K8S_AUTH_KUBECONFIG) is given, the default
        kubeconfig (C(~/.kube/config) or C(KUBECONFIG)) is used, and inside a pod its service account.
      - Can also be set with the E(K8S_AUTH_KUBECONFIG) environment variable, as AWX's OpenShift/Kubernetes credential does.
    type: raw
  context:
    description:
      - The kubeconfig context to use. Can also be set with E(K8S_AUTH_CONTEXT).
    type: str
  host:
    description:
      - The API server URL. Can also be set with E(K8S_AUTH_HOST).
    type: str
  api_key:
    description:
      - A bearer token. Can also be set with E(K8S_AUTH_API_KEY). It is never logged.
    type: str
  validate_certs:
    description:
      - Whether to verify the API server's certificate. Can also be set with E(K8S_AUTH_VERIFY_SSL).
    type: bool
    aliases: [verify_ssl]
  ca_cert:
    description:
      - Path to the CA certificate of the API server. Can also be set with E(K8S_AUTH_SSL_CA_CERT).
    type: path
    aliases: [ssl_ca_cert]
  client_cert:
    description:
      - Path to a client certificate. Can also be set with E(K8S_AUTH_CERT_FILE).
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Path to the client certificate's key. Can also be set with E(K8S_AUTH_KEY_FILE).
    type: path
    aliases: [key_file]
  request_timeout:
    description:
      - Seconds to wait for each API request (each attempt of it); a request that gets no reply by then counts as
        failed, and is tried again as O(request_retries) allows.
    type: float
    default: 30.0
  request_retries:
    description:
      - How many times a request the API server could not serve (429, 500, 502, 503, 504, no reply within
        O(request_timeout), a broken connection) is tried again, with exponential backoff and full jitter (up to 0.5,
        1, 2, 4, then 8 seconds), or after the server's C(Retry-After) (at most 30 seconds).
      - Only requests that are safe to repeat are tried again. These are reads, writes that carry the
        C(resourceVersion) they were computed from, and deletes with preconditions, since the server refuses a stale
        repeat with 409. A create is tried again only after a 429, which the server refused without acting on it.
      - V(0) tries every request once.
    type: int
    default: 4
notes:
  - The modules of the C(flatnet.kube.k8s) action group share these options, so one C(module_defaults) entry
    (C(group/flatnet.kube.k8s)) sets the cluster access for all of them.
requirements:
  - kubernetes (the Python client)
"""

    CALICO = r"""
attributes:
  check_mode:
    support: full
    details: Writes are sent with C(dryRun=All), so the API server validates them but stores nothing.
  diff_mode:
    support: full
    details: The diff shows the object's spec before and after, as stored.
  platform:
    platforms: posix
    details: Runs where the Kubernetes API can be reached, usually the controller.
options:
  api_group:
    description:
      - The Calico API to write through.
      - V(auto) uses V(projectcalico.org/v3) when Calico's API server is installed (it validates and defaults like
        C(calicoctl)), and otherwise the V(crd.projectcalico.org/v1) custom resources that calico-node reads.
    type: str
    default: auto
    choices: [auto, projectcalico.org/v3, crd.projectcalico.org/v1]
  conflict_retries:
    description:
      - How many times to re-read and retry a write that met a newer resourceVersion (HTTP 409 Conflict).
    type: int
    default: 5
  labels:
    description:
      - Labels the object must carry, such as V(app.kubernetes.io/managed-by=flatnet.kube) and the cluster's name,
        by which M(flatnet.kube.cluster_prune) knows what flatnet owns.
      - Only these keys are managed; the object's other labels stay. A missing or different value is a change.
    type: dict
"""

    # The modules that act on what flatnet owns in a cluster (cluster_prune, cluster_start).
    OWNED = r"""
options:
  cluster:
    description: The intent's cluster name (C(flatnet_cluster.name)), the value of the V(flatnet.kube/cluster) label.
    type: str
    required: true
  namespace:
    description: Where the namespaced objects are (calico-node's namespace for the password Secrets; kube-system for the record).
    type: str
    default: kube-system
  api_group:
    description: The Calico API to read and write through; V(auto) as in M(flatnet.kube.calico_bgp_peer).
    type: str
    default: auto
    choices: [auto, projectcalico.org/v3, crd.projectcalico.org/v1]
"""
