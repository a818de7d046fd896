//! The flows that start outside `/oauth/token`: `/authorize` and PAR, device
//! and back-channel logins, passwordless start, MFA challenges, logout; and
//! `/__fake/auth/…`, where a test reads what a user would receive and
//! approves what a user would approve.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::clients::{Caller, authenticate};
use super::state::{
    Approval, AuthCode, Login, MfaEnrollment, OobChallenge, Otp, Pending, make_room,
};
use super::{AuthRequest, events, missing, oauth_error, param};
use crate::server::Resp;
use crate::state::{Shared, State};
use crate::util;

/// How long an authorization code works (Auth0: ten minutes).
const CODE_TTL: Duration = Duration::from_secs(600);
/// How long a pushed request's `request_uri` works (Auth0: 30 s).
const PAR_TTL: Duration = Duration::from_secs(30);
/// Device codes' lifetime and polling interval (Auth0: 900 s, 5 s).
const DEVICE_TTL: Duration = Duration::from_secs(900);
const POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Back-channel requests' default lifetime (Auth0: 300 s).
const CIBA_TTL: Duration = Duration::from_secs(300);
/// How long a passwordless code works (Auth0's default: 180 s).
const OTP_TTL: Duration = Duration::from_secs(180);

pub(crate) fn six_digits() -> String {
    format!("{:06}", fastrand::u32(0..1_000_000))
}

pub(crate) fn otp_key(connection: &str, identifier: &str) -> String {
    format!("{connection}\n{}", identifier.to_lowercase())
}

fn redirect(location: &str) -> Resp {
    let mut r = Resp::empty(302);
    r.content_type = "text/plain; charset=utf-8";
    r.headers.push(("location", location.to_owned()));
    r
}

fn page(status: u16, text: &str) -> Resp {
    Resp {
        status,
        content_type: "text/plain; charset=utf-8",
        headers: Vec::new(),
        body: bytes::Bytes::from(text.to_owned()),
    }
}

/// `uri` with `pairs` added to its query.
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", q.finish())
}

