//! Tokens for users: access tokens (an RS256 JWT for an API, opaque for
//! `/userinfo` only), ID tokens with the claims of the scopes asked, refresh
//! tokens with rotation and reuse detection; `/oauth/revoke` and `/userinfo`.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::clients::{Caller, authenticate};
use super::keys::sign_hs256;
use super::state::{Login, UserToken, make_room};
use super::{AuthRequest, events, missing, oauth_error, param};
use crate::handlers::{REFRESH_TOKEN_VALUES, REFRESH_TOKENS};
use crate::server::Resp;
use crate::state::{Shared, State};
use crate::util;

/// Lifetime of an ID token (Auth0's default: 36,000 s).
const ID_TOKEN_TTL: u64 = 36_000;

/// Lifetime of a user's access token (Auth0's default: 86,400 s).
const ACCESS_TOKEN_TTL: u64 = 86_400;

/// Old refresh tokens of a rotating family, digest to family id: using one
/// again is reuse, and revokes the family (Auth0's reuse detection).
const ROTATED: &str = "__rotated-refresh-tokens";

fn has_scope(scope: &str, name: &str) -> bool {
    scope.split_whitespace().any(|s| s == name)
}

/// Issue the tokens of a successful user grant: `/oauth/token`'s answer.
pub(crate) fn issue(shared: &Shared, st: &mut State, login: &Login) -> Map<String, Value> {
    let mut answer = Map::new();
    answer.insert(
        "access_token".into(),
        json!(access_token(shared, st, login)),
    );
    if has_scope(&login.scope, "openid") {
        answer.insert("id_token".into(), json!(id_token(shared, st, login)));
    }
    if has_scope(&login.scope, "offline_access") {
        answer.insert(
            "refresh_token".into(),
            json!(new_refresh_token(shared, st, login)),
        );
    }
    if !login.scope.is_empty() {
        answer.insert("scope".into(), json!(login.scope));
    }
    answer.insert("expires_in".into(), json!(ACCESS_TOKEN_TTL));
    answer.insert("token_type".into(), json!("Bearer"));
    answer
}

/// A 200 token answer, not to be cached.
pub(crate) fn answer(answer: Map<String, Value>) -> Resp {
    let mut r = Resp::json(200, &Value::Object(answer));
    r.headers.push(("cache-control", "no-store".into()));
    r.headers.push(("pragma", "no-cache".into()));
    r
}

fn access_token(shared: &Shared, st: &mut State, login: &Login) -> String {
    let now = util::now_secs();
    let token = match &login.audience {
        // Without an audience Auth0 issues an opaque token good for /userinfo only.
        None => util::alnum(32),
        Some(audience) => {
            let mut aud = vec![json!(audience)];
            if has_scope(&login.scope, "openid") {
                aud.push(json!(format!("https://{}/userinfo", shared.cfg.domain)));
            }
            let mut claims = json!({
                "iss": format!("https://{}/", shared.cfg.domain),
                "sub": login.user_id,
                "aud": if aud.len() == 1 { aud.remove(0) } else { Value::Array(aud) },
                "iat": now,
                "exp": now + ACCESS_TOKEN_TTL,
                "scope": login.scope,
                "azp": login.client_id,
                "jti": util::alnum(22),
            });
            if let Some(gty) = login.gty {
                claims["gty"] = json!(gty);
            }
            if let Some((id, _)) = &login.organization {
                claims["org_id"] = json!(id);
            }
            shared.cfg.signing.sign(&claims)
        }
    };
    let now = Instant::now();
    make_room(&mut st.auth.access, now, |t| t.expires);
    st.auth.access.insert(
        util::md5_hex(&token),
        UserToken {
            user_id: login.user_id.clone(),
            scope: login.scope.clone(),
            expires: now + Duration::from_secs(ACCESS_TOKEN_TTL),
        },
    );
    token
}

/// The profile claims `scope` asks for, from the stored user.
fn profile_claims(user: &Value, scope: &str, claims: &mut Map<String, Value>) {
    let copy = |claims: &mut Map<String, Value>, keys: &[&str]| {
        for k in keys {
            if let Some(v) = user.get(*k) {
                claims.insert((*k).to_owned(), v.clone());
            }
        }
    };
    if has_scope(scope, "profile") {
        copy(
            claims,
            &[
                "name",
                "nickname",
                "picture",
                "updated_at",
                "given_name",
                "family_name",
            ],
        );
    }
    if has_scope(scope, "email") {
        copy(claims, &["email", "email_verified"]);
    }
    if has_scope(scope, "phone") {
        copy(claims, &["phone_number", "phone_verified"]);
    }
}

