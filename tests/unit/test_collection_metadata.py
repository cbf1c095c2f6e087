# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The collection's ecosystem metadata agrees with its code: every collection a role, playbook
or plugin calls is a dependency in galaxy.yml, with the range collections/requirements.yml gives
AWX; the ranges admit the versions the pinned tool chain installs; requires_ansible admits the
pinned ansible-core and what the dependencies need; nothing an AWX credential needs is narrowed
in ansible.cfg; the execution environment metadata names files that exist."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import configparser
import json
import os
import re

import yaml
from ansible.module_utils.compat.version import LooseVersion

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# collections used only by the built-in lab (tests/lab) or the tests, never by a site's run
TEST_ONLY = {"containers.podman"}
FQCN = re.compile(r"\b([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\.[a-z][a-z0-9_]+\b")


def load(path):
    with open(os.path.join(ROOT, path)) as handle:
        return yaml.safe_load(handle)


def used_collections():
    """Every collection (namespace.name) whose plugin a role, playbook or plugin calls by FQCN:
    the community, kubernetes, containers and awx namespaces, and ansible's own collections
    other than ansible.builtin (ansible.module_utils... are Python imports, not collections)."""
    found = set()
    for folder in ("roles", "playbooks", "plugins"):
        for base, dirs, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if not name.endswith((".yml", ".yaml", ".py", ".j2")):
                    continue
                with open(os.path.join(base, name)) as handle:
                    # Python imports (kubernetes.client...) are libraries, not collections
                    text = "".join(line for line in handle if not re.match(r"\s*(import|from)\s", line))
                for match in FQCN.finditer(text):
                    collection = match.group(1)
                    if collection.split(".")[0] in ("community", "kubernetes", "containers", "awx") \
                            or collection in ("ansible.posix", "ansible.utils", "ansible.netcommon"):
                        found.add(collection)
    return found


def satisfies(version, spec):
    for clause in spec.split(","):
        match = re.match(r"(>=|<=|==|!=|<|>)(.+)", clause.strip())
        operator, bound = match.groups()
        left, right = LooseVersion(version), LooseVersion(bound)
        if not {">=": left >= right, "<=": left <= right, "==": left == right, "!=": left != right,
                "<": left < right, ">": left > right}[operator]:
            return False
    return True


def pinned_collection_versions():
    """namespace.collection -> version, from the ansible package the tool chain pins."""
    import ansible_collections
    versions = {}
    for path in ansible_collections.__path__:
        for namespace in os.listdir(path):
            folder = os.path.join(path, namespace)
            if not os.path.isdir(folder):
                continue
            for name in os.listdir(folder):
                manifest = os.path.join(folder, name, "MANIFEST.json")
                if os.path.exists(manifest):
                    with open(manifest) as handle:
                        versions["%s.%s" % (namespace, name)] = json.load(handle)["collection_info"]["version"]
    return versions


def test_every_collection_called_is_a_dependency_and_awx_installs_the_same_ranges():
    dependencies = load("galaxy.yml")["dependencies"]
    called = used_collections()
    assert called - TEST_ONLY <= set(dependencies), "called but not a dependency: %s" % sorted(called - set(dependencies))
    assert not (set(dependencies) & TEST_ONLY), "test-only collections must not be dependencies"
    unused = set(dependencies) - called
    assert not unused, "dependencies nothing calls: %s" % sorted(unused)
    awx = dict((item["name"], item["version"]) for item in load("collections/requirements.yml")["collections"])
    assert awx == dependencies


def test_the_ranges_admit_what_the_pinned_tool_chain_installs():
    versions = pinned_collection_versions()
    for name, spec in load("galaxy.yml")["dependencies"].items():
        assert name in versions, "%s is not in the pinned ansible package" % name
        assert satisfies(versions[name], spec), "%s %s is outside %s" % (name, versions[name], spec)
    assert not satisfies("2.0.0", load("galaxy.yml")["dependencies"]["community.crypto"])


def test_requires_ansible_admits_the_pinned_core_and_what_community_crypto_3_needs():
    from ansible.release import __version__ as core
    spec = load("meta/runtime.yml")["requires_ansible"]
    assert satisfies(core, spec), (core, spec)
    assert not satisfies("2.16.14", spec), "community.crypto 3.x needs ansible-core 2.17 or newer: %s" % spec
    assert satisfies("2.17.0", spec)


def test_the_tool_chain_is_not_named_requirements_txt_and_the_ee_metadata_is_whole():
    assert not os.path.exists(os.path.join(ROOT, "requirements.txt")), \
        "AWX and ansible-builder read requirements.txt as the collection's own needs"
    ee = load("meta/execution-environment.yml")
    assert ee["version"] == 1
    for kind in ("python", "system"):
        path = os.path.join(ROOT, ee["dependencies"][kind])
        assert os.path.isfile(path), path
        with open(path) as handle:
            entries = [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]
        assert entries, "%s lists nothing" % path
        assert not any(re.search(r"==|ansible-core|^ansible\b", entry) for entry in entries), entries


def test_ansible_cfg_leaves_authentication_to_the_credential():
    config = configparser.ConfigParser(interpolation=None)
    config.read(os.path.join(ROOT, "ansible.cfg"))
    ssh_args = config.get("ssh_connection", "ssh_args", fallback="")
    assert "PreferredAuthentications" not in ssh_args and "IdentityFile" not in ssh_args, ssh_args
    lab = load("inventories/lab/group_vars/lab/connection.yml")
    assert "PreferredAuthentications=publickey" in lab["ansible_ssh_common_args"]


def test_the_coder_action_group_is_every_module_that_talks_to_coder():
    modules = os.path.join(ROOT, "plugins", "modules")
    talking = set()
    for name in os.listdir(modules):
        with open(os.path.join(modules, name)) as handle:
            if "connection_argument_spec()" in handle.read():
                talking.add(name[:-3])
    group = load("meta/runtime.yml")["action_groups"]["coder"]
    assert sorted(group) == sorted(talking) and len(talking) >= 8, (group, talking)
