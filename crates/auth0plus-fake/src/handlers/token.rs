//! `POST /oauth/token`: the client-credentials grant, JSON or form, secret in the body or
//! HTTP Basic.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::server::Resp;
use crate::state::Shared;

pub(super) fn oauth_error(status: u16, error: &str, description: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

pub(crate) fn token(shared: &Shared, auth: Option<&str>, content_type: &str, body: &[u8]) -> Resp {
    let params: Map<String, Value> = if content_type
        .starts_with("application/x-www-form-urlencoded")
    {
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return oauth_error(
                    400,
                    "invalid_request",
                    "Invalid request body: expected a JSON object",
                );
            }
            Err(_) if !content_type.starts_with("application/json") => form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
            Err(_) => {
                return oauth_error(
                    400,
                    "invalid_request",
                    "Invalid request body: not valid JSON",
                );
            }
        }
    };
    let get = |k: &str| {
        params
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let Some(grant) = get("grant_type") else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: grant_type",
        );
    };
    if grant != "client_credentials" && !super::user_world::is_user_grant(grant) {
        return oauth_error(400, "unsupported_grant_type", "Grant type not supported");
    }
    // Credentials from HTTP Basic (client_secret_basic) or the body (client_secret_post).
    let basic = auth.and_then(|a| {
        let (scheme, rest) = a.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(rest.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let dec = |s: &str| {
            percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        Some((dec(id), dec(secret)))
    });
    let (client_id, secret) = match &basic {
        Some((id, secret)) => (Some(id.as_str()), Some(secret.as_str())),
        None => (get("client_id"), get("client_secret")),
    };
    let Some(client_id) = client_id else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: client_id",
        );
    };
    if !shared.client_secret_ok(client_id, secret) {
        return oauth_error(401, "access_denied", "Unauthorized");
    }
    if grant != "client_credentials" {
        return super::user_world::user_grant(shared, grant, client_id, &params);
    }
    let Some(audience) = get("audience") else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: audience",
        );
    };
    if audience != shared.cfg.audience() {
        return oauth_error(
            403,
            "access_denied",
            &format!("Service not enabled within domain: {audience}"),
        );
    }
    // The token carries the scopes of the client's grant for the audience (issue 22).
    let Some(granted) = shared.lock().granted_scopes(client_id, audience) else {
        return oauth_error(
            403,
            "access_denied",
            &format!(
                "Client is not authorized to access \"{audience}\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
            ),
        );
    };
    let quota = match shared.cfg.token_quota.take(crate::util::now_secs()) {
        Ok(headers) => headers,
        Err(refused) => return refused,
    };
    let (access_token, scope, ttl) = shared.issue_token(client_id, &granted, get("scope"));
    let mut r = Resp::json(
        200,
        &json!({"access_token": access_token, "scope": scope, "expires_in": ttl, "token_type": "Bearer"}),
    );
    r.headers.push(("cache-control", "no-store".into()));
    r.headers.extend(quota);
    r
}