fn id_token(shared: &Shared, st: &State, login: &Login) -> String {
    let now = util::now_secs();
    let mut claims = Map::new();
    if let Some(user) = st.get_user(&login.user_id) {
        profile_claims(user, &login.scope, &mut claims);
    }
    for (k, v) in [
        ("iss", json!(format!("https://{}/", shared.cfg.domain))),
        ("aud", json!(login.client_id)),
        ("sub", json!(login.user_id)),
        ("iat", json!(now)),
        ("exp", json!(now + ID_TOKEN_TTL)),
        ("auth_time", json!(login.auth_time)),
    ] {
        claims.insert(k.into(), v);
    }
    if let Some(sid) = &login.session_id {
        claims.insert("sid".into(), json!(sid));
    }
    if let Some(nonce) = &login.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    if let Some((id, name)) = &login.organization {
        claims.insert("org_id".into(), json!(id));
        claims.insert("org_name".into(), json!(name));
    }
    let claims = Value::Object(claims);
    let hs256 = st
        .store
        .get("clients", &login.client_id)
        .and_then(|c| c.pointer("/jwt_configuration/alg"))
        .and_then(Value::as_str)
        == Some("HS256");
    if hs256 {
        let secret = if login.client_id == shared.cfg.client_id {
            shared.cfg.client_secret.clone()
        } else {
            st.store
                .get("clients", &login.client_id)
                .and_then(|c| c.get("client_secret"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        sign_hs256(&claims, &secret)
    } else {
        shared.cfg.signing.sign(&claims)
    }
}

/// Whether the application rotates refresh tokens (`refresh_token.rotation_type`).
fn rotating(st: &State, client_id: &str) -> bool {
    st.store
        .get("clients", client_id)
        .and_then(|c| c.pointer("/refresh_token/rotation_type"))
        .and_then(Value::as_str)
        == Some("rotating")
}

fn new_refresh_token(shared: &Shared, st: &mut State, login: &Login) -> String {
    let token = format!("v1.{}", util::alnum(48));
    let id = util::alnum(24);
    let now = util::now_iso();
    let ip = crate::handlers::LOGIN_IP;
    st.store.insert(
        REFRESH_TOKENS,
        &id,
        json!({
            "id": id,
            "user_id": login.user_id,
            "client_id": login.client_id,
            "session_id": login.session_id,
            "created_at": now,
            "rotating": rotating(st, &login.client_id),
            "device": {"initial_ip": ip, "last_ip": ip},
            "resource_servers": [{"audience": login.audience.clone().unwrap_or_default(), "scopes": login.scope}],
        }),
    );
    st.store
        .insert(REFRESH_TOKEN_VALUES, &util::md5_hex(&token), json!(id));
    let _ = shared;
    token
}

/// Revoke a refresh token family: its record and every value naming it.
fn revoke_family(st: &mut State, id: &str) {
    st.store.remove(REFRESH_TOKENS, id);
    let values: Vec<String> = st
        .store
        .list(REFRESH_TOKEN_VALUES)
        .chain(st.store.list(ROTATED))
        .filter(|(_, v)| v.as_str() == Some(id))
        .map(|(k, _)| k.clone())
        .collect();
    for v in values {
        st.store.remove(REFRESH_TOKEN_VALUES, &v);
        st.store.remove(ROTATED, &v);
    }
}

/// The `refresh_token` grant: new tokens, a new refresh token when the
/// application rotates (the one sent then stops working; sending it again
/// revokes the family).
pub(crate) fn refresh(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    params: &Map<String, Value>,
) -> Result<Map<String, Value>, Resp> {
    let Some(token) = param(params, "refresh_token") else {
        return Err(missing("refresh_token"));
    };
    let invalid = || oauth_error(403, "invalid_grant", "Unknown or invalid refresh token.");
    let digest = util::md5_hex(token);
    if let Some(family) = st
        .store
        .get(ROTATED, &digest)
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        revoke_family(st, &family);
        return Err(invalid());
    }
    let Some(id) = st
        .store
        .get(REFRESH_TOKEN_VALUES, &digest)
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return Err(invalid());
    };
    let Some(record) = st.store.get(REFRESH_TOKENS, &id).cloned() else {
        return Err(invalid());
    };
    if record.get("client_id").and_then(Value::as_str) != Some(caller.client_id.as_str()) {
        return Err(invalid());
    }
    let user_id = record
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if st
        .get_user(&user_id)
        .is_none_or(|u| u.get("blocked").and_then(Value::as_bool) == Some(true))
    {
        return Err(invalid());
    }
    let granted = record
        .pointer("/resource_servers/0/scopes")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    // A narrower scope may be asked for, never a wider one.
    let scope = match param(params, "scope") {
        Some(asked) if asked.split_whitespace().all(|s| has_scope(&granted, s)) => asked.to_owned(),
        Some(_) => {
            return Err(oauth_error(
                403,
                "invalid_scope",
                "Scope must be a subset of the original grant.",
            ));
        }
        None => granted.clone(),
    };
    let audience = record
        .pointer("/resource_servers/0/audience")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let login = Login {
        user_id,
        client_id: caller.client_id.clone(),
        scope: scope.clone(),
        audience,
        session_id: record
            .get("session_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        auth_time: util::now_secs(),
        ..Login::default()
    };
    if let Some(o) = st
        .store
        .get_mut(REFRESH_TOKENS, &id)
        .and_then(Value::as_object_mut)
    {
        o.insert("last_exchanged_at".into(), json!(util::now_iso()));
    }
    // The refresh token is not re-issued unless rotating: issue without offline_access.
    let without_offline: Vec<&str> = scope
        .split_whitespace()
        .filter(|s| *s != "offline_access")
        .collect();
    let mut answer = issue(
        shared,
        st,
        &Login {
            scope: without_offline.join(" "),
            ..login
        },
    );
    answer.insert("scope".into(), json!(scope));
    if rotating(st, &caller.client_id) {
        let new = format!("v1.{}", util::alnum(48));
        st.store.remove(REFRESH_TOKEN_VALUES, &digest);
        st.store.insert(ROTATED, &digest, json!(id));
        st.store
            .insert(REFRESH_TOKEN_VALUES, &util::md5_hex(&new), json!(id));
        answer.insert("refresh_token".into(), json!(new));
    }
    Ok(answer)
}

/// `POST /oauth/revoke`: the refresh token (and its family) stop working.
/// An unknown token is not an error (RFC 7009).
pub(crate) fn revoke(shared: &Shared, req: &AuthRequest<'_>, params: &Map<String, Value>) -> Resp {
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, true) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(token) = param(params, "token") else {
        return missing("token");
    };
    let digest = util::md5_hex(token);
    let id = st
        .store
        .get(REFRESH_TOKEN_VALUES, &digest)
        .or_else(|| st.store.get(ROTATED, &digest))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(id) = id {
        let record = st
            .store
            .get(REFRESH_TOKENS, &id)
            .cloned()
            .unwrap_or(Value::Null);
        if record.get("client_id").and_then(Value::as_str) != Some(caller.client_id.as_str()) {
            return oauth_error(
                403,
                "invalid_request",
                "The refresh token was not issued to this client.",
            );
        }
        let user_id = record
            .get("user_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        revoke_family(&mut st, &id);
        events::write(
            shared,
            &mut st,
            &events::Event::new(
                "srrt",
                "Successful Refresh Token Revocation",
                &caller.client_id,
                &caller.ip,
                req.user_agent,
            )
            .user(&user_id),
        );
    }
    Resp::empty(200)
}

/// `GET /userinfo`: the profile a user's access token may read.
pub(crate) fn userinfo(shared: &Shared, req: &AuthRequest<'_>) -> Resp {
    let unauthorized = || Resp {
        status: 401,
        content_type: "text/plain; charset=utf-8",
        headers: vec![("www-authenticate", "Bearer error=\"invalid_token\"".into())],
        body: bytes::Bytes::from_static(b"Unauthorized"),
    };
    let token = req
        .authorization
        .and_then(|a| a.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return unauthorized();
    };
    let st = shared.lock();
    let Some(info) = st
        .auth
        .access
        .get(&util::md5_hex(token))
        .filter(|t| t.expires > Instant::now())
    else {
        return unauthorized();
    };
    if !has_scope(&info.scope, "openid") {
        return unauthorized();
    }
    let Some(user) = st.get_user(&info.user_id) else {
        return unauthorized();
    };
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(info.user_id));
    profile_claims(user, &info.scope, &mut claims);
    Resp::json(200, &Value::Object(claims))
}
