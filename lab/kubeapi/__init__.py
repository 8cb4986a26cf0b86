# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An emulated Kubernetes API for the flatnet.kube lab.

It serves the core kinds, RBAC, the Calico CRDs (``crd.projectcalico.org/v1``)
and, on request, Calico's aggregated API (``projectcalico.org/v3``) over HTTPS
on 127.0.0.1, with the REST contract of a real kube-apiserver: discovery,
resourceVersion and conflicts, merge and JSON patches, dry runs, structural
pruning and the real Status bodies. Run it with ``python -m kubeapi serve``.
"""
