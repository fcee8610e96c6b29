# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils import _timesync as t

# Captured from chrony 4.3 (chronyd -x syncing from a second chronyd on loopback, and one without a source).
TRACKING_SYNC = ("7F000001,127.0.0.1,9,1795552203.437359581,-0.000000985,0.000000143,0.000000482,-0.037,0.005,"
                 "0.106,0.000006511,0.000000519,0.3,Normal\n")
TRACKING_UNSYNC = ("00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,1.000000000,"
                   "1.000000000,0.0,Not synchronised\n")
SOURCES = "^,*,127.0.0.1,8,-2,377,0,0.000000492,0.000000635,0.000003290\n^,?,10.0.0.9,0,6,0,-,0.0,0.0,0.0\n"

SHOW_TIMESYNC = """SystemNTPServers=
FallbackNTPServers=0.debian.pool.ntp.org 1.debian.pool.ntp.org
ServerName=ntp1.example.com
ServerAddress=192.0.2.10
RootDistanceMaxUSec=5s
PollIntervalMinUSec=32s
PollIntervalMaxUSec=34min 8s
PollIntervalUSec=2min 8s
NTPMessage={ Leap=0, Version=4, Mode=4, Stratum=2, Precision=-23, RootDelay=1.234ms, RootDispersion=0.915ms, \
Reference=C0000201, OriginateTimestamp=Tue 2026-11-24 20:00:00 UTC, ReceiveTimestamp=Tue 2026-11-24 20:00:00 UTC, \
TransmitTimestamp=Tue 2026-11-24 20:00:00 UTC, DestinationTimestamp=Tue 2026-11-24 20:00:00 UTC, Ignored=no, \
PacketCount=12, Jitter=1.1ms }
Frequency=-1234567
"""

NTPQ = """     remote           refid      st t when poll reach   delay   offset  jitter
==============================================================================
*192.0.2.10      .GPS.            1 u   33   64  377    1.234   -2.456   0.078
+192.0.2.11      192.0.2.10       2 u   2h   64  377    1.400   12.000   0.100
 192.0.2.12      .INIT.          16 u    -   64    0    0.000    0.000   0.000
"""


def test_chronyc_tracking_synchronised():
    r = t.parse_chronyc_tracking(TRACKING_SYNC, now=1795552213.437359581)
    assert r["synchronized"] is True and r["method"] == "chrony"
    assert r["source"] == "127.0.0.1" and r["stratum"] == 9
    assert r["offset"] == pytest.approx(0.000000985)  # "System time ... fast": local clock ahead
    assert r["last_sync_age"] == pytest.approx(10.0, abs=0.01)
    assert r["leap_status"] == "Normal"


def test_chronyc_tracking_unsynchronised():
    r = t.parse_chronyc_tracking(TRACKING_UNSYNC)
    assert r["synchronized"] is False
    assert r["source"] is None and r["stratum"] is None and r["last_sync_age"] is None and r["offset"] is None
    assert t.evaluate(r, 1.0, 86400) == ["the clock is not synchronised according to chrony (source none)"]


def test_chronyc_tracking_garbage():
    with pytest.raises(t.TimeSyncError):
        t.parse_chronyc_tracking("506 Cannot talk to daemon\n")


def test_chronyc_sources():
    s = t.parse_chronyc_sources(SOURCES)
    assert len(s) == 2 and s[0]["selected"] and s[0]["name"] == "127.0.0.1" and s[0]["reach"] == "377"
    assert s[1]["selected"] is False and s[1]["last_rx"] is None


def test_timesyncd():
    now = 1795552203.0
    r = t.parse_timesyncd(SHOW_TIMESYNC, "NTP=yes\nNTPSynchronized=yes\n", sync_mtime=now - 100, now=now)
    assert r["synchronized"] and r["source"] == "ntp1.example.com" and r["stratum"] == 2
    assert r["last_sync_age"] == 100 and r["offset"] is None
    unsynced = t.parse_timesyncd(SHOW_TIMESYNC, "NTPSynchronized=no\n", sync_mtime=None, now=now)
    assert unsynced["synchronized"] is False and unsynced["last_sync_age"] is None


def test_ntpq():
    peers = t.parse_ntpq_peers(NTPQ)
    assert [p["tally"] for p in peers] == ["*", "+", ""]
    assert peers[1]["when"] == 7200 and peers[2]["when"] is None
    r = t.ntpq_status(peers)
    assert r["synchronized"] and r["source"] == "192.0.2.10" and r["stratum"] == 2
    assert r["offset"] == pytest.approx(-0.002456) and r["last_sync_age"] == 33
    assert t.ntpq_status(peers[1:])["synchronized"] is False


