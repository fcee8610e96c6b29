# engage_exec.recording - the two commands a user needs are `make lab` and `make test`; the rest are the pieces
# they are made of, for iterating. Every target sets up what it needs (venv, collections, Docker engine, image).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PIP_DISABLE_PIP_VERSION_CHECK := 1
SCENARIO ?=
PYTEST_ARGS ?=

.PHONY: help setup venv host-packages docker image test test-faults sanity sanity-oldest units lint docs docs-check dupcheck changelog-lint pytest molecule publish-check docs-site \
        lab lab-up lab-down bench ee-context clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

venv: ## Python venv + pinned tools + collections (offline), reused while requirements are unchanged
	@bash hack/venv.sh 2> >(grep -v 'is ignored: it is neither' >&2)

host-packages: ## Debian packages the tests and the lab use (hack/apt-packages.txt)
	@bash hack/host-packages.sh

docker: host-packages ## a running Docker engine (uses yours, else starts Debian's dockerd)
	@bash hack/docker-engine.sh

image: docker ## the base image and the lab node image (systemd, sshd) of lab and molecule hosts, once per recipe
	@bash hack/base-image.sh >/dev/null
	@python3 lab/vmhost.py image >/dev/null

setup: venv host-packages docker image ## everything the tests and the lab need

test: setup ## everything a maintainer needs to trust a change
	@bash hack/test-all.sh

sanity: venv ## ansible-test sanity (offline)
	@bash hack/ansible-test.sh sanity

sanity-oldest: venv ## sanity, lint and playbook tests on the oldest ansible-core meta/runtime.yml claims (2.17)
	@bash hack/oldest-core.sh

units: venv ## ansible-test units
	@bash hack/ansible-test.sh units

lint: venv ## ansible-lint, production profile
	@ansible-lint --profile production --offline

docs: venv ## regenerate the role READMEs' variable tables (meta/argument_specs.yml) and docs/fault-matrix.md
	@$(BIN)/python hack/role-docs.py
	@$(BIN)/python hack/fault-table.py

docs-check: venv ## fail when a role README or the fault matrix drifted from its source
	@$(BIN)/python hack/role-docs.py --check
	@$(BIN)/python hack/fault-table.py --check

dupcheck: ## fail when 6 or more identical lines stand in two places under plugins/ (hack/dupcheck.py DIR ...)
	@python3 hack/dupcheck.py plugins

docs-site: venv ## the documentation as one HTML site (antsibull-docs + Sphinx, offline, warnings are errors)
	@bash hack/docs-site.sh

changelog-lint: venv ## antsibull-changelog lint of the fragments
	@antsibull-changelog lint

pytest: setup ## integration and end-to-end tests, the slow fault cases left out (PYTEST_ARGS=... to narrow)
	@bash hack/pytest.sh -m "not slow and not publish" $(PYTEST_ARGS)

publish-check: venv ## the built tarball as Galaxy takes it: galaxy-importer, antsibull-docs lint, what it ships
	@bash hack/pytest.sh -m publish -n 2 tests/integration/test_packaging.py $(PYTEST_ARGS)

test-faults: setup ## the slow fault cases: faults in the middle of a run on the lab, and more (pytest -m slow)
	@bash hack/pytest.sh -m slow $(PYTEST_ARGS)

molecule: setup ## molecule scenarios (SCENARIO=name for one)
	@bash hack/molecule.sh $(SCENARIO)

lab: setup ## bring the lab up (LAB_SUITE=trixie for Debian 13 hosts) and run site.yml against it
	@ansible-playbook -i inventories/lab lab/up.yml
	@ansible-playbook -i inventories/lab site.yml
	@echo; echo "Lab is up: VM-like hosts (systemd, SSH as deploy) labelled engage-exec-lab=1 (docker ps -f label=engage-exec-lab=1)."; \
	 echo "Run again: ansible-playbook -i inventories/lab site.yml    Tear down: make lab-down"

lab-down: venv ## remove every lab container and network
	@ansible-playbook -i inventories/lab lab/down.yml

bench: setup ## every benchmark in bench/ (figures beside targets); fails listing those that missed one
	@bash hack/bench.sh

ee-context: venv ## collection tarball into ee/collection/, then the ansible-builder build context in .cache/ee-context
	@rm -f ee/collection/*.tar.gz
	@ansible-galaxy collection build --force --output-path ee/collection .
	@ansible-builder create -f execution-environment.yml -c .cache/ee-context

clean: lab-down ## remove the venv and caches (not the base image)
	rm -rf .venv .cache/collections .cache/ansible-test
