"""The official auth0-python 6.8 `authentication` classes against the fake tenant over HTTPS,
unchanged but for the domain and the CA (SSL_CERT_FILE, REQUESTS_CA_BUNDLE).

Run by `cargo xtask sdk-check`, which also sets AUTH0_ASSERTION_KEY (a private key whose
public half it registered on the application) and allowed the application every grant.
Prints one line per call; exits 1 when any call fails.
"""
import json
import os
import ssl
import sys
import time
import urllib.parse
import urllib.request

from auth0.authentication import Database, GetToken, Passwordless, RevokeToken, Users
from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, TokenVerifier

env = os.environ
domain = env["AUTH0_DOMAIN"]
client_id = env["AUTH0_CLIENT_ID"]
client_secret = env["AUTH0_CLIENT_SECRET"]
connection = env["AUTH0_CONNECTION"]
failed = 0
state = {}
stamp = int(time.time() * 1000)
email = f"python.login.{stamp}@example.com"
password = "Sw0rdfish!-Login"


def step(name, fn):
    global failed
    try:
        out = fn()
        print(f"python  ok    {name}: {out}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
        failed += 1
        status = getattr(e, "status_code", "")
        print(f"python  FAIL  {name}: {status} {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)


def refused(fn, status):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        if getattr(e, "status_code", None) == status:
            return f"{status} {getattr(e, 'error_code', '')}"
        raise
    raise RuntimeError(f"expected a {status}")


def fake_code(identifier):
    """What the user would read in their inbox, from the fake's test API."""
    query = urllib.parse.urlencode({"connection": "email", "identifier": identifier})
    context = ssl.create_default_context(cafile=env["SSL_CERT_FILE"])
    with urllib.request.urlopen(f"https://{domain}/__fake/auth/passwordless-code?{query}", context=context) as r:
        return json.load(r)["code"]


database = Database(domain, client_id)
tokens = GetToken(domain, client_id, client_secret=client_secret)
step("Database.signup", lambda: database.signup(email=email, password=password, connection=connection)["_id"])
step("GetToken.login (password-realm)", lambda: (state.__setitem__("tokens", tokens.login(
    username=email, password=password, realm=connection, scope="openid profile email offline_access")),
    sorted(state["tokens"].keys()))[1])
verifier = TokenVerifier(
    signature_verifier=AsymmetricSignatureVerifier(f"https://{domain}/.well-known/jwks.json"),
    issuer=f"https://{domain}/",
    audience=client_id,
)
step("TokenVerifier.verify (the fake's JWKS)", lambda: verifier.verify(state["tokens"]["id_token"])["sub"])
step("Users.userinfo", lambda: Users(domain).userinfo(state["tokens"]["access_token"])["email"])
step("GetToken.refresh_token", lambda: sorted(tokens.refresh_token(state["tokens"]["refresh_token"]).keys()))
revoke = RevokeToken(domain, client_id, client_secret=client_secret)
step("RevokeToken.revoke_refresh_token", lambda: revoke.revoke_refresh_token(state["tokens"]["refresh_token"]) or "revoked")
step("GetToken.refresh_token after revoke (403 expected)",
     lambda: refused(lambda: tokens.refresh_token(state["tokens"]["refresh_token"]), 403))
step("Database.change_password", lambda: database.change_password(email=email, connection=connection))
other = f"python.passwordless.{stamp}@example.com"
passwordless = Passwordless(domain, client_id, client_secret=client_secret)
step("Passwordless.email (code)", lambda: passwordless.email(email=other, send="code")["email"])
step("GetToken.passwordless_login", lambda: sorted(tokens.passwordless_login(
    username=other, otp=fake_code(other), realm="email", scope="openid", audience=None).keys()))
keyed = GetToken(domain, client_id, client_assertion_signing_key=env["AUTH0_ASSERTION_KEY"],
                 client_assertion_signing_alg="RS256")
step("GetToken.client_credentials (private_key_jwt)",
     lambda: keyed.client_credentials(audience=f"https://{domain}/api/v2/")["token_type"])
sys.exit(1 if failed else 0)
