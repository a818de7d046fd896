#!/usr/bin/env node
// Write crates/auth0plus-fake/sdk-wire/node-auth0-wire.json: node-auth0's own wire tests, as the requests its
// ManagementClient sends and the answers they expect. Run by hand, never in CI (it needs npm and a
// node-auth0 checkout); `cargo xtask sdk-wire` (the test `sdk_wire` of auth0plus-fake) replays it against the fake.
//
//   npm install --prefix /tmp/w typescript@5 auth0@6.1.0
//   node crates/auth0plus-fake/sdk-wire/extract.cjs <node-auth0 checkout at v6.1.0> /tmp/w/node_modules \
//     > crates/auth0plus-fake/sdk-wire/node-auth0-wire.json
//
// node-auth0 (https://github.com/auth0/node-auth0, MIT) has one Fern-generated test file per
// resource under src/management/tests/wire/: each test mocks one endpoint (method, path, the JSON
// body it must receive, the status and JSON body it answers) and calls one SDK method. This script
// only reads those files (with the TypeScript parser: nothing in them is run); the literals
// become JSON. To know the exact request each call sends (query parameters and their defaults,
// the body as serialized), it then makes each call with the published SDK of the same version
// (auth0@6.1.0, MIT) against a local server that records the request and answers the mocked
// status and body.
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");

const [, , checkout, modules] = process.argv;
if (!checkout || !modules) {
    console.error("usage: extract.cjs <node-auth0 checkout> <node_modules with typescript and auth0@6.1.0>");
    process.exit(2);
}
const ts = require(path.join(modules, "typescript"));
const sdkVersion = require(path.join(modules, "auth0/package.json")).version;
const { ManagementClient } = require(path.join(modules, "auth0/dist/cjs/management/Client.js"));
const wireDir = path.join(checkout, "src/management/tests/wire");

function files(dir) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? files(p) : e.name.endsWith(".test.ts") ? [p] : [];
    });
}

// A literal of the test source as JSON; anything else is an error (never evaluated).
function literal(node) {
    switch (node.kind) {
        case ts.SyntaxKind.StringLiteral:
        case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
            return node.text;
        case ts.SyntaxKind.NumericLiteral:
            return Number(node.text);
        case ts.SyntaxKind.TrueKeyword:
            return true;
        case ts.SyntaxKind.FalseKeyword:
            return false;
        case ts.SyntaxKind.NullKeyword:
            return null;
        case ts.SyntaxKind.PrefixUnaryExpression:
            if (node.operator === ts.SyntaxKind.MinusToken) return -literal(node.operand);
            break;
        case ts.SyntaxKind.ParenthesizedExpression:
        case ts.SyntaxKind.AsExpression:
            return literal(node.expression);
        case ts.SyntaxKind.ArrayLiteralExpression:
            return node.elements.map(literal);
        case ts.SyntaxKind.ObjectLiteralExpression: {
            const out = {};
            for (const p of node.properties) {
                if (p.kind !== ts.SyntaxKind.PropertyAssignment) throw new Error(`property kind ${p.kind}`);
                const key = p.name.text;
                out[key] = literal(p.initializer);
            }
            return out;
        }
        case ts.SyntaxKind.NewExpression:
            if (node.expression.getText() === "Date") return { $date: literal(node.arguments[0]) };
            break;
        case ts.SyntaxKind.Identifier:
            if (node.text === "undefined") return undefined;
            break;
    }
    throw new Error(`not a literal: ${node.getText().slice(0, 80)}`);
}

// Dates back to what the SDK takes.
function revive(v) {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === "object") {
        if (Object.keys(v).length === 1 && "$date" in v) return new Date(v.$date);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
    }
    return v;
}

function visit(node, f) {
    f(node);
    ts.forEachChild(node, (c) => visit(c, f));
}

// The mocked endpoint of a test: the chain server.mockEndpoint(..).get(path)..build().
function mock(body) {
    let found = null;
    visit(body, (n) => {
        if (found || n.kind !== ts.SyntaxKind.CallExpression) return;
        if (!n.getText().startsWith("server") || !n.getText().includes(".build()")) return;
        if (n.expression.kind !== ts.SyntaxKind.PropertyAccessExpression || n.expression.name.text !== "build") return;
        const calls = [];
        let c = n;
        while (c && c.kind === ts.SyntaxKind.CallExpression && c.expression.kind === ts.SyntaxKind.PropertyAccessExpression) {
            calls.unshift({ name: c.expression.name.text, args: c.arguments });
            c = c.expression.expression;
        }
        const m = { method: null, path: null, status: null, answer: false };
        for (const { name, args } of calls) {
            if (["get", "post", "put", "patch", "delete"].includes(name)) {
                m.method = name.toUpperCase();
                m.path = literal(args[0]);
            } else if (name === "respondWith") m.answer = true;
            else if (name === "statusCode") m.status = literal(args[0]);
            else if (name === "sseBody") m.sse = true;
        }
        found = m;
    });
    return found;
}

