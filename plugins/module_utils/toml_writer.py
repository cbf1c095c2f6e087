# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""A small TOML writer for configuration rendered from dicts (containerd's config.toml and
hosts.toml). Tables become [dotted."headers"], scalars and lists of scalars are inline,
lists of tables are [[arrays]]. Keys are sorted so the output is stable (idempotent runs).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


class TomlError(ValueError):
    pass


def _key(key):
    key = str(key)
    return key if _BARE.match(key) else json.dumps(key)


def _value(value, where):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(item, where) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join("%s = %s" % (_key(k), _value(v, where)) for k, v in sorted(value.items())) + "}"
    raise TomlError("%s: %r cannot be written as TOML" % (where, value))


def _is_table_list(value):
    return isinstance(value, list) and value and all(isinstance(item, dict) for item in value)


def to_toml(data, _path=()):
    if not isinstance(data, dict):
        raise TomlError("a TOML document is a dict, got %r" % (data,))
    lines, tables = [], []
    for key in sorted(data):
        value = data[key]
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append((key, value))
        elif _is_table_list(value):
            tables.append((key, value))
        else:
            lines.append("%s = %s" % (_key(key), _value(value, ".".join(_path + (str(key),)))))
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, value in tables:
        path = _path + (str(key),)
        header = ".".join(_key(part) for part in path)
        if isinstance(value, dict):
            body = to_toml(value, path)
            scalars = [item for item in value.values() if not isinstance(item, dict) and not _is_table_list(item)
                       and item is not None]
            if scalars or not value:
                out += "\n[%s]\n" % header
            out += body if body.startswith("\n") or not body else body
        else:
            for item in value:
                out += "\n[[%s]]\n" % header + to_toml(item, path)
    return out
