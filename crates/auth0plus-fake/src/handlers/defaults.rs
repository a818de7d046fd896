//! What Auth0 fills in when an object is created through the API without it: a client's
//! secret and grant types, a resource server's token lifetimes, a connection's realms.
//! Only what a request leaves out is filled; nothing sent is changed.

use serde_json::{Map, Value, json};

use crate::util;

/// A new client secret: 64 characters, as Auth0 generates them.
pub(super) fn client_secret() -> String {
    util::alnum(64)
}

/// Fill the defaults of a new object of `kind` (the collection's last path segment).
pub(super) fn on_create(kind: &str, object: &mut Map<String, Value>) {
    match kind {
        "clients" => client(object),
        "resource-servers" => resource_server(object),
        "connections" => connection(object),
        _ => {}
    }
}

fn fill(object: &mut Map<String, Value>, key: &str, value: Value) {
    object.entry(key.to_owned()).or_insert(value);
}

/// Auth0 generates a secret unless one is sent ("leave `client_secret` unspecified to allow
/// the generation of a safe secret", POST /clients docs); the grant types an application
/// type gets by default ("Application Grant Types" docs); a public application (SPA,
/// native) authenticates with no secret at the token endpoint.
fn client(c: &mut Map<String, Value>) {
    let app_type = c.get("app_type").and_then(Value::as_str).unwrap_or("");
    let public = matches!(app_type, "spa" | "native");
    let grants: &[&str] = match app_type {
        "non_interactive" => &["client_credentials"],
        "spa" | "native" => &["authorization_code", "implicit", "refresh_token"],
        _ => &[
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
        ],
    };
    fill(c, "client_secret", json!(client_secret()));
    fill(c, "grant_types", json!(grants));
    fill(
        c,
        "token_endpoint_auth_method",
        json!(if public { "none" } else { "client_secret_post" }),
    );
    fill(c, "is_first_party", json!(true));
    fill(c, "global", json!(false));
    fill(c, "is_token_endpoint_ip_header_trusted", json!(false));
    fill(c, "sso_disabled", json!(false));
    fill(c, "cross_origin_authentication", json!(false));
    fill(c, "custom_login_page_on", json!(true));
    fill(
        c,
        "jwt_configuration",
        json!({"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false}),
    );
}

/// The API's documented defaults: RS256, access tokens for a day (two hours for the web),
/// no offline access, consent skipped for verifiable first-party clients, no RBAC.
fn resource_server(r: &mut Map<String, Value>) {
    fill(r, "signing_alg", json!("RS256"));
    fill(r, "token_lifetime", json!(86_400));
    fill(r, "token_lifetime_for_web", json!(7_200));
    fill(r, "allow_offline_access", json!(false));
    fill(
        r,
        "skip_consent_for_verifiable_first_party_clients",
        json!(true),
    );
    fill(r, "enforce_policies", json!(false));
    fill(r, "token_dialect", json!("access_token"));
    fill(r, "scopes", json!([]));
    fill(r, "is_system", json!(false));
}

/// A connection's realm is its name; a database connection gets the password policy a new
/// one has in the Dashboard, brute-force protection and the current strategy version.
fn connection(c: &mut Map<String, Value>) {
    if let Some(name) = c.get("name").cloned() {
        fill(c, "realms", json!([name]));
        fill(c, "display_name", name);
    }
    fill(c, "is_domain_connection", json!(false));
    fill(c, "enabled_clients", json!([]));
    let database = c.get("strategy").and_then(Value::as_str) == Some("auth0");
    let options = c.entry("options").or_insert_with(|| json!({}));
    if let (true, Some(o)) = (database, options.as_object_mut()) {
        fill(o, "passwordPolicy", json!("good"));
        fill(o, "brute_force_protection", json!(true));
        fill(o, "strategy_version", json!(2));
    }
}
