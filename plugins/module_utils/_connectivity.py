# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Backend of the connectivity_check module (and of host_probe's connectivity part): protocol-aware probes run
concurrently in a bounded thread pool, and the whole check of a table (probe_table).

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import base64
import datetime
import errno
import http.client
import socket
import ssl
import struct
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.engage_exec.recording.plugins.module_utils import _pg
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

PROTOCOLS = ("tcp", "tls", "http", "https", "postgres", "redis")
DEFAULT_PORTS = {"http": 80, "https": 443, "postgres": 5432, "redis": 6379}
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
MAX_CONCURRENCY = 256

# Reason classes of a failing row, and how the failure table spells them.
REASONS = {
    "refused": "refused",
    "timeout": "timed out",
    "dns": "DNS",
    "unreachable": "unreachable",
    "reset": "reset",
    "tls_verify": "TLS verify failed",
    "tls": "TLS error",
    "tls_not_offered": "TLS not offered",
    "wrong_status": "wrong status",
    "auth_failed": "auth failed",
    "protocol": "protocol error",
    "missing_library": "missing library",
    "error": "error",
}

_PG_SSLREQUEST = struct.pack("!ii", 8, 80877103)


class CheckError(Exception):
    """A check failed for a known reason (one of REASONS)."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message


# ------------------------------------------------------------------------------------------------ input
def argument_spec(checks_required):
    """The options of a check table: connectivity_check's but fail_on_error (doc fragment connectivity_checks)."""
    return dict(
        checks=dict(type="list", elements="dict", required=checks_required, options=dict(
            name=dict(type="str"),
            host=dict(type="str", required=True),
            port=dict(type="int"),
            protocol=dict(type="str", default="tcp"),
            timeout=dict(type="float"),
            required=dict(type="bool", default=True),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            server_name=dict(type="str"),
            method=dict(type="str", default="GET"),
            path=dict(type="str", default="/"),
            status_codes=dict(type="list", elements="int"),
            url_username=dict(type="str"),
            url_password=dict(type="str", no_log=True),
            sslmode=dict(type="str", default="prefer"),
            login_user=dict(type="str"),
            login_password=dict(type="str", no_log=True),
            database=dict(type="str", default="postgres"),
            tls=dict(type="bool", default=False),
        )),
        timeout=dict(type="float", default=5.0),
        concurrency=dict(type="int", default=32),
        warn_days=dict(type="int", default=30),
    )


def check_label(check, index):
    """How an error names a check: its name, else its position and target."""
    name = check.get("name") if isinstance(check, dict) else None
    if name:
        return "check '%s'" % name
    host = check.get("host") if isinstance(check, dict) else None
    return "check #%d (%s:%s)" % (index + 1, host or "?", (check or {}).get("port") or "?")


def normalize_checks(checks, default_timeout):
    """Validate and complete the check table. Returns (checks, problems); every problem names its check."""
    problems = []
    out = []
    if default_timeout is None or default_timeout <= 0:
        problems.append("timeout is %s: it must be a positive number of seconds" % default_timeout)
    seen = {}
    for i, raw in enumerate(checks or []):
        label = check_label(raw, i)
        c = dict(raw)
        proto = (c.get("protocol") or "tcp").lower()
        c["protocol"] = proto
        if proto not in PROTOCOLS:
            problems.append("%s: unknown protocol '%s' (use one of: %s)" % (label, proto, ", ".join(PROTOCOLS)))
        host = c.get("host")
        if not isinstance(host, str) or not host.strip():
            problems.append("%s: host is empty: set the name or address to probe" % label)
        else:
            c["host"] = host.strip()
        port = c.get("port")
        if port is None:
            port = DEFAULT_PORTS.get(proto)
        if port is None:
            problems.append("%s: port is missing: protocol '%s' has no default port" % (label, proto))
        elif not 1 <= int(port) <= 65535:
            problems.append("%s: port %s is out of range (1-65535)" % (label, port))
        c["port"] = port
        timeout = c.get("timeout")
        if timeout is None:
            timeout = default_timeout
        elif timeout <= 0:
            problems.append("%s: timeout is %s: it must be a positive number of seconds" % (label, timeout))
        c["timeout"] = timeout
        sslmode = c.get("sslmode") or "prefer"
        if sslmode not in SSLMODES:
            problems.append("%s: sslmode '%s' is not one of %s" % (label, sslmode, ", ".join(SSLMODES)))
        c["sslmode"] = sslmode
        for key in ("status_codes",):
            for code in c.get(key) or []:
                if not 100 <= int(code) <= 599:
                    problems.append("%s: status code %s is not an HTTP status (100-599)" % (label, code))
        if not c.get("name"):
            c["name"] = "%s://%s:%s" % (proto, c.get("host") or "", port)
        if c["name"] in seen:
            problems.append("%s: name is used twice (rows %d and %d): names must be unique"
                            % (label, seen[c["name"]] + 1, i + 1))
        seen[c["name"]] = i
        if c.get("required") is None:
            c["required"] = True
        if c.get("validate_certs") is None:
            c["validate_certs"] = True
        c["method"] = (c.get("method") or "GET").upper()
        path = c.get("path") or "/"
        c["path"] = path if path.startswith("/") else "/" + path
        out.append(c)
    return out, problems


