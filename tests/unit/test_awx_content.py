# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""extensions/awx/controller.yml, the AWX content as code: held to the rules AWX itself applies
to surveys and credential types (module_utils/awx_content.py, whose own cases are here too), and
to the project: every secret of the collection in the credential type, every job template's
playbook present and reading its survey variables, every workflow step and schedule naming a
job template."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.onprem.coder.plugins.module_utils.awx_content import (
    credential_type_errors, survey_errors, workflow_nodes)
from ansible_collections.onprem.coder.plugins.module_utils.site_checks import SECRETS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Loader(yaml.SafeLoader):
    """Reads Ansible's !unsafe (a string Ansible must not template) as the string it is."""


Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


@pytest.fixture(scope="module")
def content():
    with open(os.path.join(ROOT, "extensions", "awx", "controller.yml")) as handle:
        return yaml.load(handle, Loader=Loader)


def read(path):
    with open(os.path.join(ROOT, path)) as handle:
        return handle.read()


def playbook_text(path, seen=None):
    """A playbook's text with the playbooks it imports and every file of the roles it names."""
    seen = seen if seen is not None else set()
    if path in seen or not os.path.exists(os.path.join(ROOT, path)):
        return ""
    seen.add(path)
    text = read(path)
    parts = [text]
    for imported in re.findall(r"import_playbook:\s*(\S+)", text):
        parts.append(playbook_text(os.path.normpath(os.path.join(os.path.dirname(path), imported)), seen))
    for role in set(re.findall(r"onprem\.coder\.([a-z_]+)", text)):
        folder = os.path.join(ROOT, "roles", role)
        for base, dirs, files in os.walk(folder):
            parts.extend(read(os.path.join(base, name)) for name in files if name.endswith((".yml", ".j2")))
    return "\n".join(parts)


def test_every_survey_passes_awx_rules(content):
    errors = []
    for template in content["awx_job_templates"]:
        if "survey" in template:
            errors += survey_errors(template["name"], template["survey"])
    assert errors == []


def test_destructive_operations_ask_for_their_confirmation_without_a_default(content):
    by_name = dict((t["name"], t) for t in content["awx_job_templates"])
    for name, variable in [("db restore", "onprem_coder_restore_confirm"), ("db remove member", "onprem_coder_db_remove_confirm"),
                           ("k8s remove node", "onprem_coder_remove_confirm")]:
        question = [q for q in by_name[name]["survey"] if q["variable"] == variable]
        assert len(question) == 1 and question[0]["required"] is True and "default" not in question[0], (name, question)


def test_the_credential_type_passes_awx_rules_and_holds_every_secret(content):
    credential_type = content["awx_credential_type"]
    assert credential_type_errors(credential_type) == []
    fields = [field["id"] for field in credential_type["inputs"]["fields"]]
    assert sorted(fields) == sorted(SECRETS)
    assert all(field["secret"] is True for field in credential_type["inputs"]["fields"])
    assert credential_type["injectors"]["extra_vars"] == dict((name, "{{ %s }}" % name) for name in fields)


def test_every_job_template_runs_a_playbook_that_reads_its_survey_variables(content):
    names = [template["name"] for template in content["awx_job_templates"]]
    assert len(names) == len(set(names))
    for template in content["awx_job_templates"]:
        assert os.path.isfile(os.path.join(ROOT, template["playbook"])), template
        text = playbook_text(template["playbook"])
        for question in template.get("survey", []):
            assert re.search(r"\b%s\b" % question["variable"], text), (template["name"], question["variable"])


def test_the_issue_s_playbooks_all_have_a_job_template(content):
    playbooks = set(template["playbook"] for template in content["awx_job_templates"])
    for name in ("plan", "preflight", "db_backup", "db_switchover", "db_restore", "db_replace_node", "k8s_add_node",
                 "k8s_remove_node", "k8s_upgrade", "coder", "database", "kubernetes", "proxies", "observability"):
        assert "playbooks/%s.yml" % name in playbooks, name
    assert "site.yml" in playbooks


def test_workflows_and_schedules_name_job_templates_and_approvals_guard_every_risky_one(content):
    names = set(template["name"] for template in content["awx_job_templates"])
    for workflow in content["awx_workflows"]:
        assert set(workflow["steps"]) - {"approve"} <= names, workflow
    guarded = set(w["steps"][w["steps"].index("approve") + 1] for w in content["awx_workflows"] if "approve" in w["steps"])
    assert {"db restore", "db remove member", "k8s remove node", "k8s upgrade", "coder upgrade", "db switchover"} <= guarded
    deploy = [w for w in content["awx_workflows"] if w["name"] == "deploy"][0]["steps"]
    assert deploy == ["plan", "preflight", "approve", "database", "kubernetes", "coder", "proxies", "observability"]
    by_name = dict((t["name"], t) for t in content["awx_job_templates"])
    for schedule in content["awx_schedules"]:
        template = by_name[schedule["job_template"]]
        assert re.match(r"^DTSTART:\d{8}T\d{6}Z RRULE:FREQ=DAILY;INTERVAL=1$", schedule["rrule"]), schedule
        asked = set(q["variable"] for q in template.get("survey", []))
        assert set(schedule.get("extra_data", {})) <= asked, schedule
    drift = by_name[[s for s in content["awx_schedules"] if s["name"] == "nightly drift report"][0]["job_template"]]
    assert drift["playbook"] == "site.yml" and drift["job_type"] == "check" and drift["diff_mode"] is True


