"""A first script with the Python client generated from Digame's OpenAPI document
(openapi-python-client), as someone scripting against the API would write it: sign up,
confirm the address (the development outbox), sign in, store keys, list them, add a task,
read the prioritisation and page through the tasks. Every step must answer as documented;
the first that does not ends the run with its answer.

    python scripts/client-flow.py BASE_URL   (the generated package `digame_client` on PYTHONPATH)
"""
import datetime
import re
import sys
import time
import urllib.request

from digame_client import AuthenticatedClient, Client
from digame_client.api.auth import login, me, register, verify_email
from digame_client.api.keys import read, replace
from digame_client.api.tasks import create, list_, prioritize
from digame_client.models import (
    KeysReplacement,
    KeysReplacementApiKeysType0,
    LoginBody,
    PrioritizeBody,
    RegisterBody,
    TaskBody,
    VerifyEmailBody,
)

base = sys.argv[1].rstrip("/")
api = f"{base}/api/v1"
email = f"client-flow.{int(time.time() * 1000)}@example.com"
password = "quartz-meadow-lantern-58"


def expect(step, response, status):
    if response.status_code != status or response.parsed is None:
        sys.exit(f"{step}: expected {status}, got {response.status_code}: {response.content[:500]!r}")
    print(f"ok  {step} ({status})")
    return response.parsed


anonymous = Client(base_url=api)
expect(
    "sign up",
    register.sync_detailed(
        client=anonymous,
        body=RegisterBody(email=email, password=password, company_name="Client Flow Ltd"),
    ),
    201,
)

# The confirmation link, from the development outbox (the server runs with DIGAME_DEV_OUTBOX).
outbox = urllib.request.urlopen(f"{base}/dev/outbox").read().decode()
at = outbox.find(f'data-mail="{email}"')
found = re.search(r"verify-email\?token=([A-Za-z0-9_-]+)", outbox[at:]) if at >= 0 else None
if not found:
    sys.exit(f"confirm: no confirmation mail to {email} in the outbox")
expect(
    "confirm the address",
    verify_email.sync_detailed(client=anonymous, body=VerifyEmailBody(token=found.group(1))),
    200,
)

signed_in = expect(
    "sign in",
    login.sync_detailed(client=anonymous, body=LoginBody(username=email, password=password)),
    200,
)
client = AuthenticatedClient(base_url=api, token=signed_in.tokens.access_token)
who = expect("who am I", me.sync_detailed(client=client), 200)
assert who.email == email, who

keys = KeysReplacementApiKeysType0()
keys["writing_service_key"] = "sk-client-flow-0123456789WXYZ"
keys["meeting_insights_service_key"] = "sk-client-flow-0123456789ABCD"
stored = expect(
    "store keys", replace.sync_detailed(client=client, body=KeysReplacement(api_keys=keys)), 200
)
listed = expect("list keys", read.sync_detailed(client=client), 200)
masked = listed.api_keys.to_dict()
assert sorted(masked) == ["meeting_insights_service_key", "writing_service_key"], masked
assert all("0123456789" not in v for v in masked.values()), "keys come back masked"
assert masked == stored.api_keys.to_dict(), (masked, stored)

task = expect(
    "add a task",
    create.sync_detailed(
        client=client,
        body=TaskBody(title="Send the board pack", description="urgent: due before the board meets", due_on=datetime.date.today()),
    ),
    201,
)
ranked = expect(
    "read the prioritisation",
    prioritize.sync_detailed(client=client, body=PrioritizeBody(save_suggestions=False)),
    200,
)
mine = [s for s in ranked.suggestions if s.task_id == task.id]
assert mine and mine[0].factors, ranked
print(f"ok  {task.title!r} scores {mine[0].suggested}, for {len(mine[0].factors)} stated reasons")

second = expect(
    "add a second task",
    create.sync_detailed(client=client, body=TaskBody(title="Book the venue")),
    201,
)
walked = []
page = 1
while True:
    listed_tasks = expect(
        f"list the tasks, page {page}",
        list_.sync_detailed(client=client, page=page, per_page=1),
        200,
    )
    walked += [t.id for t in listed_tasks.tasks]
    if not listed_tasks.paging.has_more:
        break
    page += 1
assert sorted(walked) == sorted([task.id, second.id]), walked
print(f"ok  both tasks, one per page, over {page} pages")