// The SDK call of a test: client.a.b(args).
function sdkCall(body) {
    let found = null;
    visit(body, (n) => {
        if (found || n.kind !== ts.SyntaxKind.CallExpression) return;
        const text = n.expression.getText();
        if (!/^client(\.\w+)+$/.test(text)) return;
        found = { accessor: text.split(".").slice(1), args: n.arguments.map(literal) };
    });
    return found;
}

function consts(body) {
    const out = {};
    visit(body, (n) => {
        if (n.kind === ts.SyntaxKind.VariableDeclaration && n.initializer && /^raw(Request|Response)Body$/.test(n.name.getText())) {
            out[n.name.getText()] = literal(n.initializer);
        }
    });
    return out;
}

function parse() {
    const tests = [];
    for (const file of files(wireDir).sort()) {
        const group = path.relative(wireDir, file).replace(/\.test\.ts$/, "");
        const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
        visit(src, (n) => {
            if (n.kind !== ts.SyntaxKind.CallExpression || n.expression.getText() !== "test") return;
            const name = literal(n.arguments[0]);
            const fn = n.arguments[1];
            const m = mock(fn.body);
            const call = sdkCall(fn.body);
            if (!m || !call) throw new Error(`${group} ${name}: no mock or no call`);
            const c = consts(fn.body);
            tests.push({ group, name, mock: m, call, requestBody: c.rawRequestBody, responseBody: c.rawResponseBody });
        });
    }
    return tests;
}

// Make the call against a server that records the first request and answers the mock.
async function record(test) {
    let seen = null;
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on("data", (d) => chunks.push(d));
        req.on("end", () => {
            if (!seen) {
                const url = new URL(req.url, "http://x");
                const raw = Buffer.concat(chunks).toString("utf8");
                seen = {
                    method: req.method,
                    path: url.pathname,
                    query: [...url.searchParams.entries()],
                    content_type: req.headers["content-type"] || null,
                    body: raw ? JSON.parse(raw) : null,
                };
            }
            if (test.mock.sse) {
                res.writeHead(test.mock.status, { "content-type": "text/event-stream" });
                res.end(test.responseBody);
            } else if (test.responseBody !== undefined) {
                res.writeHead(test.mock.status, { "content-type": "application/json" });
                res.end(JSON.stringify(test.responseBody));
            } else {
                res.writeHead(test.mock.status);
                res.end();
            }
        });
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${server.address().port}`;
    const client = new ManagementClient({ maxRetries: 0, token: "test", environment: base });
    let target = client;
    for (const a of test.call.accessor.slice(0, -1)) target = target[a];
    const method = test.call.accessor[test.call.accessor.length - 1];
    try {
        const result = target[method](...revive(test.call.args));
        await Promise.race([Promise.resolve(result).catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    } catch (_) {
        // the request is what matters, not the SDK's verdict on the answer
    }
    server.close();
    server.closeAllConnections();
    return seen;
}

async function main() {
    const tests = parse();
    const out = [];
    const errorMocks = {};
    for (const t of tests) {
        if (!(t.mock.status >= 200 && t.mock.status < 300)) {
            errorMocks[t.group] = (errorMocks[t.group] || 0) + 1;
            continue;
        }
        const sent = await record(t);
        if (!sent) throw new Error(`${t.group} ${t.name}: the SDK sent nothing`);
        out.push({
            group: t.group,
            name: t.name,
            sdk: t.call.accessor.join("."),
            method: sent.method,
            path: sent.path,
            query: sent.query,
            body: sent.body,
            status: t.mock.status,
            answer: t.mock.sse ? { event_stream: t.responseBody } : t.responseBody === undefined ? null : t.responseBody,
        });
    }
    const doc = {
        provenance:
            `node-auth0 (https://github.com/auth0/node-auth0, MIT, Copyright (c) Auth0, Inc.) v${sdkVersion}: ` +
            "the Fern-generated wire tests in src/management/tests/wire/, each test's request as the published SDK of " +
            "that version sends it and the answer the test mocks; extracted by crates/auth0plus-fake/sdk-wire/extract.cjs.",
        license: "MIT",
        sdk_version: sdkVersion,
        tests: out,
        error_mocks: errorMocks,
    };
    process.stdout.write(JSON.stringify(doc, null, 1) + "\n");
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
