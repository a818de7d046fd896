//! The examples of `examples/`, run against the fake tenant: each example
//! file is included here as a module (`#[path]`), so its routes or
//! functions are called as its `main` would call them, with the fake
//! standing in for Auth0. To add one: write `examples/NAME.rs` with what a
//! test needs public, add its `[[example]]` (with `required-features =
//! ["fake"]`) to the manifest, and a module and a test here.

use std::time::Duration;

use auth0plus::fake::FakeTenant;
use auth0plus::prelude::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt as _;

#[allow(dead_code, reason = "its `main` serves; the test calls its router")]
#[path = "../examples/signup_service.rs"]
mod signup_service;

/// A client of `tenant`, as the example's `main` builds one.
fn client(tenant: &FakeTenant) -> Auth0 {
    Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .build()
        .expect("a valid client")
}

/// Send one request to `router`; the answer's status and JSON body.
async fn call(
    router: &axum::Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(request.body(body).expect("a request"))
        .await
        .expect("the router answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("a JSON body")
    };
    (status, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signup_service_signs_up_searches_and_deletes() {
    // Search sees writes at once here: the test is about what the service does.
    let tenant = FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .start()
        .await
        .expect("a fake tenant");
    let auth0 = client(&tenant);
    let app = signup_service::App::new(auth0.clone())
        .await
        .expect("the app");
    let router = signup_service::router(app);

    let mut ids = Vec::new();
    for email in [
        "angus@acdc.example",
        "malcolm@acdc.example",
        "bon@other.example",
    ] {
        let (status, member) = call(
            &router,
            Method::POST,
            "/signup",
            Some(json!({"email": email, "password": "Highway-2-Hell!"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{member}");
        assert_eq!(member["email"], email);
        assert!(!member.to_string().contains("Highway"), "{member}");
        ids.push(member["user_id"].as_str().expect("an id").to_owned());
    }
    // Signed up: the user, their role, their membership.
    let role = auth0
        .roles()
        .get([("name", signup_service::MEMBER_ROLE)])
        .await
        .expect("the role");
    assert_eq!(role.users().query().count().await.expect("counted"), 3);
    let org = auth0
        .organizations()
        .get([("name", signup_service::ORGANIZATION)])
        .await
        .expect("the organization");
    assert_eq!(org.members().query().count().await.expect("counted"), 3);

    // The same email again: Auth0's 409, passed on.
    let (status, error) = call(
        &router,
        Method::POST,
        "/signup",
        Some(json!({"email": "angus@acdc.example", "password": "Highway-2-Hell!"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");

    // A prefix finds what starts with it, and a hostile one finds nothing.
    let (status, found) = call(&router, Method::GET, "/users?prefix=a", None).await;
    assert_eq!(status, StatusCode::OK);
    let emails: Vec<&str> = found
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|m| m["email"].as_str())
        .collect();
    assert_eq!(emails, ["angus@acdc.example"]);
    for hostile in [
        "*",
        "a*%20OR%20email:*",
        "%22%20OR%20email:*",
        "x)%20OR%20(email:*",
    ] {
        let (status, found) = call(
            &router,
            Method::GET,
            &format!("/users?prefix={hostile}"),
            None,
        )
        .await;
        assert_eq!((status, found), (StatusCode::OK, json!([])), "{hostile}");
    }

    // Delete: gone, and their memberships with them.
    let (status, _) = call(
        &router,
        Method::DELETE,
        &format!("/users/{}", ids[0].replace('|', "%7C")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(auth0.users().get_by_id(&ids[0]).await.is_err());
    assert_eq!(org.members().query().count().await.expect("counted"), 2);
    assert_eq!(role.users().query().count().await.expect("counted"), 2);
}
