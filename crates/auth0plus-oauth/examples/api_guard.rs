//! A Rust API guarded by Auth0 access tokens: an axum route that answers only
//! bearer tokens the tenant signed for this API with the scope it needs.
//!
//! `cargo run -p auth0plus-oauth --example api_guard` starts a fake tenant
//! and the API on loopback, then calls the route three times: without a
//! token (401), with a token lacking the scope (403), with a good one (200).
//! In production, build the verifier with
//! `AccessTokenVerifier::new("tenant.eu.auth0.com", "https://api.example")`.
//! axum is a dependency of this example only, never of the library.

use std::sync::Arc;

use auth0plus_oauth::{AccessTokenVerifier, Domain, TokenProblem};
use auth0plus_transport::{Bytes, HttpBackend as _, ReqwestBackend, SharedBackend, epoch_seconds};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

const API: &str = "https://messages.api.example";

/// `GET /messages`: needs `read:messages`.
async fn messages(
    State(verifier): State<Arc<AccessTokenVerifier>>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = bearer else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "missing bearer token"})),
        );
    };
    let claims = match verifier.verify(token).await {
        Ok(claims) => claims,
        Err(e) => {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": e.to_string()})),
            );
        }
    };
    match claims.require_scopes(&["read:messages"]) {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({"for": claims.sub, "messages": ["hello"]})),
        ),
        Err(e) if e.token_problem() == Some(TokenProblem::Scope) => {
            (StatusCode::FORBIDDEN, Json(json!({"error": e.to_string()})))
        }
        Err(e) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": e.to_string()})),
        ),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tenant = auth0plus_fake::FakeTenant::start().await?;
    let domain: Domain = tenant.domain().parse()?;
    let verifier = AccessTokenVerifier::with_base_url(
        &domain,
        API,
        tenant.base_url(),
        SharedBackend::new(ReqwestBackend::new()?),
    );
    let app = Router::new()
        .route("/messages", get(messages))
        .with_state(Arc::new(verifier));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/messages", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // Tokens as the tenant would issue them for the API (signed with its key).
    let now = epoch_seconds(std::time::SystemTime::now());
    let token = |scope: &str| {
        tenant.sign_token(&json!({
            "iss": format!("https://{domain}/"), "sub": "auth0|ada", "aud": API,
            "iat": now, "exp": now + 600, "scope": scope,
        }))
    };
    let client = ReqwestBackend::new()?;
    for (what, bearer) in [
        ("no token", None),
        ("without read:messages", Some(token("write:messages"))),
        ("with read:messages", Some(token("read:messages"))),
    ] {
        let mut request = http::Request::get(&url);
        if let Some(bearer) = bearer {
            request = request.header("authorization", format!("Bearer {bearer}"));
        }
        let response = client.send(request.body(Bytes::new())?).await?;
        println!(
            "{what}: {} {}",
            response.status(),
            String::from_utf8_lossy(response.body())
        );
    }
    Ok(())
}
