//! A user's world: sessions and refresh tokens made by logging in, the brute-force
//! protection's login blocks, and authentication methods.
//!
//! - `POST /oauth/token` with the `password` (or `password-realm`) grant, once the client
//!   is allowed it (its `grant_types`), logs a user of the tenant's connection in: a session, and with `offline_access` a refresh token; the
//!   `refresh_token` grant exchanges one. Sessions and refresh tokens are stored in the
//!   generic store (`sessions`, `refresh-tokens`), so `GET`/`DELETE /sessions/{id}` and
//!   `/refresh-tokens/{id}` are served generically; the per-user lists and revoke-all are
//!   here. Deleting a user deletes them.
//! - Brute-force protection: [`BRUTE_FORCE_THRESHOLD`] consecutive wrong passwords for one
//!   user from one IP block that user from that IP (`429 too_many_attempts`, even with the
//!   right password) until `DELETE /user-blocks…` or a password change clears it. Every
//!   request reaches the fake from [`LOGIN_IP`].
//! - `POST /sessions/{id}/revoke` ends the session and the refresh tokens issued in it.
//! - `GET`/`DELETE /users/{id}/authentication-methods` list and delete what
//!   `POST /users/{id}/authentication-methods` (generic) stored, 404 for a missing user.

use serde_json::{Map, Value, json};

use super::input::invalid_query;
use super::paging::{self, ListStyle};
use super::routes::Call;
use super::token::oauth_error;
use super::users::not_found_user;
use crate::server::Resp;
use crate::state::{Shared, State};
use crate::{FakeTenant, util};

/// Auth0's default brute-force threshold: this many consecutive failures for one user from
/// one IP block the next attempts (Dashboard > Attack Protection, "Default: 10").
pub(crate) const BRUTE_FORCE_THRESHOLD: u64 = 10;

/// The IP the fake records for logins: it is reached on loopback only.
pub(crate) const LOGIN_IP: &str = "127.0.0.1";

const SESSIONS: &str = "sessions";
const REFRESH_TOKENS: &str = "refresh-tokens";
/// Failed-login counters and blocks, one per user and IP (never served as such).
const LOGIN_ATTEMPTS: &str = "__login-attempts";
/// Refresh token values (as a digest) to their ids.
const REFRESH_TOKEN_VALUES: &str = "__refresh-token-values";

/// Collections of the generic store whose items belong to a user (`user_id`): a deleted
/// user's go with them.
pub(crate) const USER_OWNED: [&str; 3] = [SESSIONS, REFRESH_TOKENS, LOGIN_ATTEMPTS];

const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";

/// The hidden singleton that holds a user's password digest.
fn password_path(user_id: &str) -> String {
    format!("users/{user_id}/__password")
}

fn digest(user_id: &str, password: &str) -> String {
    util::md5_hex(&format!("{user_id}\n{password}"))
}

/// Keep what checks `password` at login (a digest, never the password). A new password
/// also lifts the user's brute-force blocks, as in Auth0.
pub(crate) fn remember_password(st: &mut State, user_id: &str, password: &str) {
    st.store.set_singleton(
        &password_path(user_id),
        Some(json!(digest(user_id, password))),
    );
    st.store.remove_where(LOGIN_ATTEMPTS, "user_id", user_id);
}

/// The grants that act for a user.
pub(crate) fn is_user_grant(grant: &str) -> bool {
    matches!(grant, "password" | PASSWORD_REALM | "refresh_token")
}

/// `POST /sessions/{id}/revoke`: the session ends, and the refresh tokens issued in it.
pub(super) fn revoke_session(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    match st.store.remove(SESSIONS, c.param(0)) {
        None => super::generic::not_found(SESSIONS),
        Some(_) => {
            st.store
                .remove_where(REFRESH_TOKENS, "session_id", c.param(0));
            Resp::empty(202)
        }
    }
}

/// `GET /users/{user_id}/sessions`.
pub(super) fn sessions_of(shared: &Shared, c: &Call<'_>) -> Resp {
    owned_list(&shared.lock(), c.param(0), &c.query, SESSIONS, "sessions")
}

/// `GET /users/{user_id}/refresh-tokens`.
pub(super) fn refresh_tokens_of(shared: &Shared, c: &Call<'_>) -> Resp {
    owned_list(
        &shared.lock(),
        c.param(0),
        &c.query,
        REFRESH_TOKENS,
        "tokens",
    )
}

/// `DELETE /users/{user_id}/sessions`.
pub(super) fn sessions_revoke_all(shared: &Shared, c: &Call<'_>) -> Resp {
    revoke_all(&mut shared.lock(), c.param(0), SESSIONS)
}

/// `DELETE /users/{user_id}/refresh-tokens`.
pub(super) fn refresh_tokens_revoke_all(shared: &Shared, c: &Call<'_>) -> Resp {
    revoke_all(&mut shared.lock(), c.param(0), REFRESH_TOKENS)
}

