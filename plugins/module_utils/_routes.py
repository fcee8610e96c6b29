# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Routes to peers, and the EXEC deployment guide's rule "all EXEC VMs on the same local network segment".

read() is host_probe's ``routes`` part: for each peer, the kernel's route as ``ip route get`` tells it (policy
routing included). segment_rows() judges every pair of hosts from those reads (filter exec_segment_rows, used by
the preflight role): a peer is on the same segment when it is reached without a router hop (no ``via``).

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import re
import socket

_SEGMENT_HINT = ("the EXEC deployment guide wants every EXEC VM on the same local network segment: put them in one "
                 "subnet (VLAN), or remove the route through the router")


def parse_route(text):
    """{route, via, dev, kind} of ``ip route get`` output: ``route`` its first line without the ``uid``/``cache``
    noise, ``via`` the gateway (None when the peer is on a directly connected network), ``dev`` the interface,
    ``kind`` the route type when one leads the line (``local``, ``broadcast``, ...; else ``unicast``)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    first = lines[0] if lines else ""
    words = first.split()
    via = dev = None
    kind = "unicast"
    if words and words[0] in ("local", "broadcast", "multicast", "unreachable", "blackhole", "prohibit", "throw",
                              "anycast", "nat"):
        kind = words[0]
    for index, word in enumerate(words[:-1]):
        if word == "via":
            following = words[index + 1]
            # "via inet6 fe80::1" (a gateway of the other family) names the family first
            via = words[index + 2] if following in ("inet", "inet6") and index + 2 < len(words) else following
        elif word == "dev":
            dev = words[index + 1]
    route = re.sub(r"\s+uid\s+\S+", "", first).strip()
    return {"route": route, "via": via, "dev": dev, "kind": kind}


def resolve(address):
    """The IP address a connection to ``address`` would use (the first getaddrinfo answer): (ip, error)."""
    try:
        infos = socket.getaddrinfo(address, None, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return None, "cannot resolve %s: %s" % (address, exc)
    if not infos:
        return None, "cannot resolve %s: no address" % address
    return infos[0][4][0], None


def read(addresses, run_command, get_bin_path):
    """For each of ``addresses`` (IP addresses or names, resolved here), in order: {address, resolved, route, via,
    dev, kind, error}. ``error`` says why the route could not be read (the name does not resolve, no ``ip``, the
    kernel has no route); the other fields are then None."""
    ip_bin = get_bin_path("ip")
    results = []
    for address in addresses:
        result = {"address": address, "resolved": None, "route": None, "via": None, "dev": None, "kind": None,
                  "error": None}
        resolved, error = resolve(address)
        result["resolved"] = resolved
        if error:
            result["error"] = error
        elif not ip_bin:
            result["error"] = "the ip command (iproute2) is not installed: install it to read routes"
        else:
            rc, out, err = run_command([ip_bin, "route", "get", resolved])
            if rc != 0:
                result["error"] = "ip route get %s: %s" % (resolved, (err or out).strip() or "exit code %d" % rc)
            else:
                result.update(parse_route(out))
        results.append(result)
    return results


def _shown(address, resolved):
    return address if not resolved or resolved == address else "%s, %s" % (address, resolved)


def segment_rows(hosts, addresses, routes_of):
    """One row per pair of ``hosts`` (inventory names, in order) at different ``addresses`` (host -> address).

    ``routes_of`` maps a host to what its probe read (read()'s list), or None when it was not probed. Each
    direction a probe read is judged: the peer must be reached without a router hop. A row is {hosts, addresses,
    checks: [{from, to, route, via, error, ok}], ok, problems: {source host: sentence}}; ``ok`` is None when no
    direction could be read (neither host was probed), else true when every read direction passes.
    """
    hosts = [h for index, h in enumerate(hosts) if h not in hosts[:index]]
    rows = []
    for index, first in enumerate(hosts):
        for second in hosts[index + 1:]:
            if addresses[first] == addresses[second]:
                continue  # one machine under two names
            row = {"hosts": [first, second], "addresses": [addresses[first], addresses[second]], "checks": [],
                   "ok": None, "problems": {}}
            for source, peer in ((first, second), (second, first)):
                reads = routes_of.get(source)
                if reads is None:
                    continue
                found = next((r for r in reads if r.get("address") == addresses[peer]), None)
                check = {"from": source, "to": peer, "route": None, "via": None, "error": None, "ok": False}
                if found is None:
                    check["error"] = "%s did not read its route to %s (%s)" % (source, peer, addresses[peer])
                else:
                    check.update(route=found.get("route"), via=found.get("via"), error=found.get("error"))
                    check["ok"] = not check["error"] and not check["via"]
                if check["error"]:
                    row["problems"][source] = (
                        "%s and %s: the network segment could not be checked from %s: %s"
                        % (first, second, source, check["error"]))
                elif check["via"]:
                    row["problems"][source] = (
                        "%s and %s are not on the same network segment: %s reaches %s (%s) through the router %s "
                        "(route: %s); %s"
                        % (first, second, source, peer, _shown(addresses[peer], (found or {}).get("resolved")),
                           check["via"], check["route"], _SEGMENT_HINT))
                row["checks"].append(check)
            if row["checks"]:
                row["ok"] = all(c["ok"] for c in row["checks"])
            rows.append(row)
    return rows


def segment_peers(host, hosts, addresses):
    """The addresses ``host`` reads routes to: those of the other ``hosts``, without its own, each once."""
    own = addresses[host]
    peers = []
    for other in hosts:
        if other != host and addresses[other] != own and addresses[other] not in peers:
            peers.append(addresses[other])
    return peers