/// `GET /authorize`. The fake has no login page: `login_hint` names the user
/// (email or username) who logs in, and the browser is sent back at once
/// with a code. A `request_uri` from `/oauth/par` stands for its parameters.
pub(crate) fn authorize(shared: &Shared, query: &Map<String, Value>) -> Resp {
    let mut st = shared.lock();
    let mut params = query.clone();
    if let Some(uri) = param(query, "request_uri") {
        let Some((pushed, expires)) = st.auth.par.remove(uri) else {
            return page(
                400,
                "invalid_request: the request_uri is unknown or expired",
            );
        };
        if expires <= Instant::now() || param(&pushed, "client_id") != param(query, "client_id") {
            return page(
                400,
                "invalid_request: the request_uri is unknown or expired",
            );
        }
        params = pushed;
    }
    let Some(client_id) = param(&params, "client_id") else {
        return page(
            400,
            "invalid_request: Missing required parameter: client_id",
        );
    };
    let Some(client) = st.store.get("clients", client_id).cloned() else {
        return page(400, "invalid_request: Unknown client");
    };
    let Some(redirect_uri) = param(&params, "redirect_uri") else {
        return page(
            400,
            "invalid_request: Missing required parameter: redirect_uri",
        );
    };
    // Allowed Callback URLs, when the application has any.
    if let Some(callbacks) = client.get("callbacks").and_then(Value::as_array)
        && !callbacks.iter().any(|c| c.as_str() == Some(redirect_uri))
    {
        return page(
            400,
            "Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs.",
        );
    }
    let state = param(&params, "state").unwrap_or("");
    let back = |pairs: &[(&str, &str)]| {
        let mut all = pairs.to_vec();
        if !state.is_empty() {
            all.push(("state", state));
        }
        redirect(&with_query(redirect_uri, &all))
    };
    if param(&params, "response_type") != Some("code") {
        return back(&[
            ("error", "unsupported_response_type"),
            (
                "error_description",
                "Only response_type=code is served by the fake tenant",
            ),
        ]);
    }
    let connection = shared.cfg.connection.clone();
    let user = param(&params, "login_hint").and_then(|hint| {
        st.users
            .values()
            .find(|u| {
                crate::state::user_connection(u) == Some(connection.as_str())
                    && ["email", "username"].iter().any(|k| {
                        u.get(*k)
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.eq_ignore_ascii_case(hint))
                    })
            })
            .map(|u| (**u).clone())
    });
    let Some(user) = user else {
        return back(&[
            ("error", "login_required"),
            (
                "error_description",
                "Login required (the fake tenant logs in the user named by login_hint)",
            ),
        ]);
    };
    let mut organization = None;
    if let Some(org) = param(&params, "organization") {
        let found = st
            .store
            .get("organizations", org)
            .map(|o| (org.to_owned(), o.clone()))
            .or_else(|| {
                st.store
                    .list("organizations")
                    .find(|(_, o)| {
                        o.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(org))
                    })
                    .map(|(id, o)| (id.clone(), o.clone()))
            });
        let Some((id, o)) = found else {
            return back(&[
                ("error", "invalid_request"),
                (
                    "error_description",
                    "parameter organization is invalid: the organization does not exist",
                ),
            ]);
        };
        let name = o
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        organization = Some((id, name));
    }
    let user_id = user
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let login = Login {
        user_id,
        client_id: client_id.to_owned(),
        scope: param(&params, "scope").unwrap_or("openid").to_owned(),
        audience: param(&params, "audience").map(str::to_owned),
        nonce: param(&params, "nonce").map(str::to_owned),
        organization,
        auth_time: util::now_secs(),
        session_id: None,
        gty: None,
    };
    let login = super::grants::logged_in(
        shared,
        &mut st,
        &user,
        login,
        "pwd",
        crate::handlers::LOGIN_IP,
    );
    let code = util::alnum(32);
    let now = Instant::now();
    make_room(&mut st.auth.codes, now, |c| c.expires);
    let challenge = param(&params, "code_challenge").map(|c| {
        (
            c.to_owned(),
            param(&params, "code_challenge_method")
                .unwrap_or("plain")
                .to_owned(),
        )
    });
    let event_user = login.user_id.clone();
    st.auth.codes.insert(
        code.clone(),
        AuthCode {
            login,
            redirect_uri: Some(redirect_uri.to_owned()),
            code_challenge: challenge,
            expires: now + CODE_TTL,
        },
    );
    events::write(
        shared,
        &mut st,
        &events::Event::new(
            "s",
            "Success Login",
            client_id,
            crate::handlers::LOGIN_IP,
            "",
        )
        .user(&event_user)
        .connection(&shared.cfg.connection),
    );
    back(&[("code", &code)])
}

/// `POST /oauth/par`: keep the authorize parameters, answer a `request_uri`.
pub(crate) fn par(shared: &Shared, req: &AuthRequest<'_>, params: &Map<String, Value>) -> Resp {
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, true) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if param(params, "redirect_uri").is_none() {
        return missing("redirect_uri");
    }
    if param(params, "response_type").is_none() {
        return missing("response_type");
    }
    let mut kept = params.clone();
    for secret in ["client_secret", "client_assertion", "client_assertion_type"] {
        kept.remove(secret);
    }
    kept.insert("client_id".into(), json!(caller.client_id));
    let uri = format!("urn:ietf:params:oauth:request_uri:{}", util::alnum(24));
    let now = Instant::now();
    make_room(&mut st.auth.par, now, |(_, e)| *e);
    st.auth.par.insert(uri.clone(), (kept, now + PAR_TTL));
    Resp::json(
        201,
        &json!({"request_uri": uri, "expires_in": PAR_TTL.as_secs()}),
    )
}

