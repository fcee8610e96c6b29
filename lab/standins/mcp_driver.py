# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MCP driver (lab only): plays the Media Control Platform's part of Recording Injection.

``send`` makes N recordings with distinct bytes, PUTs each to WebDAV (HTTP Basic) under ``<run-id>/`` and POSTs its
metadata to the load balancer (``<lb-url>/api/v1/recordings``); it writes a manifest of what it sent.
``verify`` reads the GC stand-in's ``GET /lab/recordings`` until every recording of the manifest arrived with the
right SHA-256 and metadata, or the wait runs out. ``run`` does both. Each prints a summary (JSON with ``--json``) and
exits 0 only when nothing was lost: 1 = a recording was lost or differs, 2 = a usage or connection error.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import secrets
import sys
import time
import urllib.parse

from lab_common import basic_auth, http, now_iso

RECORDINGS_PATH = "/api/v1/recordings"


def make_recording(run_id: str, index: int, size: int) -> tuple:
    """(metadata, bytes): a WAV-like header then random bytes, so every recording is distinct."""
    recording_id = "%s-%05d" % (run_id, index)
    payload = b"RIFF" + recording_id.encode("ascii").ljust(40, b"\0") + os.urandom(max(0, size - 44))
    return {
        "recording_id": recording_id,
        "call_id": secrets.token_hex(8),
        "media_path": "%s/%s.wav" % (run_id, recording_id),
        "content_type": "audio/wav",
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "agent_id": "agent-%03d" % (index % 50),
        "ani": "+1555%07d" % index,
        "dnis": "+18005550100",
        "start_time": now_iso(),
        "end_time": now_iso(),
    }, payload


def send_one(args, run_id, index):
    metadata, payload = make_recording(run_id, index, args.size)
    auth = {"Authorization": basic_auth(args.webdav_user, args.webdav_password)}
    started = time.monotonic()
    outcome = {"recording_id": metadata["recording_id"], "metadata": metadata}
    try:
        put = http("PUT", "%s/%s" % (args.webdav_url.rstrip("/"), urllib.parse.quote(metadata["media_path"])),
                   payload, dict(auth, **{"Content-Type": "audio/wav"}), timeout=args.timeout)
        if put.status not in (200, 201, 204):
            outcome.update(result="webdav_failed", error="PUT answered %s" % put.status)
            return outcome
        body = json.dumps(metadata).encode()
        for attempt in range(args.retries + 1):
            try:
                post = http("POST", args.lb_url.rstrip("/") + args.metadata_path, body,
                            {"Content-Type": "application/json"}, timeout=args.timeout)
            except OSError as exc:
                outcome.update(result="post_failed", error=str(exc))
            else:
                if 200 <= post.status < 300:
                    outcome.update(result="accepted", error=None)
                    break
                outcome.update(result="post_failed", error="POST answered %s: %s" % (
                    post.status, post.body[:300].decode("utf-8", "replace")))
            if attempt < args.retries:
                time.sleep(0.5)
    except OSError as exc:
        outcome.update(result="webdav_failed", error=str(exc))
    outcome["seconds"] = round(time.monotonic() - started, 4)
    return outcome


def ensure_collection(args, run_id):
    auth = {"Authorization": basic_auth(args.webdav_user, args.webdav_password)}
    result = http("MKCOL", "%s/%s/" % (args.webdav_url.rstrip("/"), run_id), headers=auth, timeout=args.timeout)
    if result.status not in (201, 405):  # 405: it exists already
        raise OSError("MKCOL %s/ on %s answered %s" % (run_id, args.webdav_url, result.status))


def cmd_send(args) -> dict:
    run_id = args.run_id or "lab-" + time.strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(3)
    ensure_collection(args, run_id)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        outcomes = list(pool.map(lambda i: send_one(args, run_id, i), range(1, args.count + 1)))
    elapsed = time.monotonic() - started
    manifest = {"run_id": run_id, "sent_at": now_iso(), "recordings": outcomes}
    if args.manifest:
        with open(args.manifest, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1)
    accepted = sum(1 for o in outcomes if o["result"] == "accepted")
    return {"run_id": run_id, "sent": len(outcomes), "accepted": accepted, "rejected": len(outcomes) - accepted,
            "errors": [o["recording_id"] + ": " + o["error"] for o in outcomes if o["result"] != "accepted"][:20],
            "seconds": round(elapsed, 3), "per_second": round(len(outcomes) / elapsed, 1) if elapsed else None,
            "_manifest": manifest}


