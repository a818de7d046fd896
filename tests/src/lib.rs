//! Shared set-up for the whole-stack tests in `tests/tests/`.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use auth0plus::fake::FakeTenant;
use auth0plus::{Auth0, Auth0Builder};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Everything a tracing subscriber wrote, from every thread: give
/// `move || captured.clone()` to `tracing_subscriber::fmt().with_writer(..)`.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// What was written so far.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

/// What most tests return.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A fake tenant limited as the benchmarks are: 50 requests a second, bursts
/// of 10.
///
/// # Panics
/// When it cannot start.
pub async fn tenant_at_50_rps() -> FakeTenant {
    FakeTenant::builder()
        .rate_limit(auth0plus::fake::RateLimit {
            per_second: 50.0,
            burst: 10,
        })
        .start()
        .await
        .expect("a fake tenant")
}

/// A client builder pointed at `tenant`: its client credentials, connection and
/// address. Tests add the retry policy (and client id) they need.
pub fn builder_for(tenant: &FakeTenant) -> Auth0Builder {
    Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
}

/// A client of `tenant` as an app configures one (credentials, connection,
/// client id), with no retries: a test sees the tenant's first answer.
pub fn fake_client(tenant: &FakeTenant) -> Auth0 {
    builder_for(tenant)
        .client_id(tenant.client_id())
        .retry_policy(auth0plus::transport::RetryPolicy::never())
        .build()
        .expect("a valid client")
}

/// A token of a realistic length: errors have the bearer token scrubbed out,
/// and a one-letter token would be scrubbed out of every message too.
pub const WIRE_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl";

/// A client for exact-wire tests against `server`: a static token, the
/// connection `db`, the client id `cid`, no retries and no throttle (a
/// wiremock server sends no rate-limit headers to pace by).
pub fn wire_client(server: &MockServer) -> Auth0 {
    Auth0::builder("acme.auth0.com")
        .token(WIRE_TOKEN)
        .base_url(server.uri())
        .default_connection("db")
        .client_id("cid")
        .retry_policy(auth0plus::transport::RetryPolicy::never())
        .throttle(false)
        .build()
        .expect("a valid client")
}

/// The ids of the fake's users, in creation order.
pub fn stored_ids(tenant: &FakeTenant) -> Vec<String> {
    tenant
        .users()
        .iter()
        .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
        .collect()
}

/// Make `server` answer `verb path` (the raw, percent-encoded path) with
/// `status` and the JSON `body`, as often as asked.
pub async fn answer(
    server: &MockServer,
    verb: &str,
    raw_path: &str,
    status: u16,
    body: serde_json::Value,
) {
    Mock::given(method(verb))
        .and(path(raw_path))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// One request as a wiremock server saw it: the raw (percent-encoded) path,
/// the query both as decoded pairs and as sent, the JSON body and the
/// headers the wire tests check. Each test compares the parts it pins.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    /// `GET`, `POST`…
    pub method: String,
    /// The path as sent: `/api/v2/users/auth0%7C1`.
    pub path: String,
    /// The query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The query as sent, `None` without one.
    pub raw_query: Option<String>,
    /// The body as JSON, `None` when empty.
    pub body: Option<serde_json::Value>,
    /// `Authorization`.
    pub authorization: Option<String>,
    /// `Auth0-Client`.
    pub telemetry: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
}

impl Seen {
    /// The value of query parameter `name` (empty when absent).
    #[must_use]
    pub fn param(&self, name: &str) -> String {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// `METHOD /raw/path?raw-query`, as on the wire.
    #[must_use]
    pub fn line(&self) -> String {
        match &self.raw_query {
            Some(q) => format!("{} {}?{q}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }

    /// The call without its headers, to compare with [`call`].
    #[must_use]
    pub fn call(&self) -> Call {
        Call {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            body: self.body.clone(),
        }
    }
}

/// A call as a test expects it: method, raw path, query pairs, body.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `GET`, `POST`…
    pub method: String,
    /// The path as sent.
    pub path: String,
    /// The query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The JSON body.
    pub body: Option<serde_json::Value>,
}

/// The call `method path?query` with `body`, as [`Seen::call`] shows it.
#[must_use]
pub fn call(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> Call {
    Call {
        method: method.to_owned(),
        path: path.to_owned(),
        query: pairs(query),
        body,
    }
}

/// Owned query pairs.
#[must_use]
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Every request `server` saw, in order.
///
/// # Panics
/// On a body that is not JSON: the calls these tests check send JSON.
pub async fn seen(server: &MockServer) -> Vec<Seen> {
    let header = |r: &wiremock::Request, name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| Seen {
            method: r.method.to_string(),
            path: r.url.path().to_owned(),
            query: r
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            raw_query: r.url.query().map(str::to_owned),
            body: (!r.body.is_empty())
                .then(|| serde_json::from_slice(&r.body).expect("a JSON body")),
            authorization: header(r, "authorization"),
            telemetry: header(r, "auth0-client"),
            content_type: header(r, "content-type"),
        })
        .collect()
}

/// The calls `server` saw, without their headers.
pub async fn calls(server: &MockServer) -> Vec<Call> {
    seen(server).await.iter().map(Seen::call).collect()
}
