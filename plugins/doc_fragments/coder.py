# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  url:
    description: Coder's access URL, for example C(https://coder.example.com).
    type: str
    required: true
  token:
    description: A session or API token (C(Coder-Session-Token)); never logged.
    type: str
  ca_path:
    description: CA bundle that signed Coder's certificate.
    type: path
  validate_certs:
    description: Verify Coder's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds per HTTP request; connection errors and HTTP 502/503/504 are retried 3 times with backoff.
    type: int
    default: 30
attributes:
  action_group:
    description: The connection options can be set once for every Coder module with C(module_defaults) and C(group/onprem.coder.coder).
    support: full
    membership:
      - onprem.coder.coder
notes:
  - Errors name the call (for example C(POST /api/v2/users/first)), the HTTP status and what it means.
"""

    # Every Coder module except coder_users (which reports roles before and after) has nothing
    # to diff: extends_documentation_fragment onprem.coder.coder.no_diff
    NO_DIFF = r"""
attributes:
  diff_mode:
    support: none
    description: Nothing to diff; the result says what was or would be done.
"""
