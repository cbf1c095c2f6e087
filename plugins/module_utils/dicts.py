# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Dict helpers shared by the configuration builders (kubeadm documents, Helm values)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy


def merge(base, override):
    """Recursive dict merge; lists and scalars in `override` replace those in `base`."""
    result = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result
