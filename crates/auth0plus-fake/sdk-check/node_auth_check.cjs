// The official node-auth0 authentication clients (npm `auth0` 7.x: `auth0/legacy`'s
// AuthenticationClient and UserInfoClient) against the fake tenant over HTTPS, unchanged
// but for the domain and the CA (NODE_EXTRA_CA_CERTS). Run by `cargo xtask sdk-check`,
// which also sets AUTH0_ASSERTION_KEY and allowed the application every grant.
"use strict";
const { AuthenticationClient, UserInfoClient } = require("auth0/legacy");

const env = process.env;
const domain = env.AUTH0_DOMAIN;
const connection = env.AUTH0_CONNECTION;
const auth = new AuthenticationClient({ domain, clientId: env.AUTH0_CLIENT_ID, clientSecret: env.AUTH0_CLIENT_SECRET });

let failed = 0;
async function step(name, fn) {
  try {
    console.log(`legacy  ok    ${name}: ${await fn()}`);
  } catch (e) {
    failed += 1;
    const status = e && e.statusCode !== undefined ? `${e.statusCode} ` : "";
    console.log(`legacy  FAIL  ${name}: ${status}${e && e.message ? e.message.split("\n")[0] : e}`);
  }
}

/** What the user would read in their inbox, from the fake's test API. */
async function fakeCode(identifier) {
  const query = new URLSearchParams({ connection: "email", identifier });
  return (await (await fetch(`https://${domain}/__fake/auth/passwordless-code?${query}`)).json()).code;
}

(async () => {
  const email = `node.login.${Date.now()}@example.com`;
  const password = "Sw0rdfish!-Login";
  let tokens;
  await step("database.signUp", async () => (await auth.database.signUp({ email, password, connection })).data.email);
  await step("oauth.passwordGrant (ID token checked by its IdTokenValidator)", async () => {
    tokens = (await auth.oauth.passwordGrant({ username: email, password, realm: connection, scope: "openid profile email offline_access" })).data;
    return Object.keys(tokens).sort().join(",");
  });
  await step("UserInfoClient.getUserInfo", async () => (await new UserInfoClient({ domain }).getUserInfo(tokens.access_token)).data.email);
  await step("oauth.refreshTokenGrant", async () => Object.keys((await auth.oauth.refreshTokenGrant({ refresh_token: tokens.refresh_token })).data).sort().join(","));
  await step("oauth.revokeRefreshToken", async () => {
    await auth.oauth.revokeRefreshToken({ token: tokens.refresh_token });
    return "revoked";
  });
  await step("oauth.refreshTokenGrant after revoke (403 expected)", async () => {
    try {
      await auth.oauth.refreshTokenGrant({ refresh_token: tokens.refresh_token });
    } catch (e) {
      if (e.statusCode === 403) return `403 ${e.error}`;
      throw e;
    }
    throw new Error("a revoked refresh token worked");
  });
  await step("database.changePassword", async () => (await auth.database.changePassword({ email, connection })).status);
  const other = `node.passwordless.${Date.now()}@example.com`;
  await step("passwordless.sendEmail (code)", async () => (await auth.passwordless.sendEmail({ email: other, send: "code" })).status);
  await step("passwordless.loginWithEmail", async () => {
    const code = await fakeCode(other);
    return Object.keys((await auth.passwordless.loginWithEmail({ email: other, code, scope: "openid" })).data).sort().join(",");
  });
  await step("oauth.clientCredentialsGrant (private_key_jwt)", async () => {
    const keyed = new AuthenticationClient({ domain, clientId: env.AUTH0_CLIENT_ID, clientAssertionSigningKey: env.AUTH0_ASSERTION_KEY, clientAssertionSigningAlg: "RS256" });
    return (await keyed.oauth.clientCredentialsGrant({ audience: `https://${domain}/api/v2/` })).data.token_type;
  });
  process.exit(failed ? 1 : 0);
})();
