# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""flatnet.kube on the network lab as users run it: installed from the built tarball, and as an AWX job.

The lab (prefix ``fa-``) is the example inventory's twin. The first test installs the tarball into an empty
collections path and runs ``flatnet.kube.site`` and ``flatnet.kube.verify`` from a project directory that holds only an
inventory. The others build a private data directory the way AWX does for a job and run it with ``ansible-runner run``:
the project is this repository as AWX clones it, with flatnet.kube installed from its ``collections/requirements.yml``
as AWX's project update does; the inventory is a script printing what AWX imported; the cluster's credential is AWX's
"OpenShift or Kubernetes API Bearer Token" injection (K8S_AUTH_* variables, the CA in a file); the switch and BGP
secrets are a credential of playbooks/awx_setup.yml's type, injected as an extra vars file given with -e; the survey's
answers are the job's extra vars. The tests run in file order. Needs root.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, Iterator, List

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from poll import lab_up, netlab as _netlab  # pylint: disable=import-error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "inventory", "example")
PREFIX = "fa-"
BIN = os.path.dirname(sys.executable)
# The switch and BGP secrets of the AWX credential (playbooks/awx_setup.yml's type).
SECRETS = {"bgp_password": "awx-bgp-5d1e9c", "switch_username": "netops", "switch_password": "awx-login-8b2f40",
           "switch_become_password": "awx-enable-c7a913"}
# The survey's answers as AWX sends them (playbooks/vars/awx_setup.yml), left at their defaults.
SURVEY = {"switch_bgp_graceful_restart": "false", "switch_bgp_maximum_paths": 8, "switch_bgp_router_id": ""}