/// A device or back-channel login for `caller`, waiting for the user until `expires`.
fn waiting(caller: &Caller, scope: &str, params: &Map<String, Value>, expires: Instant) -> Pending {
    Pending {
        client_id: caller.client_id.clone(),
        scope: scope.to_owned(),
        audience: param(params, "audience").map(str::to_owned),
        approval: Approval::Pending,
        expires,
        interval: POLL_INTERVAL,
        last_poll: None,
        user_code: String::new(),
        user_id: String::new(),
        binding_message: String::new(),
    }
}

/// `POST /oauth/device/code`.
pub(crate) fn device_code(
    shared: &Shared,
    req: &AuthRequest<'_>,
    params: &Map<String, Value>,
) -> Resp {
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, false) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !caller.allows("urn:ietf:params:oauth:grant-type:device_code") {
        return oauth_error(403, "unauthorized_client", "Unauthorized or unknown client");
    }
    let device_code = util::alnum(24);
    let letters = "BCDFGHJKLMNPQRSTVWXZ";
    let pick = || letters.as_bytes()[fastrand::usize(..letters.len())] as char;
    let user_code: String = (0..9).map(|i| if i == 4 { '-' } else { pick() }).collect();
    let now = Instant::now();
    make_room(&mut st.auth.devices, now, |f| f.expires);
    st.auth.devices.insert(
        device_code.clone(),
        Pending {
            user_code: user_code.clone(),
            ..waiting(
                &caller,
                param(params, "scope").unwrap_or(""),
                params,
                now + DEVICE_TTL,
            )
        },
    );
    let activate = format!("https://{}/activate", shared.cfg.domain);
    Resp::json(
        200,
        &json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": activate,
            "verification_uri_complete": with_query(&activate, &[("user_code", &user_code)]),
            "expires_in": DEVICE_TTL.as_secs(),
            "interval": POLL_INTERVAL.as_secs(),
        }),
    )
}

/// `POST /bc-authorize`: `login_hint` is `{"format":"iss_sub","iss":…,"sub":user_id}`.
pub(crate) fn bc_authorize(
    shared: &Shared,
    req: &AuthRequest<'_>,
    params: &Map<String, Value>,
) -> Resp {
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, true) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !caller.allows("urn:openid:params:grant-type:ciba") {
        return oauth_error(
            403,
            "unauthorized_client",
            "Grant type 'urn:openid:params:grant-type:ciba' not allowed for the client.",
        );
    }
    let Some(hint) = param(params, "login_hint") else {
        return missing("login_hint");
    };
    let Some(message) = param(params, "binding_message") else {
        return missing("binding_message");
    };
    let scope = param(params, "scope").unwrap_or("");
    if !scope.split_whitespace().any(|s| s == "openid") {
        return oauth_error(400, "invalid_request", "openid scope is required");
    }
    let hint: Value = serde_json::from_str(hint).unwrap_or(Value::Null);
    let issuer = format!("https://{}/", shared.cfg.domain);
    let user_id = match (
        hint.get("format").and_then(Value::as_str),
        hint.get("iss").and_then(Value::as_str),
        hint.get("sub").and_then(Value::as_str),
    ) {
        (Some("iss_sub"), Some(iss), Some(sub)) if iss == issuer => sub.to_owned(),
        _ => {
            return oauth_error(
                400,
                "invalid_request",
                "login_hint must be {\"format\":\"iss_sub\",\"iss\":<issuer>,\"sub\":<user id>}",
            );
        }
    };
    if st.get_user(&user_id).is_none() {
        return oauth_error(400, "unknown_user_id", "The user does not exist");
    }
    let expiry = param(params, "requested_expiry")
        .and_then(|e| e.parse::<u64>().ok())
        .map_or(CIBA_TTL, Duration::from_secs)
        .min(CIBA_TTL);
    let id = util::alnum(32);
    let now = Instant::now();
    make_room(&mut st.auth.ciba, now, |f| f.expires);
    st.auth.ciba.insert(
        id.clone(),
        Pending {
            user_id,
            binding_message: message.to_owned(),
            ..waiting(&caller, scope, params, now + expiry)
        },
    );
    Resp::json(
        200,
        &json!({"auth_req_id": id, "expires_in": expiry.as_secs(), "interval": POLL_INTERVAL.as_secs()}),
    )
}