def test_workflow_nodes_chain_each_step_on_the_success_of_the_one_before():
    nodes = workflow_nodes(["plan", "approve", "database"], "dc1 | ", "Default", "dc1 | approve", 600)
    assert [n["identifier"] for n in nodes] == ["01-plan", "02-approve", "03-database"]
    assert nodes[0]["unified_job_template"] == {"name": "dc1 | plan", "type": "job_template", "organization": {"name": "Default"}}
    assert nodes[1]["unified_job_template"]["type"] == "workflow_approval" and nodes[1]["unified_job_template"]["timeout"] == 600
    assert [n["related"]["success_nodes"] for n in nodes] == [[{"identifier": "02-approve"}], [{"identifier": "03-database"}], []]


@pytest.mark.parametrize("question,error", [
    ({"type": "text", "question_name": "q", "variable": "v"}, "required is missing"),
    ({"type": "text", "question_name": "q", "variable": "v", "required": "yes"}, "required must be a bool"),
    ({"type": "date", "question_name": "q", "variable": "v", "required": False}, "type 'date' is not one of"),
    ({"type": "integer", "question_name": "q", "variable": "v", "required": False, "default": "5"}, "not a valid integer answer"),
    ({"type": "text", "question_name": "q", "variable": "v", "required": False, "max": "9"}, "max must be an integer"),
    ({"type": "multiplechoice", "question_name": "q", "variable": "v", "required": False}, "needs choices"),
    ({"type": "multiplechoice", "question_name": "q", "variable": "v", "required": False, "choices": ["a", "b"],
      "default": "c"}, "not among the choices"),
    ({"type": "multiplechoice", "question_name": "q", "variable": "v", "required": False, "choices": ["a", "b"],
      "default": "a\nb"}, "has one default"),
    ({"type": "text", "question_name": "q", "variable": "v", "required": False, "default": "$encrypted$x"}, "reserved"),
    ({"type": "text", "question_name": "q", "variable": "v", "required": True, "default": ""}, "empty default"),
])
def test_a_survey_awx_would_refuse_is_refused(question, error):
    errors = survey_errors("t", [question])
    assert any(error in message for message in errors), errors


def test_a_variable_asked_twice_and_an_empty_survey_are_refused():
    question = {"type": "text", "question_name": "q", "variable": "v", "required": False}
    assert any("asked twice" in e for e in survey_errors("t", [question, dict(question)]))
    assert survey_errors("t", []) == ["t: a survey needs at least one question"]
    assert survey_errors("t", [question, {"type": "float", "question_name": "f", "variable": "w", "required": False,
                                          "default": 2}]) == []


@pytest.mark.parametrize("credential_type,error", [
    ({"inputs": {"fields": [{"id": "1bad", "label": "x"}]}}, "invalid variable name"),
    ({"inputs": {"fields": [{"id": "tower", "label": "x"}]}}, "reserved"),
    ({"inputs": {"fields": [{"id": "a", "label": "x"}, {"id": "a", "label": "y"}]}}, "unique"),
    ({"inputs": {"fields": [{"id": "a"}]}}, "label is required"),
    ({"inputs": {"fields": [{"id": "a", "label": "x", "type": "integer"}]}}, "string or boolean"),
    ({"inputs": {"fields": [{"id": "a", "label": "x", "secrets": True}]}}, "unknown keys"),
    ({"inputs": {"fields": [{"id": "a", "label": "x", "type": "boolean", "default": "yes"}]}}, "is not a boolean"),
    ({"inputs": {"fields": [{"id": "a", "label": "x"}], "required": ["b"]}}, "b is not a field"),
    ({"inputs": {"fields": [{"id": "a", "label": "x"}]}, "injectors": {"extra_vars": {"v": "{{ b }}"}}}, "b is not a field"),
    ({"inputs": {"fields": [{"id": "a", "label": "x"}]}, "injectors": {"vars": {}}}, "unknown kind"),
])
def test_a_credential_type_awx_would_refuse_is_refused(credential_type, error):
    errors = credential_type_errors(credential_type)
    assert any(error in message for message in errors), errors