def _clean_env(**extra: str) -> Dict[str, str]:
    """This process's environment without any ANSIBLE_* variable (make exports some), the venv's commands first."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "K8S_AUTH_"))}
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env.update(ANSIBLE_NOCOLOR="1", **extra)
    return env


def _run(args: List[str], cwd: str, env: Dict[str, str], timeout: int = 600) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(name="lab", scope="module")
def fixture_lab(tmp_path_factory: Any) -> Iterator[Dict[str, Any]]:
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root")
    state = str(tmp_path_factory.mktemp("users-lab") / "state")
    record = lab_up(state, EXAMPLE, PREFIX)
    api = k8s_config.new_client_from_config(config_file=os.path.join(state, "kubeconfig-admin"))
    yield {"state": state, "record": record, "api": api}
    api.close()
    _netlab("down", "--state-dir", state)


def _places(lab: Dict[str, Any]) -> Dict[str, Any]:
    """Everything site.yml may change: the Calico resources (name and spec), the switch's running configuration, the
    gateway's routes and the office DNS server's configuration files."""
    custom = k8s.CustomObjectsApi(lab["api"])
    calico = {plural: sorted(json.dumps([item["metadata"]["name"], item["spec"]], sort_keys=True)
                             for item in custom.list_cluster_custom_object("crd.projectcalico.org", "v1", plural)["items"])
              for plural in ("ippools", "bgpconfigurations", "bgppeers")}
    record = lab["record"]
    switch = subprocess.run(["vtysh", "-N", record["switch"]["pathspace"], "-c", "show running-config"], capture_output=True, text=True,
                            timeout=60, check=False).stdout
    gateway = subprocess.run(["ip", "netns", "exec", record["gateway"]["netns"], "ip", "route"], capture_output=True, text=True, timeout=60,
                             check=False).stdout
    office = os.path.join(lab["state"], "dns", "office")
    files = {}
    for name in sorted(os.listdir(office)):
        if name.endswith(".conf"):
            with open(os.path.join(office, name), encoding="utf-8") as handle:
                files[name] = handle.read()
    return {"calico": calico, "switch": switch, "gateway": gateway, "dns": files}


def _recap(stdout: str) -> Dict[str, int]:
    return {line.split()[0]: int(line.split("changed=")[1].split()[0]) for line in stdout.splitlines() if " : ok=" in line}


def test_the_installed_tarball_runs_site_and_verify_from_a_project_holding_only_an_inventory(lab, collection_tarball, tmp_path, figure):
    collections, project = tmp_path / "collections", tmp_path / "project"
    inventory = project / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    # The user's inventory: the example's hosts and intent, and the lab's connections to its twins.
    shutil.copy(os.path.join(EXAMPLE, "hosts.yml"), inventory / "hosts.yml")
    shutil.copy(os.path.join(EXAMPLE, "group_vars", "all", "flatnet.yml"), inventory / "group_vars" / "all" / "flatnet.yml")
    shutil.copy(os.path.join(lab["state"], "inventory.yml"), inventory / "lab.yml")
    env = _clean_env(ANSIBLE_COLLECTIONS_PATH=str(collections), K8S_AUTH_KUBECONFIG=os.path.join(lab["state"], "kubeconfig"))
    installed = _run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(collections), collection_tarball],
                     cwd=str(project), env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert sorted(os.listdir(project)) == ["inventory"]
    started = time.monotonic()
    site = _run([os.path.join(BIN, "ansible-playbook"), "flatnet.kube.site", "-i", "inventory/"], cwd=str(project), env=env)
    took = time.monotonic() - started
    assert site.returncode == 0, site.stdout[-4000:] + site.stderr[-2000:]
    assert _recap(site.stdout)["switch1"] > 0 and _recap(site.stdout)["localhost"] > 0, _recap(site.stdout)
    verify = _run([os.path.join(BIN, "ansible-playbook"), "flatnet.kube.verify", "-i", "inventory/"], cwd=str(project), env=env)
    assert verify.returncode == 0, verify.stdout[-4000:] + verify.stderr[-2000:]
    # Nothing of this checkout was on the way: the only collections path is the one the tarball went into.
    assert ROOT not in site.stdout + verify.stdout
    figure("installed tarball: site.yml converged the lab in %.1f s; verify.yml passed" % took)


@pytest.fixture(name="awx", scope="module")
def fixture_awx(lab: Dict[str, Any], tmp_path_factory: Any) -> Dict[str, Any]:
    """A private data directory as AWX prepares it for a job of this project (the job's own files are written per run)."""
    pdd = tmp_path_factory.mktemp("awx-job")
    project, env_dir, inventory_dir = pdd / "project", pdd / "env", pdd / "inventory"
    for path in (project, env_dir, inventory_dir):
        path.mkdir()
    # The project as AWX's project update clones it: the repository's files.
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], capture_output=True, check=True).stdout
    packed = subprocess.run(["tar", "--null", "-T", "-", "-cf", "-"], input=files, cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-xf", "-"], input=packed, cwd=str(project), capture_output=True, check=True)
    # ... then installs the collections of collections/requirements.yml, from the project's directory.
    requirements = pdd / "requirements_collections"
    update = _run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-r", "collections/requirements.yml", "--collections-path",
                   str(requirements)], cwd=str(project), env=_clean_env(ANSIBLE_COLLECTIONS_PATH=str(requirements)))
    assert update.returncode == 0, update.stdout + update.stderr
    assert (requirements / "ansible_collections" / "flatnet" / "kube" / "MANIFEST.json").is_file()
    assert not (requirements / "ansible_collections" / "flatnet" / "kube" / "lab").exists()

    # The inventory AWX imported from the project (its source runs ansible-inventory --list --export), written as the
    # script AWX gives the job. The intent takes the BGP password from the secrets credential's extra var, and the
    # switches their login (unused by the lab's namespace connection, and secret all the same).
    source = tmp_path_factory.mktemp("awx-inventory")
    (source / "group_vars" / "all").mkdir(parents=True)
    (source / "group_vars" / "switches").mkdir(parents=True)
    shutil.copy(os.path.join(EXAMPLE, "hosts.yml"), source / "hosts.yml")
    with open(os.path.join(EXAMPLE, "group_vars", "all", "flatnet.yml"), encoding="utf-8") as handle:
        intent = yaml.safe_load(handle)
    intent["flatnet_fabric"]["switches"][0]["password"] = "{{ awx_flatnet_bgp_password }}"
    (source / "group_vars" / "all" / "flatnet.yml").write_text(yaml.safe_dump(intent), encoding="utf-8")
    (source / "group_vars" / "switches" / "login.yml").write_text(yaml.safe_dump({
        "ansible_user": "{{ awx_flatnet_switch_username }}", "ansible_password": "{{ awx_flatnet_switch_password }}",
        "ansible_become_password": "{{ awx_flatnet_switch_become_password }}"}), encoding="utf-8")
    shutil.copy(os.path.join(lab["state"], "inventory.yml"), source / "lab.yml")
    listed = _run([os.path.join(BIN, "ansible-inventory"), "-i", str(source), "--list", "--export"], cwd=str(source), env=_clean_env())
    assert listed.returncode == 0, listed.stderr
    script = inventory_dir / "hosts"
    script.write_text("#!%s\nimport sys\nsys.stdout.write(%r)\n" % (sys.executable, listed.stdout), encoding="utf-8")
    script.chmod(0o700)

    # The cluster's credential, as AWX's kubernetes_bearer_token injection sets it: the CA in a file of env/.
    with open(os.path.join(lab["state"], "kubeconfig"), encoding="utf-8") as handle:
        kubeconfig = yaml.safe_load(handle)
    cluster, user = kubeconfig["clusters"][0]["cluster"], kubeconfig["users"][0]["user"]
    handle, ca_path = tempfile.mkstemp(dir=str(env_dir))
    with os.fdopen(handle, "w") as ca_file:
        os.chmod(ca_path, stat.S_IRUSR | stat.S_IWUSR)
        ca_file.write(base64.b64decode(cluster["certificate-authority-data"]).decode())
    envvars = {"K8S_AUTH_HOST": cluster["server"], "K8S_AUTH_API_KEY": user["token"], "K8S_AUTH_VERIFY_SSL": "True",
               "K8S_AUTH_SSL_CA_CERT": ca_path,
               # Where the job finds the project's collections, as AWX points it there.
               "ANSIBLE_COLLECTIONS_PATH": str(requirements)}
    (env_dir / "envvars").write_text(yaml.safe_dump(envvars), encoding="utf-8")
    (env_dir / "envvars").chmod(0o600)
    # The secrets credential: its extra_vars injector, rendered into a file of its own (mode 0400) given with -e.
    with open(os.path.join(ROOT, "playbooks", "vars", "awx_setup.yml"), encoding="utf-8") as handle_vars:
        injectors = yaml.safe_load(handle_vars)
    rendered = {name: template.replace("{{ ", "").replace(" }}", "") for name, template in
                injectors["awx_setup_credential_type"]["injectors"]["extra_vars"].items()}
    handle, secrets_path = tempfile.mkstemp(dir=str(env_dir))
    with os.fdopen(handle, "w") as secrets_file:
        secrets_file.write(yaml.safe_dump({name: SECRETS[field] for name, field in rendered.items()}))
    os.chmod(secrets_path, stat.S_IRUSR)
    (env_dir / "cmdline").write_text("-e @%s" % secrets_path, encoding="utf-8")
    secrets = dict(SECRETS, token=user["token"])
    secrets.pop("switch_username")
    return {"pdd": pdd, "secrets": secrets, "runs": {}}


