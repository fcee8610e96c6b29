# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Genesys Cloud's two host names, derived from its region: OAuth tokens come from ``login.<region>``, the REST API
answers on ``api.<region>`` (the public platform-client SDKs). Used by the filters exec_gc_hosts and
exec_inventory_problems/exec_inventory_warnings (playbooks/validate.yml) and by the roles that pass the hosts on.

Private to this collection; the API may change without notice.
"""

from __future__ import annotations

import re

# The regions the public SDKs name (../PUBLIC-FACTS.md). New regions appear: an unknown one is accepted with a
# warning, never refused.
KNOWN_REGIONS = (
    "mypurecloud.com", "usw2.pure.cloud", "use2.us-gov-pure.cloud", "cac1.pure.cloud", "mypurecloud.ie",
    "euw2.pure.cloud", "mypurecloud.de", "euc2.pure.cloud", "mypurecloud.com.au", "mypurecloud.jp",
    "apne2.pure.cloud", "apne3.pure.cloud", "aps1.pure.cloud", "sae1.pure.cloud", "mec1.pure.cloud",
)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                       r"[A-Za-z0-9])?)*$")
_HOSTPORT = re.compile(r"^(?P<host>[^:\s/]+)(:(?P<port>[0-9]{1,5}))?$")


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def _host_problem(name, value):
    """Why ``value`` (host or host:port) cannot be the host name ``name``; None when it can."""
    match = _HOSTPORT.match(value)
    if not match or not _HOSTNAME.match(match.group("host")) or (
            match.group("port") and not 1 <= int(match.group("port")) <= 65535):
        return "%s is %r: give a host name (optionally host:port), without https:// or a path" % (name, value)
    return None


def gc_hosts(region=None, api_host=None, login_host=None):
    """The Genesys Cloud hosts of a site, from ``exec_gc_region`` and the two optional overrides.

    Returns ``{region, api_host, login_host, known_region, problems, warnings}``: ``api_host`` is ``api_host`` when
    given, else ``api.<region>``; ``login_host`` is ``login_host`` when given, else ``login.<region>``. Without a
    region, one is read from an ``api_host`` of the form ``api.<region>`` (inventories written before the region
    existed keep working). A host that cannot be derived is ``""`` and a problem says what to set; a region that
    is not one of KNOWN_REGIONS is a warning naming the known ones.
    """
    region, api, login = _text(region).lower().rstrip("."), _text(api_host), _text(login_host)
    given = region
    problems, warnings = [], []
    if region:
        if region.startswith(("api.", "login.")) or not _HOSTNAME.match(region) or "." not in region:
            problems.append("exec_gc_region is %r: give the region's domain only, for example mypurecloud.com, "
                            "mypurecloud.ie or usw2.pure.cloud (the hosts api.<region> and login.<region> are "
                            "derived from it)" % region)
            region = given = ""
    elif api.lower().startswith("api.") and _HOSTNAME.match(api):
        region = api[4:].lower()
    for name, value in (("exec_gc_api_host", api), ("exec_gc_login_host", login)):
        problem = _host_problem(name, value) if value else None
        if problem:
            problems.append(problem)
    api = api or ("api." + region if region else "")
    login = login or ("login." + region if region else "")
    if not api:
        problems.append("exec_gc_region is not set: set the Genesys Cloud region of your EX org (for example "
                        "mypurecloud.com), or exec_gc_api_host and exec_gc_login_host")
    elif not login:
        problems.append("exec_gc_login_host cannot be derived from exec_gc_api_host %r: set exec_gc_region (for "
                        "example mypurecloud.com), or exec_gc_login_host, the host that issues OAuth tokens" % api)
    known = region in KNOWN_REGIONS
    if given and not known:
        warnings.append("exec_gc_region %s is not a Genesys Cloud region this collection knows (%s): it is used as "
                        "given (API %s, login %s); check its spelling, or ignore this for a new region"
                        % (given, ", ".join(KNOWN_REGIONS), api, login))
    return {"region": region, "api_host": api, "login_host": login, "known_region": known,
            "problems": problems, "warnings": warnings}


def gc_hosts_of(hvars):
    """gc_hosts() for a host's variables (a mapping with exec_gc_region, exec_gc_api_host, exec_gc_login_host)."""
    hvars = hvars or {}
    return gc_hosts(hvars.get("exec_gc_region"), hvars.get("exec_gc_api_host"), hvars.get("exec_gc_login_host"))
