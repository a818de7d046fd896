"""Manual check: the official auth0-python SDK against the standalone fake tenant.

Usage: python3 auth0_python_check.py PATH_TO_auth0plus-fake_BINARY
(not run in CI; see ../README.md for the recorded result)
"""
import json
import subprocess
import sys

from auth0.authentication import GetToken
from auth0.management import Auth0

proc = subprocess.Popen([sys.argv[1], "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
try:
    info = json.loads(proc.stdout.readline())
    host = info["base_url"].removeprefix("http://")
    audience = f"https://{info['domain']}/api/v2/"

    tok = GetToken(host, info["client_id"], info["client_secret"], protocol="http").client_credentials(audience)
    print("token:", tok["token_type"], tok["expires_in"])

    api = Auth0(base_url=info["base_url"] + "/api/v2", token=tok["access_token"])
    u = api.users.create(connection=info["connection"], email="sdk.check@example.com", password="Passw0rd!x",
                         user_metadata={"color": "blue"})
    print("create:", u.user_id, u.name, u.nickname, u.picture[:40])
    g = api.users.get(u.user_id)
    print("get:", g.user_id, g.email, g.user_metadata)
    page = api.users.list(include_totals=True, per_page=10, search_engine="v3")
    items = list(page)
    print("list with totals:", len(items), [x.email for x in items])
    upd = api.users.update(u.user_id, user_metadata={"color": None, "size": "L"}, app_metadata={"plan": "pro"})
    print("update:", upd.user_metadata, upd.app_metadata, upd.updated_at != u.updated_at)
    try:
        api.users.create(connection=info["connection"], email="sdk.check@example.com", password="Passw0rd!x")
    except Exception as e:  # noqa: BLE001
        print("duplicate:", type(e).__name__, getattr(e, "status_code", None), getattr(e, "body", None))
    api.users.delete(u.user_id)
    try:
        api.users.get(u.user_id)
    except Exception as e:  # noqa: BLE001
        print("get after delete:", type(e).__name__, getattr(e, "status_code", None), getattr(e, "body", None))
    api.users.delete(u.user_id)
    print("second delete: ok (204)")
finally:
    proc.terminate()
