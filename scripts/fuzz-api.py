#!/usr/bin/env python3
"""The JSON API's fuzz tier: requests generated from /api/v1/openapi.json by schemathesis
against a running server, as a signed-in person with a confirmed address.

    scripts/fuzz-api.py BASE_URL [schemathesis options…]

The server must run with DIGAME_DEV_OUTBOX=true on a loopback address (the verification link
is read from /dev/outbox). Fails on any 5xx, any error not in the project's error shape, or any
answer whose status or content type the document does not allow.
"""
import json
import os
import subprocess
import sys

from verified_account import sign_up

base = sys.argv[1].rstrip("/")
HAR = "target/fuzz/requests.har"
os.makedirs(os.path.dirname(HAR), exist_ok=True)
extra = sys.argv[2:]
token = sign_up(base, "fuzz", "Fuzz Co")

command = [
    "schemathesis", "run", base + "/api/v1/openapi.json",
    "--url", base + "/api/v1",
    "--header", "Authorization: Bearer " + token,
    "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
    # These end the token the run signs in with (and the rest would then only see 401s):
    # logout, password change, refresh, and deleting the account. Switching tools off
    # would leave the tool routes only 403s to test. The integration tests cover all four.
    "--exclude-path-regex", "^/auth/(logout|password-change|refresh)$|^/account/delete$|^/admin/features/",
    "--workers", "1",
    "--no-color",
    # Every request and answer, to count below how many got past validation.
    "--report", "har", "--report-har-path", HAR,
    *extra,
]
print("running:", " ".join(c if "Bearer" not in c else "Authorization: Bearer …" for c in command), flush=True)
status = subprocess.call(command)

# How far the generated requests got: the schemas carry the parsers' rules, so most should
# pass validation and reach the feature behind it.
try:
    with open(HAR) as f:
        entries = json.load(f)["log"]["entries"]
    by_class = {}
    for e in entries:
        code = e["response"]["status"]
        key = f"{code // 100}xx" if code else "no answer"
        by_class[key] = by_class.get(key, 0) + 1
    shown = ", ".join(f"{n} {k}" for k, n in sorted(by_class.items()))
    print(f"answers to {len(entries)} generated requests: {shown}", flush=True)
except (OSError, KeyError, ValueError) as e:
    print(f"no request log to count ({e})", flush=True)
sys.exit(status)