/// `GET /users/{id}/authentication-methods`: what `POST` (generic) stored.
pub(super) fn authentication_methods(shared: &Shared, c: &Call<'_>) -> Resp {
    let st = shared.lock();
    let user_id = c.param(0);
    if st.get_user(user_id).is_none() {
        return not_found_user();
    }
    let items: Vec<(String, Value)> = st
        .store
        .list(&format!("users/{user_id}/authentication-methods"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    paging::answer(&c.query, items, &ListStyle::offset("authenticators"))
}

/// `DELETE /users/{id}/authentication-methods`: every one of them.
pub(super) fn authentication_methods_delete(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    let id = c.param(0);
    if st.get_user(id).is_none() {
        return not_found_user();
    }
    let path = format!("users/{id}/authentication-methods");
    let ids: Vec<String> = st.store.list(&path).map(|(k, _)| k.clone()).collect();
    for method in ids {
        st.store.remove(&path, &method);
    }
    Resp::empty(204)
}

/// `PUT /users/{id}/authentication-methods`: the user's methods become the ones sent, each
/// with a new id; the answer lists them.
pub(super) fn authentication_methods_replace(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    let id = c.param(0);
    if st.get_user(id).is_none() {
        return not_found_user();
    }
    let path = format!("users/{id}/authentication-methods");
    let old: Vec<String> = st.store.list(&path).map(|(k, _)| k.clone()).collect();
    for method in old {
        st.store.remove(&path, &method);
    }
    let now = util::now_iso();
    let mut made = Vec::new();
    for method in c.body.as_array().into_iter().flatten() {
        let mut m = method.as_object().cloned().unwrap_or_default();
        let method_id = crate::schema::uuid();
        m.insert("id".into(), json!(method_id));
        m.entry("created_at").or_insert_with(|| json!(now));
        let m = Value::Object(m);
        st.store.insert(&path, &method_id, m.clone());
        made.push(m);
    }
    Resp::json(200, &Value::Array(made))
}

/// `GET /user-blocks/{id}`: a user's login blocks.
pub(super) fn blocks_of_user(shared: &Shared, c: &Call<'_>) -> Resp {
    let st = shared.lock();
    let id = c.param(0);
    match st.get_user(id) {
        None => not_found_user(),
        Some(_) => blocks(&st, |a| owner(a) == Some(id)),
    }
}

/// `DELETE /user-blocks/{id}`: lifts a user's login blocks.
pub(super) fn unblock_user(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    let id = c.param(0);
    if st.get_user(id).is_none() {
        return not_found_user();
    }
    st.store.remove_where(LOGIN_ATTEMPTS, "user_id", id);
    Resp::empty(204)
}

/// `GET /user-blocks?identifier=`: the blocks of a username, email or phone.
pub(super) fn blocks_by_identifier(shared: &Shared, c: &Call<'_>) -> Resp {
    let Some(identifier) = identifier(&c.query) else {
        return invalid_query("'Missing required property: identifier'.");
    };
    blocks(&shared.lock(), |a| same_identifier(a, &identifier))
}

/// `DELETE /user-blocks?identifier=`: lifts them.
pub(super) fn unblock_identifier(shared: &Shared, c: &Call<'_>) -> Resp {
    let Some(identifier) = identifier(&c.query) else {
        return invalid_query("'Missing required property: identifier'.");
    };
    let mut st = shared.lock();
    let ids: Vec<String> = st
        .store
        .list(LOGIN_ATTEMPTS)
        .filter(|(_, a)| same_identifier(a, &identifier))
        .map(|(k, _)| k.clone())
        .collect();
    for key in ids {
        st.store.remove(LOGIN_ATTEMPTS, &key);
    }
    Resp::empty(204)
}

fn owner(v: &Value) -> Option<&str> {
    v.get("user_id").and_then(Value::as_str)
}

fn identifier(params: &[(String, String)]) -> Option<String> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == "identifier")
        .map(|(_, v)| v.to_lowercase())
        .filter(|v| !v.is_empty())
}

fn same_identifier(attempts: &Value, identifier: &str) -> bool {
    attempts.get("identifier").and_then(Value::as_str) == Some(identifier)
}

/// `{"blocked_for": [...]}`: the blocks (counters at the threshold) that `pick` selects.
fn blocks(st: &State, pick: impl Fn(&Value) -> bool) -> Resp {
    let blocked: Vec<Value> = st
        .store
        .list(LOGIN_ATTEMPTS)
        .filter(|(_, a)| pick(a) && failures(a) >= BRUTE_FORCE_THRESHOLD)
        .map(|(_, a)| {
            json!({
                "identifier": a.get("identifier"),
                "ip": a.get("ip"),
                "connection": a.get("connection"),
            })
        })
        .collect();
    Resp::json(200, &json!({ "blocked_for": blocked }))
}