/// The user of passwordless connection `connection` (`email` or `sms`) with
/// this identifier, made on first login as Auth0 does.
pub(crate) fn passwordless_user(st: &mut State, connection: &str, identifier: &str) -> Value {
    let field = if connection == "sms" {
        "phone_number"
    } else {
        "email"
    };
    let identifier = identifier.to_lowercase();
    let found = st.users.values().find(|u| {
        crate::state::user_connection(u) == Some(connection)
            && u.get(field)
                .and_then(Value::as_str)
                .is_some_and(|v| v.to_lowercase() == identifier)
    });
    if let Some(u) = found {
        return (**u).clone();
    }
    let bare = util::hex(24);
    let now = util::now_iso();
    let mut user = json!({
        "user_id": format!("{connection}|{bare}"),
        field: identifier,
        "created_at": now,
        "updated_at": now,
        "identities": [{"connection": connection, "user_id": bare, "provider": connection, "isSocial": false}],
        "name": identifier,
        "nickname": identifier.split('@').next().unwrap_or(&identifier),
        "picture": util::gravatar(&identifier),
    });
    user[if connection == "sms" {
        "phone_verified"
    } else {
        "email_verified"
    }] = json!(true);
    st.create_user(user.clone());
    user
}

/// `POST /passwordless/start`: a code (or link) to an email address or phone.
pub(crate) fn passwordless_start(
    shared: &Shared,
    req: &AuthRequest<'_>,
    params: &Map<String, Value>,
) -> Resp {
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, false) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let connection = param(params, "connection").unwrap_or("");
    let (field, identifier) = match connection {
        "email" => ("email", param(params, "email")),
        "sms" => ("phone_number", param(params, "phone_number")),
        _ => return oauth_error(400, "bad.connection", "Connection does not exist"),
    };
    let Some(identifier) = identifier else {
        return oauth_error(400, &format!("bad.{field}"), &format!("Missing {field}"));
    };
    let valid = if field == "email" {
        identifier.contains('@') && !identifier.contains(char::is_whitespace)
    } else {
        identifier.starts_with('+')
            && identifier.len() > 4
            && identifier[1..].chars().all(|c| c.is_ascii_digit())
    };
    if !valid {
        return oauth_error(
            400,
            &format!("bad.{field}"),
            &format!("error in {field} - {field} format validation failed: {identifier}"),
        );
    }
    let now = Instant::now();
    make_room(&mut st.auth.passwordless, now, |o| o.expires);
    st.auth.passwordless.insert(
        otp_key(connection, identifier),
        Otp {
            code: six_digits(),
            expires: now + OTP_TTL,
            attempts: 0,
        },
    );
    let link = param(params, "send") == Some("link");
    events::write(
        shared,
        &mut st,
        &events::Event::new(
            if link { "cls" } else { "cs" },
            if link { "Code/Link Sent" } else { "Code Sent" },
            &caller.client_id,
            &caller.ip,
            req.user_agent,
        )
        .connection(connection),
    );
    let id = util::hex(24);
    let mut answer = json!({"_id": id, field: identifier.to_lowercase()});
    answer[if field == "email" {
        "email_verified"
    } else {
        "phone_verified"
    }] = json!(false);
    Resp::json(200, &answer)
}

