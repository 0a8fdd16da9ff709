#!/usr/bin/env python3
"""The replica tier's scenario, run by scripts/replicas against two release servers on one
PostgreSQL database behind haproxy (round-robin):

    scenario.py PROXY_URL REPLICA_A_URL REPLICA_B_URL REPLICA_A_PID DATABASE_URL METRICS_TOKEN

A person signs up, confirms their address and signs in through the proxy, and stays signed in
whichever replica answers; the sign-in throttle and the AI calls' minute window count once
across both; a tool switched off on one replica is off on the other at once; then replica A is
killed (SIGKILL) and everything carries on through B. In between, signing out everywhere
else, a password change and a sign-out through A take effect on B within one second (what B
keeps in memory is dropped by PostgreSQL's notifications). A company sign-in (OpenID Connect,
through the provider at DIGAME_REPLICA_OIDC_ISSUER: end2end/oidc-provider.mjs, started by
scripts/replicas) starts on replica A and comes back to replica B. Exits non-zero on the first
surprise.
"""
import html
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

proxy, replica_a, replica_b, pid_a, database_url, metrics_token = sys.argv[1:7]
PASSWORD = "amber-kettle-orbit-73"
jar = http.cookiejar.CookieJar()
browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
plain = urllib.request.build_opener()


def step(text):
    print(f"  - {text}", flush=True)


