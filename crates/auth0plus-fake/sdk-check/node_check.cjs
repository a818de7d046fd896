// The official node-auth0 (npm `auth0` 7.x) ManagementClient against the fake tenant over
// HTTPS, unchanged but for the domain and the CA (NODE_EXTRA_CA_CERTS).
// Run by `cargo xtask sdk-check`, which sets AUTH0_DOMAIN, AUTH0_CLIENT_ID,
// AUTH0_CLIENT_SECRET, AUTH0_CONNECTION and NODE_EXTRA_CA_CERTS. Prints one line per call.
"use strict";
const { ManagementClient } = require("auth0");

const env = process.env;
const connection = env.AUTH0_CONNECTION;
const mgmt = new ManagementClient({
  domain: env.AUTH0_DOMAIN,
  clientId: env.AUTH0_CLIENT_ID,
  clientSecret: env.AUTH0_CLIENT_SECRET,
});

let failed = 0;
async function step(name, fn) {
  try {
    const out = await fn();
    console.log(`node    ok    ${name}: ${out}`);
  } catch (e) {
    failed += 1;
    const status = e && e.statusCode !== undefined ? `${e.statusCode} ` : "";
    console.log(`node    FAIL  ${name}: ${status}${e && e.message ? e.message.split("\n")[0] : e}`);
  }
}

(async () => {
  const email = `node.${Date.now()}@example.com`;
  let user, role, org;
  await step("users.create", async () => {
    user = await mgmt.users.create({ connection, email, password: "Sw0rdfish!", user_metadata: { team: "blue" } });
    return `${user.user_id} ${user.email}`;
  });
  await step("users.get", async () => (await mgmt.users.get(user.user_id)).user_metadata.team);
  await step("users.update", async () => {
    const u = await mgmt.users.update(user.user_id, { app_metadata: { plan: "pro" } });
    return JSON.stringify(u.app_metadata);
  });
  await step("users.update weak password (400 expected)", async () => {
    try {
      await mgmt.users.update(user.user_id, { password: "weak" });
    } catch (e) {
      if (e.statusCode === 400) return `400 ${JSON.stringify(e.body)}`;
      throw e;
    }
    throw new Error("a weak password was accepted");
  });
  await step("users.listUsersByEmail", async () => (await mgmt.users.listUsersByEmail({ email })).length);
  await step("users.list", async () => (await mgmt.users.list({ per_page: 5, include_totals: true })).data.length);
  await step("roles.create", async () => {
    role = await mgmt.roles.create({ name: `node-role-${Date.now()}`, description: "from node-auth0" });
    return role.id;
  });
  await step("roles.list", async () => (await mgmt.roles.list()).data.length);
  await step("roles.users.assign", async () => {
    await mgmt.roles.users.assign(role.id, { users: [user.user_id] });
    return "assigned";
  });
  await step("roles.users.list", async () => (await mgmt.roles.users.list(role.id, { take: 10 })).data.map((u) => u.user_id).join(","));
  await step("users.roles.list", async () => (await mgmt.users.roles.list(user.user_id)).data.map((r) => r.name).join(","));
  await step("organizations.create", async () => {
    org = await mgmt.organizations.create({ name: `node-org-${Date.now()}`, display_name: "Node Org" });
    return org.id;
  });
  await step("organizations.getByName", async () => (await mgmt.organizations.getByName(org.name)).id);
  await step("organizations.members.create", async () => {
    await mgmt.organizations.members.create(org.id, { members: [user.user_id] });
    return "added";
  });
  await step("organizations.members.list", async () => (await mgmt.organizations.members.list(org.id, { take: 10 })).data.length);
  await step("connections.list by name", async () => {
    const page = await mgmt.connections.list({ name: connection });
    return page.data.map((c) => `${c.name}=${c.id}`).join(",");
  });
  await step("clients.list", async () => (await mgmt.clients.list()).data.length);
  await step("logs.list", async () => {
    const page = await mgmt.logs.list({ per_page: 10, include_totals: true });
    return page.data.map((l) => l.type).join(",");
  });
  await step("organizations.delete", async () => {
    await mgmt.organizations.delete(org.id);
    return "deleted";
  });
  await step("roles.delete", async () => {
    await mgmt.roles.delete(role.id);
    return "deleted";
  });
  await step("users.delete", async () => {
    await mgmt.users.delete(user.user_id);
    return "deleted";
  });
  process.exit(failed ? 1 : 0);
})();
