# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """The check table of connectivity_check and host_probe (module_utils/_connectivity.py argument_spec)."""

    DOCUMENTATION = r"""
options:
  checks:
    description:
      - The table of checks, one probe a row. Bad rows (unknown protocol, port out of range, empty host,
        non-positive timeout, duplicate name) are refused before any probe, with a message naming each bad check.
    type: list
    elements: dict
    suboptions:
      name:
        description: Unique name of the check, used in results and messages. Default C(<protocol>://<host>:<port>).
        type: str
      host:
        description: Name or address to probe.
        type: str
        required: true
      port:
        description:
          - TCP port. Defaults per protocol - V(http) 80, V(https) 443, V(postgres) 5432, V(redis) 6379;
            required for V(tcp) and V(tls).
        type: int
      protocol:
        description:
          - One of V(tcp), V(tls), V(http), V(https), V(postgres), V(redis).
          - Validated per row so that an error names the check (not with the argument spec's O(checks[].protocol)
            choices).
        type: str
        default: tcp
      timeout:
        description: Seconds this check may take in total. Default O(timeout).
        type: float
      required:
        description: A failing optional check (V(false)) is reported and warned about but does not fail the module.
        type: bool
        default: true
      validate_certs:
        description:
          - Verify the server certificate (chain and name) for V(tls), V(https) and V(redis) with O(checks[].tls).
          - V(postgres) follows O(checks[].sslmode) instead.
        type: bool
        default: true
      ca_path:
        description: PEM file of the CA(s) to trust, on the target host. Default the system store.
        type: path
      server_name:
        description:
          - Name to send as TLS SNI and to verify the certificate against (and the HTTP C(Host) header), when it
            differs from O(checks[].host), for example when probing by IP address.
        type: str
      method:
        description: HTTP method for V(http)/V(https).
        type: str
        default: GET
      path:
        description: HTTP path for V(http)/V(https).
        type: str
        default: /
      status_codes:
        description: Expected HTTP status codes. Default any 2xx or 3xx.
        type: list
        elements: int
      url_username:
        description: Basic auth user for V(http)/V(https).
        type: str
      url_password:
        description: Basic auth password for V(http)/V(https).
        type: str
      sslmode:
        description:
          - For V(postgres), the libpq sslmode the client will use - V(disable), V(allow), V(prefer), V(require),
            V(verify-ca) or V(verify-full). With V(require) and stricter a server that does not offer TLS fails the
            check; with V(verify-ca)/V(verify-full) the certificate is verified against O(checks[].ca_path), or
            the host's system CA bundle when that is not set.
        type: str
        default: prefer
      login_user:
        description:
          - For V(postgres), log in as this user with psycopg2 (needs the C(psycopg2) library on the target).
          - For V(redis), the ACL user name (Redis 6+); leave unset for the C(default) user.
        type: str
      login_password:
        description: Password for O(checks[].login_user) (V(postgres)) or Redis C(AUTH) (V(redis)).
        type: str
      database:
        description: For V(postgres) with O(checks[].login_user), the database to connect to.
        type: str
        default: postgres
      tls:
        description: For V(redis), connect with TLS.
        type: bool
        default: false
  timeout:
    description: Default seconds per check (connect, handshake and answer together).
    type: float
    default: 5.0
  concurrency:
    description: At most this many checks run at the same time (capped at 256).
    type: int
    default: 32
  warn_days:
    description: Warn when a certificate expires in fewer days than this.
    type: int
    default: 30
"""