/// `POST /mfa/challenge`.
pub(crate) fn mfa_challenge(
    shared: &Shared,
    req: &AuthRequest<'_>,
    params: &Map<String, Value>,
) -> Resp {
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, false) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(mfa_token) = param(params, "mfa_token") else {
        return missing("mfa_token");
    };
    let now = Instant::now();
    let valid = st
        .auth
        .mfa_tokens
        .get(mfa_token)
        .filter(|p| p.expires > now && p.login.client_id == caller.client_id)
        .cloned();
    let Some(pending) = valid else {
        return oauth_error(403, "invalid_grant", "Malformed mfa_token");
    };
    let types = param(params, "challenge_type").unwrap_or("otp oob");
    if types.split_whitespace().any(|t| t == "oob") && !types.split_whitespace().any(|t| t == "otp")
    {
        let oob_code = util::alnum(32);
        make_room(&mut st.auth.oob, now, |o| o.expires);
        st.auth.oob.insert(
            oob_code.clone(),
            OobChallenge {
                mfa_token: mfa_token.to_owned(),
                binding_code: six_digits(),
                expires: now + Duration::from_secs(300),
            },
        );
        let _ = pending;
        return Resp::json(
            200,
            &json!({"challenge_type": "oob", "oob_code": oob_code, "binding_method": "prompt"}),
        );
    }
    Resp::json(200, &json!({"challenge_type": "otp"}))
}

/// `GET /v2/logout` and `GET /oidc/logout`: back to the given URL, or a page.
pub(crate) fn logout(shared: &Shared, query: &Map<String, Value>, target: &str) -> Resp {
    let mut st = shared.lock();
    let client_id = param(query, "client_id").unwrap_or_default().to_owned();
    events::write(
        shared,
        &mut st,
        &events::Event::new(
            "slo",
            "Success Logout",
            &client_id,
            crate::handlers::LOGIN_IP,
            "",
        ),
    );
    match param(query, target) {
        Some(to) => match param(query, "state") {
            Some(state) => redirect(&with_query(to, &[("state", state)])),
            None => redirect(to),
        },
        None => page(200, "OK"),
    }
}

/// `/__fake/auth/…`: what a test reads and does in a user's place.
pub(crate) fn admin(shared: &Shared, req: &AuthRequest<'_>) -> Resp {
    let query = super::query_params(req.query);
    let body: Map<String, Value> = serde_json::from_slice(req.body).unwrap_or_default();
    let arg = |name: &str| {
        param(&query, name)
            .or_else(|| param(&body, name))
            .map(str::to_owned)
    };
    let not_found = || Resp::error(404, "Not Found", None);
    let answer = |r: Result<Value, String>| match r {
        Ok(v) => Resp::json(200, &v),
        Err(e) => Resp::error(404, &e, Some("not_found")),
    };
    let rest = req.path.trim_start_matches("/__fake/auth/");
    let get = *req.method == http::Method::GET;
    match (get, rest) {
        (true, "passwordless-code") => {
            let (Some(connection), Some(identifier)) = (arg("connection"), arg("identifier"))
            else {
                return Resp::error(
                    400,
                    "connection and identifier are required",
                    Some("invalid_query"),
                );
            };
            answer(
                passwordless_code(shared, &connection, &identifier)
                    .map(|c| json!({"code": c}))
                    .ok_or_else(|| "no code was sent".into()),
            )
        }
        (false, "mfa/enroll") => {
            let Some(user) = arg("user_id") else {
                return Resp::error(400, "user_id is required", Some("invalid_body"));
            };
            answer(
                enroll_mfa(shared, &user)
                    .map(|(otp, recovery)| json!({"otp": otp, "recovery_code": recovery})),
            )
        }
        (true, "mfa/otp") => {
            let Some(user) = arg("user_id") else {
                return Resp::error(400, "user_id is required", Some("invalid_query"));
            };
            answer(
                mfa_codes(shared, &user)
                    .map(|(otp, binding)| json!({"otp": otp, "binding_code": binding}))
                    .ok_or_else(|| "not enrolled".into()),
            )
        }
        (false, "device/approve" | "device/deny") => {
            let Some(code) = arg("user_code") else {
                return Resp::error(400, "user_code is required", Some("invalid_body"));
            };
            let approval = if rest.ends_with("approve") {
                arg("user_id").map(Approval::Approved)
            } else {
                Some(Approval::Denied)
            };
            let Some(approval) = approval else {
                return Resp::error(400, "user_id is required", Some("invalid_body"));
            };
            answer(decide_device(shared, &code, approval).map(|()| json!({})))
        }
        (false, "backchannel/approve" | "backchannel/deny") => {
            let Some(user) = arg("user_id") else {
                return Resp::error(400, "user_id is required", Some("invalid_body"));
            };
            let approve = rest.ends_with("approve");
            answer(
                decide_backchannel(shared, &user, approve).map(|m| json!({"binding_message": m})),
            )
        }
        _ => not_found(),
    }
}

