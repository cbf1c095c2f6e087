# onprem.coder developer entry points. Everything installs itself on a fresh Debian 12
# machine as root: system packages, the pinned Python tool chain, the lab image.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's own python3 where there is one: built with profile-guided optimisation, it runs the
# tool chain (Ansible on the controller above all) with about a quarter less CPU than a plain
# source build such as pyenv's (measured: docs/testing.md).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0
LAB_INVENTORY ?= inventories/lab
SYSTEM_PACKAGES := podman runc debootstrap python3-venv git tar uidmap openssh-client nftables
STAMP_SYSTEM := build/.system-ready
STAMP_VENV := $(VENV)/.requirements-installed
PYC_HOOK := $(VENV)/.pyc-hook
# The interpreter a virtual environment was made from, and the one asked for (PYTHON).
REAL_PYTHON = -c 'import os, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))'
VENV_MADE_FROM := $(shell test -x $(BIN)/python && $(BIN)/python $(REAL_PYTHON))
PYTHON_REAL := $(shell $(PYTHON) $(REAL_PYTHON))
# A virtual environment made from another interpreter than PYTHON is made again.
ifneq ($(VENV_MADE_FROM),$(PYTHON_REAL))
$(shell rm -f $(STAMP_VENV))
endif
HELM := $(BIN)/helm

.PHONY: help setup system venv demo test quick lint sanity units molecule lab-up lab-down image helm clean bench database-hosts database-faults ee

help:
	@echo "make demo      set up, start the local lab and deploy site.yml onto it"
	@echo "make test      set up, then the whole test suite in parallel lanes, with a table of times"
	@echo "make quick     lint of what changed beside the tests that need no container and are not slow"
	@echo "make lint | sanity | units | molecule | lab-up | lab-down | bench | database-hosts | database-faults | ee | clean"

setup: $(STAMP_SYSTEM) $(STAMP_VENV) $(PYC_HOOK)
system: $(STAMP_SYSTEM)
venv: $(STAMP_VENV) $(PYC_HOOK)

# System packages (podman with runc: crun refuses this kernel's hybrid cgroup layout).
$(STAMP_SYSTEM):
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "setup: apt-get install $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@mkdir -p /etc/containers build
	@grep -qs '^runtime *= *"runc"' /etc/containers/containers.conf || \
	  printf '[engine]\nruntime = "runc"\n' >> /etc/containers/containers.conf
	@touch $@

$(STAMP_VENV): requirements-dev.txt | $(STAMP_SYSTEM)
	@if [ -n "$(VENV_MADE_FROM)" ] && [ "$(VENV_MADE_FROM)" != "$(PYTHON_REAL)" ]; then \
	  echo "setup: $(VENV) was made from $(VENV_MADE_FROM); making it again from $(PYTHON)"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "setup: pip install -r requirements-dev.txt"
	@$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/ansible --version >/dev/null
	@touch $@

# Module runs on the controller keep their bytecode, as on the lab hosts (the hook is written by
# tests/lab/build-image.sh, its one source; the cache is build/pyc).
$(PYC_HOOK): tests/lab/build-image.sh $(STAMP_VENV)
	@bash tests/lab/build-image.sh --pyc-hook "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" $(CURDIR)/build/pyc
	@touch $@

# The lab image, and the controller's key for lab hosts (tests/lab/tasks/hosts.yml would make
# it too; made here, before make test's lanes start, so that no two lanes race to make it).
# Needs only the system packages, so make test builds it while pip installs the tool chain.
LAB_KEY := $(HOME)/.ssh/onprem-coder-lab_ed25519
image: $(STAMP_SYSTEM)
	@bash tests/lab/build-image.sh
	@test -f $(LAB_KEY) || { mkdir -p -m 700 $(HOME)/.ssh && ssh-keygen -q -t ed25519 -N '' -C onprem-coder-lab -f $(LAB_KEY) && chmod 600 $(LAB_KEY).pub; }

# helm for the render play's tests (helm template needs no cluster); pinned, checked.
$(HELM): tests/get_helm.py | $(STAMP_VENV)
	@$(BIN)/python tests/get_helm.py $(BIN)
	@touch $@

helm: $(HELM)

lab-up: setup image
	@ansible-playbook -i $(LAB_INVENTORY) tests/lab/lab.yml

lab-down: setup
	@ansible-playbook -i $(LAB_INVENTORY) tests/lab/lab.yml -e lab_state=absent

demo: lab-up
	@start=$$(date +%s); \
	ansible-playbook -i $(LAB_INVENTORY) site.yml && \
	$(BIN)/python tests/lab/summary.py $(LAB_INVENTORY)/.output $$(( $$(date +%s) - start ))

lint: setup
	ansible-lint --profile production

sanity: setup
	bash tests/ansible-test.sh sanity

units: setup
	pytest tests/unit

molecule: setup image
	pytest tests -m molecule -n 2
# The long lab tests left out of make test (marker ondemand): the database cluster grown to five
# members and shrunk back under writes (docs/database-hosts.md), on a deployed lab.
database-hosts: setup image
	pytest tests/integration/test_database_hosts.py -m ondemand -s

# The whole database fault suite (tests/lab/faults.py, docs/database-failures.md) on a deployed
# lab: five leader kills, a partition, the repository down, etcd's quorum lost, every member
# killed; its table goes to build/database-faults.md.
database-faults: setup image
	pytest tests/integration/test_database_faults.py -m ondemand -s

# The execution environment (extensions/ee) built with ansible-builder and podman on the lab's
# Debian image, checked, and the plan phase run in it as an AWX job (tests/integration/test_ee_build.py).
ee: setup image helm
	pytest tests/integration/test_ee_build.py -m ondemand -s

# The whole suite (tests/suite.py): set-up, then three lanes side by side - checks (lint,
# sanity, every test without a container), the lab, the Molecule scenarios - and a table of
# the wall time of each stage at the end (also in build/test-logs/stages.md).
test:
	@$(PYTHON) tests/suite.py

# The inner loop: lint of what changed since the main branch (tests/suite.py quick_lint; make lint
# lints everything) beside the unit tests and the playbook tests that need no container and are
# not marked slow (the helm and 3k renders).
quick:
	@$(PYTHON) tests/suite.py --quick

# Wall times the issues ask for (tests/bench/bench.py): plan.yml and the render play's cluster
# model on the 3k sample, then site.yml and each phase again on the lab (started if needed;
# make demo deploys it first).
bench: lab-up $(HELM)
	python tests/bench/bench.py plan
	python tests/bench/bench.py model
	python tests/bench/bench.py lab

clean: lab-down
	rm -rf build .cache tests/output onprem-coder-*.tar.gz
