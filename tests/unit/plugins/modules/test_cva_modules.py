# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The thin module wrappers, run in-process as Ansible runs them."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.onprem.coder.plugins.modules import cva_host_check, cva_sizing
from ansible_collections.onprem.coder.plugins.module_utils.sizing import size


def run(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def test_sizing_returns_the_plan(capsys):
    result = run(cva_sizing, {"users": 3000, "regions": [{"name": "eu", "users": 800}]}, capsys)
    assert result["changed"] is False
    assert result["plan"]["tier"] == "3k"
    assert result["plan"]["coderd"]["replicas"] == 4
    assert result["plan"]["workspace_proxies"][0]["replicas"] == 3
    assert "no 1k proxy figures" in json.dumps(result["warnings"])


def test_sizing_rejects_bad_input_by_name(capsys):
    result = run(cva_sizing, {"users": 0}, capsys)
    assert result["failed"] is True
    assert result["msg"] == "cva_sizing: users: got 0, expected a number greater than 0"


def test_sizing_names_the_inventory_variable_when_given_a_prefix(capsys):
    result = run(cva_sizing, {"users": 100, "regions": [{"users": 10}], "variable_prefix": "onprem_coder_"}, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("onprem_coder_regions[0].name: got None")


def test_sizing_rejects_unknown_region_keys(capsys):
    result = run(cva_sizing, {"users": 10, "regions": [{"name": "a", "users": 5, "zone": "x"}]}, capsys)
    assert result["failed"] is True
    assert "zone" in result["msg"]


def test_host_check_fails_with_table_when_enforced(capsys):
    plan = size(1000)
    args = {"plan": plan, "groups": {"postgres": ["pg1"]},
            "hosts": {"pg1": {"vcpus": 2, "memory_mb": 4096, "data_mount": {"mount": "/", "free_bytes": 0}}}}
    result = run(cva_host_check, args, capsys)
    assert result["failed"] is True
    assert "postgres: 1 host(s), plan needs 3" in [s["message"] for s in result["shortfalls"]]
    assert "host" in result["msg"] and "pg1" in result["msg"]


def test_host_check_warns_when_relaxed(capsys):
    plan = size(1000)
    args = {"plan": plan, "groups": {"postgres": ["pg1"]}, "hosts": {"pg1": {"vcpus": 2, "memory_mb": 4096}},
            "enforce": False}
    result = run(cva_host_check, args, capsys)
    assert "failed" not in result
    assert result["ok"] is False
    assert "going on" in json.dumps(result["warnings"])


def test_checksum_lock_records_holds_and_refuses(tmp_path, capsys):
    from ansible_collections.onprem.coder.plugins.modules import checksum_lock
    manifest = tmp_path / "calico.yaml"
    manifest.write_text("kind: List\n")
    lock = tmp_path / "checksums.lock.json"
    args = {"path": str(manifest), "key": "https://example.invalid/calico.yaml", "lock_file": str(lock)}
    first = run(checksum_lock, args, capsys)
    assert first["changed"] is True and first["sha256"].startswith("sha256:")
    assert json.loads(lock.read_text()) == {"https://example.invalid/calico.yaml": first["sha256"]}
    assert run(checksum_lock, args, capsys)["changed"] is False
    manifest.write_text("kind: List\nitems: [tampered]\n")
    refused = run(checksum_lock, args, capsys)
    assert refused["failed"] is True and "when it was first fetched" in refused["msg"]
    assert json.loads(lock.read_text()) == {"https://example.invalid/calico.yaml": first["sha256"]}


def test_tcp_latency_measures_the_first_address_that_answers(capsys):
    import socket
    from ansible_collections.onprem.coder.plugins.modules import tcp_latency
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    free = closed.getsockname()[1]
    closed.close()       # nothing listens there: refused at once
    try:
        result = run(tcp_latency, {"targets": ["127.0.0.1:%d" % free, "127.0.0.1:%d" % port], "probes": 3}, capsys)
    finally:
        server.close()
    assert result["changed"] is False
    assert result["target"] == "127.0.0.1:%d" % port and len(result["samples_ms"]) == 3
    assert result["tried"][0]["target"] == "127.0.0.1:%d" % free and result["tried"][0]["error"]
    bad = run(tcp_latency, {"targets": ["no-port"]}, capsys)
    assert bad["failed"] and "expected host:port" in bad["msg"]
