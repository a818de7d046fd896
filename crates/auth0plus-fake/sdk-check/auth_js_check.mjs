// The official @auth0/auth0-auth-js AuthClient (node-auth0's successor for the
// Authentication API) against the fake tenant over HTTPS, unchanged but for the domain and
// the CA (NODE_EXTRA_CA_CERTS). It discovers the endpoints from the fake's
// /.well-known/openid-configuration. Run by `cargo xtask sdk-check`.
import { AuthClient } from "@auth0/auth0-auth-js";
import { createRemoteJWKSet, jwtVerify } from "jose";

const env = process.env;
const domain = env.AUTH0_DOMAIN;
const connection = env.AUTH0_CONNECTION;
const clientId = env.AUTH0_CLIENT_ID;
const auth = new AuthClient({ domain, clientId, clientSecret: env.AUTH0_CLIENT_SECRET });

let failed = 0;
async function step(name, fn) {
  try {
    console.log(`authjs  ok    ${name}: ${await fn()}`);
  } catch (e) {
    failed += 1;
    const cause = e && e.cause && e.cause.message ? ` (${e.cause.message})` : "";
    console.log(`authjs  FAIL  ${name}: ${e && e.message ? e.message.split("\n")[0] : e}${cause}`);
  }
}

async function fakeCode(identifier) {
  const query = new URLSearchParams({ connection: "email", identifier });
  return (await (await fetch(`https://${domain}/__fake/auth/passwordless-code?${query}`)).json()).code;
}

const email = `authjs.login.${Date.now()}@example.com`;
const password = "Sw0rdfish!-Login";
let tokens;
await step("database.signUp", async () => (await auth.database.signUp({ email, password, connection })).email);
await step("getTokenByPassword (realm)", async () => {
  tokens = await auth.getTokenByPassword({ username: email, password, realm: connection, scope: "openid profile email offline_access" });
  return `id token ${Boolean(tokens.idToken)}, refresh token ${Boolean(tokens.refreshToken)}`;
});
await step("ID token against the fake's JWKS (jose, the SDK's verifier library)", async () => {
  const jwks = createRemoteJWKSet(new URL(`https://${domain}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(tokens.idToken, jwks, { issuer: `https://${domain}/`, audience: clientId });
  return payload.sub;
});
await step("getUserInfo", async () => (await auth.getUserInfo({ accessToken: tokens.accessToken })).email);
await step("getTokenByRefreshToken", async () => `expires at ${(await auth.getTokenByRefreshToken({ refreshToken: tokens.refreshToken })).expiresAt}`);
await step("revokeToken", async () => {
  await auth.revokeToken({ token: tokens.refreshToken });
  return "revoked";
});
await step("getTokenByRefreshToken after revoke (refused expected)", async () => {
  try {
    await auth.getTokenByRefreshToken({ refreshToken: tokens.refreshToken });
  } catch (e) {
    return `refused: ${e.cause ? e.cause.error : e.message}`;
  }
  throw new Error("a revoked refresh token worked");
});
await step("database.changePassword", async () => await auth.database.changePassword({ email, connection }));
const other = `authjs.passwordless.${Date.now()}@example.com`;
await step("passwordless.sendEmail (code)", async () => {
  await auth.passwordless.sendEmail({ email: other, send: "code" });
  return "sent";
});
await step("getTokenByPasswordlessEmail", async () => `id token ${Boolean((await auth.getTokenByPasswordlessEmail({ email: other, code: await fakeCode(other), scope: "openid" })).idToken)}`);
await step("getTokenByClientCredentials (private_key_jwt)", async () => {
  const keyed = new AuthClient({ domain, clientId, clientAssertionSigningKey: env.AUTH0_ASSERTION_KEY, clientAssertionSigningAlg: "RS256" });
  return `expires at ${(await keyed.getTokenByClientCredentials({ audience: `https://${domain}/api/v2/` })).expiresAt}`;
});
process.exit(failed ? 1 : 0);
