//! What the official SDKs' wire tests showed the fake answering in shapes Auth0 never uses
//! (issue 22): list envelopes chosen from the response schema, objects named by the
//! schema's id field, server-side defaults, secrets, scopes from the client's grant, the
//! event stream, the header limit and Auth0's 404 wording.

mod common;

use auth0plus_fake::FakeTenant;
use common::{assert_error, ctx, start};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

#[tokio::test]
async fn lists_answer_the_envelopes_their_schemas_give() {
    let c = start().await;
    // `{total, page, per_page, actions}`, never `{}`
    let r = c.get("/api/v2/actions/actions?page=0&per_page=1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(keys(&r.json()), ["actions", "page", "per_page", "total"]);
    // offset with totals: `{start, limit, total, grants}`, never a bare array
    let r = c
        .get("/api/v2/grants?include_totals=true&per_page=10")
        .await;
    assert_eq!(keys(&r.json()), ["grants", "limit", "start", "total"]);
    // without include_totals the bare array the schema also allows
    assert!(c.get("/api/v2/grants").await.json().is_array());
    // a checkpoint-only list answers its envelope on the first call
    let user = c.create("a@example.com").await;
    let path = format!(
        "/api/v2/refresh-tokens?take=5&user_id={}",
        common::enc(user["user_id"].as_str().unwrap())
    );
    assert_eq!(keys(&c.get(&path).await.json()), ["refresh_tokens"]);
    // a list with both styles: `from`/`take` → `{executions, next}` envelope
    let flow = c.post("/api/v2/flows", &json!({"name": "f"})).await.json();
    let path = format!(
        "/api/v2/flows/{}/executions?take=10",
        flow["id"].as_str().unwrap()
    );
    assert_eq!(keys(&c.get(&path).await.json()), ["executions"]);
    // an organization's invitations: `{start, limit, invitations}` (no total in Auth0's)
    let org = c
        .post("/api/v2/organizations", &json!({"name": "acme"}))
        .await
        .json();
    let path = format!(
        "/api/v2/organizations/{}/invitations?include_totals=true",
        org["id"].as_str().unwrap()
    );
    assert_eq!(
        keys(&c.get(&path).await.json()),
        ["invitations", "limit", "start"]
    );
}

#[tokio::test]
async fn objects_are_named_by_their_schemas_id_field() {
    let c = start().await;
    // custom domains: `custom_domain_id`, a new one each time, listed, read, deleted
    let mut ids = Vec::new();
    for domain in ["login.acme.example", "auth.acme.example"] {
        let r = c
            .post(
                "/api/v2/custom-domains",
                &json!({"domain": domain, "type": "auth0_managed_certs"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.json()["custom_domain_id"].as_str().unwrap().to_owned());
    }
    assert_ne!(ids[0], ids[1]);
    let listed = c.get("/api/v2/custom-domains").await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let one = c.get(&format!("/api/v2/custom-domains/{}", ids[0])).await;
    assert_eq!(one.json()["domain"], "login.acme.example");
    assert_eq!(
        c.delete(&format!("/api/v2/custom-domains/{}", ids[0]))
            .await
            .status,
        204
    );
    assert_eq!(
        c.get(&format!("/api/v2/custom-domains/{}", ids[0]))
            .await
            .status,
        404
    );

    // themes: `themeId` (a copy of the default theme, renamed)
    let mut body = c.get("/api/v2/branding/themes/default").await.json();
    body.as_object_mut().unwrap().remove("themeId");
    body["displayName"] = json!("dark");
    let theme = c.post("/api/v2/branding/themes", &body).await;
    assert!(theme.status < 300, "{}", theme.text);
    let theme_id = theme.json()["themeId"].as_str().unwrap().to_owned();
    let r = c.get(&format!("/api/v2/branding/themes/{theme_id}")).await;
    assert_eq!(
        (r.status, r.json()["themeId"].clone()),
        (200, json!(theme_id))
    );

    // encryption keys: `kid`, never the same one
    let a = c
        .post(
            "/api/v2/keys/encryption",
            &json!({"type": "customer-provided-root-key"}),
        )
        .await;
    let b = c
        .post(
            "/api/v2/keys/encryption",
            &json!({"type": "customer-provided-root-key"}),
        )
        .await;
    let (a, b) = (a.json()["kid"].clone(), b.json()["kid"].clone());
    assert_ne!(a, b);
    let r = c
        .get(&format!("/api/v2/keys/encryption/{}", a.as_str().unwrap()))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // email templates: by their name
    let r = c
        .post(
            "/api/v2/email-templates",
            &json!({"template": "verify_email", "body": "<p>hi</p>", "from": "a@acme.example", "subject": "s", "syntax": "liquid", "enabled": true}),
        )
        .await;
    assert!(r.status < 300, "{}", r.text);
    let r = c.get("/api/v2/email-templates/verify_email").await;
    assert_eq!(
        (r.status, r.json()["template"].clone()),
        (200, json!("verify_email"))
    );

    // an organization's connections: by the connection's id
    let org = c
        .post("/api/v2/organizations", &json!({"name": "acme"}))
        .await
        .json();
    let org = org["id"].as_str().unwrap();
    let conn = c.tenant.connection_id().to_owned();
    let r = c
        .post(
            &format!("/api/v2/organizations/{org}/connections"),
            &json!({"connection_id": conn, "assign_membership_on_login": true}),
        )
        .await;
    assert!(r.status < 300, "{}", r.text);
    let r = c
        .get(&format!("/api/v2/organizations/{org}/connections/{conn}"))
        .await;
    assert_eq!(
        (r.status, r.json()["connection_id"].clone()),
        (200, json!(conn))
    );

    // the tenant's signing keys: a current one and the next; a rotation moves them along
    let keys_now = c.get("/api/v2/keys/signing").await.json();
    assert_eq!(keys_now.as_array().map(Vec::len), Some(2), "{keys_now}");
    let rotated = c.post("/api/v2/keys/signing/rotate", &json!({})).await;
    assert_eq!(rotated.status, 201, "{}", rotated.text);
    let kid = rotated.json()["kid"].as_str().unwrap().to_owned();
    let current = c.get(&format!("/api/v2/keys/signing/{kid}")).await.json();
    assert_eq!(current["current"], true);
    assert_eq!(
        c.get("/api/v2/keys/signing")
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

#[tokio::test]
async fn a_client_made_through_the_api_has_a_secret_it_can_rotate_and_use() {
    let c = start().await;
    let r = c
        .post(
            "/api/v2/clients",
            &json!({"name": "m2m", "app_type": "non_interactive"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let client = r.json();
    let id = client["client_id"].as_str().unwrap().to_owned();
    let secret = client["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    assert_eq!(client["grant_types"], json!(["client_credentials"]));
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(client["jwt_configuration"]["lifetime_in_seconds"], 36000);

    // with a grant for the Management API, it gets a token with exactly those scopes
    let audience = c.tenant.audience();
    let token = |secret: String| {
        let (c, id, audience) = (&c, id.clone(), audience.clone());
        async move {
            let body = json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": audience});
            c.send("POST", "/oauth/token", Some(&body), None).await
        }
    };
    let r = token(secret.clone()).await;
    assert_eq!(r.status, 403, "no grant yet: {}", r.text);
    assert_eq!(r.json()["error"], "access_denied");
    let r = c
        .post(
            "/api/v2/client-grants",
            &json!({"client_id": id, "audience": audience, "scope": ["read:users"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = token(secret.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["scope"], "read:users");

    // rotate-secret: a new secret; the old one no longer gets a token
    let r = c
        .post(&format!("/api/v2/clients/{id}/rotate-secret"), &json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rotated = r.json()["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(rotated, secret);
    assert_eq!(token(secret).await.status, 401);
    assert_eq!(token(rotated.clone()).await.status, 200);
    assert_eq!(
        c.get(&format!("/api/v2/clients/{id}")).await.json()["client_secret"],
        json!(rotated)
    );
}

#[tokio::test]
async fn a_client_with_only_read_users_gets_403_on_post_users() {
    let c = start().await;
    let client = c
        .post(
            "/api/v2/clients",
            &json!({"name": "reader", "app_type": "non_interactive"}),
        )
        .await
        .json();
    let (id, secret) = (client["client_id"].clone(), client["client_secret"].clone());
    let audience = c.tenant.audience();
    c.post(
        "/api/v2/client-grants",
        &json!({"client_id": id, "audience": audience, "scope": ["read:users"]}),
    )
    .await;
    let body = json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": audience});
    let token = c
        .send("POST", "/oauth/token", Some(&body), None)
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c.send("GET", "/api/v2/users", None, Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = c
        .send(
            "POST",
            "/api/v2/users",
            Some(&c.new_user_body("a@example.com")),
            Some(&token),
        )
        .await;
    assert_error(
        &r,
        403,
        "Insufficient scope, expected any of: create:users",
        Some("insufficient_scope"),
    );
    assert_eq!(c.tenant.user_count(), 0);
    // every operation checks its own scopes: the newer ones too
    let r = c
        .send("GET", "/api/v2/rate-limit-policies", None, Some(&token))
        .await;
    assert_error(
        &r,
        403,
        "Insufficient scope, expected any of: read:rate_limit_policies",
        Some("insufficient_scope"),
    );
}

#[tokio::test]
async fn the_tenants_own_client_starts_with_the_chosen_scopes() {
    let c = ctx(FakeTenant::builder()
        .scopes(vec!["read:users".into(), "create:users".into()])
        .start()
        .await
        .unwrap());
    assert_eq!(c.get("/api/v2/users").await.status, 200);
    assert_eq!(c.get("/api/v2/roles").await.status, 403);
    // tokens from /oauth/token carry the grant's scopes
    let body = json!({"grant_type": "client_credentials", "client_id": c.tenant.client_id(), "client_secret": c.tenant.client_secret(), "audience": c.tenant.audience()});
    let r = c.send("POST", "/oauth/token", Some(&body), None).await;
    assert_eq!(r.json()["scope"], "read:users create:users");
    let cli = auth0plus_fake::cli::parse_args(&["--scopes".into(), "read:users,read:roles".into()])
        .unwrap()
        .start()
        .await
        .unwrap();
    let c = ctx(cli);
    assert_eq!(c.get("/api/v2/roles").await.status, 200);
    assert_eq!(
        c.post("/api/v2/roles", &json!({"name": "r"})).await.status,
        403
    );
}

#[tokio::test]
async fn settings_keyed_by_a_parameter_read_as_their_default_and_404s_say_what_is_missing() {
    let c = start().await;
    // custom text of a prompt in a language is a setting, not an object: {} until set
    let r = c.get("/api/v2/prompts/login/custom-text/en").await;
    assert_eq!((r.status, r.json()), (200, json!({})));
    let set = json!({"login": {"title": "Hi"}});
    assert_eq!(
        c.send(
            "PUT",
            "/api/v2/prompts/login/custom-text/en",
            Some(&set),
            Some(&c.token)
        )
        .await
        .status,
        200
    );
    assert_eq!(
        c.get("/api/v2/prompts/login/custom-text/en").await.json(),
        set
    );
    // Auth0's wording: the kind in the singular, from the path's template
    let stream = c
        .post(
            "/api/v2/event-streams",
            &json!({"destination": {"type": "webhook", "configuration": {"webhook_endpoint": "https://hooks.example/x", "webhook_authorization": {"method": "bearer"}}}}),
        )
        .await;
    assert!(stream.status < 300, "{}", stream.text);
    let id = stream.json()["id"].as_str().unwrap().to_owned();
    let r = c
        .get(&format!("/api/v2/event-streams/{id}/deliveries/evt_nope"))
        .await;
    assert_error(
        &r,
        404,
        "The delivery does not exist.",
        Some("inexistent_delivery"),
    );
    let r = c.get("/api/v2/sessions/nope").await;
    assert_error(
        &r,
        404,
        "The session does not exist.",
        Some("inexistent_session"),
    );
}

#[tokio::test]
async fn events_are_an_event_stream() {
    let c = start().await;
    let r = c.get("/api/v2/events").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/event-stream")
    );
}

#[tokio::test]
async fn a_request_head_past_the_limit_is_431() {
    let c = start().await;
    let r = c
        .http
        .get(c.url("/api/v2/users"))
        .header("authorization", format!("Bearer {}", c.token))
        .header("x-padding", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 431);
    // a token-sized header is fine
    let r = c
        .http
        .get(c.url("/api/v2/users"))
        .header("authorization", format!("Bearer {}", c.token))
        .header("x-padding", "a".repeat(4 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn an_answer_of_one_of_several_shapes_keeps_its_own_keys() {
    let c = start().await;
    // a log stream's sink is read by its own type's schema, not the first one's
    let r = c
        .post(
            "/api/v2/log-streams",
            &json!({"type": "datadog", "name": "dd", "sink": {"datadogApiKey": "k", "datadogRegion": "us"}}),
        )
        .await;
    assert!(r.status < 300, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let got = c.get(&format!("/api/v2/log-streams/{id}")).await.json();
    assert_eq!(got["sink"]["datadogRegion"], "us", "{got}");
    assert_eq!(got["type"], "datadog");
}
