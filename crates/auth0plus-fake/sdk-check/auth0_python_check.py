"""The official auth0-python 6.8 ManagementClient against the fake tenant over HTTPS,
unchanged but for the domain and the CA (SSL_CERT_FILE).

Run by `cargo xtask sdk-check`, which sets AUTH0_DOMAIN, AUTH0_CLIENT_ID,
AUTH0_CLIENT_SECRET, AUTH0_CONNECTION and SSL_CERT_FILE. Prints one line per call; exits 1
when any call fails.
"""
import json
import os
import sys
import time

from auth0.management import ManagementClient

env = os.environ
connection = env["AUTH0_CONNECTION"]
mgmt = ManagementClient(
    domain=env["AUTH0_DOMAIN"],
    client_id=env["AUTH0_CLIENT_ID"],
    client_secret=env["AUTH0_CLIENT_SECRET"],
)
failed = 0
state = {}


def step(name, fn):
    global failed
    try:
        out = fn()
        print(f"python  ok    {name}: {out}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
        failed += 1
        status = getattr(e, "status_code", "")
        print(f"python  FAIL  {name}: {status} {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)


def weak_password():
    try:
        mgmt.users.update(state["user"].user_id, password="weak")
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status_code", None) == 400:
            return f"400 {json.dumps(getattr(e, 'body', None))}"
        raise
    raise RuntimeError("a weak password was accepted")


stamp = int(time.time() * 1000)
email = f"python.{stamp}@example.com"
step("users.create", lambda: (state.__setitem__("user", mgmt.users.create(
    connection=connection, email=email, password="Sw0rdfish!", user_metadata={"team": "blue"})),
    state["user"].user_id)[1])
step("users.get", lambda: mgmt.users.get(state["user"].user_id).user_metadata)
step("users.update", lambda: mgmt.users.update(state["user"].user_id, app_metadata={"plan": "pro"}).app_metadata)
step("users.update weak password (400 expected)", weak_password)
step("users.list_users_by_email", lambda: len(mgmt.users.list_users_by_email(email=email)))
step("users.list", lambda: len(list(mgmt.users.list(per_page=5, include_totals=True))))
step("roles.create", lambda: (state.__setitem__("role", mgmt.roles.create(
    name=f"python-role-{stamp}", description="from auth0-python")), state["role"].id)[1])
step("roles.list", lambda: len(list(mgmt.roles.list())))
step("roles.users.assign", lambda: mgmt.roles.users.assign(state["role"].id, users=[state["user"].user_id]) or "assigned")
step("roles.users.list", lambda: [u.user_id for u in mgmt.roles.users.list(state["role"].id, take=10)])
step("users.roles.list", lambda: [r.name for r in mgmt.users.roles.list(state["user"].user_id)])
step("organizations.create", lambda: (state.__setitem__("org", mgmt.organizations.create(
    name=f"python-org-{stamp}", display_name="Python Org")), state["org"].id)[1])
step("organizations.get_by_name", lambda: mgmt.organizations.get_by_name(state["org"].name).id)
step("organizations.members.create", lambda: mgmt.organizations.members.create(
    state["org"].id, members=[state["user"].user_id]) or "added")
step("organizations.members.list", lambda: len(list(mgmt.organizations.members.list(state["org"].id, take=10))))
step("connections.list by name", lambda: [f"{c.name}={c.id}" for c in mgmt.connections.list(name=connection)])
step("clients.list", lambda: len(list(mgmt.clients.list())))
step("logs.list", lambda: [log.type for log in mgmt.logs.list(per_page=10, include_totals=True)])
step("organizations.delete", lambda: mgmt.organizations.delete(state["org"].id) or "deleted")
step("roles.delete", lambda: mgmt.roles.delete(state["role"].id) or "deleted")
step("users.delete", lambda: mgmt.users.delete(state["user"].user_id) or "deleted")
sys.exit(1 if failed else 0)
