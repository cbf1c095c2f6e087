# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""AWX content of extensions/awx/controller.yml: workflow nodes for awx.awx, and the checks
AWX itself makes of survey specs and credential types (awx/api/views survey validation and
awx/main/fields.py CredentialTypeInputField), so a mistake is found before an AWX refuses it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

APPROVE = "approve"
# AWX's question types and the Python type a default must have (awx/main/constants.py)
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                "integer": int, "float": (float, int)}
FIELD_ID = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")
FIELD_KEYS = {"type", "format", "choices", "id", "label", "help_text", "multiline", "secret", "ask_at_runtime", "default"}


def workflow_nodes(steps, prefix, organization, approval_name, approval_timeout):
    """The ``workflow_nodes`` option of the workflow_job_template module (collection awx.awx),
    running ``steps`` one after another, each on the success of the one before. A step is a job template name (given ``prefix``) or
    ``approve`` (an approval node named ``approval_name``)."""
    nodes = []
    for index, step in enumerate(steps):
        identifier = "%02d-%s" % (index + 1, re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-"))
        if step == APPROVE:
            template = {"name": approval_name, "type": "workflow_approval", "timeout": approval_timeout,
                        "description": "Approve to go on"}
        else:
            template = {"name": prefix + step, "type": "job_template", "organization": {"name": organization}}
        nodes.append({"identifier": identifier, "unified_job_template": template,
                      "related": {"success_nodes": [], "failure_nodes": [], "always_nodes": []}})
    for node, following in zip(nodes, nodes[1:]):
        node["related"]["success_nodes"].append({"identifier": following["identifier"]})
    return nodes


def survey_errors(name, questions):
    """What AWX would refuse in the survey of job template ``name`` (empty when it accepts it)."""
    errors, seen = [], set()
    if not isinstance(questions, list) or not questions:
        return ["%s: a survey needs at least one question" % name]
    for index, question in enumerate(questions):
        where = "%s: survey question %d" % (name, index)
        if not isinstance(question, dict):
            errors.append("%s is not a mapping" % where)
            continue
        for key in ("type", "question_name", "variable", "required"):
            expected = bool if key == "required" else str
            if key not in question:
                errors.append("%s: %s is missing" % (where, key))
            elif not isinstance(question[key], expected):
                errors.append("%s: %s must be a %s" % (where, key, expected.__name__))
        variable, kind = question.get("variable"), question.get("type")
        if variable in seen:
            errors.append("%s: variable %s is asked twice" % (where, variable))
        seen.add(variable)
        if kind not in SURVEY_TYPES:
            errors.append("%s: type %r is not one of %s" % (where, kind, ", ".join(sorted(SURVEY_TYPES))))
            continue
        default = question.get("default", "")
        if default != "" and not isinstance(default, SURVEY_TYPES[kind]) or isinstance(default, bool):
            errors.append("%s: default %r is not a valid %s answer" % (where, default, kind))
        for key in ("min", "max"):
            if question.get(key) is not None and (not isinstance(question[key], int) or isinstance(question[key], bool)):
                errors.append("%s: %s must be an integer" % (where, key))
        if kind in ("multiplechoice", "multiselect"):
            choices = question.get("choices")
            if not choices:
                errors.append("%s: a %s question needs choices" % (where, kind))
                continue
            choices = choices.splitlines() if isinstance(choices, str) else list(choices)
            defaults = [item for item in (default.splitlines() if isinstance(default, str) else default) if item.strip()]
            if kind == "multiplechoice" and len(defaults) > 1:
                errors.append("%s: a multiplechoice question has one default" % where)
            if any(item not in choices for item in defaults):
                errors.append("%s: default %r is not among the choices %s" % (where, default, choices))
        if isinstance(default, str) and default.startswith("$encrypted$"):
            errors.append("%s: $encrypted$ is reserved" % where)
        if question.get("required") and kind != "password" and "default" in question and default == "":
            errors.append("%s: a required question with an empty default (leave the default out)" % where)
    return errors


def credential_type_errors(credential_type):
    """What AWX would refuse in a custom credential type's inputs and injectors."""
    errors = []
    inputs = credential_type.get("inputs") or {}
    if set(inputs) - {"fields", "required"}:
        errors.append("inputs: unknown keys %s" % sorted(set(inputs) - {"fields", "required"}))
    ids = []
    for index, field in enumerate(inputs.get("fields") or []):
        where = "inputs.fields[%d]" % index
        for key in ("id", "label"):
            if not isinstance(field.get(key), str):
                errors.append("%s: %s is required (a string)" % (where, key))
        unknown = set(field) - FIELD_KEYS
        if unknown:
            errors.append("%s: unknown keys %s" % (where, sorted(unknown)))
        field_id = field.get("id", "")
        if not FIELD_ID.match(str(field_id)):
            errors.append("%s: %r is an invalid variable name" % (where, field_id))
        if field_id == "tower":
            errors.append("%s: tower is a reserved field name" % where)
        if field_id in ids:
            errors.append("%s: field ids must be unique (%s)" % (where, field_id))
        ids.append(field_id)
        if field.get("type", "string") not in ("string", "boolean"):
            errors.append("%s: type must be string or boolean" % where)
        for key in ("multiline", "secret", "ask_at_runtime"):
            if key in field and not isinstance(field[key], bool):
                errors.append("%s: %s must be a boolean" % (where, key))
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}[field.get("type", "string")]):
            errors.append("%s: default %r is not a %s" % (where, field["default"], field.get("type", "string")))
    for name in inputs.get("required") or []:
        if name not in ids:
            errors.append("inputs.required: %s is not a field" % name)
    injectors = credential_type.get("injectors") or {}
    for kind, entries in injectors.items():
        if kind not in ("env", "extra_vars", "file"):
            errors.append("injectors: unknown kind %s" % kind)
            continue
        for key, template in (entries or {}).items():
            for used in re.findall(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)", str(template)):
                if used not in ids and used != "tower":
                    errors.append("injectors.%s.%s: %s is not a field" % (kind, key, used))
    return errors