fn failures(attempts: &Value) -> u64 {
    attempts
        .get("failures")
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// A user's sessions or refresh tokens, checkpoint-paged (a first call without `from`
/// pages with the default `take`, answering the envelope, as Auth0 does).
fn owned_list(
    st: &State,
    user_id: &str,
    params: &[(String, String)],
    collection: &str,
    items_key: &str,
) -> Resp {
    if st.get_user(user_id).is_none() {
        return not_found_user();
    }
    let items: Vec<(String, Value)> = st
        .store
        .list(collection)
        .filter(|(_, v)| owner(v) == Some(user_id))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut params = params.to_vec();
    if !paging::wants_checkpoint(&params) {
        params.push(("take".into(), "50".into()));
    }
    paging::answer(&params, items, &ListStyle::checkpoint(items_key))
}

/// Revoke every session (or refresh token) of a user: `202 Accepted`, as Auth0 answers.
fn revoke_all(st: &mut State, user_id: &str, collection: &str) -> Resp {
    if st.get_user(user_id).is_none() {
        return not_found_user();
    }
    st.store.remove_where(collection, "user_id", user_id);
    Resp::empty(202)
}

/// A non-empty string parameter of a token request.
fn param<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `POST /oauth/token` for a user (the client is already authenticated as `client_id`).
pub(crate) fn user_grant(
    shared: &Shared,
    grant: &str,
    client_id: &str,
    params: &Map<String, Value>,
) -> Resp {
    let get = |k: &str| param(params, k);
    // A client must be allowed each grant (Dashboard > Applications > Advanced > Grant
    // Types); the tenant's own client starts with `client_credentials` only.
    let allowed = shared
        .lock()
        .store
        .get("clients", client_id)
        .and_then(|c| c.get("grant_types"))
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(grant)));
    if !allowed {
        return oauth_error(
            403,
            "unauthorized_client",
            &format!("Grant type '{grant}' not allowed for the client."),
        );
    }
    if grant == "refresh_token" {
        let Some(token) = get("refresh_token") else {
            return oauth_error(
                400,
                "invalid_request",
                "Missing required parameter: refresh_token",
            );
        };
        return exchange(shared, client_id, token);
    }
    password_login(shared, grant, client_id, params)
}

/// The `password` and `password-realm` grants, for a client allowed them.
fn password_login(
    shared: &Shared,
    grant: &str,
    client_id: &str,
    params: &Map<String, Value>,
) -> Resp {
    let get = |k: &str| param(params, k);
    let (Some(username), Some(password)) = (get("username"), get("password")) else {
        let missing = if get("username").is_none() {
            "username"
        } else {
            "password"
        };
        return oauth_error(
            400,
            "invalid_request",
            &format!("Missing required parameter: {missing}"),
        );
    };
    let wrong = || oauth_error(403, "invalid_grant", "Wrong email or password.");
    if grant == PASSWORD_REALM && get("realm") != Some(shared.cfg.connection.as_str()) {
        return wrong();
    }
    let identifier = username.to_lowercase();
    let mut st = shared.lock();
    let Some(user) = find_login(&st, &identifier) else {
        return wrong();
    };
    let user_id = owner(&user).unwrap_or_default().to_string();
    if user.get("blocked").and_then(Value::as_bool) == Some(true) {
        return oauth_error(401, "unauthorized", "user is blocked");
    }
    let key = format!("{user_id}\n{LOGIN_IP}");
    let failed = st.store.get(LOGIN_ATTEMPTS, &key).map_or(0, failures);
    if failed >= BRUTE_FORCE_THRESHOLD {
        return oauth_error(
            429,
            "too_many_attempts",
            "Your account has been blocked after multiple consecutive login attempts.",
        );
    }
    let stored = st.store.singleton(&password_path(&user_id)).cloned();
    if stored.as_ref().and_then(Value::as_str) != Some(digest(&user_id, password).as_str()) {
        st.store.insert(
            LOGIN_ATTEMPTS,
            &key,
            json!({
                "user_id": user_id,
                "identifier": identifier,
                "ip": LOGIN_IP,
                "connection": shared.cfg.connection,
                "failures": failed + 1,
            }),
        );
        return wrong();
    }
    st.store.remove(LOGIN_ATTEMPTS, &key);
    logged_in(&mut st, &user);
    let now = util::now_iso();
    let session_id = util::alnum(32);
    st.store.insert(
        SESSIONS,
        &session_id,
        json!({
            "id": session_id,
            "user_id": user_id,
            "created_at": now,
            "updated_at": now,
            "authenticated_at": now,
            "last_interacted_at": now,
            "device": {"initial_ip": LOGIN_IP, "last_ip": LOGIN_IP},
            "clients": [{"client_id": client_id}],
            "authentication": {"methods": [{"name": "pwd", "timestamp": now}]},
        }),
    );
    let scope = get("scope").unwrap_or("");
    let mut answer = tokens(scope);
    if scope.split(' ').any(|s| s == "offline_access") {
        let token = format!("v1.{}", util::alnum(48));
        let id = util::alnum(24);
        let audience = get("audience").unwrap_or("");
        st.store.insert(
            REFRESH_TOKENS,
            &id,
            json!({
                "id": id,
                "user_id": user_id,
                "client_id": client_id,
                "session_id": session_id,
                "created_at": now,
                "rotating": false,
                "device": {"initial_ip": LOGIN_IP, "last_ip": LOGIN_IP},
                "resource_servers": [{"audience": audience, "scopes": scope}],
            }),
        );
        st.store
            .insert(REFRESH_TOKEN_VALUES, &util::md5_hex(&token), json!(id));
        answer.insert("refresh_token".into(), json!(token));
    }
    token_answer(answer)
}