def test_evaluate_rules():
    good = t.status("chrony", True, source="s", offset=0.2, stratum=3, last_sync_age=100)
    assert t.evaluate(good, 1.0, 86400) == []
    far = dict(good, offset=-1.5)
    assert "offset -1.500 s exceeds max_offset 1.000 s" in t.evaluate(far, 1.0, 86400)[0]
    old = dict(good, last_sync_age=2 * 86400)
    problem = t.evaluate(old, 1.0, 86400)[0]
    assert "2 days, 0:00:00 ago" in problem and "24 h rule" in problem
    assert len(t.evaluate(dict(old, synchronized=False, offset=5), 1.0, 86400)) == 3


def test_ntp_timestamp_round_trip():
    for ts in (0.0, 1795552203.25, 1795552203.999999):
        assert t.from_ntp(t.to_ntp(ts)) == pytest.approx(ts, abs=1e-6)
    assert t.to_ntp(0) >> 32 == 2208988800


def test_request_packet():
    pkt = t.build_request(1795552203.5)
    assert len(pkt) == 48
    assert pkt[0] == 0x23  # LI 0, version 4, mode 3 (client)
    assert pkt[1:40] == b"\x00" * 39
    assert t.from_ntp(struct.unpack("!Q", pkt[40:])[0]) == pytest.approx(1795552203.5)


def _reply(orig, recv, xmit, stratum=2, leap=0, mode=4, ref=b"\xc0\x00\x02\x01"):
    return struct.pack("!BBbbII4sQQQQ", (leap << 6) | (4 << 3) | mode, stratum, 6, -20, 0, 0, ref,
                       t.to_ntp(recv - 10), orig, t.to_ntp(recv), t.to_ntp(xmit))


def test_response_offset_and_delay():
    t1 = 1000.0
    req = struct.unpack("!Q", t.build_request(t1)[40:])[0]
    # server is 5 s ahead; 10 ms each way, 2 ms processing
    pkt = _reply(req, recv=t1 + 5 + 0.010, xmit=t1 + 5 + 0.012, stratum=2)
    r = t.parse_response(pkt, req, t1, t1 + 0.022)
    assert r["offset"] == pytest.approx(-5.0, abs=1e-6)  # local clock is 5 s behind
    assert r["delay"] == pytest.approx(0.020, abs=1e-6)
    assert r["server_synchronized"] and r["reference"] == "192.0.2.1"


@pytest.mark.parametrize("kwargs, text", [
    ({"mode": 3}, "mode 3"),
    ({"stratum": 0, "ref": b"RATE"}, "kiss-o'-death (RATE)"),
])
def test_response_refused(kwargs, text):
    req = struct.unpack("!Q", t.build_request(1000.0)[40:])[0]
    with pytest.raises(t.TimeSyncError, match=text.replace("(", r"\(").replace(")", r"\)")):
        t.parse_response(_reply(req, 1000.0, 1000.0, **kwargs), req, 1000.0, 1000.0)


def test_response_must_answer_our_request():
    req = struct.unpack("!Q", t.build_request(1000.0)[40:])[0]
    with pytest.raises(t.TimeSyncError, match="originate"):
        t.parse_response(_reply(req + 1, 1000.0, 1000.0), req, 1000.0, 1000.0)


def test_unsynchronised_server_flagged():
    req = struct.unpack("!Q", t.build_request(1000.0)[40:])[0]
    r = t.parse_response(_reply(req, 1000.0, 1000.0, leap=3, stratum=16), req, 1000.0, 1000.0)
    assert r["server_synchronized"] is False


class _FakeNtp(threading.Thread):
    """Loopback UDP responder whose clock runs ``skew`` seconds ahead (a server, not a mock of our client)."""

    def __init__(self, skew, leap=0, stratum=3):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.skew, self.leap, self.stratum = skew, leap, stratum

    def run(self):
        try:
            data, addr = self.sock.recvfrom(512)
        except OSError:
            return
        now = time.time() + self.skew
        orig = struct.unpack("!Q", data[40:48])[0]
        self.sock.sendto(_reply(orig, now, now + 0.0001, stratum=self.stratum, leap=self.leap), addr)


def test_sntp_query_against_loopback_server():
    srv = _FakeNtp(skew=-3.0)
    srv.start()
    r = t.sntp_status("127.0.0.1", srv.port, timeout=2)
    srv.join(2)
    assert r["method"] == "sntp" and r["synchronized"] and r["server_stratum"] == 3
    assert r["offset"] == pytest.approx(3.0, abs=0.05)  # local clock 3 s ahead of the server
    assert "offset 3.0" in t.evaluate(r, 1.0, 86400)[0]


def test_sntp_timeout_and_refused():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        start = time.monotonic()
        with pytest.raises(t.TimeSyncError, match="no NTP answer"):
            t.sntp_query("127.0.0.1", silent.getsockname()[1], timeout=0.3)
        assert time.monotonic() - start < 1.5
    finally:
        silent.close()
    closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(t.TimeSyncError, match="refused|no NTP answer"):
        t.sntp_query("127.0.0.1", port, timeout=0.5)
