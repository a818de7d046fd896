//! Tickets: email verification and password change (201 `{ticket}`).

use serde_json::{Value, json};

use super::input::{Kind, invalid_body, parse_body};
use crate::server::Resp;
use crate::state::{Shared, user_connection};
use crate::util;

pub(super) const TICKET_COMMON: &[(&str, Kind, bool)] = &[
    ("result_url", Kind::Str, false),
    ("client_id", Kind::Str, false),
    ("organization_id", Kind::Str, false),
    ("ttl_sec", Kind::Int, false),
    ("includeEmailInRedirect", Kind::Bool, false),
    ("identity", Kind::Obj, false),
];

pub(super) fn ticket_url(shared: &Shared, kind: &str) -> Value {
    json!({"ticket": format!("https://{}/u/{kind}?ticket={}#", shared.cfg.domain, util::alnum(32))})
}

pub(super) fn user_not_found_ticket() -> Resp {
    Resp::error(404, "User not found.", Some("inexistent_user"))
}

pub(super) fn email_ticket(shared: &Shared, body: &[u8]) -> Resp {
    let mut specs = TICKET_COMMON.to_vec();
    specs.push(("user_id", Kind::Str, false));
    let m = match parse_body(body, &specs) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(user_id) = m.get("user_id").and_then(Value::as_str) else {
        return invalid_body("'Missing required property: user_id'.");
    };
    if m.contains_key("result_url") && m.contains_key("client_id") {
        return invalid_body("'result_url and client_id are mutually exclusive'.");
    }
    let st = shared.lock();
    match st.get_user(user_id) {
        None => user_not_found_ticket(),
        Some(u) if u.get("email").is_none() => Resp::error(
            400,
            "The user does not have an email address.",
            Some("invalid_body"),
        ),
        Some(_) => Resp::json(201, &ticket_url(shared, "email-verification")),
    }
}

pub(super) fn password_ticket(shared: &Shared, body: &[u8]) -> Resp {
    let mut specs = TICKET_COMMON.to_vec();
    specs.extend([
        ("user_id", Kind::Str, false),
        ("connection_id", Kind::Str, false),
        ("email", Kind::Str, false),
        ("mark_email_as_verified", Kind::Bool, false),
        ("new_password", Kind::Str, false),
    ]);
    let m = match parse_body(body, &specs) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let s = |k: &str| m.get(k).and_then(Value::as_str);
    let st = shared.lock();
    match (s("user_id"), s("connection_id"), s("email")) {
        (Some(id), None, None) => match st.get_user(id) {
            Some(_) => Resp::json(201, &ticket_url(shared, "reset-password")),
            None => user_not_found_ticket(),
        },
        (None, Some(conn), Some(email)) => {
            if conn != shared.cfg.connection_id {
                return Resp::error(
                    400,
                    &format!("The connection with id {conn} does not exist."),
                    Some("invalid_body"),
                );
            }
            let lower = email.to_lowercase();
            let exists = st.users.values().any(|u| {
                user_connection(u) == Some(shared.cfg.connection.as_str())
                    && u.get("email").and_then(Value::as_str) == Some(lower.as_str())
            });
            if exists {
                Resp::json(201, &ticket_url(shared, "reset-password"))
            } else {
                user_not_found_ticket()
            }
        }
        _ => invalid_body(
            "'Either user_id or connection_id and email must be provided, but not both'.",
        ),
    }
}