# -------------------------------------------------------------------------------------------- primitives
class _Deadline:
    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self):
        left = self.end - time.monotonic()
        if left <= 0:
            raise CheckError("timeout", "no answer within %.1f s" % self.seconds)
        return left


def _classify_oserror(exc, deadline, what="connect"):
    if isinstance(exc, CheckError):
        return exc
    if isinstance(exc, socket.gaierror):
        return CheckError("dns", "name does not resolve (%s)" % (exc.strerror or exc))
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = getattr(exc, "verify_message", None) or str(exc)
        if "expired" in message or "not yet valid" in message:  # another CA would not help: say what does
            return CheckError("tls_verify", "%s: renew the server's certificate (or check this host's clock)"
                              % message)
        return CheckError("tls_verify", "certificate not trusted: %s" % message)
    if isinstance(exc, ssl.SSLError):
        return CheckError("tls", "TLS handshake failed: %s" % (getattr(exc, "reason", None) or exc))
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return CheckError("timeout", "no answer within %.1f s (%s)" % (deadline.seconds, what))
    if isinstance(exc, ConnectionRefusedError):
        return CheckError("refused", "connection refused (nothing listens on the port, or a firewall rejects it)")
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return CheckError("reset", "connection reset by the peer during %s" % what)
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL):
        return CheckError("unreachable", "no route to host (%s)" % (exc.strerror or exc))
    return CheckError("error", "%s failed: %s" % (what, exc))


def _connect(check, deadline):
    try:
        sock = socket.create_connection((check["host"], int(check["port"])), timeout=deadline.left())
    except Exception as exc:  # pylint: disable=broad-except
        raise _classify_oserror(exc, deadline) from None
    sock.settimeout(max(deadline.end - time.monotonic(), 0.001))
    return sock


def _tls_context(check, verify=None, check_hostname=None):
    verify = check["validate_certs"] if verify is None else verify
    ctx = ssl.create_default_context(cafile=check.get("ca_path") or None) if verify else \
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif check_hostname is not None:
        ctx.check_hostname = check_hostname
    return ctx


def _name_to_text(name):
    if not name:
        return ""
    parts = []
    for rdn in name:
        for key, value in rdn:
            parts.append("%s=%s" % (key, value))
    return ", ".join(parts)


