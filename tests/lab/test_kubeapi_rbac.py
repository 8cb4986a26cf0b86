# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""RBAC in the API twin, checked with the official client: each token is a user or a ServiceAccount, and may do what
the bindings grant, down to resourceNames; a refusal is the real 403 Status body."""

from __future__ import annotations

import json

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

NAMESPACE = "kube-system"


def _secret(core, name: str) -> None:
    core.create_namespaced_secret(NAMESPACE, k8s.V1Secret(metadata=k8s.V1ObjectMeta(name=name), string_data={"password": "x-" + name}))


def _forbidden(call, *args, **kwargs) -> dict:
    with pytest.raises(ApiException) as caught:
        call(*args, **kwargs)
    assert caught.value.status == 403
    return json.loads(caught.value.body)


def test_a_user_without_bindings_may_discover_but_not_read(emulator, client_for, raw):
    flatnet = client_for(emulator, emulator.tokens["flatnet"])
    assert "crd.projectcalico.org" in [group.name for group in k8s.ApisApi(flatnet).get_api_versions().groups]
    status = _forbidden(k8s.CoreV1Api(flatnet).list_node)
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "Forbidden",
                      "message": 'nodes is forbidden: User "flatnet" cannot list resource "nodes" in API group "" at the cluster scope',
                      "details": {"kind": "nodes"}, "code": 403}
    # The test hooks are the lab admin's.
    assert raw(emulator, "GET", "/_emulator/requests", token=emulator.tokens["flatnet"])[0] == 403


def test_calico_node_reads_the_named_secret_and_nothing_more(emulator, client_for):
    admin = client_for(emulator)
    core, rbac = k8s.CoreV1Api(admin), k8s.RbacAuthorizationV1Api(admin)
    for name in ("bgp-peer-switch", "bgp-theirs"):
        _secret(core, name)
    rbac.create_namespaced_role(NAMESPACE, k8s.V1Role(metadata=k8s.V1ObjectMeta(name="flatnet-bgp-passwords"), rules=[
        k8s.V1PolicyRule(api_groups=[""], resources=["secrets"], resource_names=["bgp-peer-switch"], verbs=["watch", "list", "get"])]))
    rbac.create_namespaced_role_binding(NAMESPACE, k8s.V1RoleBinding(
        metadata=k8s.V1ObjectMeta(name="flatnet-bgp-passwords"),
        role_ref=k8s.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="flatnet-bgp-passwords"),
        subjects=[k8s.RbacV1Subject(kind="ServiceAccount", name="calico-node", namespace=NAMESPACE)]))
    node = k8s.CoreV1Api(client_for(emulator, emulator.tokens["calico-node"]))
    assert node.read_namespaced_secret("bgp-peer-switch", NAMESPACE).data["password"]
    # resourceNames: a list or watch must name the object with a field selector, as on the real server.
    assert [item.metadata.name for item in node.list_namespaced_secret(NAMESPACE, field_selector="metadata.name=bgp-peer-switch").items] == [
        "bgp-peer-switch"]
    status = _forbidden(node.read_namespaced_secret, "bgp-theirs", NAMESPACE)
    assert status["message"] == ('secrets "bgp-theirs" is forbidden: User "system:serviceaccount:kube-system:calico-node" cannot get '
                                 'resource "secrets" in API group "" in the namespace "kube-system"')
    assert status["details"] == {"name": "bgp-theirs", "kind": "secrets"}
    _forbidden(node.list_namespaced_secret, NAMESPACE)
    _forbidden(node.delete_namespaced_secret, "bgp-peer-switch", NAMESPACE)
    _forbidden(node.read_namespaced_secret, "bgp-peer-switch", "default")  # the Role holds in its own namespace only


def test_a_cluster_role_binding_grants_by_group_resource_and_verb(emulator, client_for):
    rbac = k8s.RbacAuthorizationV1Api(client_for(emulator))
    rbac.create_cluster_role(k8s.V1ClusterRole(metadata=k8s.V1ObjectMeta(name="pool-reader"), rules=[
        k8s.V1PolicyRule(api_groups=["crd.projectcalico.org"], resources=["ippools"], verbs=["get", "list"])]))
    rbac.create_cluster_role_binding(k8s.V1ClusterRoleBinding(
        metadata=k8s.V1ObjectMeta(name="pool-reader"), subjects=[k8s.RbacV1Subject(kind="User", name="flatnet", api_group="rbac.authorization.k8s.io")],
        role_ref=k8s.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="pool-reader")))
    custom = k8s.CustomObjectsApi(client_for(emulator, emulator.tokens["flatnet"]))
    assert custom.get_cluster_custom_object("crd.projectcalico.org", "v1", "ippools", "default-pool")["spec"]["cidr"] == "10.233.64.0/18"
    pool = custom.get_cluster_custom_object("crd.projectcalico.org", "v1", "ippools", "default-pool")
    status = _forbidden(custom.replace_cluster_custom_object, "crd.projectcalico.org", "v1", "ippools", "default-pool", pool)
    assert status["message"] == ('ippools.crd.projectcalico.org "default-pool" is forbidden: User "flatnet" cannot update resource "ippools" '
                                 'in API group "crd.projectcalico.org" at the cluster scope')
    _forbidden(custom.list_cluster_custom_object, "crd.projectcalico.org", "v1", "bgppeers")


def _grant_flatnet_roles(admin) -> None:
    """flatnet may write Roles and RoleBindings in kube-system, and get the one Secret bgp-peer-switch there."""
    rbac = k8s.RbacAuthorizationV1Api(admin)
    rbac.create_namespaced_role(NAMESPACE, k8s.V1Role(metadata=k8s.V1ObjectMeta(name="writer"), rules=[
        k8s.V1PolicyRule(api_groups=["rbac.authorization.k8s.io"], resources=["roles", "rolebindings"], verbs=["get", "create", "update"]),
        k8s.V1PolicyRule(api_groups=[""], resources=["secrets"], resource_names=["bgp-peer-switch"], verbs=["get"])]))
    rbac.create_namespaced_role_binding(NAMESPACE, k8s.V1RoleBinding(
        metadata=k8s.V1ObjectMeta(name="writer"), subjects=[k8s.RbacV1Subject(kind="User", name="flatnet", api_group="rbac.authorization.k8s.io")],
        role_ref=k8s.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="writer")))


def _role(name: str, **rule) -> k8s.V1Role:
    return k8s.V1Role(metadata=k8s.V1ObjectMeta(name=name), rules=[k8s.V1PolicyRule(**rule)])


def test_a_role_may_grant_only_what_its_writer_holds(emulator, client_for):
    _grant_flatnet_roles(client_for(emulator))
    rbac = k8s.RbacAuthorizationV1Api(client_for(emulator, emulator.tokens["flatnet"]))
    rbac.create_namespaced_role(NAMESPACE, _role("held", api_groups=[""], resources=["secrets"], resource_names=["bgp-peer-switch"], verbs=["get"]))
    status = _forbidden(rbac.create_namespaced_role, NAMESPACE, _role("more", api_groups=[""], resources=["secrets"], verbs=["get"]))
    assert status["message"] == ('roles.rbac.authorization.k8s.io "more" is forbidden: user "flatnet" (groups=["system:authenticated"]) is attempting to grant '
                                 'RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}')
    # An update is held to the same rule: the role that was allowed cannot be widened afterwards.
    held = rbac.read_namespaced_role("held", NAMESPACE)
    held.rules[0].verbs = ["get", "list"]
    status = _forbidden(rbac.replace_namespaced_role, "held", NAMESPACE, held)
    assert status["message"].endswith('{APIGroups:[""], Resources:["secrets"], ResourceNames:["bgp-peer-switch"], Verbs:["list"]}')


def test_a_binding_may_refer_only_to_a_role_its_writer_holds(emulator, client_for):
    admin = client_for(emulator)
    _grant_flatnet_roles(admin)
    k8s.RbacAuthorizationV1Api(admin).create_namespaced_role(NAMESPACE, _role("wider", api_groups=[""], resources=["secrets"], verbs=["list"]))
    rbac = k8s.RbacAuthorizationV1Api(client_for(emulator, emulator.tokens["flatnet"]))

    def binding(role: str) -> k8s.V1RoleBinding:
        return k8s.V1RoleBinding(metadata=k8s.V1ObjectMeta(name="to-" + role),
                                 role_ref=k8s.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name=role),
                                 subjects=[k8s.RbacV1Subject(kind="ServiceAccount", name="calico-node", namespace=NAMESPACE)])
    status = _forbidden(rbac.create_namespaced_role_binding, NAMESPACE, binding("wider"))
    assert "is attempting to grant RBAC permissions not currently held" in status["message"]
    assert status["details"] == {"name": "to-wider", "group": "rbac.authorization.k8s.io", "kind": "rolebindings"}
    k8s.RbacAuthorizationV1Api(admin).create_namespaced_role(NAMESPACE, _role("narrow", api_groups=[""], resources=["secrets"],
                                                                              resource_names=["bgp-peer-switch"], verbs=["get"]))
    assert rbac.create_namespaced_role_binding(NAMESPACE, binding("narrow")).metadata.name == "to-narrow"