/// The code last sent to `identifier` at `connection`, if still valid.
pub(crate) fn passwordless_code(
    shared: &Shared,
    connection: &str,
    identifier: &str,
) -> Option<String> {
    let st = shared.lock();
    st.auth
        .passwordless
        .get(&otp_key(connection, identifier))
        .filter(|o| o.expires > Instant::now())
        .map(|o| o.code.clone())
}

/// Enroll `user_id` in MFA: their authenticator's current code and recovery code.
pub(crate) fn enroll_mfa(shared: &Shared, user_id: &str) -> Result<(String, String), String> {
    let mut st = shared.lock();
    if st.get_user(user_id).is_none() {
        return Err("The user does not exist.".into());
    }
    let enrollment = MfaEnrollment {
        otp: six_digits(),
        recovery_code: util::alnum(24).to_uppercase(),
    };
    let codes = (enrollment.otp.clone(), enrollment.recovery_code.clone());
    st.auth.mfa.insert(user_id.to_owned(), enrollment);
    Ok(codes)
}

/// The code `user_id`'s authenticator shows now, and the binding code of
/// their latest out-of-band challenge.
pub(crate) fn mfa_codes(shared: &Shared, user_id: &str) -> Option<(String, Option<String>)> {
    let st = shared.lock();
    let otp = st.auth.mfa.get(user_id)?.otp.clone();
    let now = Instant::now();
    let binding = st
        .auth
        .oob
        .values()
        .filter(|o| o.expires > now)
        .filter(|o| {
            st.auth
                .mfa_tokens
                .get(&o.mfa_token)
                .is_some_and(|p| p.login.user_id == user_id)
        })
        .max_by_key(|o| o.expires)
        .map(|o| o.binding_code.clone());
    Some((otp, binding))
}

/// Approve (as `user_id`) or deny the device login showing `user_code`.
pub(crate) fn decide_device(
    shared: &Shared,
    user_code: &str,
    approval: Approval,
) -> Result<(), String> {
    let mut st = shared.lock();
    if let Approval::Approved(user) = &approval
        && st.get_user(user).is_none()
    {
        return Err("The user does not exist.".into());
    }
    let flow =
        st.auth.devices.values_mut().find(|f| {
            f.user_code.eq_ignore_ascii_case(user_code) && f.approval == Approval::Pending
        });
    let Some(flow) = flow else {
        return Err("no pending device login has that user code".into());
    };
    flow.approval = approval;
    Ok(())
}

/// Approve or deny `user_id`'s latest pending back-channel login; its binding message.
pub(crate) fn decide_backchannel(
    shared: &Shared,
    user_id: &str,
    approve: bool,
) -> Result<String, String> {
    let mut st = shared.lock();
    let flow = st
        .auth
        .ciba
        .values_mut()
        .filter(|f| f.user_id == user_id && f.approval == Approval::Pending)
        .max_by_key(|f| f.expires);
    let Some(flow) = flow else {
        return Err("no pending back-channel login for that user".into());
    };
    flow.approval = if approve {
        Approval::Approved(user_id.to_owned())
    } else {
        Approval::Denied
    };
    Ok(flow.binding_message.clone())
}