def _cert_details(tls_sock, warn_days):
    """Subject, issuer and expiry of the peer certificate (parsed by ssl, or from DER when not verified)."""
    details = {}
    warnings = []
    info = tls_sock.getpeercert()
    if not info:
        der = tls_sock.getpeercert(binary_form=True)
        info = _decode_der(der) if der else {}
    if info:
        details["subject"] = _name_to_text(info.get("subject"))
        details["issuer"] = _name_to_text(info.get("issuer"))
        not_after = info.get("notAfter")
        if not_after:
            expires = datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), datetime.timezone.utc)
            days = (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / 86400.0
            details["not_after"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
            details["days_to_expiry"] = int(days // 1)
            if days < 0:
                warnings.append("certificate expired on %s" % details["not_after"])
            elif days < warn_days:
                warnings.append("certificate expires in %d days (%s)" % (int(days), details["not_after"]))
    details["tls_version"] = tls_sock.version()
    return details, warnings


def _decode_der(der):
    """Parse an unverified certificate: with cryptography when present, else CPython's decoder."""
    try:
        from cryptography import x509  # pylint: disable=import-outside-toplevel
        cert = x509.load_der_x509_certificate(der)
        try:
            not_after = cert.not_valid_after_utc
        except AttributeError:  # cryptography < 42
            not_after = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)

        def rdns(name):
            return tuple(tuple((attr.oid._name, attr.value) for attr in rdn)  # pylint: disable=protected-access
                         for rdn in name.rdns)
        return {"subject": rdns(cert.subject), "issuer": rdns(cert.issuer),
                "notAfter": not_after.strftime("%b %d %H:%M:%S %Y GMT")}
    except Exception:  # pylint: disable=broad-except
        pass
    try:
        import tempfile  # pylint: disable=import-outside-toplevel
        import os  # pylint: disable=import-outside-toplevel
        with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
            f.write(ssl.DER_cert_to_PEM_cert(der))
        try:
            return ssl._ssl._test_decode_cert(f.name)  # pylint: disable=protected-access
        finally:
            os.unlink(f.name)
    except Exception:  # pylint: disable=broad-except
        return {}


def _tls_wrap(sock, check, deadline, verify=None, check_hostname=None):
    server_name = check.get("server_name") or check["host"]
    try:
        ctx = _tls_context(check, verify, check_hostname)
    except (OSError, ssl.SSLError) as exc:
        sock.close()
        raise CheckError("error", "cannot load ca_path %s: %s" % (check.get("ca_path"), exc)) from None
    try:
        sock.settimeout(deadline.left())
        return ctx.wrap_socket(sock, server_hostname=server_name)
    except Exception as exc:  # pylint: disable=broad-except
        sock.close()
        raise _classify_oserror(exc, deadline, "TLS handshake") from None


# ---------------------------------------------------------------------------------------------- probes
def probe_tcp(check, deadline, warn_days):
    _connect(check, deadline).close()
    return {}, []


def probe_tls(check, deadline, warn_days):
    tls = _tls_wrap(_connect(check, deadline), check, deadline)
    try:
        return _cert_details(tls, warn_days)
    finally:
        tls.close()


def probe_http(check, deadline, warn_days):
    details, warnings = {}, []
    sock = _connect(check, deadline)
    if check["protocol"] == "https":
        sock = _tls_wrap(sock, check, deadline)
        details, warnings = _cert_details(sock, warn_days)
    conn = http.client.HTTPConnection(check["host"], int(check["port"]), timeout=deadline.left())
    conn.sock = sock
    headers = {"User-Agent": "engage_exec.recording connectivity_check", "Connection": "close"}
    if check.get("server_name"):
        headers["Host"] = check["server_name"]
    if check.get("url_username"):
        token = "%s:%s" % (check["url_username"], check.get("url_password") or "")
        headers["Authorization"] = "Basic " + base64.b64encode(token.encode("utf-8")).decode("ascii")
    try:
        conn.request(check["method"], check["path"], headers=headers)
        sock.settimeout(deadline.left())
        resp = conn.getresponse()
        status = resp.status
        resp.read(65536)
    except CheckError:
        raise
    except (http.client.HTTPException, ValueError) as exc:
        raise CheckError("protocol", "not an HTTP answer: %s" % (exc or type(exc).__name__)) from None
    except Exception as exc:  # pylint: disable=broad-except
        raise _classify_oserror(exc, deadline, "HTTP request") from None
    finally:
        conn.close()
    details["status"] = status
    expected = [int(s) for s in check.get("status_codes") or []]
    good = status in expected if expected else 200 <= status < 400
    if not good:
        want = ", ".join(str(s) for s in expected) if expected else "2xx or 3xx"
        if status in (401, 403):
            hint = "check url_username/url_password" if check.get("url_username") else "credentials required"
            raise CheckError("auth_failed", "%s %s answered %d, expected %s (%s)"
                             % (check["method"], check["path"], status, want, hint))
        raise CheckError("wrong_status", "%s %s answered %d, expected %s"
                         % (check["method"], check["path"], status, want))
    return details, warnings


def probe_postgres(check, deadline, warn_days):
    sslmode = check["sslmode"]
    sock = _connect(check, deadline)
    details, warnings = {}, []
    try:
        sock.sendall(_PG_SSLREQUEST)
        answer = sock.recv(1)
    except Exception as exc:  # pylint: disable=broad-except
        sock.close()
        raise _classify_oserror(exc, deadline, "SSLRequest") from None
    if answer not in (b"S", b"N"):
        sock.close()
        raise CheckError("protocol", "not a PostgreSQL server (answered %r to SSLRequest)" % answer[:16])
    details["tls_offered"] = answer == b"S"
    if answer == b"N":
        sock.close()
        if sslmode in ("require", "verify-ca", "verify-full"):
            raise CheckError("tls_not_offered", "server does not offer TLS but sslmode is %s "
                                                "(enable ssl on the server, or lower sslmode)" % sslmode)
    else:
        verify = sslmode in ("verify-ca", "verify-full")
        tls = _tls_wrap(sock, check, deadline, verify=verify, check_hostname=sslmode == "verify-full")
        try:
            more, warnings = _cert_details(tls, warn_days)
            details.update(more)
        finally:
            tls.close()
    if check.get("login_user"):
        details.update(_postgres_login(check, deadline))
    return details, warnings


def _postgres_login(check, deadline):
    try:
        import psycopg2  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise CheckError("missing_library", "the psycopg2 Python library is missing on this host "
                                            "(pip install psycopg2-binary), needed for login_user") from None
    params = {"host": check["host"], "port": int(check["port"]), "user": check["login_user"],
              "password": check.get("login_password") or "", "dbname": check.get("database") or "postgres",
              "sslmode": check["sslmode"], "connect_timeout": max(int(deadline.left() + 0.999), 1)}
    rootcert = _pg.sslrootcert(check["sslmode"], check.get("ca_path"))
    if rootcert:
        params["sslrootcert"] = rootcert
    try:
        conn = psycopg2.connect(**params)
    except psycopg2.OperationalError as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        low = text.lower()
        if "password authentication failed" in low or "no pg_hba.conf entry" in low or \
                "authentication failed" in low or "does not exist" in low and "role" in low:
            raise CheckError("auth_failed", "login as %s refused: %s" % (check["login_user"], text)) from None
        if "timeout" in low:
            raise CheckError("timeout", "login timed out: %s" % text) from None
        if "certificate" in low or "ssl" in low:
            raise CheckError("tls_verify", "login TLS: %s" % text) from None
        raise CheckError("error", "login failed: %s" % text) from None
    try:
        cur = conn.cursor()
        cur.execute("select current_user, version()")
        user, version = cur.fetchone()
        return {"login": True, "login_user": user, "server_version": version.split(" on ")[0],
                "login_ssl": bool(getattr(conn.info, "ssl_in_use", False))}
    finally:
        conn.close()


def probe_redis(check, deadline, warn_days):
    try:
        import redis  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise CheckError("missing_library", "the redis Python library is missing on this host "
                                            "(pip install redis)") from None
    kwargs = {"host": check["host"], "port": int(check["port"]), "socket_timeout": deadline.left(),
              "socket_connect_timeout": deadline.left(), "password": check.get("login_password") or None,
              "username": check.get("login_user") or None, "retry_on_timeout": False}
    if check.get("tls"):
        kwargs["ssl"] = True
        kwargs["ssl_cert_reqs"] = "required" if check["validate_certs"] else "none"
        kwargs["ssl_check_hostname"] = bool(check["validate_certs"])
        if check.get("ca_path"):
            kwargs["ssl_ca_certs"] = check["ca_path"]
    client = redis.Redis(**kwargs)
    try:
        pong = client.ping()
        info = client.info("server")
    except redis.exceptions.AuthenticationError as exc:
        raise CheckError("auth_failed", "AUTH refused (%s): check the Redis password" % exc) from None
    except redis.exceptions.ResponseError as exc:
        text = str(exc)
        if "NOAUTH" in text or "WRONGPASS" in text or "AUTH" in text:
            raise CheckError("auth_failed", "%s: set the Redis password" % text) from None
        raise CheckError("protocol", "Redis answered an error: %s" % text) from None
    except redis.exceptions.TimeoutError:
        raise CheckError("timeout", "no answer within %.1f s" % deadline.seconds) from None
    except redis.exceptions.ConnectionError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            raise _classify_oserror(cause, deadline) from None
        text = str(exc)
        low = text.lower()
        if "certificate verify failed" in low:
            raise CheckError("tls_verify", "certificate not trusted: %s" % text) from None
        if "refused" in low:
            raise CheckError("refused", "connection refused") from None
        if "timed out" in low or "timeout" in low:
            raise CheckError("timeout", "no answer within %.1f s" % deadline.seconds) from None
        if "name or service not known" in low or "temporary failure in name resolution" in low:
            raise CheckError("dns", "name does not resolve") from None
        if "ssl" in low or "tls" in low:
            raise CheckError("tls", "TLS: %s" % text) from None
        raise CheckError("error", "Redis connection failed: %s" % text) from None
    except redis.exceptions.RedisError as exc:
        raise CheckError("protocol", "Redis error: %s" % exc) from None
    finally:
        client.close()
    if pong is not True:
        raise CheckError("protocol", "PING did not answer PONG")
    return {"redis_version": info.get("redis_version"), "redis_mode": info.get("redis_mode")}, []


PROBES = {"tcp": probe_tcp, "tls": probe_tls, "http": probe_http, "https": probe_http,
          "postgres": probe_postgres, "redis": probe_redis}


# ----------------------------------------------------------------------------------------------- runner
def run_check(check, warn_days=30):
    """One result row for one normalized check; never raises."""
    start = time.monotonic()
    row = {"name": check["name"], "host": check["host"], "port": int(check["port"]),
           "protocol": check["protocol"], "required": bool(check["required"]), "ok": False,
           "elapsed_ms": 0, "reason": None, "error": None, "details": {}, "warnings": []}
    deadline = _Deadline(float(check["timeout"]))
    try:
        details, warnings = PROBES[check["protocol"]](check, deadline, warn_days)
        row.update(ok=True, details=details, warnings=warnings)
    except CheckError as exc:
        row.update(reason=exc.reason, error=exc.message)
    except Exception as exc:  # pylint: disable=broad-except
        row.update(reason="error", error="%s: %s" % (type(exc).__name__, exc))
    row["elapsed_ms"] = int((time.monotonic() - start) * 1000)
    return row


def run_checks(checks, concurrency=32, warn_days=30):
    """All checks at once, at most ``concurrency`` threads; rows in input order."""
    if not checks:
        return []
    workers = max(1, min(int(concurrency), MAX_CONCURRENCY, len(checks)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="connectivity") as pool:
        return list(pool.map(lambda c: run_check(c, warn_days), checks))


def probe_table(params):
    """connectivity_check's work for the options ``params`` (argument_spec()), the failing checks returned.

    Returns the result: results (one row per check, in order), failed_checks, elapsed, table (the failing rows) and
    msg, and warnings (certificates about to expire, optional checks that failed). Raises
    ModuleError (with the list of ``problems``) when the table itself has problems: nothing was probed."""
    checks, problems = normalize_checks(params["checks"], params["timeout"])
    if params["concurrency"] < 1:
        problems.append("concurrency is %d: it must be at least 1" % params["concurrency"])
    if problems:
        raise ModuleError("The check table has %d problem(s); nothing was probed:\n%s"
                          % (len(problems), "\n".join("- " + p for p in problems)), problems=problems)

    start = time.monotonic()
    rows = run_checks(checks, params["concurrency"], params["warn_days"])
    elapsed = round(time.monotonic() - start, 3)

    warnings = []
    for row in rows:
        for text in row["warnings"]:
            warnings.append("%s (%s:%s): %s" % (row["name"], row["host"], row["port"], text))
        if not row["ok"] and not row["required"]:
            warnings.append("optional check %s failed: %s" % (row["name"], row["error"]))

    failing = [r for r in rows if not r["ok"]]
    return {"results": rows, "failed_checks": [r["name"] for r in failing], "elapsed": elapsed,
            "table": failure_table(failing), "warnings": warnings,
            "msg": "%d of %d checks passed in %.2f s" % (len(rows) - len(failing), len(rows), elapsed)}


def _clip(text, width):
    text = "" if text is None else str(text)
    return text if len(text) <= width else text[:width - 3] + "..."


def failure_table(rows, max_rows=50):
    """A fixed-width table of the failing rows: what, where, why."""
    failing = [r for r in rows if not r["ok"]]
    if not failing:
        return ""
    head = ("check", "target", "proto", "reason", "detail")
    data = [(r["name"] + ("" if r["required"] else " (optional)"), "%s:%s" % (r["host"], r["port"]),
             r["protocol"], REASONS.get(r["reason"], r["reason"] or ""), r["error"] or "") for r in failing[:max_rows]]
    widths = [min(max(len(head[i]), *(len(_clip(d[i], 200)) for d in data)), cap)
              for i, cap in enumerate((40, 40, 8, 17, 200))]
    lines = ["  ".join(_clip(v, widths[i]).ljust(widths[i]) for i, v in enumerate(head)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for d in data:
        lines.append("  ".join(_clip(v, widths[i]).ljust(widths[i]) for i, v in enumerate(d)).rstrip())
    if len(failing) > max_rows:
        lines.append("... and %d more failing rows (see results)" % (len(failing) - max_rows))
    return "\n".join(lines)
