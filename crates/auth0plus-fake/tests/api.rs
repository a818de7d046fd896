//! Token endpoint, auth, users CRUD and search against the fake tenant.

mod common;

use std::time::Duration;

use auth0plus_fake::{FakeTenant, Fault, RateLimit, Route};
use base64::Engine as _;
use common::{assert_error, ctx, enc, start};
use serde_json::{Value, json};

#[tokio::test]
async fn token_json_form_basic_and_errors() {
    let c = start().await;
    let t = &c.tenant;
    let aud = format!("https://{}/api/v2/", t.domain());
    let body = json!({"grant_type":"client_credentials","client_id":t.client_id(),"client_secret":t.client_secret(),"audience":aud});
    let r = c.send("POST", "/oauth/token", Some(&body), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 86400);
    let tok = v["access_token"].as_str().unwrap().to_string();
    let parts: Vec<&str> = tok.split('.').collect();
    assert_eq!(parts.len(), 3);
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], format!("https://{}/", t.domain()));
    assert_eq!(claims["sub"], format!("{}@clients", t.client_id()));
    assert_eq!(claims["aud"], aud);
    assert_eq!(claims["azp"], t.client_id());
    assert_eq!(claims["gty"], "client-credentials");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        86400
    );
    assert!(claims["scope"].as_str().unwrap().contains("read:users"));
    // the token works
    let r = c.send("GET", "/api/v2/users", None, Some(&tok)).await;
    assert_eq!(r.status, 200);

    // form body
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&audience={}",
        t.client_id(),
        t.client_secret(),
        enc(&aud)
    );
    let r = c
        .http
        .post(c.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // HTTP Basic
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        t.client_id(),
        t.client_secret()
    ));
    let r = c
        .http
        .post(c.url("/oauth/token"))
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&audience={}",
            enc(&aud)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    let cases = [
        (
            json!({"grant_type":"client_credentials","client_id":t.client_id(),"client_secret":"nope","audience":aud}),
            401,
            "access_denied",
            "Unauthorized".to_string(),
        ),
        (
            json!({"grant_type":"client_credentials","client_id":"other","client_secret":t.client_secret(),"audience":aud}),
            401,
            "access_denied",
            "Unauthorized".to_string(),
        ),
        (
            json!({"grant_type":"client_credentials","client_id":t.client_id(),"client_secret":t.client_secret(),"audience":"https://x/api/v2/"}),
            403,
            "access_denied",
            "Service not enabled within domain: https://x/api/v2/".to_string(),
        ),
        (
            json!({"grant_type":"made_up","client_id":t.client_id(),"client_secret":t.client_secret(),"audience":aud}),
            400,
            "unsupported_grant_type",
            "Grant type not supported".to_string(),
        ),
        // A grant the fake knows, which the tenant's client is not allowed (its grant_types).
        (
            json!({"grant_type":"password","client_id":t.client_id(),"client_secret":t.client_secret(),"audience":aud}),
            403,
            "unauthorized_client",
            "Grant type 'password' not allowed for the client.".to_string(),
        ),
        (
            json!({"client_id":t.client_id(),"client_secret":t.client_secret(),"audience":aud}),
            400,
            "invalid_request",
            "Missing required parameter: grant_type".to_string(),
        ),
        (
            json!({"grant_type":"client_credentials","client_id":t.client_id(),"client_secret":t.client_secret()}),
            400,
            "invalid_request",
            "Missing required parameter: audience".to_string(),
        ),
    ];
    for (body, status, error, desc) in cases {
        let r = c.send("POST", "/oauth/token", Some(&body), None).await;
        assert_eq!(r.status, status, "{body} -> {}", r.text);
        assert_eq!(r.json(), json!({"error": error, "error_description": desc}));
    }
    let r = c
        .raw(
            "POST",
            "/oauth/token",
            "application/json",
            b"{nope".to_vec(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_request");
}

#[tokio::test]
async fn token_ttl_and_expiry() {
    let t = FakeTenant::builder()
        .token_ttl(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let c = ctx(t);
    let aud = format!("https://{}/api/v2/", c.tenant.domain());
    let body = json!({"grant_type":"client_credentials","client_id":c.tenant.client_id(),"client_secret":c.tenant.client_secret(),"audience":aud});
    let r = c.send("POST", "/oauth/token", Some(&body), None).await;
    assert_eq!(r.json()["expires_in"], 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = c.get("/api/v2/users").await;
    assert_error(
        &r,
        401,
        "Expired token received for JSON Web Token validation",
        None,
    );
    assert_eq!(
        r.json()["attributes"]["error"],
        "Expired token received for JSON Web Token validation"
    );
}

#[tokio::test]
async fn bearer_and_scope_errors() {
    let c = start().await;
    let r = c.send("GET", "/api/v2/users", None, None).await;
    assert_eq!(
        r.json(),
        json!({"statusCode":401,"error":"Unauthorized","message":"Missing authentication"})
    );
    let r = c.send("GET", "/api/v2/users", None, Some("garbage")).await;
    assert_error(&r, 401, "Invalid token", None);
    let basic = c
        .http
        .get(c.url("/api/v2/users"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 401);
    c.tenant.revoke_tokens();
    let r = c.get("/api/v2/users").await;
    assert_error(&r, 401, "Invalid token", None);

    let t = FakeTenant::builder()
        .scopes(vec!["read:users".into()])
        .start()
        .await
        .unwrap();
    let c = ctx(t);
    assert_eq!(c.get("/api/v2/users").await.status, 200);
    let r = c.post("/api/v2/users", &json!({"connection":"Username-Password-Authentication","email":"a@example.com","password":"x"})).await;
    assert_error(
        &r,
        403,
        "Insufficient scope, expected any of: create:users",
        Some("insufficient_scope"),
    );
    let r = c.delete("/api/v2/users/auth0%7Cx").await;
    assert_error(
        &r,
        403,
        "Insufficient scope, expected any of: delete:users,delete:current_user",
        Some("insufficient_scope"),
    );
    assert_eq!(c.tenant.user_count(), 0);
}

#[tokio::test]
async fn create_defaults_and_conflict() {
    let c = start().await;
    let r = c
        .post("/api/v2/users", &json!({"connection":c.tenant.connection(),"email":"Chuck@Example.com","password":"Passw0rd!"}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    let u = r.json();
    let id = u["user_id"].as_str().unwrap();
    assert!(
        id.starts_with("auth0|")
            && id.len() == 30
            && id[6..].chars().all(|c| c.is_ascii_hexdigit())
    );
    assert_eq!(u["email"], "chuck@example.com");
    assert_eq!(u["name"], "chuck@example.com");
    assert_eq!(u["nickname"], "chuck");
    assert_eq!(u["email_verified"], false);
    assert_eq!(u["created_at"], u["updated_at"]);
    assert_eq!(
        u["identities"][0],
        json!({"connection":"Username-Password-Authentication","user_id":&id[6..],"provider":"auth0","isSocial":false})
    );
    let md5 = "0b79e7da7bc7877560620cf8f2cc93ae"; // md5("chuck@example.com")
    let _ = md5;
    assert!(
        u["picture"]
            .as_str()
            .unwrap()
            .ends_with("?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fch.png")
    );
    for k in [
        "user_metadata",
        "app_metadata",
        "blocked",
        "username",
        "given_name",
        "logins_count",
        "last_login",
        "password",
    ] {
        assert!(u.get(k).is_none(), "{k} should be absent");
    }
    assert!(u.as_object().unwrap().values().all(|v| !v.is_null()));
    let r = c
        .post("/api/v2/users", &json!({"connection":c.tenant.connection(),"email":"CHUCK@example.com","password":"Passw0rd!"}))
        .await;
    assert_eq!(
        r.json(),
        json!({"statusCode":409,"error":"Conflict","message":"The user already exists.","errorCode":"auth0_idp_error"})
    );
    // custom id
    let r = c
        .post("/api/v2/users", &json!({"connection":c.tenant.connection(),"email":"x@example.com","password":"Passw0rd!","user_id":"abc"}))
        .await;
    assert_eq!(r.json()["user_id"], "auth0|abc");
    // username refused without requires_username
    let r = c
        .post("/api/v2/users", &json!({"connection":c.tenant.connection(),"email":"y@example.com","password":"Passw0rd!","username":"y"}))
        .await;
    assert_error(
        &r,
        400,
        "Cannot set username for connection without requires_username.",
        None,
    );
    let r = c
        .post(
            "/api/v2/users",
            &json!({"connection":"nope","email":"z@example.com","password":"p"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(c.tenant.user_count(), 2);
}

#[tokio::test]
async fn get_delete_and_not_found() {
    let c = start().await;
    let u = c.create("a@example.com").await;
    let path = format!("/api/v2/users/{}", enc(u["user_id"].as_str().unwrap()));
    let r = c.get(&path).await;
    assert_eq!(r.json(), u);
    let r = c
        .get(&format!("{path}?fields=email,user_id&include_fields=true"))
        .await;
    assert_eq!(
        r.json(),
        json!({"email":"a@example.com","user_id":u["user_id"]})
    );
    let r = c
        .get(&format!("{path}?fields=email,user_id&include_fields=false"))
        .await;
    assert!(r.json().get("email").is_none() && r.json().get("nickname").is_some());
    for _ in 0..2 {
        let r = c.delete(&path).await;
        assert_eq!(r.status, 204);
        assert_eq!(r.text, "");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json; charset=utf-8")
        );
    }
    let r = c.get(&path).await;
    assert_eq!(
        r.json(),
        json!({"statusCode":404,"error":"Not Found","message":"The user does not exist.","errorCode":"inexistent_user"})
    );
    let r = c.get(&format!("{path}?bogus=1")).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorCode"], "invalid_query_string");
}

#[tokio::test]
async fn ids_are_one_segment() {
    let c = start().await;
    for id in [
        "auth0|a/b",
        "auth0|50%",
        "auth0|q?x=1",
        "auth0|h#frag",
        "sms|+15551234",
        "weird|a%2Fb",
    ] {
        c.tenant
            .insert_user(json!({"user_id": id, "email": "w@example.com"}));
        let r = c.get(&format!("/api/v2/users/{}", enc(id))).await;
        assert_eq!(r.status, 200, "{id}: {}", r.text);
        assert_eq!(r.json()["user_id"], id);
        let r = c
            .patch(
                &format!("/api/v2/users/{}", enc(id)),
                &json!({"nickname":"n"}),
            )
            .await;
        assert_eq!(r.status, 200, "{id}: {}", r.text);
    }
    // `%2F` stays inside the id; a raw `/` makes another segment (no route)
    let r = c.get("/api/v2/users/auth0%7Ca%2Fb").await;
    assert_eq!(r.json()["user_id"], "auth0|a/b");
    let r = c.get("/api/v2/users/auth0%7Ca/b").await;
    assert_eq!(r.status, 404);
    // raw `|` works too
    let r = c.get("/api/v2/users/auth0|50%25").await;
    assert_eq!(r.json()["user_id"], "auth0|50%");
    // invalid UTF-8 after decoding: clear 400
    let r = c.get("/api/v2/users/auth0%7C%FF").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorCode"], "invalid_uri");
    assert_eq!(c.tenant.user_count(), 6);
}

#[tokio::test]
async fn patch_rules() {
    let c = FakeTenant::builder()
        .requires_username(true)
        .start()
        .await
        .map(ctx)
        .unwrap();
    let r = c
        .post(
            "/api/v2/users",
            &json!({"connection":c.tenant.connection(),"email":"p@example.com","username":"puser","password":"Passw0rd!",
                    "user_metadata":{"a":1,"b":{"c":1}},"app_metadata":{"facts":[1]}}),
        )
        .await;
    let u = r.json();
    let path = format!("/api/v2/users/{}", enc(u["user_id"].as_str().unwrap()));
    let combos = [
        (
            "password",
            "email",
            json!({"password":"x","email":"q@example.com"}),
        ),
        (
            "password",
            "email_verified",
            json!({"password":"x","email_verified":true}),
        ),
        (
            "username",
            "email",
            json!({"username":"u","email":"q@example.com"}),
        ),
        (
            "username",
            "email_verified",
            json!({"username":"u","email_verified":true}),
        ),
        (
            "username",
            "password",
            json!({"username":"u","password":"x"}),
        ),
    ];
    for (a, b, body) in combos {
        let r = c.patch(&path, &body).await;
        assert_error(
            &r,
            400,
            &format!("Cannot update {a} and {b} simultaneously."),
            Some("invalid_body"),
        );
    }
    // email + email_verified is allowed
    let r = c
        .patch(
            &path,
            &json!({"email":"P2@example.com","email_verified":true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["email"], "p2@example.com");

    tokio::time::sleep(Duration::from_millis(5)).await;
    let r = c
        .patch(
            &path,
            &json!({"user_metadata":{"b":{"d":2},"e":3},"app_metadata":{"foo":"bar"}}),
        )
        .await;
    let v = r.json();
    assert_eq!(v["user_metadata"], json!({"a":1,"b":{"d":2},"e":3}));
    assert_eq!(v["app_metadata"], json!({"facts":[1],"foo":"bar"}));
    assert_ne!(v["updated_at"], u["updated_at"]);
    assert_eq!(v["created_at"], u["created_at"]);
    let r = c.patch(&path, &json!({"user_metadata":{"a":null}})).await;
    assert_eq!(r.json()["user_metadata"], json!({"b":{"d":2},"e":3}));
    let r = c
        .patch(&path, &json!({"user_metadata":{},"app_metadata":{}}))
        .await;
    assert_eq!(r.json()["user_metadata"], json!({}));
    assert!(r.json().get("app_metadata").is_none());
    // null on a root attribute unsets it
    let r = c
        .patch(&path, &json!({"given_name":"G","family_name":"F"}))
        .await;
    assert_eq!(r.json()["given_name"], "G");
    let r = c.patch(&path, &json!({"given_name":null})).await;
    assert!(r.json().get("given_name").is_none());
    assert_eq!(r.json()["family_name"], "F");
    // password change sets last_password_reset
    assert!(r.json().get("last_password_reset").is_none());
    let r = c
        .patch(
            &path,
            &json!({"password":"N3w!pass","connection":c.tenant.connection()}),
        )
        .await;
    assert!(r.json()["last_password_reset"].is_string());
    // GET returns the same full user
    let full = r.json();
    assert_eq!(c.get(&path).await.json(), full);
    // bad bodies leave the store unchanged
    for (body, msg) in [
        (
            json!({"nickname": 5}),
            "Payload validation error: 'Expected type string but found type integer' on property nickname.",
        ),
        (
            json!({"favorite": 1}),
            "Payload validation error: 'Additional properties not allowed: favorite'.",
        ),
        (
            json!([1]),
            "Payload validation error: 'Expected type object but found type array'.",
        ),
    ] {
        let r = c.patch(&path, &body).await;
        assert_error(&r, 400, msg, Some("invalid_body"));
    }
    let r = c
        .raw("PATCH", &path, "application/json", b"{not json".to_vec())
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorCode"], "invalid_body");
    assert_eq!(c.get(&path).await.json(), full);
    let r = c
        .patch("/api/v2/users/auth0%7Cmissing", &json!({"nickname":"x"}))
        .await;
    assert_error(&r, 404, "The user does not exist.", Some("inexistent_user"));
}

#[tokio::test]
async fn bad_bodies_and_huge() {
    let c = start().await;
    let conn = c.tenant.connection().to_string();
    for (body, msg) in [
        (
            json!({"connection": conn, "email": "a@example.com", "password": "x", "color": "red"}),
            "Payload validation error: 'Additional properties not allowed: color'.",
        ),
        (
            json!({"connection": conn, "email": 42, "password": "x"}),
            "Payload validation error: 'Expected type string but found type integer' on property email.",
        ),
        (
            json!({"connection": conn, "email": "a@example.com", "password": "x", "email_verified": "yes"}),
            "Payload validation error: 'Expected type boolean but found type string' on property email_verified.",
        ),
        (
            json!({"email": "a@example.com", "password": "x"}),
            "Payload validation error: 'Missing required property: connection'.",
        ),
        (
            json!({"connection": conn, "email": "not-an-email", "password": "x"}),
            "Payload validation error: 'Object didn't pass validation for format email: not-an-email' on property email.",
        ),
    ] {
        let r = c.post("/api/v2/users", &body).await;
        assert_error(&r, 400, msg, Some("invalid_body"));
    }
    let r = c
        .raw(
            "POST",
            "/api/v2/users",
            "application/json",
            b"email=a".to_vec(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorCode"], "invalid_body");
    let r = c
        .raw("POST", "/api/v2/users", "application/json", Vec::new())
        .await;
    assert_eq!(r.status, 400);
    let mut huge = br#"{"connection":"Username-Password-Authentication","email":"h@example.com","password":"x","user_metadata":{"blob":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'a', 1_100_000));
    huge.extend(br#""}}"#);
    let r = c
        .raw("POST", "/api/v2/users", "application/json", huge)
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["statusCode"], 413);
    assert_eq!(c.tenant.user_count(), 0);
    // the server is still fine
    c.create("ok@example.com").await;
    assert_eq!(c.tenant.user_count(), 1);
    // unknown route
    let r = c.get("/api/v2/nothing").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
}

#[tokio::test]
async fn users_by_email_is_exact_and_immediate() {
    let t = FakeTenant::builder()
        .index_delay(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let c = ctx(t);
    let u = c.create("Mixed@Example.com").await;
    let r = c
        .get("/api/v2/users-by-email?email=mixed%40example.com")
        .await;
    assert_eq!(r.json(), json!([u]));
    let r = c
        .get("/api/v2/users-by-email?email=MIXED%40example.com")
        .await;
    assert_eq!(r.json(), json!([]));
    let r = c.get("/api/v2/users-by-email?email=nope").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorCode"], "invalid_query_string");
    // search does not see it yet
    let r = c.get("/api/v2/users?include_totals=true").await;
    assert_eq!(r.json()["total"], 0);
}

#[tokio::test]
async fn list_paging_totals_fields_sort() {
    let c = start().await;
    let ids = c.tenant.seed_users(120);
    let r = c.get("/api/v2/users").await;
    let arr = r.json();
    assert_eq!(arr.as_array().unwrap().len(), 50);
    assert_eq!(arr[0]["user_id"], ids[0]);
    let r = c
        .get("/api/v2/users?include_totals=true&per_page=100&page=1&search_engine=v3")
        .await;
    let v = r.json();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["start", "limit", "length", "users", "total"]);
    assert_eq!(
        (
            v["start"].clone(),
            v["limit"].clone(),
            v["length"].clone(),
            v["total"].clone()
        ),
        (json!(100), json!(100), json!(20), json!(120))
    );
    assert_eq!(v["users"][0]["user_id"], ids[100]);
    let r = c.get("/api/v2/users?per_page=101").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errorCode"], "invalid_query_string");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Query validation error")
    );
    let r = c.get("/api/v2/users?per_page=100&page=10").await;
    assert_eq!(
        r.json(),
        json!({"statusCode":400,"error":"Bad Request","message":"You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation","errorCode":"invalid_paging"})
    );
    assert_eq!(c.get("/api/v2/users?per_page=100&page=9").await.status, 200);
    assert_eq!(c.get("/api/v2/users?per_page=50&page=19").await.status, 200);
    assert_eq!(c.get("/api/v2/users?per_page=50&page=20").await.status, 400);
    assert_eq!(c.get("/api/v2/users?per_page=30&page=33").await.status, 400); // 34*30 = 1020
    assert_eq!(c.get("/api/v2/users?page=5").await.json(), json!([])); // past the end
    let r = c.get("/api/v2/users?search_engine=v2").await;
    assert_error(
        &r,
        400,
        "You are not allowed to use search_engine=v2. Use search_engine=v3 instead.",
        Some("invalid_query_string"),
    );
    let r = c.get("/api/v2/users?search_engine=v1").await;
    assert_error(
        &r,
        400,
        "You are not allowed to use search_engine=v1.",
        Some("invalid_query_string"),
    );
    let r = c.get("/api/v2/users?foo=bar").await;
    assert_error(
        &r,
        400,
        "Query validation error: 'Additional properties not allowed: foo'.",
        Some("invalid_query_string"),
    );
    let r = c.get("/api/v2/users?per_page=abc").await;
    assert_eq!(r.status, 400);
    let r = c
        .get("/api/v2/users?fields=user_id,email&include_fields=true&per_page=2")
        .await;
    assert_eq!(r.json()[0].as_object().unwrap().len(), 2);
    let r = c
        .get("/api/v2/users?fields=email&include_fields=false&per_page=1")
        .await;
    assert!(r.json()[0].get("email").is_none() && r.json()[0].get("user_id").is_some());
    let r = c
        .get("/api/v2/users?sort=email:-1&per_page=100&page=0")
        .await;
    let emails: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = emails.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(emails, sorted);
    let r = c.get("/api/v2/users?sort=logins_count:1&per_page=3").await;
    assert_eq!(r.json()[0]["logins_count"], 0);
    let r = c.get("/api/v2/users?sort=bogus").await;
    assert_eq!(r.status, 400);
    let r = c.get("/api/v2/users?per_page=0&include_totals=true").await;
    assert_eq!(r.json()["length"], 0);
    assert_eq!(r.json()["total"], 120);
}

#[tokio::test]
async fn search_index_delay() {
    let t = FakeTenant::builder()
        .index_delay(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let c = ctx(t);
    let u = c.create("late@example.com").await;
    let path = format!("/api/v2/users/{}", enc(u["user_id"].as_str().unwrap()));
    assert_eq!(c.get(&path).await.status, 200);
    assert_eq!(c.get("/api/v2/users").await.json(), json!([]));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        c.get("/api/v2/users").await.json()[0]["user_id"],
        u["user_id"]
    );
    c.patch(&path, &json!({"nickname":"changed"})).await;
    assert_eq!(c.get("/api/v2/users").await.json()[0]["nickname"], "late");
    c.delete(&path).await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(c.get("/api/v2/users").await.json(), json!([]));
    c.tenant.set_index_delay(Duration::ZERO);
    c.create("now@example.com").await;
    assert_eq!(
        c.get("/api/v2/users")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let t = FakeTenant::builder()
        .rate_limit(RateLimit {
            per_second: 0.5,
            burst: 3,
        })
        .start()
        .await
        .unwrap();
    let c = ctx(t);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = c.get("/api/v2/users").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("3"));
        remaining.push(r.header("x-ratelimit-remaining").unwrap());
        let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(reset >= now && reset <= now + 5, "{reset} vs {now}");
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let r = c.get("/api/v2/users").await;
    assert_eq!(
        r.json(),
        json!({"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"})
    );
    assert_eq!(r.header("x-ratelimit-remaining").as_deref(), Some("0"));
    // not applied to the token endpoint or /__fake
    let aud = format!("https://{}/api/v2/", c.tenant.domain());
    let body = json!({"grant_type":"client_credentials","client_id":c.tenant.client_id(),"client_secret":c.tenant.client_secret(),"audience":aud});
    let r = c.send("POST", "/oauth/token", Some(&body), None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-ratelimit-limit").is_none());
    assert_eq!(
        c.send("GET", "/__fake/counters", None, None).await.status,
        200
    );
    assert_eq!(c.tenant.counters().count_status(Route::ListUsers, 429), 1);
    c.tenant.set_rate_limit(None);
    let r = c.get("/api/v2/users").await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn latency_knob() {
    let c = start().await;
    c.tenant.set_latency(Duration::from_millis(200));
    let t0 = std::time::Instant::now();
    c.get("/api/v2/users").await;
    assert!(t0.elapsed() >= Duration::from_millis(200));
    // The latency runs from arrival, the work inside it; every answer waits it out,
    // a refusal or an injected failure as much as a success.
    c.tenant.set_rate_limit(Some(RateLimit {
        per_second: 0.01,
        burst: 1,
    }));
    c.get("/api/v2/users").await;
    let t0 = std::time::Instant::now();
    assert_eq!(c.get("/api/v2/users").await.status, 429);
    assert!(t0.elapsed() >= Duration::from_millis(200));
    c.tenant.set_rate_limit(None);
    c.tenant
        .inject_fault(Route::ListUsers, Fault::InternalError, 1);
    let t0 = std::time::Instant::now();
    assert_eq!(c.get("/api/v2/users").await.status, 500);
    assert!(t0.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn counters() {
    let c = start().await;
    c.create("a@example.com").await;
    c.get("/api/v2/users").await;
    c.get("/api/v2/users/auth0%7Cnope").await;
    let k = c.tenant.counters();
    assert_eq!(k.count(Route::CreateUser), 1);
    assert_eq!(k.count_status(Route::GetUser, 404), 1);
    assert_eq!(k.total(), 3);
    assert_eq!(k.status(200), 1);
    let v = c.send("GET", "/__fake/counters", None, None).await.json();
    assert_eq!(v["total"], 3);
    assert_eq!(v["routes"]["create_user"]["status"]["201"], 1);
    assert_eq!(
        c.send("POST", "/__fake/reset-counters", None, None)
            .await
            .status,
        204
    );
    assert_eq!(c.tenant.counters().total(), 0);
}

#[tokio::test]
async fn password_policy_on_create_and_patch() {
    let c = start().await;
    let conn = c.tenant.connection().to_string();
    let weak = "PasswordStrengthError: Password is too weak";
    // Auth0's default for a new database connection: `good`.
    let r = c
        .post(
            "/api/v2/users",
            &json!({"connection": conn, "email": "w@example.com", "password": "HighwayToHell"}),
        )
        .await;
    assert_error(&r, 400, weak, Some("invalid_password"));
    let u = c.create("ok@example.com").await;
    let path = format!("/api/v2/users/{}", enc(u["user_id"].as_str().unwrap()));
    assert_error(
        &c.patch(&path, &json!({"password": "short1A"})).await,
        400,
        weak,
        Some("invalid_password"),
    );
    assert_eq!(
        c.patch(&path, &json!({"password": "L0nger-pass"}))
            .await
            .status,
        200
    );
    // The policy lives on the connection: changing it there changes what is accepted.
    let id = c.tenant.connection_id().to_string();
    let r = c.get(&format!("/api/v2/connections/{id}")).await;
    assert_eq!(r.json()["options"]["passwordPolicy"], "good");
    let r = c
        .patch(
            &format!("/api/v2/connections/{id}"),
            &json!({"options": {"passwordPolicy": "low"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        c.patch(&path, &json!({"password": "HighwayToHell"}))
            .await
            .status,
        200
    );
    c.tenant
        .set_password_policy(auth0plus_fake::PasswordPolicy::Excellent);
    assert_error(
        &c.patch(&path, &json!({"password": "Aaa111-xyz"})).await,
        400,
        weak,
        Some("invalid_password"),
    );
    // Nothing about the password is echoed or logged.
    let logs = c.get("/api/v2/logs?take=100").await;
    assert!(!logs.text.contains("HighwayToHell") && !logs.text.contains("L0nger"));
}

#[tokio::test]
async fn defaults_are_auth0s_rate_limit_headers_and_index_delay() {
    let c = start().await;
    let r = c.get("/api/v2/users").await;
    assert_eq!(r.header("x-ratelimit-limit").as_deref(), Some("1000"));
    assert!(r.header("x-ratelimit-remaining").is_some());
    assert!(r.header("x-ratelimit-reset").is_some());
    // Spec-driven routes carry them too.
    let r = c.get("/api/v2/clients").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.header("x-ratelimit-limit").is_some());
    // Search lags writes by default; reads by id do not.
    let u = c.create("lag@example.com").await;
    let r = c
        .get(&format!(
            "/api/v2/users?q={}",
            enc("email:\"lag@example.com\"")
        ))
        .await;
    assert_eq!(r.json(), json!([]));
    let r = c
        .get(&format!(
            "/api/v2/users/{}",
            enc(u["user_id"].as_str().unwrap())
        ))
        .await;
    assert_eq!(r.status, 200);
    // Without a limit there are no headers at all.
    let plain = ctx(FakeTenant::builder().no_rate_limit().start().await.unwrap());
    assert!(
        plain
            .get("/api/v2/users")
            .await
            .header("x-ratelimit-limit")
            .is_none()
    );
}
