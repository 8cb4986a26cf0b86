# flatnet.kube: the two commands and their parts.
#   make test   install everything, then run every quality gate
#   make check  the fast tier for your own loop: sanity, the tests that need no lab, lint
# Run `make help` for the rest.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BUILD := .build
BIN := $(VENV)/bin
# Debian packages the tests and the lab need. They are installed with a
# policy-rc.d guard, so no daemon starts in the host's own network namespace:
# the lab starts FRR and BIRD only inside its namespaces.
APT_PACKAGES ?= git iproute2 iputils-ping frr frr-pythontools bird nftables curl bind9 bind9-dnsutils unbound dnsmasq-base graphviz
# This checkout as an installed collection, for ansible.cfg's collections_path.
LINK := $(BUILD)/collections/ansible_collections/flatnet/kube
# A plain copy for ansible-test, which wants a real ansible_collections tree
# outside any git checkout (inside one it would list the checkout's files).
# One per checkout, so that two checkouts never share it.
TREE_ROOT ?= $(or $(TMPDIR),/tmp)/flatnet-kube-tree-$(shell printf '%s' '$(CURDIR)' | cksum | cut -d' ' -f1)
TREE := $(TREE_ROOT)/ansible_collections/flatnet/kube
SANITY_PYTHON ?= 3.11

export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(BUILD)/collections
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help install apt venv link tree test check sanity units units-fast units-lab lint docs molecule changelog-lint lab-up lab-down lab-status lab-shell lab-picture lab-plan demo render picture lab-api ee-context clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

install: apt venv link ## apt packages, the venv and the collection link

apt: ## install the Debian packages that are missing
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "apt: installing $$missing"; \
	  if [ -e /usr/sbin/policy-rc.d ]; then guard=; else guard=/usr/sbin/policy-rc.d; printf '#!/bin/sh\nexit 101\n' > $$guard; chmod +x $$guard; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; rc=$$?; \
	  [ -z "$$guard" ] || rm -f $$guard; exit $$rc; \
	else echo "apt: all of $(APT_PACKAGES) present"; fi

venv: $(VENV)/.installed ## the Python venv with pinned, ranged requirements

$(VENV)/.installed: requirements.txt requirements-test.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
	touch $@

link: ## link this checkout into .build/collections as flatnet.kube
	@mkdir -p $(dir $(LINK))
	@ln -sfn $(CURDIR) $(LINK)

tree: ## copy the tracked and new files into a tree for ansible-test
	rm -rf $(TREE_ROOT)
	mkdir -p $(TREE)
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C $(TREE)

test: install ## install everything and run every gate
	$(MAKE) --no-print-directory sanity units lint changelog-lint molecule
	@echo "make test: every gate passed"

check: install ## the fast tier: sanity, the pytest suites that need no lab, lint, changelog lint
	$(MAKE) --no-print-directory sanity units-fast lint changelog-lint
	@echo "make check: the fast tier passed (make test adds the lab tests and molecule)"

sanity: install tree ## ansible-test sanity (offline pip bootstrap)
	$(BIN)/python tests/tools/sanity_bootstrap.py $(SANITY_PYTHON)
	cd $(TREE) && $(CURDIR)/tests/tools/run-sanity $(CURDIR)/$(BIN)/ansible-test $(SANITY_PYTHON)

# The pytest files that build network namespaces (the lab, or scratch namespaces of their own).
LAB_TESTS := tests/lab/test_netlab.py tests/playbooks/test_site_lab.py tests/playbooks/test_faults_lab.py tests/playbooks/test_as_users_run_it_lab.py tests/netns

# Two pytest workers (pytest-xdist), one test file at a time each: a playbook run keeps about one core busy, and every
# lab test file builds its own lab under its own prefix, so two run side by side. The figures print at the end.
PYTEST := $(BIN)/pytest -p no:cacheprovider -n $(or $(PYTEST_WORKERS),2) --dist loadfile --no-loadscope-reorder --durations=15

units: install ## pytest: every suite (units-fast and units-lab in one run); PYTEST_WORKERS=0 runs it without workers
	$(PYTEST) tests

units-fast: install ## pytest without the lab: unit, emulator-backed module, API client and playbook tests
	$(PYTEST) $(addprefix --ignore=,$(LAB_TESTS)) tests

units-lab: install ## pytest on the network lab and in scratch namespaces (needs root)
	$(PYTEST) $(LAB_TESTS)

lint: install ## ansible-lint, production profile, offline; antsibull-docs lint of the plugin and role docs
	$(BIN)/ansible-lint --offline --profile production
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs $(LINK)
	@echo "antsibull-docs: the plugin and role documentation lints clean"

# The reference in docs/: the plugin and role pages antsibull-docs generates from the collection, and the seed's picture.
DOCS_REFERENCE := docs/reference
docs: install ## regenerate docs/reference (antsibull-docs, from the argument specs and plugin docs) and docs/images/topology-seed.*
	rm -rf $(DOCS_REFERENCE)
	mkdir -p -m 0755 $(DOCS_REFERENCE)
	$(BIN)/antsibull-docs collection --use-current --squash-hierarchy --output-format simplified-rst --no-add-antsibull-docs-version \
	  --no-breadcrumbs --fail-on-error --dest-dir $(DOCS_REFERENCE) flatnet.kube
	$(MAKE) --no-print-directory picture INVENTORY=inventory/example PICTURE_DIR=$(BUILD)/picture-seed PEERING_NODES='$(PEERING_NODES)'
	cp $(BUILD)/picture-seed/topology.dot docs/images/topology-seed.dot
	cp $(BUILD)/picture-seed/topology.svg docs/images/topology-seed.svg

