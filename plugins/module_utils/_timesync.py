# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Backend of the time_sync_check module (and of host_probe's time part): parsers for chronyc, timedatectl
and ntpq, a small SNTP client, and the whole clock check (check_clock).

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import datetime
import os
import re
import socket
import struct
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError

NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 to 1970-01-01
LEAP_UNSYNC = 3
TIMESYNCD_STAMP = "/run/systemd/timesync/synchronized"


class TimeSyncError(Exception):
    """The time source could not be read (not: the clock is not synchronised)."""


def status(method, synchronized, source=None, offset=None, stratum=None, last_sync_age=None, **extra):
    """A uniform status record."""
    result = {"method": method, "synchronized": bool(synchronized), "source": source or None,
              "offset": offset, "stratum": stratum, "last_sync_age": last_sync_age}
    result.update(extra)
    return result


# --------------------------------------------------------------------------------------------------- chrony
def parse_chronyc_tracking(text, now=None):
    """``chronyc -c tracking``: one CSV line (reference id, name, stratum, ref time, system time correction, ...)."""
    now = time.time() if now is None else now
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    fields = line.strip().split(",")
    if len(fields) < 14:
        raise TimeSyncError("unexpected chronyc tracking output: %r" % line[:200])
    ref_id, ref_name, stratum, ref_time, correction = fields[0], fields[1], fields[2], fields[3], fields[4]
    leap = fields[13]
    try:
        stratum = int(stratum)
        ref_time = float(ref_time)
        correction = float(correction)
    except ValueError:
        raise TimeSyncError("unexpected chronyc tracking output: %r" % line[:200]) from None
    synchronized = ref_id.strip("0") != "" and stratum > 0 and leap.strip().lower() != "not synchronised" \
        and ref_time > 0
    # chronyc's "System time" is the correction still to apply: positive means the local clock is slow.
    # offset here is local clock minus true time, so positive means the local clock is ahead.
    offset = -correction if correction else 0.0
    return status("chrony", synchronized, source=ref_name or (ref_id if ref_id.strip("0") else None),
                  offset=round(offset, 9) if synchronized else None, stratum=stratum if stratum > 0 else None,
                  last_sync_age=round(now - ref_time, 3) if ref_time > 0 else None,
                  reference_id=ref_id, leap_status=leap.strip(),
                  root_delay=_float(fields[10]), root_dispersion=_float(fields[11]))


def parse_chronyc_sources(text):
    """``chronyc -c sources``: mode, state, name, stratum, poll, reach, last rx, adjusted/measured offset, error."""
    sources = []
    for line in text.splitlines():
        f = line.strip().split(",")
        if len(f) < 10:
            continue
        sources.append({"mode": f[0], "state": f[1], "name": f[2], "stratum": _int(f[3]), "poll": _int(f[4]),
                        "reach": f[5], "last_rx": _int(f[6]), "offset": _float(f[7]), "error": _float(f[9]),
                        "selected": f[1] == "*"})
    return sources


# ------------------------------------------------------------------------------------------ systemd-timesyncd
def parse_key_values(text):
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def parse_timesyncd(show_timesync, show, sync_mtime=None, now=None):
    """``timedatectl show-timesync`` + ``timedatectl show`` (NTPSynchronized), and the mtime of
    /run/systemd/timesync/synchronized, which timesyncd touches at every synchronisation."""
    now = time.time() if now is None else now
    ts = parse_key_values(show_timesync)
    sh = parse_key_values(show)
    message = ts.get("NTPMessage", "")
    msg = dict(re.findall(r"(\w+)=([^,}]*)", message))
    stratum = _int(msg.get("Stratum"))
    leap = _int(msg.get("Leap"))
    source = ts.get("ServerName") or ts.get("ServerAddress") or None
    synchronized = sh.get("NTPSynchronized", "no").lower() == "yes" and leap != LEAP_UNSYNC
    return status("timesyncd", synchronized, source=source, offset=None,
                  stratum=stratum if stratum else None,
                  last_sync_age=round(now - sync_mtime, 3) if sync_mtime else None,
                  server_address=ts.get("ServerAddress") or None, poll_interval=ts.get("PollIntervalUSec"))


# ------------------------------------------------------------------------------------------------------- ntpd
_WHEN = re.compile(r"^(\d+)([mhd]?)$")