def _job(awx: Dict[str, Any], playbook: str, ident: str, answers: Dict[str, Any]) -> Dict[str, Any]:
    """One AWX job: the survey's answers as the job's extra vars, then ansible-runner run on the private data directory.
    What it reports: its status, the changed count per host from its stats event, its stdout and the time it took."""
    pdd = awx["pdd"]
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(answers), encoding="utf-8")
    started = time.monotonic()
    done = _run([os.path.join(BIN, "ansible-runner"), "run", str(pdd), "-p", playbook, "--ident", ident], cwd=str(pdd), env=_clean_env(),
                timeout=900)
    took = time.monotonic() - started
    artifacts = pdd / "artifacts" / ident
    assert (artifacts / "status").is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    events = []
    for name in sorted(os.listdir(artifacts / "job_events"), key=lambda name: int(name.split("-")[0])):
        with open(artifacts / "job_events" / name, encoding="utf-8") as handle:
            events.append(json.load(handle))
    stats = [event["event_data"] for event in events if event.get("event") == "playbook_on_stats"]
    result = {"status": (artifacts / "status").read_text(encoding="utf-8"), "changed": stats[-1].get("changed", {}) if stats else None,
              "stdout": (artifacts / "stdout").read_text(encoding="utf-8"), "took": took, "events": len(events)}
    awx["runs"][ident] = result
    return result