molecule: install ## the molecule scenarios (default: the seed; twin: other values) on the network lab
	$(BIN)/molecule test --all

changelog-lint: install ## antsibull-changelog lint of the fragments
	$(BIN)/antsibull-changelog lint
	@echo "changelog: $$(ls changelogs/fragments/*.y*ml 2>/dev/null | wc -l) fragments linted"

# The lab: a twin of INVENTORY in network namespaces (see README).
INVENTORY ?= inventory/example
LAB_STATE ?= $(BUILD)/lab
NETLAB = PYTHONPATH=lab $(BIN)/python -m netlab
LAB_PLAYBOOK = . $(LAB_STATE)/env && $(BIN)/ansible-playbook -i $(INVENTORY) -i $(LAB_STATE)/inventory.yml

lab-up: install ## build the lab twin of INVENTORY (default inventory/example)
	$(NETLAB) up --inventory $(INVENTORY) --state-dir $(LAB_STATE)

lab-down: ## remove every namespace, process and file of the lab
	$(NETLAB) down --state-dir $(LAB_STATE)

lab-status: ## the lab's BGP sessions, learned routes, namespaces and processes
	$(NETLAB) status --state-dir $(LAB_STATE)

lab-shell: ## a shell on the lab's office PC; CMD='curl ...' runs one command there; NETNS=fn-gw-office-gw1 picks another namespace
	$(NETLAB) shell --state-dir $(LAB_STATE) $(if $(NETNS),--netns "$$LAB_SHELL_NETNS") $(if $(CMD),--command "$$LAB_SHELL_CMD")
# CMD and NETNS reach the command through the environment, as written (no make expansion, any quotes).
lab-shell: export LAB_SHELL_CMD = $(value CMD)
lab-shell: export LAB_SHELL_NETNS = $(value NETNS)

lab-picture: ## draw the running lab's namespaces, links and addresses into .build/lab/lab.svg
	$(NETLAB) picture --svg --state-dir $(LAB_STATE)

demo: lab-up ## install, build the lab, run site.yml, and report what the office PC reaches
	$(LAB_PLAYBOOK) playbooks/site.yml
	$(LAB_PLAYBOOK) playbooks/verify.yml
	@echo
	@echo "The lab is up. Explore it:"
	@echo "  make lab-shell                      # a shell on the office PC (try: curl http://web.default.svc.cluster.local/)"
	@echo "  make lab-status                     # BGP sessions and learned routes on the switch"
	@echo "  . $(LAB_STATE)/env; $(BIN)/kubectl get bgppeers.crd.projectcalico.org"
	@echo "Tear it down with: make lab-down"

lab-plan: ## what site.yml would change on the running lab, changing nothing (plan.yml; PLAN_JSON=path writes the JSON too)
	$(LAB_PLAYBOOK) playbooks/plan.yml $(if $(PLAN_JSON),-e plan_json=$(abspath $(PLAN_JSON)))

RENDER_DIR ?= $(BUILD)/render
# The nodes that peer with the switches, for a render without a cluster to read (the example's lab nodes by default).
PEERING_NODES ?= [{"name": "node1", "ip": "10.200.20.105"}, {"name": "node2", "ip": "10.200.20.106"}]
render: install ## write each switch's part and its removal for review into RENDER_DIR (no device, no cluster; INVENTORY, PEERING_NODES, PLATFORM)
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/render.yml -e render_dir=$(abspath $(RENDER_DIR)) \
	  -e '{"preflight_peering_nodes": $(PEERING_NODES)}' $(if $(PLATFORM),-e render_platform=$(PLATFORM))
	@ls -l $(RENDER_DIR)

PICTURE_DIR ?= $(BUILD)/picture
picture: install ## draw the plan's topology into PICTURE_DIR/topology.dot and .svg (no device, no cluster; INVENTORY; PEERING_NODES, else the selector)
	$(BIN)/ansible-playbook -i $(INVENTORY) playbooks/picture.yml -e picture_dir=$(abspath $(PICTURE_DIR)) \
	  $(if $(filter file,$(origin PEERING_NODES)),,-e '{"preflight_peering_nodes": $(PEERING_NODES)}')

LAB_API_STATE ?= $(BUILD)/kubeapi
lab-api: install ## serve only the lab's emulated Kubernetes API on 127.0.0.1 (Ctrl-C stops it)
	PYTHONPATH=lab $(BIN)/python -m kubeapi serve --state-dir $(LAB_API_STATE) --seed lab/seeds/seed-cluster.yml

EE_DIR := $(BUILD)/ee
ee-context: install ## build the collection and write the execution environment's build context to .build/ee/context (no image: see README)
	rm -rf $(EE_DIR)
	mkdir -p $(EE_DIR)
	$(BIN)/ansible-galaxy collection build --output-path $(EE_DIR) .
	cp $(EE_DIR)/flatnet-kube-*.tar.gz $(EE_DIR)/flatnet-kube.tar.gz
	$(BIN)/ansible-builder create --file execution-environment.yml --context $(EE_DIR)/context --output-filename Containerfile
	@echo "Build the image where a container runtime runs:"
	@echo "  ansible-builder build --file execution-environment.yml --context $(EE_DIR)/context --tag flatnet-kube-ee:latest"

clean: ## remove the venv and build trees
	rm -rf $(BUILD) $(VENV) $(TREE_ROOT) .ansible .cache tests/output