def cmd_verify(args, manifest: dict) -> dict:
    expected = {o["recording_id"]: o["metadata"] for o in manifest["recordings"]}
    deadline = time.monotonic() + args.wait
    while True:
        listing = http("GET", args.gc_url.rstrip("/") + "/lab/recordings", timeout=args.timeout, cafile=args.gc_ca)
        if listing.status != 200:
            raise OSError("GC stand-in /lab/recordings answered %s" % listing.status)
        arrived = {r["recording_id"]: r for r in listing.json()["recordings"] if r["recording_id"] in expected}
        if len(arrived) == len(expected) or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    missing = sorted(set(expected) - set(arrived))
    bad_sha = sorted(r for r, got in arrived.items() if got["sha256"] != expected[r]["sha256"])
    bad_meta = sorted(r for r, got in arrived.items() if got["metadata"] != expected[r])
    return {"run_id": manifest["run_id"], "expected": len(expected), "arrived": len(arrived),
            "missing": missing[:50], "missing_count": len(missing), "sha256_mismatch": bad_sha,
            "metadata_mismatch": bad_meta,
            "duplicates": sum(1 for r in arrived.values() if r.get("injections", 1) > 1),
            "ok": not missing and not bad_sha and not bad_meta}


def report(args, title, summary) -> None:
    public = {k: v for k, v in summary.items() if not k.startswith("_")}
    if args.json:
        print(json.dumps({title: public}, sort_keys=True))
        return
    print("== %s" % title)
    for key, value in public.items():
        print("  %-18s %s" % (key, value))


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = p.add_subparsers(dest="command", required=True)
    send = argparse.ArgumentParser(add_help=False)
    send.add_argument("--count", type=int, default=10, help="recordings to send (10)")
    send.add_argument("--size", type=int, default=16384, help="bytes per recording (16384)")
    send.add_argument("--concurrency", type=int, default=4, help="parallel senders (4)")
    send.add_argument("--webdav-url", required=True, help="WebDAV recordings root, e.g. http://webdav/recordings")
    send.add_argument("--webdav-user", default=os.environ.get("MCP_WEBDAV_USERNAME", "mcp"))
    send.add_argument("--webdav-password", default=os.environ.get("MCP_WEBDAV_PASSWORD"),
                      help="or MCP_WEBDAV_PASSWORD in the environment")
    send.add_argument("--lb-url", required=True, help="load balancer base URL, e.g. http://lb:8080")
    send.add_argument("--metadata-path", default=RECORDINGS_PATH, help="(%s)" % RECORDINGS_PATH)
    send.add_argument("--retries", type=int, default=0, help="re-POSTs of refused metadata (0: EXCP must cope)")
    send.add_argument("--run-id", help="prefix of the recording ids (default: lab-<time>-<random>)")
    verify = argparse.ArgumentParser(add_help=False)
    verify.add_argument("--gc-url", required=True, help="GC stand-in base URL, e.g. https://gc-api")
    verify.add_argument("--gc-ca", help="CA file for the GC stand-in's certificate")
    verify.add_argument("--wait", type=float, default=60, help="seconds to wait for stragglers (60)")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--timeout", type=float, default=60, help="per request, seconds (60)")
    common.add_argument("--json", action="store_true", help="one JSON line per summary")
    sub.add_parser("send", parents=[send, common], help="PUT recordings, POST metadata").add_argument(
        "--manifest", help="write what was sent here (JSON)")
    sub.add_parser("verify", parents=[verify, common], help="check a manifest against GC").add_argument(
        "--manifest", required=True)
    sub.add_parser("run", parents=[send, verify, common], help="send, then verify").add_argument("--manifest")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command in ("send", "run"):
            if not args.webdav_password:
                print("ERROR: --webdav-password or MCP_WEBDAV_PASSWORD is required", file=sys.stderr)
                return 2
            sent = cmd_send(args)
            report(args, "send", sent)
            manifest = sent["_manifest"]
            if args.command == "send":
                return 0 if sent["rejected"] == 0 else 1
        else:
            with open(args.manifest, encoding="utf-8") as handle:
                manifest = json.load(handle)
        checked = cmd_verify(args, manifest)
        report(args, "verify", checked)
        return 0 if checked["ok"] and (args.command == "verify" or sent["rejected"] == 0) else 1
    except OSError as exc:
        print("ERROR: %s" % exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
