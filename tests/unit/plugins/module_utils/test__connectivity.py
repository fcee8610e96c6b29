# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import socket
import ssl
import threading
import time

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils import _connectivity as c


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_listener():
    """Accepts connections (kernel backlog) but never answers a byte."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1024)
    yield s.getsockname()[1]
    s.close()


def test_bad_rows_are_all_named():
    checks, problems = c.normalize_checks([
        {"name": "a", "host": "h", "port": 1, "protocol": "udp"},
        {"name": "b", "host": "h", "port": 70000},
        {"name": "c", "host": " ", "port": 80},
        {"name": "d", "host": "h", "port": 80, "timeout": -1},
        {"host": "x", "protocol": "tls"},
        {"name": "a", "host": "h", "port": 2},
    ], 3.0)
    text = "\n".join(problems)
    assert "check 'a': unknown protocol 'udp'" in text
    assert "check 'b': port 70000 is out of range" in text
    assert "check 'c': host is empty" in text
    assert "check 'd': timeout is -1" in text
    assert "check #5 (x:?): port is missing" in text
    assert "name is used twice" in text
    assert len(problems) == 6


def test_defaults_filled():
    checks, problems = c.normalize_checks([{"host": "db", "protocol": "postgres"},
                                           {"host": "r", "protocol": "REDIS", "timeout": 1.5}], 3.0)
    assert problems == []
    assert checks[0]["port"] == 5432 and checks[0]["name"] == "postgres://db:5432" and checks[0]["timeout"] == 3.0
    assert checks[1]["protocol"] == "redis" and checks[1]["port"] == 6379 and checks[1]["timeout"] == 1.5
    assert checks[0]["required"] is True and checks[0]["path"] == "/" and checks[0]["method"] == "GET"


def test_negative_module_timeout_refused():
    dummy, problems = c.normalize_checks([], -1)
    assert problems and "timeout is -1" in problems[0]


@pytest.mark.parametrize("exc, reason", [
    (socket.gaierror(-2, "Name or service not known"), "dns"),
    (ConnectionRefusedError(111, "refused"), "refused"),
    (socket.timeout("timed out"), "timeout"),
    (ConnectionResetError(104, "reset"), "reset"),
    (OSError(113, "No route to host"), "unreachable"),
    (ssl.SSLError(1, "wrong version"), "tls"),
])
def test_oserror_classes(exc, reason):
    assert c._classify_oserror(exc, c._Deadline(1.0)).reason == reason


def test_tcp_ok_refused_and_timeout(silent_listener):
    closed = _closed_port()
    checks, dummy = c.normalize_checks([
        {"name": "up", "host": "127.0.0.1", "port": silent_listener},
        {"name": "down", "host": "127.0.0.1", "port": closed},
        {"name": "slow", "host": "127.0.0.1", "port": silent_listener, "protocol": "tls", "timeout": 0.5},
        {"name": "http-slow", "host": "127.0.0.1", "port": silent_listener, "protocol": "http", "timeout": 0.5},
    ], 2.0)
    rows = {r["name"]: r for r in c.run_checks(checks)}
    assert rows["up"]["ok"] and rows["up"]["reason"] is None
    assert not rows["down"]["ok"] and rows["down"]["reason"] == "refused"
    assert rows["slow"]["reason"] == "timeout" and 450 <= rows["slow"]["elapsed_ms"] < 1500
    assert rows["http-slow"]["reason"] == "timeout"


def test_concurrent_total_is_about_the_slowest(silent_listener):
    rows = [{"name": "t%d" % i, "host": "127.0.0.1", "port": silent_listener, "protocol": "tls"} for i in range(20)]
    checks, dummy = c.normalize_checks(rows, 0.5)
    start = time.monotonic()
    rows = c.run_checks(checks, concurrency=32)
    took = time.monotonic() - start
    assert all(r["reason"] == "timeout" for r in rows)
    assert took < 4, took  # sequentially it would be 10 s (generous: the test machine may be busy)


def test_thousand_rows_bounded_threads(monkeypatch):
    closed = _closed_port()
    peak = [0]
    lock = threading.Lock()
    running = [0]
    real = c.PROBES["tcp"]

    def counting(check, deadline, warn_days):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            return real(check, deadline, warn_days)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setitem(c.PROBES, "tcp", counting)
    checks, problems = c.normalize_checks([{"host": "127.0.0.1", "port": closed, "name": "r%d" % i}
                                           for i in range(1000)], 1.0)
    assert problems == []
    before = threading.active_count()
    start = time.monotonic()
    rows = c.run_checks(checks, concurrency=16)
    assert time.monotonic() - start < 20
    assert len(rows) == 1000 and [r["name"] for r in rows] == ["r%d" % i for i in range(1000)]
    assert all(r["reason"] == "refused" for r in rows)
    assert 1 <= peak[0] <= 16
    assert threading.active_count() <= before + 1  # the pool is gone afterwards


def test_failure_table_is_readable():
    rows = [
        {"name": "excs->redis", "host": "redis.example.com", "port": 6379, "protocol": "redis", "ok": False,
         "required": True, "reason": "timeout", "error": "no answer within 3.0 s"},
        {"name": "ok", "host": "h", "port": 1, "protocol": "tcp", "ok": True, "required": True, "reason": None,
         "error": None},
        {"name": "gc", "host": "api", "port": 443, "protocol": "https", "ok": False, "required": False,
         "reason": "tls_verify", "error": "certificate not trusted: certificate has expired"},
    ]
    table = c.failure_table(rows).splitlines()
    assert table[0].split() == ["check", "target", "proto", "reason", "detail"]
    assert set(table[1].replace(" ", "")) == {"-"}
    assert "excs->redis" in table[2] and "redis.example.com:6379" in table[2] and "timed out" in table[2]
    assert "gc (optional)" in table[3] and "TLS verify failed" in table[3]
    assert len(table) == 4  # the passing row is not listed
    assert c.failure_table(rows[1:2]) == ""


def test_unknown_exception_becomes_a_row(monkeypatch):
    def boom(check, deadline, warn_days):
        raise RuntimeError("surprise")
    monkeypatch.setitem(c.PROBES, "tcp", boom)
    checks, dummy = c.normalize_checks([{"host": "h", "port": 1}], 1.0)
    row = c.run_check(checks[0])
    assert row["ok"] is False and row["reason"] == "error" and "RuntimeError: surprise" in row["error"]