def test_awx_jobs_remove_plan_site_and_verify_converge_and_a_rerun_changes_nothing(lab, awx, figure):
    # From the state the installed tarball left: remove takes every place back, as the remove job template does.
    removed = _job(awx, "playbooks/remove.yml", "remove", {"calico_pool_restore_on_remove": "false"})
    assert removed["status"] == "successful", removed["stdout"][-4000:]
    after_remove = _places(lab)
    assert "FLATNET" not in after_remove["switch"]
    # The plan job lists the changes and makes none.
    plan = _job(awx, "playbooks/plan.yml", "plan", SURVEY)
    assert plan["status"] == "successful", plan["stdout"][-4000:]
    assert _places(lab) == after_remove
    site = _job(awx, "playbooks/site.yml", "site", SURVEY)
    assert site["status"] == "successful", site["stdout"][-4000:]
    assert site["changed"].get("switch1") and site["changed"].get("localhost"), site["changed"]
    assert " neighbor FLATNET password %s" % SECRETS["bgp_password"] in _places(lab)["switch"]
    again = _job(awx, "playbooks/site.yml", "site-again", SURVEY)
    assert again["status"] == "successful", again["stdout"][-4000:]
    assert set(again["changed"].values()) <= {0}, again["changed"]
    verify = _job(awx, "playbooks/verify.yml", "verify", {"verify_expect": "reachable", "verify_retries": 10})
    assert verify["status"] == "successful", verify["stdout"][-4000:]
    figure("AWX job under ansible-runner: site converged in %.1f s (%d events), rerun %.1f s changed=0; plan %.1f s, verify %.1f s, "
           "remove %.1f s" % (site["took"], site["events"], again["took"], plan["took"], verify["took"], removed["took"]))


def test_a_survey_answer_that_breaks_the_intent_fails_in_preflight_and_no_place_changes(lab, awx):
    before = _places(lab)
    bad = _job(awx, "playbooks/site.yml", "site-bad-answer", dict(SURVEY, switch_bgp_router_id="10.0.0.300"))
    assert bad["status"] == "failed"
    assert "switch_bgp_router_id: '10.0.0.300' is not an IPv4 address such as 10.200.20.254." in bad["stdout"], bad["stdout"][-3000:]
    # It stopped in the check of every place, before the play that changes the cluster.
    assert "Make the cluster's pools match the intent" not in bad["stdout"]
    assert _places(lab) == before


def test_no_secret_in_the_jobs_events_stdout_or_any_artifact(awx):
    """What AWX keeps of a job (its events and stdout) holds no secret of the credentials: not the bearer token, not
    the BGP password, not the switch's passwords, plain or base64. The one artifact that holds the token is runner's
    record of the process it started (``command``: the command line, the directory and the environment, where AWX's
    credential put K8S_AUTH_API_KEY), which runner writes for its owner only; AWX masks it before storing the job's
    environment and removes the directory after the job."""
    assert {"remove", "plan", "site", "site-again", "verify", "site-bad-answer"} <= set(awx["runs"])
    shown = dict(awx["secrets"], **{name + " (base64)": base64.b64encode(value.encode()).decode() for name, value in awx["secrets"].items()})
    found: Dict[str, List[str]] = {}
    artifacts = awx["pdd"] / "artifacts"
    scanned = 0
    for base, _dirs, names in os.walk(artifacts):
        for name in names:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                data = handle.read()
            scanned += 1
            for label, value in shown.items():
                if value.encode() in data:
                    found.setdefault(label, []).append(os.path.relpath(path, str(artifacts)))
    commands = sorted(os.path.join(ident, "command") for ident in awx["runs"])
    # Every event of every job was read (a site job alone has some 240).
    assert scanned > sum(run["events"] for run in awx["runs"].values()), scanned
    assert {label: sorted(paths) for label, paths in found.items()} == {"token": commands}, found
    assert {stat.S_IMODE(os.stat(artifacts / command).st_mode) for command in commands} == {0o600}
    assert {stat.S_IMODE(os.stat(artifacts / ident).st_mode) for ident in awx["runs"]} == {0o700}
    # The files that hold the secrets are the credentials' own, readable by their owner only (AWX removes the private
    # data directory after the job).
    modes = {name: stat.S_IMODE(os.stat(awx["pdd"] / "env" / name).st_mode) for name in os.listdir(awx["pdd"] / "env")
             if name.startswith("tmp") or name == "envvars"}
    assert len(modes) == 3 and set(modes.values()) <= {0o600, 0o400}, modes