def _when_seconds(text):
    m = _WHEN.match(text)
    if not m:
        return None
    return int(m.group(1)) * {"": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def parse_ntpq_peers(text):
    """``ntpq -pn``: the system peer is the row tallied ``*`` (or ``o`` for PPS); offset is in milliseconds."""
    peers = []
    for line in text.splitlines():
        if not line or line.lstrip().startswith(("remote", "=")) or len(line) < 2:
            continue
        tally, rest = line[0], line[1:].split()
        if len(rest) < 10:
            continue
        try:
            peers.append({"tally": tally.strip(), "remote": rest[0], "refid": rest[1], "stratum": int(rest[2]),
                          "when": _when_seconds(rest[4]), "reach": rest[6], "offset": float(rest[8]) / 1000.0})
        except ValueError:
            continue
    return peers


def ntpq_status(peers):
    peer = next((p for p in peers if p["tally"] in ("*", "o")), None)
    if peer is None:
        return status("ntpd", False, source=None, peers=len(peers))
    return status("ntpd", True, source=peer["remote"], offset=round(peer["offset"], 9),
                  stratum=peer["stratum"] + 1 if peer["stratum"] < 16 else None,
                  last_sync_age=peer["when"], peers=len(peers))


# ------------------------------------------------------------------------------------------------------ SNTP
def to_ntp(ts):
    """Unix seconds (float) -> 64-bit NTP timestamp (int)."""
    whole = int(ts) + NTP_EPOCH_OFFSET
    frac = int((ts - int(ts)) * (1 << 32)) & 0xFFFFFFFF
    return (whole << 32) | frac


def from_ntp(value):
    """64-bit NTP timestamp (int) -> Unix seconds (float)."""
    return (value >> 32) - NTP_EPOCH_OFFSET + (value & 0xFFFFFFFF) / float(1 << 32)


def build_request(transmit_time):
    """A 48-byte SNTPv4 client request (LI 0, VN 4, mode 3) carrying ``transmit_time`` as transmit timestamp."""
    first = (0 << 6) | (4 << 3) | 3
    return struct.pack("!BBbbII4sQQQQ", first, 0, 0, 0, 0, 0, b"\x00" * 4, 0, 0, 0, to_ntp(transmit_time))


def parse_response(packet, request_transmit, t1, t4):
    """Check an SNTP reply (RFC 4330) and compute offset and delay. t1/t4: local send/receive times."""
    if len(packet) < 48:
        raise TimeSyncError("short NTP reply (%d bytes)" % len(packet))
    first, stratum, poll, precision, root_delay, root_disp, ref_id, ref_ts, orig_ts, recv_ts, xmit_ts = \
        struct.unpack("!BBbbII4sQQQQ", packet[:48])
    leap, version, mode = first >> 6, (first >> 3) & 7, first & 7
    if mode != 4:
        raise TimeSyncError("NTP reply has mode %d (expected 4, server)" % mode)
    if orig_ts != request_transmit:
        raise TimeSyncError("NTP reply does not answer our request (originate timestamp mismatch)")
    if stratum == 0:
        code = ref_id.decode("ascii", "replace").strip("\x00")
        raise TimeSyncError("NTP server sent a kiss-o'-death (%s)" % code)
    if xmit_ts == 0:
        raise TimeSyncError("NTP reply has no transmit timestamp")
    t2, t3 = from_ntp(recv_ts), from_ntp(xmit_ts)
    # offset of the server relative to us; the local clock's error is its negation.
    server_minus_local = ((t2 - t1) + (t3 - t4)) / 2.0
    delay = (t4 - t1) - (t3 - t2)
    if stratum == 1 or stratum > 15:
        source_ref = ref_id.decode("ascii", "replace").strip("\x00")
    else:
        source_ref = socket.inet_ntoa(ref_id)
    return {"leap": leap, "version": version, "stratum": stratum, "poll": poll, "precision": precision,
            "root_delay": root_delay / 65536.0, "root_dispersion": root_disp / 65536.0, "reference": source_ref,
            "reference_time": from_ntp(ref_ts) if ref_ts else None, "offset": -server_minus_local,
            "delay": delay, "server_synchronized": leap != LEAP_UNSYNC and 1 <= stratum <= 15}


def sntp_query(server, port=123, timeout=2.0, clock=time.time):
    """Ask ``server`` once; returns parse_response()'s dict plus ``server``."""
    try:
        infos = socket.getaddrinfo(server, port, 0, socket.SOCK_DGRAM)
    except socket.gaierror as exc:
        raise TimeSyncError("NTP server %s does not resolve (%s)" % (server, exc.strerror or exc)) from None
    family, addr = infos[0][0], infos[0][4]
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        t1 = clock()
        request = build_request(t1)
        request_transmit = struct.unpack("!Q", request[40:48])[0]
        sock.sendto(request, addr)
        deadline = time.monotonic() + timeout
        while True:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                packet, peer = sock.recvfrom(1024)
            except socket.timeout:
                raise TimeSyncError("no NTP answer from %s:%s within %.1f s" % (server, port, timeout)) from None
            except ConnectionRefusedError:
                raise TimeSyncError("NTP port %s:%s refused (nothing listens)" % (server, port)) from None
            t4 = clock()
            if peer[:2] != addr[:2]:
                continue
            result = parse_response(packet, request_transmit, t1, t4)
            result["server"] = "%s:%s" % (server, port) if port != 123 else server
            return result
    finally:
        sock.close()


def sntp_status(server, port=123, timeout=2.0):
    r = sntp_query(server, port, timeout)
    return status("sntp", r["server_synchronized"], source=r["server"], offset=round(r["offset"], 6),
                  stratum=r["stratum"] + 1 if r["stratum"] < 16 else None, last_sync_age=None,
                  delay=round(r["delay"], 6), server_leap=r["leap"], server_stratum=r["stratum"])


# ---------------------------------------------------------------------------------------------- evaluation
def evaluate(result, max_offset, max_sync_age):
    """The list of problems with a status record (empty when it meets the rules)."""
    problems = []
    where = "%s (source %s)" % (result["method"], result.get("source") or "none")
    if not result["synchronized"]:
        problems.append("the clock is not synchronised according to %s" % where)
    if result.get("offset") is not None and abs(result["offset"]) > max_offset:
        problems.append("offset %.3f s exceeds max_offset %.3f s (%s)" % (result["offset"], max_offset, where))
    age = result.get("last_sync_age")
    if age is not None and age > max_sync_age:
        problems.append("last synchronisation was %s ago, more than max_sync_age %s (the 24 h rule)"
                        % (_duration(age), _duration(max_sync_age)))
    return problems


def _duration(seconds):
    return str(datetime.timedelta(seconds=int(seconds)))


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _float(value):
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def file_mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


# ------------------------------------------------------------------------------------------- the clock check
def argument_spec():
    """The options of a clock check: time_sync_check's but fail_on_error, and host_probe's O(time)."""
    return dict(
        method=dict(type="str", default="auto", choices=["auto", "chrony", "timesyncd", "ntpd", "sntp"]),
        ntp_server=dict(type="str"),
        ntp_port=dict(type="int", default=123),
        ntp_timeout=dict(type="float", default=2.0),
        max_offset=dict(type="float", default=1.0),
        max_sync_age=dict(type="int", default=86400),
        chronyc_host=dict(type="str", fallback=(env_fallback, ["TIME_SYNC_CHRONYC_HOST"])),
        chronyc_port=dict(type="int", fallback=(env_fallback, ["TIME_SYNC_CHRONYC_PORT"])),
    )


REQUIRED_IF = [("method", "sntp", ("ntp_server",))]


def _which(get_bin_path, command, service, tried):
    """The path of ``command``, or None with the reason in ``tried``."""
    path = get_bin_path(command)
    if not path:
        tried.append("%s: %s not installed" % (service, command))
    return path


def _give_up(tried, what, rc, err, out):
    """Note in ``tried`` why a time service was not used (its command's exit code and output); returns None."""
    tried.append("%s (rc %d): %s" % (what, rc, " ".join((err or out).split())[:200]))


def _read_chrony(p, run_command, get_bin_path, tried):
    chronyc = _which(get_bin_path, "chronyc", "chrony", tried)
    if not chronyc:
        return None
    base = [chronyc, "-n"]
    if p["chronyc_host"]:
        base += ["-h", p["chronyc_host"]]
    if p["chronyc_port"]:
        base += ["-p", str(p["chronyc_port"])]
    rc, out, err = run_command(base + ["-c", "tracking"])
    if rc != 0 or not out.strip():
        return _give_up(tried, "chrony: chronyc -c tracking failed", rc, err, out)
    result = parse_chronyc_tracking(out)
    rc, out, err = run_command(base + ["-c", "sources"])
    result["sources"] = parse_chronyc_sources(out) if rc == 0 else []
    return result


def _read_timesyncd(p, run_command, get_bin_path, tried):
    timedatectl = _which(get_bin_path, "timedatectl", "timesyncd", tried)
    if not timedatectl:
        return None
    rc, out, err = run_command([timedatectl, "show-timesync"])
    if rc != 0 or "ServerName" not in out and "NTPMessage" not in out:
        return _give_up(tried, "timesyncd: timedatectl show-timesync failed", rc, err, out)
    rc2, show, err2 = run_command([timedatectl, "show"])
    return parse_timesyncd(out, show if rc2 == 0 else "", file_mtime(TIMESYNCD_STAMP))


def _read_ntpd(p, run_command, get_bin_path, tried):
    ntpq = _which(get_bin_path, "ntpq", "ntpd", tried)
    if not ntpq:
        return None
    rc, out, err = run_command([ntpq, "-pn"])
    peers = parse_ntpq_peers(out) if rc == 0 else []
    if rc != 0 or not peers:
        return _give_up(tried, "ntpd: ntpq -pn failed or lists no peer", rc, err, out)
    return ntpq_status(peers)


READERS = {"chrony": _read_chrony, "timesyncd": _read_timesyncd, "ntpd": _read_ntpd}
AUTO_ORDER = ("chrony", "timesyncd", "ntpd")


class ClockUnchecked(ModuleError):
    """The clock cannot be checked at all: what time_sync_check fails with. Without ``tried`` a parameter is wrong
    (the message alone); with it, no time service could be read."""

    def __init__(self, msg, tried=None):
        extra = {} if tried is None else {"tried": tried, "problems": [msg], "synchronized": False}
        super().__init__(msg, **extra)


def check_clock(p, run_command, get_bin_path):
    """time_sync_check's work for the options ``p`` (argument_spec()), every broken rule returned: reads the first
    usable time service (READERS, in AUTO_ORDER with method auto), asks ntp_server over SNTP when it is set, and
    applies the rules (evaluate).

    Returns the result when the clock could be checked: the status (method, source, offset, ...), problems (empty
    when every rule is met), tried, checked_at, msg and warnings. Raises ClockUnchecked when it could not be checked
    at all."""
    if p["max_offset"] < 0 or p["max_sync_age"] < 0 or p["ntp_timeout"] <= 0:
        raise ClockUnchecked("max_offset and max_sync_age must be >= 0 and ntp_timeout > 0 (got %s, %s, %s)"
                             % (p["max_offset"], p["max_sync_age"], p["ntp_timeout"]))
    if not 1 <= p["ntp_port"] <= 65535:
        raise ClockUnchecked("ntp_port %d is out of range (1-65535)" % p["ntp_port"])

    tried, warnings = [], []
    result = None
    order = AUTO_ORDER if p["method"] == "auto" else ([p["method"]] if p["method"] != "sntp" else [])
    try:
        for name in order:
            result = READERS[name](p, run_command, get_bin_path, tried)
            if result is not None:
                break
    except TimeSyncError as exc:
        raise ClockUnchecked("Could not read the time service state: %s" % exc, tried)

    sntp = None
    if p["ntp_server"]:
        try:
            sntp = sntp_status(p["ntp_server"], p["ntp_port"], p["ntp_timeout"])
        except TimeSyncError as exc:
            sntp = {"error": str(exc), "source": p["ntp_server"]}

    local = result is not None
    if not local:
        if p["method"] not in ("auto", "sntp"):
            raise ClockUnchecked("%s is not usable on this host: %s. Use method=auto, or check the service."
                                 % (p["method"], "; ".join(tried)), tried)
        if sntp is None:
            raise ClockUnchecked("No time service found on this host (%s). Install and enable chrony, or set "
                                 "ntp_server to measure the offset over SNTP." % "; ".join(tried), tried)
        if "error" in sntp:
            raise ClockUnchecked("No local time service, and SNTP failed: %s" % sntp["error"], tried)
        result = dict(sntp)
        if p["method"] == "auto":
            warnings.append("no local time service found (%s); the offset against %s is measured, but nothing "
                            "keeps this clock synchronised (24 h rule)" % ("; ".join(tried), p["ntp_server"]))
    problems = evaluate(result, p["max_offset"], p["max_sync_age"])
    if local and sntp is not None:  # the SNTP answer cross-checks the local service's view
        result["sntp"] = dict(sntp, synchronized=sntp.get("synchronized"))
        if "error" in sntp:
            problems.append("ntp_server %s: %s" % (p["ntp_server"], sntp["error"]))
        else:
            for problem in evaluate(sntp, p["max_offset"], p["max_sync_age"]):
                problems.append("against ntp_server: " + problem)

    if result.get("offset") is None and result.get("method") == "timesyncd" and not p["ntp_server"]:
        warnings.append("systemd-timesyncd does not report the clock offset; set ntp_server to check it")

    result.update(problems=problems, tried=tried, checked_at=time.time(), warnings=warnings)
    result["msg"] = "clock synchronised (%s, source %s, offset %s s, last sync %s s ago)" % (
        result["method"], result.get("source"), result.get("offset"), result.get("last_sync_age")) \
        if not problems else "; ".join(problems)
    return result
