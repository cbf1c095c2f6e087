#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: site_health
short_description: The whole site's health in one table, from what the health play read
version_added: 0.1.0
description:
  - Judges the readings C(playbooks/health.yml) collected without changing anything - Patroni's C(/cluster) from
    each member, the leader's C(pg_stat_archiver), C(etcdctl endpoint health), HAProxy's stats, C(pgbackrest info),
    the dates of every certificate the collection issued, the Kubernetes nodes and Coder's C(/api/v2/debug/health)
    - and returns one row per item with V(ok), V(warn), V(fail) or V(skipped).
  - Catches the quiet failures - WAL archiving failing while Patroni reports a healthy cluster, a replica lagging,
    a backup older than its schedule, a certificate near its end.
  - Writes C(health.md) and C(health.json) to O(report_dir) and fails, listing the failed rows, when one fails.
author:
  - onprem.coder maintainers (@onprem-coder)
attributes:
  check_mode:
    support: full
    description: Judges and writes the report in check mode too; it changes no host.
  diff_mode:
    support: none
    description: Nothing changes.
options:
  patroni:
    description: Host to its Patroni C(/cluster) reading (null when it did not answer).
    type: dict
    default: {}
  postgres_hosts:
    description: The inventory's postgres hosts.
    type: list
    elements: str
    default: []
  archiver:
    description: The leader's C(pg_stat_archiver) row.
    type: dict
  etcd:
    description: Host to its C(etcdctl endpoint health --cluster -w json) reading.
    type: dict
    default: {}
  etcd_hosts:
    description: The inventory's etcd members.
    type: list
    elements: str
    default: []
  haproxy:
    description: HAProxy host to its stats CSV.
    type: dict
    default: {}
  backups:
    description: C(pgbackrest --output=json info) of the stanza.
    type: list
    elements: dict
  certificates:
    description: Host to the C(not_after) date of each certificate the collection issued there, by path.
    type: dict
    default: {}
  nodes:
    description: The Kubernetes Node objects; omit when the cluster was not read.
    type: list
    elements: dict
  expected_nodes:
    description: Node name to the C(labels) and C(taints) its pool declares.
    type: dict
    default: {}
  coder_health:
    description: Coder's C(/api/v2/debug/health) report; omit when Coder was not read.
    type: dict
  not_read:
    description: Why a part was not read (C(kubernetes), C(coder)), shown in its skipped row.
    type: dict
    default: {}
  limits:
    description:
      - C(max_lag_bytes), C(archive_max_age_hours), C(full_backup_max_age_hours), C(backup_max_age_hours),
        C(certificate_warn_days), C(certificate_fail_days).
    type: dict
    default: {}
  report_dir:
    description: Where health.md and health.json are written.
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Health | The table
  onprem.coder.site_health:
    patroni: {pg1: "{{ cluster_json }}"}
    postgres_hosts: [pg1, pg2, pg3]
    report_dir: /srv/site/.output
"""

RETURN = r"""
rows:
  description: One row per item, C({component, item, state, detail}).
  returned: always
  type: list
  elements: dict
healthy:
  description: No row failed.
  returned: always
  type: bool
table:
  description: The rows as text lines.
  returned: always
  type: list
  elements: str
"""

import datetime
import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.onprem.coder.plugins.module_utils import health

LIMITS = {"max_lag_bytes": 16 * 2 ** 20, "archive_max_age_hours": 24, "full_backup_max_age_hours": 192,
          "backup_max_age_hours": 26, "certificate_warn_days": 30, "certificate_fail_days": 7}


def judge(params, now):
    limits = dict(LIMITS)
    limits.update(dict((key, value) for key, value in (params["limits"] or {}).items() if value is not None))
    rows = []
    if params["postgres_hosts"]:
        rows += health.patroni(params["patroni"], params["postgres_hosts"], int(limits["max_lag_bytes"]),
                               synchronous=len(params["postgres_hosts"]) > 1)
        rows += health.archiving(params["archiver"], now, float(limits["archive_max_age_hours"]))
        rows += health.etcd(params["etcd"], params["etcd_hosts"])
        rows += health.haproxy(params["haproxy"], len(params["postgres_hosts"]))
        rows += health.backups(params["backups"], now, float(limits["full_backup_max_age_hours"]),
                               float(limits["backup_max_age_hours"]))
    rows += health.certificates(params["certificates"], now, float(limits["certificate_warn_days"]),
                                float(limits["certificate_fail_days"]))
    rows += health.kubernetes(params["nodes"], params["expected_nodes"], (params["not_read"] or {}).get("kubernetes"))
    rows += health.coder(params["coder_health"], (params["not_read"] or {}).get("coder"))
    return rows


def main():
    module = AnsibleModule(
        argument_spec=dict(
            patroni=dict(type="dict", default={}),
            postgres_hosts=dict(type="list", elements="str", default=[]),
            archiver=dict(type="dict"),
            etcd=dict(type="dict", default={}),
            etcd_hosts=dict(type="list", elements="str", default=[]),
            haproxy=dict(type="dict", default={}),
            backups=dict(type="list", elements="dict"),
            certificates=dict(type="dict", default={}),
            nodes=dict(type="list", elements="dict"),
            expected_nodes=dict(type="dict", default={}),
            coder_health=dict(type="dict"),
            not_read=dict(type="dict", default={}),
            limits=dict(type="dict", default={}),
            report_dir=dict(type="path", required=True),
        ),
        supports_check_mode=True,
    )
    try:
        rows = judge(module.params, datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None))
    except (ValueError, KeyError, TypeError) as error:
        module.fail_json(msg="site_health: a reading could not be read: %s" % error)
    lines = health.table(rows)
    ok = health.healthy(rows)
    if not os.path.isdir(module.params["report_dir"]):
        os.makedirs(module.params["report_dir"])
    with open(os.path.join(module.params["report_dir"], "health.md"), "w") as handle:
        handle.write("# Site health\n\n```\n%s\n```\n" % "\n".join(lines))
    with open(os.path.join(module.params["report_dir"], "health.json"), "w") as handle:
        json.dump({"healthy": ok, "rows": rows}, handle, indent=2, sort_keys=True)
    result = dict(changed=False, rows=rows, healthy=ok, table=lines)
    if not ok:
        failed = ["%s %s: %s" % (item["component"], item["item"], item["detail"]) for item in rows if item["state"] == "fail"]
        module.fail_json(msg="the site is unhealthy: %s" % "; ".join(failed), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