def send(opener, method, url, body=None, form=None, token=None, headers=None):
    data, kind = None, None
    if body is not None:
        data, kind = json.dumps(body).encode(), "application/json"
    if form is not None:
        data, kind = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=data, method=method)
    if kind:
        req.add_header("content-type", kind)
    req.add_header("accept", "application/json")
    req.add_header("origin", proxy)
    if token:
        req.add_header("authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with opener.open(req, timeout=10) as res:
            raw = res.read()
            return res.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


def expect(what, got, wanted):
    if got != wanted:
        sys.exit(f"FAILED: {what}: expected {wanted!r}, got {got!r}")


def psql(sql):
    return subprocess.run(["psql", database_url, "-qtAc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def served(replica):
    req = urllib.request.Request(replica + "/metrics")
    req.add_header("authorization", "Bearer " + metrics_token)
    with plain.open(req, timeout=5) as res:
        text = res.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("digame_http_requests_total{"))


def sign_up(email):
    status, body = send(plain, "POST", proxy + "/api/v1/auth/register",
                        {"email": email, "password": PASSWORD, "company_name": "Replica Co"})
    expect(f"registration of {email}", status, 201)
    # The development outbox answers callers on the machine itself, never through a proxy.
    with plain.open(replica_b + "/dev/outbox", timeout=10) as res:
        html = res.read().decode()
    mail = html[html.index(f'data-mail="{email}"'):]
    link = re.search(r"verify-email\?token=([A-Za-z0-9_-]+)", mail).group(1)
    status, _ = send(plain, "POST", proxy + "/api/v1/auth/verify-email", {"token": link})
    expect("address confirmed", status, 200)
    return body["tokens"]["access_token"]


stamp = int(time.time() * 1000)
admin_email = f"replicas.{stamp}@example.com"
token = sign_up(admin_email)
step("signed up and confirmed the address through the proxy")

status, _ = send(browser, "POST", proxy + "/api/auth/login",
                 form={"email": admin_email, "password": PASSWORD, "next": ""})
expect("sign-in with a cookie session", status, 200)
for i in range(8):
    status, me = send(browser, "POST", proxy + "/api/auth/me")
    expect(f"signed in on request {i}", (status, (me or {}).get("email")), (200, admin_email))
step("the cookie session holds on 8 requests, round-robin over both replicas")

status, _ = send(plain, "POST", proxy + "/api/v1/settings/api-keys",
                 {"api_keys": {"writing_service_key": "sk-replica-test-0123456789"}}, token=token)
expect("key stored", status, 200)

def write():
    return send(plain, "POST", proxy + "/api/v1/ai/writing-assistance/suggest",
                {"text": "Their going to the meeting tomorow."}, token=token)[0]

status, _ = send(browser, "POST", proxy + "/api/admin/features/set",
                 form={"flag": "writing_assistance", "enabled": "false"})
expect("tool switched off", status, 200)
expect("switched off, on both replicas", [write(), write()], [403, 403])
status, _ = send(browser, "POST", proxy + "/api/admin/features/set",
                 form={"flag": "writing_assistance", "enabled": "true"})
expect("tool switched on", status, 200)
step("a tool switched off through one replica is off on both at once")

limit = int(os.environ.get("DIGAME_AI_CALLS_PER_MINUTE", "10"))
statuses = [write() for _ in range(limit + 4)]
expect("AI calls within the minute window, across both replicas",
       statuses, [200] * limit + [429] * 4)
counted = psql("SELECT COALESCE(SUM(calls), 0) FROM ai_usage")
expect("AI calls counted once in the daily allowance", counted, str(limit))
step(f"{limit} AI calls allowed a minute across both replicas, then 429; the allowance counted {counted}")

victim = f"replicas.victim.{stamp}@example.com"
sign_up(victim)
statuses = [send(plain, "POST", proxy + "/api/v1/auth/login",
                 {"username": victim, "password": "not the password at all"})[0]
            for _ in range(6)]
expect("wrong passwords through both replicas", statuses, [401] * 5 + [429])
step("the sign-in throttle counts once across both replicas (5 failures, then 429)")

# What each replica keeps in memory (the session record, the signed-in person) is dropped on
# the other replicas within a second of a change: each device below is seen on B first, so B
# keeps it, and then changed through A.
def device():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def sign_in(opener, password):
    status, _ = send(opener, "POST", proxy + "/api/auth/login",
                     form={"email": admin_email, "password": password, "next": ""})
    expect("sign-in of another device", status, 200)


def who(opener, replica, headers=None):
    status, me = send(opener, "POST", replica + "/api/auth/me", headers=headers)
    return (me or {}).get("email") if status == 200 and isinstance(me, dict) else None


def kept_on_b(opener, headers=None):
    for _ in range(3):
        expect("signed in on replica B", who(opener, replica_b, headers), admin_email)


def within_a_second(what, done):
    start = time.monotonic()
    while not done():
        if time.monotonic() - start > 1.0:
            sys.exit(f"FAILED: {what} did not take effect on replica B within one second")
        time.sleep(0.02)
    return time.monotonic() - start


phone = device()
sign_in(phone, PASSWORD)
kept_on_b(phone)
status, _ = send(browser, "POST", replica_a + "/api/account/end-other-sessions")
expect("sign out everywhere else, through A", status, 200)
took = within_a_second("signing out everywhere else", lambda: who(phone, replica_b) is None)
expect("the device that asked stays signed in on B", who(browser, replica_b), admin_email)
step(f"'sign out everywhere else' through A ended the other session on B in {took * 1000:.0f} ms")

laptop = device()
sign_in(laptop, PASSWORD)
kept_on_b(laptop)
NEW_PASSWORD = "cobalt-harbour-lantern-58"
status, _ = send(browser, "POST", replica_a + "/api/auth/change-password",
                 form={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                       "confirm_password": NEW_PASSWORD})
expect("password changed through A", status, 200)
took = within_a_second("a password change", lambda: who(laptop, replica_b) is None)
expect("the device that changed it stays signed in on B", who(browser, replica_b), admin_email)
step(f"a password change through A ended the other session on B in {took * 1000:.0f} ms")
# The password change revoked the person's tokens too: a new one for the steps below.
status, signed_in = send(plain, "POST", proxy + "/api/v1/auth/login",
                         {"username": admin_email, "password": NEW_PASSWORD})
expect("token sign-in with the new password", status, 200)
token = signed_in["tokens"]["access_token"]

tablet_jar = http.cookiejar.CookieJar()
tablet = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(tablet_jar))
sign_in(tablet, NEW_PASSWORD)
cookie = "; ".join(f"{c.name}={c.value}" for c in tablet_jar)
kept_on_b(plain, {"cookie": cookie})
status, _ = send(tablet, "POST", replica_a + "/api/auth/logout")
expect("signed out through A", status, 200)
took = within_a_second("signing out", lambda: who(plain, replica_b, {"cookie": cookie}) is None)
step(f"a session signed out through A is refused on B in {took * 1000:.0f} ms, its cookie replayed")

# A company sign-in that starts on A and returns on B: what A kept of it (state, nonce, PKCE
# verifier) is in the session in PostgreSQL, which B reads.
issuer = os.environ.get("DIGAME_REPLICA_OIDC_ISSUER", "")
if not issuer:
    sys.exit("FAILED: DIGAME_REPLICA_OIDC_ISSUER is not set (scripts/replicas starts end2end/oidc-provider.mjs)")
status, sso = send(plain, "GET", proxy + "/api/v1/admin/sso", token=token)
expect("single sign-on settings read", status, 200)
status, client = send(plain, "POST", issuer + "/reg", {
    "redirect_uris": [sso["redirect_url"]], "token_endpoint_auth_method": "client_secret_basic",
    "grant_types": ["authorization_code"], "response_types": ["code"]})
expect("Digame registered at the provider", status, 201)
status, body = send(plain, "PUT", proxy + "/api/v1/admin/sso", {
    "issuer": issuer, "client_id": client["client_id"], "client_secret": client["client_secret"]},
    token=token)
expect("single sign-on saved", (status, body if status != 200 else None), (200, None))


class Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


stay = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), Stay())


