# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""Network latency from a Coder host to the database, as TCP connection times.

Coder's Validated Architecture: "Keep latency under 10 ms between the Coder server and the
database." A TCP connect costs one round trip, so its time is the round trip time the
database protocol pays on every exchange. The clock and the connect are injectable for tests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import time


class LatencyError(ValueError):
    pass


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def probe(targets, probes=10, timeout=2.0, connect=socket.create_connection, clock=time.perf_counter):
    """Connect ``probes`` times to the first of ``targets`` ([(host, port)]) that accepts a connection.

    Returns {target, samples_ms, median_ms, worst_ms, failures, tried}; ``target`` is '' when no
    target accepted any connection.
    """
    if int(probes) < 1:
        raise LatencyError("probes: %r, expected at least 1" % (probes,))
    tried = []
    for host, port in targets:
        samples, failures = [], []
        for _attempt in range(int(probes)):
            started = clock()
            try:
                connection = connect((host, int(port)), timeout)
            except (OSError, socket.timeout) as exc:
                failures.append(str(exc) or exc.__class__.__name__)
                if not samples:
                    break            # refused or unreachable at once: the next target
                continue
            samples.append((clock() - started) * 1000.0)
            connection.close()
        tried.append({"target": "%s:%s" % (host, port), "error": failures[0] if failures and not samples else ""})
        if samples:
            return {"target": "%s:%s" % (host, port), "samples_ms": [round(s, 3) for s in samples],
                    "median_ms": round(_median(samples), 3), "worst_ms": round(max(samples), 3),
                    "failures": len(failures), "tried": tried}
    return {"target": "", "samples_ms": [], "median_ms": None, "worst_ms": None, "failures": 0, "tried": tried}


def verdict(results, limit_ms):
    """(rows for a table, problems) from {host: probe result}: a median above ``limit_ms`` or no
    target reached is a problem naming the host and the figure."""
    rows, problems = [], []
    for host in sorted(results):
        result = results[host]
        if not result.get("target"):
            tried = ", ".join("%s (%s)" % (item["target"], item["error"]) for item in result.get("tried", []))
            rows.append((host, "-", "-", "-", "unreachable"))
            problems.append("%s: reached no database address (%s)" % (host, tried or "none given"))
            continue
        ok = result["median_ms"] <= float(limit_ms)
        rows.append((host, result["target"], "%.2f" % result["median_ms"], "%.2f" % result["worst_ms"],
                     "ok" if ok else "over %s ms" % limit_ms))
        if not ok:
            figures = (host, result["median_ms"], result["target"], result["worst_ms"], limit_ms)
            problems.append("%s: median %.2f ms to %s (worst %.2f ms), expected at most %s ms "
                            "(onprem_coder_database_latency_limit_ms)" % figures)
    return rows, problems


def table(rows):
    header = ("host", "database address", "median ms", "worst ms", "result")
    widths = [max(len(str(row[i])) for row in [header] + list(rows)) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header] + list(rows)]
    return "\n".join(lines)