/// The user of the tenant's connection who logs in as `identifier` (email or username).
fn find_login(st: &State, identifier: &str) -> Option<Value> {
    st.users
        .values()
        .find(|u| {
            ["email", "username"].iter().any(|k| {
                u.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.to_lowercase() == identifier)
            })
        })
        .map(|u| (**u).clone())
}

/// Count a login on the user, as Auth0 does.
fn logged_in(st: &mut State, user: &Value) {
    let Some(mut updated) = user.as_object().cloned() else {
        return;
    };
    let count = updated
        .get("logins_count")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    updated.insert("logins_count".into(), json!(count + 1));
    updated.insert("last_login".into(), json!(util::now_iso()));
    updated.insert("last_ip".into(), json!(LOGIN_IP));
    let id = owner(user).unwrap_or_default().to_string();
    st.replace_user(&id, Value::Object(updated));
}

/// An access token for a user: opaque, and no use on the Management API.
fn tokens(scope: &str) -> Map<String, Value> {
    let mut answer = Map::new();
    answer.insert("access_token".into(), json!(util::alnum(32)));
    answer.insert("token_type".into(), json!("Bearer"));
    answer.insert("expires_in".into(), json!(86400));
    if !scope.is_empty() {
        answer.insert("scope".into(), json!(scope));
    }
    answer
}

fn token_answer(answer: Map<String, Value>) -> Resp {
    let mut r = Resp::json(200, &Value::Object(answer));
    r.headers.push(("cache-control", "no-store".into()));
    r
}

/// The `refresh_token` grant: a token that was revoked (or never issued, or issued to
/// another client) is refused.
fn exchange(shared: &Shared, client_id: &str, token: &str) -> Resp {
    let mut st = shared.lock();
    let id = st
        .store
        .get(REFRESH_TOKEN_VALUES, &util::md5_hex(token))
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(record) = id.and_then(|id| st.store.get_mut(REFRESH_TOKENS, &id)) else {
        return oauth_error(403, "invalid_grant", "Unknown or invalid refresh token.");
    };
    if record.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return oauth_error(403, "invalid_grant", "Unknown or invalid refresh token.");
    }
    if let Some(o) = record.as_object_mut() {
        o.insert("last_exchanged_at".into(), json!(util::now_iso()));
    }
    let scope = record
        .pointer("/resource_servers/0/scopes")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    token_answer(tokens(&scope))
}

impl FakeTenant {
    /// Log a user of the tenant's connection in, exactly as `POST /oauth/token` with the
    /// `password` grant does for an application allowed that grant (the tenant's own client
    /// here, whatever its `grant_types`): a session, and with `offline_access` in `scope` a
    /// refresh token. Wrong passwords count towards the brute-force block. Users made by
    /// [`FakeTenant::seed_users`] or [`FakeTenant::insert_user`] have no password; create
    /// them through the API to log them in.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let tenant = auth0plus_fake::FakeTenant::start().await?;
    /// // … create `bon@example.com` with this password through the Management API …
    /// let answer = tenant.log_in("bon@example.com", "Sw0rdfish!", "openid offline_access");
    /// let refresh_token = answer.map_err(|e| e.to_string())?["refresh_token"].clone();
    /// # let _ = refresh_token; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The OAuth error body Auth0 would answer (`invalid_grant`, `too_many_attempts`,
    /// `unauthorized` for a blocked user).
    pub fn log_in(&self, username: &str, password: &str, scope: &str) -> Result<Value, Value> {
        let mut params = Map::new();
        params.insert("username".into(), json!(username));
        params.insert("password".into(), json!(password));
        params.insert("scope".into(), json!(scope));
        let resp = password_login(&self.shared, "password", self.client_id(), &params);
        let body = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        if resp.status == 200 {
            Ok(body)
        } else {
            Err(body)
        }
    }
}