def hop(method, url, form=None):
    """One request, no redirect followed: (status, Location, body)."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data:
        req.add_header("content-type", "application/x-www-form-urlencoded")
    try:
        with stay.open(req, timeout=10) as res:
            return res.status, res.headers.get("location"), res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("location"), e.read().decode(errors="replace")


start = sso["start_url"].replace(proxy, replica_a) + "?link=1"
status, _, page = hop("GET", start)
expect("the sign-in starts on replica A", status, 200)
url = html.unescape(re.search(r'url=([^"]+)"', page).group(1))
expect("sent on to the provider", url.startswith(issuer + "/"), True)
callback = None
for _ in range(12):
    status, location, page = hop("GET", url)
    if status in (302, 303):
        url = urllib.parse.urljoin(url, location)
        if url.startswith(sso["redirect_url"]):
            callback = url
            break
        continue
    # The provider's development pages: sign in as anyone, then consent.
    action = urllib.parse.urljoin(url, re.search(r'<form[^>]*action="([^"]+)"', page).group(1))
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    if 'name="login"' in page:
        fields.update({"login": f"replica-person-{stamp}", "password": "anything"})
    status, location, page = hop("POST", action, fields)
    expect("the provider's form answered", status in (302, 303), True)
    url = urllib.parse.urljoin(action, location)
    if url.startswith(sso["redirect_url"]):
        callback = url
        break
if callback is None:
    sys.exit("FAILED: the provider never sent the browser back to Digame")
status, location, _ = hop("GET", callback.replace(proxy, replica_b))
expect("the sign-in returns on replica B", (status, location),
       (303, "/settings/profile?linked=1#sign-in-ways"))
expect("the company sign-in is linked",
       psql(f"SELECT COUNT(*) FROM sso_identities WHERE subject = 'replica-person-{stamp}'"), "1")
step("a company sign-in started on replica A completed on replica B (linked to the account)")

a_served, b_served = served(replica_a), served(replica_b)
if a_served < 5 or b_served < 5:
    sys.exit(f"FAILED: both replicas should have served requests (A {a_served}, B {b_served})")
step(f"both replicas served: A {int(a_served)} requests, B {int(b_served)}")

os.kill(int(pid_a), signal.SIGKILL)
step("replica A killed (SIGKILL)")
time.sleep(1.5)
for i in range(6):
    status, me = send(browser, "POST", proxy + "/api/auth/me")
    expect(f"still signed in after the kill, request {i}", (status, (me or {}).get("email")),
           (200, admin_email))
status, task = send(plain, "POST", proxy + "/api/v1/tasks", {"title": "After the failover"}, token=token)
expect("a write after the failover", status, 201)
expect("the task is stored", psql(f"SELECT COUNT(*) FROM tasks WHERE title = 'After the failover'"), "1")
step("after the kill, the session and writes carry on through replica B")
print("replica scenario passed")
