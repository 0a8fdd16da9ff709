"""A new company with a confirmed address on a running server, for the test tiers that speak
to it from Python (scripts/fuzz-api.py, scripts/scim-check.py). The server must run with
DIGAME_DEV_OUTBOX=true on a loopback address: the verification link is read from /dev/outbox.
"""
import json
import re
import time
import urllib.request


def call(base, method, path, body=None, token=None):
    """A JSON request to `base + path`; the decoded answer (raises on an error status)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read() or b"null")


def sign_up(base, tag, company):
    """Registers `company` with a fresh address, confirms it; the admin's access token."""
    email = f"{tag}.{int(time.time())}@example.com"
    signed_up = call(base, "POST", "/api/v1/auth/register", {
        "email": email, "password": "amber-kettle-orbit-73", "company_name": company,
    })
    with urllib.request.urlopen(base + "/dev/outbox") as res:
        html = res.read().decode()
    mail = html[html.index(f'data-mail="{email}"'):]
    link = re.search(r"verify-email\?token=([A-Za-z0-9_-]+)", mail).group(1)
    call(base, "POST", "/api/v1/auth/verify-email", {"token": link})
    return signed_up["tokens"]["access_token"]
