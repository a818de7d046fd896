//! A user's world: sessions and refresh tokens made by logging in, the brute-force
//! protection's login blocks, and authentication methods.
//!
//! - Logins (the Authentication API's grants, `crate::authentication`) make a session,
//!   and with `offline_access` a refresh token. Sessions and refresh tokens are stored in the
//!   generic store (`sessions`, `refresh-tokens`), so `GET`/`DELETE /sessions/{id}` and
//!   `/refresh-tokens/{id}` are served generically; the per-user lists and revoke-all are
//!   here. Deleting a user deletes them.
//! - Brute-force protection: [`BRUTE_FORCE_THRESHOLD`] consecutive wrong passwords for one
//!   user from one IP block that user from that IP (`429 too_many_attempts`, even with the
//!   right password) until `DELETE /user-blocks…` or a password change clears it. Requests
//!   reach the fake from [`LOGIN_IP`], unless a trusted application forwards the user's IP.
//! - `POST /sessions/{id}/revoke` ends the session and the refresh tokens issued in it.
//! - `GET`/`DELETE /users/{id}/authentication-methods` list and delete what
//!   `POST /users/{id}/authentication-methods` (generic) stored, 404 for a missing user.

use serde_json::{Value, json};

use super::input::invalid_query;
use super::paging::{self, ListStyle};
use super::routes::Call;
use super::users::not_found_user;
use crate::server::Resp;
use crate::state::{Shared, State};
use crate::{FakeTenant, util};

/// Auth0's default brute-force threshold: this many consecutive failures for one user from
/// one IP block the next attempts (Dashboard > Attack Protection, "Default: 10").
pub(crate) const BRUTE_FORCE_THRESHOLD: u64 = 10;

/// The IP the fake records for logins: it is reached on loopback only.
pub(crate) const LOGIN_IP: &str = "127.0.0.1";

pub(crate) const SESSIONS: &str = "sessions";
pub(crate) const REFRESH_TOKENS: &str = "refresh-tokens";
/// Failed-login counters and blocks, one per user and IP (never served as such).
pub(crate) const LOGIN_ATTEMPTS: &str = "__login-attempts";
/// Refresh token values (as a digest) to their ids.
pub(crate) const REFRESH_TOKEN_VALUES: &str = "__refresh-token-values";

/// Collections of the generic store whose items belong to a user (`user_id`): a deleted
/// user's go with them.
pub(crate) const USER_OWNED: [&str; 3] = [SESSIONS, REFRESH_TOKENS, LOGIN_ATTEMPTS];

/// The hidden singleton that holds a user's password digest.
fn password_path(user_id: &str) -> String {
    format!("users/{user_id}/__password")
}

fn digest(user_id: &str, password: &str) -> String {
    util::md5_hex(&format!("{user_id}\n{password}"))
}

/// Whether `password` is `user_id`'s.
pub(crate) fn password_matches(st: &State, user_id: &str, password: &str) -> bool {
    st.store
        .singleton(&password_path(user_id))
        .and_then(Value::as_str)
        == Some(digest(user_id, password).as_str())
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

pub(crate) fn failures(attempts: &Value) -> u64 {
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
        crate::authentication::log_in(&self.shared, username, password, scope)
    }
}
