//! `POST /dbconnections/signup` and `POST /dbconnections/change_password`,
//! with Auth0's answers and errors.

use serde_json::{Map, Value, json};

use super::clients::authenticate;
use super::{AuthRequest, events, param};
use crate::server::Resp;
use crate::state::{Shared, new_user};

/// Auth0's sign-up error body: `{"name", "code", "description", "statusCode"}`.
fn signup_error(name: &str, code: &str, description: &str) -> Resp {
    Resp::json(
        400,
        &json!({"name": name, "code": code, "description": description, "statusCode": 400}),
    )
}

pub(crate) fn signup(shared: &Shared, req: &AuthRequest<'_>, params: &Map<String, Value>) -> Resp {
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, false) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let connection = param(params, "connection").unwrap_or("");
    let fail = |st: &mut crate::state::State, resp: Resp, description: &str| {
        events::write(
            shared,
            st,
            &events::Event::new(
                "fs",
                description,
                &caller.client_id,
                &caller.ip,
                req.user_agent,
            )
            .connection(connection),
        );
        resp
    };
    if connection != shared.cfg.connection {
        return fail(
            &mut st,
            signup_error(
                "BadRequestError",
                "invalid_connection",
                "Connection does not exist",
            ),
            "Connection does not exist",
        );
    }
    let (Some(email), Some(password)) = (param(params, "email"), param(params, "password")) else {
        return fail(
            &mut st,
            signup_error(
                "BadRequestError",
                "invalid_signup",
                "Missing email or password",
            ),
            "Missing email or password",
        );
    };
    if !email.contains('@') || email.contains(char::is_whitespace) {
        return fail(
            &mut st,
            signup_error("BadRequestError", "invalid_signup", "Invalid sign up"),
            "Invalid sign up",
        );
    }
    let policy = st.password_policy(&shared.cfg.connection_id);
    if !policy.accepts(password) {
        let body = json!({
            "name": "PasswordStrengthError",
            "message": "Password is too weak",
            "code": "invalid_password",
            "description": "Password is too weak",
            "policy": policy.as_str(),
            "statusCode": 400,
        });
        return fail(&mut st, Resp::json(400, &body), "Password is too weak");
    }
    let username = param(params, "username");
    if shared.cfg.requires_username && username.is_none() {
        return fail(
            &mut st,
            signup_error("BadRequestError", "invalid_signup", "Missing username"),
            "Missing username",
        );
    }
    let dup = st.conflict(connection, "email", email, None)
        || username.is_some_and(|u| st.conflict(connection, "username", u, None));
    if dup {
        // Auth0 does not say which: the user may exist.
        return fail(
            &mut st,
            signup_error("BadRequestError", "invalid_signup", "Invalid sign up"),
            "Invalid sign up",
        );
    }
    let mut body = Map::new();
    for key in [
        "email",
        "username",
        "given_name",
        "family_name",
        "name",
        "nickname",
        "picture",
        "user_metadata",
    ] {
        if let Some(v) = params.get(key) {
            let v = match (key, v) {
                // A form carries metadata as JSON text.
                ("user_metadata", Value::String(s)) => {
                    serde_json::from_str(s).unwrap_or(Value::Null)
                }
                _ => v.clone(),
            };
            body.insert(key.into(), v);
        }
    }
    let user = new_user(connection, &body, None);
    let user_id = user
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    st.create_user(user.clone());
    crate::handlers::remember_password(&mut st, &user_id, password);
    events::write(
        shared,
        &mut st,
        &events::Event::new(
            "ss",
            "Successful signup",
            &caller.client_id,
            &caller.ip,
            req.user_agent,
        )
        .user(&user_id)
        .connection(connection),
    );
    let mut answer = json!({
        "_id": user_id.trim_start_matches("auth0|"),
        "email_verified": false,
        "email": user.get("email"),
    });
    for key in [
        "username",
        "given_name",
        "family_name",
        "name",
        "nickname",
        "picture",
        "user_metadata",
    ] {
        if let (Some(v), Some(o)) = (body.get(key), answer.as_object_mut()) {
            o.insert(key.into(), v.clone());
        }
    }
    Resp::json(200, &answer)
}

/// The answer is the same whether the user exists or not (no enumeration).
pub(crate) fn change_password(
    shared: &Shared,
    req: &AuthRequest<'_>,
    params: &Map<String, Value>,
) -> Resp {
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, false) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(email) = param(params, "email") else {
        return Resp::json(400, &json!({"error": "email is required"}));
    };
    let connection = param(params, "connection").unwrap_or("");
    if connection != shared.cfg.connection {
        return Resp::json(400, &json!({"error": "connection is required"}));
    }
    let user_id = st
        .users
        .values()
        .find(|u| {
            u.get("email")
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
        .and_then(|u| u.get("user_id").and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    events::write(
        shared,
        &mut st,
        &events::Event::new(
            "scpr",
            "Success Change Password Request",
            &caller.client_id,
            &caller.ip,
            req.user_agent,
        )
        .user(&user_id)
        .connection(connection),
    );
    Resp::json(
        200,
        &json!("We've just sent you an email to reset your password."),
    )
}
