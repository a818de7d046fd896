//! Linking accounts: `POST /users/{id}/identities` moves a secondary user's identity into the
//! primary user (the secondary user is gone); `DELETE /users/{id}/identities/{provider}/{user_id}`
//! takes it out again as a user of its own. Both answer the primary's identities.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::input::{Kind, decode_id, invalid_body, parse_body, parse_query};
use super::users::not_found_user;
use crate::server::Resp;
use crate::state::Shared;
use crate::util;

fn identities(user: &Value) -> Vec<Value> {
    user.get("identities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `POST /users/{id}/identities` with `{provider, user_id}` (or `connection_id`, `user_id`)
/// → 201, the primary's identities.
pub(super) fn link(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let primary_id = match decode_id(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let m = match parse_body(
        body,
        &[
            ("provider", Kind::Str, false),
            ("connection_id", Kind::Str, false),
            ("user_id", Kind::Str, false),
            ("link_with", Kind::Str, false),
        ],
    ) {
        Ok(m) => m,
        Err(r) => return r,
    };
    if m.contains_key("link_with") {
        return invalid_body(
            "'link_with tokens are not supported by the fake tenant; use provider and user_id'.",
        );
    }
    let Some(bare) = m.get("user_id").and_then(Value::as_str) else {
        return invalid_body("'Missing required property: user_id'.");
    };
    let provider = m.get("provider").and_then(Value::as_str).unwrap_or("auth0");
    let secondary_id = format!("{provider}|{bare}");
    let mut st = shared.lock();
    let Some(primary) = st.get_user(&primary_id).cloned() else {
        return not_found_user();
    };
    if secondary_id == primary_id {
        return Resp::error(
            400,
            "Main identity cannot be linked to itself.",
            Some("invalid_body"),
        );
    }
    let Some(secondary) = st.get_user(&secondary_id).cloned() else {
        return Resp::error(
            400,
            "The specified secondary account does not exist.",
            Some("invalid_body"),
        );
    };
    let mut ids = identities(&primary);
    for mut identity in identities(&secondary) {
        if let Some(o) = identity.as_object_mut() {
            let mut profile = Map::new();
            for k in [
                "email",
                "email_verified",
                "name",
                "nickname",
                "picture",
                "username",
            ] {
                if let Some(v) = secondary.get(k) {
                    profile.insert(k.into(), v.clone());
                }
            }
            o.insert("profileData".into(), Value::Object(profile));
        }
        ids.push(identity);
    }
    let mut user = primary.as_object().cloned().unwrap_or_default();
    user.insert("identities".into(), Value::Array(ids.clone()));
    user.insert("updated_at".into(), json!(util::now_iso()));
    st.replace_user(&primary_id, Value::Object(user));
    st.delete_user(&secondary_id);
    Resp::json(201, &Value::Array(ids))
}

/// `DELETE /users/{id}/identities/{provider}/{user_id}` (the three path parameters as
/// sent) → 200, the identities left; the unlinked one is a user again.
pub(super) fn unlink(shared: &Shared, user: &str, provider: &str, bare: &str, query: &str) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let (primary_id, provider, bare) = (&decode(user), &decode(provider), &decode(bare));
    let mut st = shared.lock();
    let Some(primary) = st.get_user(primary_id).cloned() else {
        return not_found_user();
    };
    let mut ids = identities(&primary);
    let is_it = |i: &Value| {
        i.get("provider").and_then(Value::as_str) == Some(provider.as_str())
            && i.get("user_id").map(|u| match u {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }) == Some(bare.clone())
    };
    match ids.iter().position(is_it) {
        None => Resp::json(200, &Value::Array(ids)),
        Some(0) => Resp::error(
            400,
            "Main identity cannot be removed.",
            Some("invalid_body"),
        ),
        Some(i) => {
            let mut identity = ids.remove(i);
            let profile = identity
                .as_object_mut()
                .and_then(|o| o.remove("profileData"))
                .and_then(|p| p.as_object().cloned())
                .unwrap_or_default();
            let mut user = primary.as_object().cloned().unwrap_or_default();
            user.insert("identities".into(), Value::Array(ids.clone()));
            st.replace_user(primary_id, Value::Object(user));
            let mut back = profile;
            back.insert("user_id".into(), json!(format!("{provider}|{bare}")));
            back.insert("identities".into(), json!([identity]));
            back.insert("created_at".into(), json!(util::now_iso()));
            back.insert("updated_at".into(), json!(util::now_iso()));
            st.create_user(Value::Object(back));
            Resp::json(200, &Value::Array(ids))
        }
    }
}
