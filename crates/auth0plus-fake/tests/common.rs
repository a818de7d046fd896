//! Shared helpers for the integration tests (plain HTTP with reqwest).
#![allow(dead_code, missing_docs)]

use auth0plus_fake::FakeTenant;
use serde_json::Value;

pub struct Ctx {
    pub tenant: FakeTenant,
    pub http: reqwest::Client,
    pub token: String,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub async fn start() -> Ctx {
    ctx(FakeTenant::builder().start().await.expect("start"))
}

pub fn ctx(tenant: FakeTenant) -> Ctx {
    let token = tenant.issue_token();
    Ctx {
        tenant,
        http: reqwest::Client::new(),
        token,
    }
}

impl Ctx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.tenant.base_url())
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> Reply {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb = self.http.request(m, self.url(path));
        if let Some(t) = token {
            rb = rb.header("authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        Reply::read(rb.send().await.expect("send")).await
    }

    pub async fn raw(&self, method: &str, path: &str, ct: &str, body: Vec<u8>) -> Reply {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let resp = self
            .http
            .request(m, self.url(path))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .expect("send");
        Reply::read(resp).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, Some(&self.token)).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, Some(body), Some(&self.token)).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send("PATCH", path, Some(body), Some(&self.token))
            .await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None, Some(&self.token)).await
    }

    /// The `POST /users` body of a user with `email` in the tenant's connection.
    pub fn new_user_body(&self, email: &str) -> Value {
        serde_json::json!({"connection": self.tenant.connection(), "email": email, "password": "Passw0rd!x"})
    }

    /// A ready-to-send `POST /users` for `email`, for tests that need the raw outcome.
    pub fn create_request(&self, email: &str) -> reqwest::RequestBuilder {
        self.http
            .post(self.url("/api/v2/users"))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(self.new_user_body(email).to_string())
    }

    pub async fn create(&self, email: &str) -> Value {
        let r = self.post("/api/v2/users", &self.new_user_body(email)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json()
    }
}

impl Reply {
    async fn read(resp: reqwest::Response) -> Reply {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        Reply {
            status,
            headers,
            text,
        }
    }
}

pub fn enc(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub fn assert_error(r: &Reply, status: u16, message: &str, code: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    let v = r.json();
    assert_eq!(v["statusCode"], status, "{}", r.text);
    assert_eq!(v["message"], message, "{}", r.text);
    match code {
        Some(c) => assert_eq!(v["errorCode"], c, "{}", r.text),
        None => assert!(v.get("errorCode").is_none(), "{}", r.text),
    }
}
