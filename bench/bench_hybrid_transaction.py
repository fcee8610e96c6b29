# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cme_hybrid_transaction: the gax backend (through the lab GAX stand-in) against the configdb backend (direct
PostgreSQL), the same ensure() of one tenant's hybrid_integration object, side by side in one run on a real
PostgreSQL 15: one full module-equivalent cycle each (open/login, read, compare, write when needed, commit, close),
unchanged (the idempotent rerun every site.yml run does) and changed (one value flips each time).
Target: each backend's p95 cycle under 250 ms (CYCLE_BUDGET_MS), unchanged and changed: 20 tenants then cost
under 5 s of a run.

Run: .venv/bin/python bench/bench_hybrid_transaction.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import ROOT, exit_code, target  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(ROOT / ".cache" / "collections"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

import servers  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.engage_exec.recording.plugins.module_utils import _annex  # noqa: E402
from ansible_collections.engage_exec.recording.plugins.module_utils._configdb import ConfigDbBackend  # noqa: E402
from ansible_collections.engage_exec.recording.plugins.module_utils._gax import GaxBackend  # noqa: E402

ROUNDS = 150
CYCLE_BUDGET_MS = 250.0
WHERE = "CfgTransaction 'hybrid_integration' of tenant 'Environment'"


def cycle(make_backend, want):
    backend = make_backend()
    backend.open()
    try:
        result = _annex.ensure(backend, want, False)
        if result["changed"]:
            backend.commit()
        else:
            backend.rollback()
    finally:
        backend.close()
    return result["changed"]


def measure(make_backend, changing):
    times = []
    for i in range(ROUNDS):
        sections = {"agent_state_sync": {"client_id": "bench", "client_secret": "bench-secret",
                                         "agent_polling_interval": str(30 + (i % 2 if changing else 0))}}
        want = {"name": "hybrid_integration", "tenant": "Environment", "folder": None, "purge": False,
                "state": "present", "secret_keys": [], "sections": sections}
        start = time.perf_counter()
        changed = cycle(make_backend, want)
        times.append((time.perf_counter() - start) * 1000)
        assert changed == (changing or i == 0), "unexpected changed=%s in round %d" % (changed, i)
    return times[1:]  # the first round creates the object


def main():
    workdir = Path(tempfile.mkdtemp(prefix="bench-hybrid-"))
    workdir.chmod(0o755)  # initdb runs as postgres
    pg = servers.start_postgres(workdir / "pg")
    gax = None
    try:
        pg.psql("CREATE DATABASE config")
        for sql in sorted((ROOT / "lab" / "configdb").glob("*.sql")):
            subprocess.run(["psql", "-h", pg.host, "-p", str(pg.port), "-U", pg.user, "-d", "config", "-q",
                            "-v", "ON_ERROR_STOP=1", "-f", str(sql)], env=dict(os.environ, PGPASSWORD=pg.password),
                           check=True, capture_output=True)
        port = servers.free_port()
        log = open(workdir / "gax.log", "w")
        gax = subprocess.Popen([sys.executable, str(ROOT / "lab" / "gax" / "gax_server.py"), "--dsn",
                                pg.dsn("config"), "--port", str(port), "--quiet"],
                               env=dict(os.environ, GAX_LAB_PASSWORD="bench-gax"), stdout=log,
                               stderr=subprocess.STDOUT)
        servers.wait_port("127.0.0.1", port, proc=gax)
        conn = {"host": pg.host, "port": pg.port, "dbname": "config", "user": pg.user, "password": pg.password,
                "sslmode": "disable", "connect_timeout": 10}

        def make_gax():
            return GaxBackend("http://127.0.0.1:%d" % port, "gaxadmin", "bench-gax", WHERE)

        def make_db():
            return ConfigDbBackend(conn, WHERE)

        rows = []
        for label, changing in (("unchanged (idempotent rerun)", False), ("changed (one value flips)", True)):
            pg.psql("DELETE FROM cfg_flex_prop; DELETE FROM cfg_transaction WHERE name = 'hybrid_integration'",
                    "config")
            g = measure(make_gax, changing)
            pg.psql("DELETE FROM cfg_flex_prop; DELETE FROM cfg_transaction WHERE name = 'hybrid_integration'",
                    "config")
            d = measure(make_db, changing)
            rows.append((label, statistics.median(g), sorted(g)[int(len(g) * 0.95)], statistics.median(d),
                         sorted(d)[int(len(d) * 0.95)]))
        print("cme_hybrid_transaction backends, %d cycles each (open/login, read, compare, write, close), ms" % ROUNDS)
        print("%-30s %12s %10s %15s %10s %14s" % ("case", "gax median", "gax p95", "configdb median", "db p95",
                                                  "gax/configdb"))
        for label, gm, gp, dm, dp in rows:
            print("%-30s %12.1f %10.1f %15.1f %10.1f %13.1fx" % (label, gm, gp, dm, dp, gm / dm))
        for label, gm, gp, dm, dp in rows:
            for backend, p95 in (("gax", gp), ("configdb", dp)):
                target("%s p95, %s" % (backend, label.split(" (")[0]), "%.1f ms" % p95, "< %.0f ms" % CYCLE_BUDGET_MS,
                       p95 < CYCLE_BUDGET_MS)
    finally:
        if gax is not None and gax.poll() is None:
            gax.terminate()
            gax.wait(10)
        pg.stop()
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
