# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Every filter of the collection has its documentation (plugins/filter/<name>.yml, what
`ansible-doc -t filter onprem.coder.<name>` shows), and it documents the filter's real
arguments: a renamed or added argument without its documentation fails here."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml

FILTER_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "filter")
MODULES = sorted(name[:-3] for name in os.listdir(FILTER_DIR) if name.endswith(".py") and name != "__init__.py")


SIGNATURES = """
import importlib, inspect, json, sys
found = []
for module in sys.argv[1:]:
    plugin = importlib.import_module("ansible_collections.onprem.coder.plugins.filter." + module)
    for name, function in sorted(plugin.FilterModule().filters().items()):
        found.append([module, name, [[p.name, str(p.kind), p.default is p.empty] for p in inspect.signature(function).parameters.values()]])
print(json.dumps(found))
"""


def filters():
    """[module, name, [[parameter, kind, required], ...]] of every filter. Read in a separate
    interpreter: importing the controller-side filter plugins here would change how the
    in-process module tests collect their warnings."""
    out = subprocess.run([sys.executable, "-c", SIGNATURES] + MODULES, stdout=subprocess.PIPE, check=True,
                         universal_newlines=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))).stdout
    return [tuple(item) for item in json.loads(out)]


def test_every_documentation_file_belongs_to_a_filter():
    names = set(name for _module, name, _parameters in filters())
    files = set(name[:-4] for name in os.listdir(FILTER_DIR) if name.endswith(".yml"))
    assert files == names
    assert len(names) >= 50


@pytest.mark.parametrize("module,name,parameters", filters(), ids=lambda value: value if isinstance(value, str) else "")
def test_each_filter_documents_its_input_arguments_example_and_result(module, name, parameters):
    with open(os.path.join(FILTER_DIR, name + ".yml")) as handle:
        docs = yaml.safe_load(handle)
    doc = docs["DOCUMENTATION"]
    assert doc["name"] == name
    assert len(doc["short_description"]) >= 15 and doc["description"]
    options = doc["options"]
    assert options["_input"]["required"] is True and len(options["_input"]["description"]) >= 10
    named = [p_name for p_name, kind, _required in parameters[1:] if kind == "POSITIONAL_OR_KEYWORD"]
    assert [key for key in options if key != "_input" and key in named] == named, "documented in the order of the signature"
    if not any(kind == "VAR_KEYWORD" for _name, kind, _required in parameters):
        assert set(options) == set(["_input"] + named)
    for p_name, kind, required in parameters[1:]:
        if kind == "POSITIONAL_OR_KEYWORD":
            assert options[p_name].get("required", False) == required, p_name
    assert doc.get("positional", "") == ", ".join(named)
    assert "onprem.coder.%s" % name in docs["EXAMPLES"]
    assert docs["RETURN"]["_value"]["description"] and docs["RETURN"]["_value"]["type"]
