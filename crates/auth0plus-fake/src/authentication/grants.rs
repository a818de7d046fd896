//! `POST /oauth/token`: every grant, each with the log events Auth0 writes.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::clients::{Caller, authenticate};
use super::state::{Approval, Login, MfaPending, make_room};
use super::{AuthRequest, events, missing, oauth_error, param, tokens};
use crate::handlers::{BRUTE_FORCE_THRESHOLD, LOGIN_ATTEMPTS, failures, password_matches};
use crate::server::Resp;
use crate::state::{Shared, State};
use crate::util;

const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";
const PASSWORDLESS_OTP: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";
const MFA_OTP: &str = "http://auth0.com/oauth/grant-type/mfa-otp";
const MFA_OOB: &str = "http://auth0.com/oauth/grant-type/mfa-oob";
const MFA_RECOVERY: &str = "http://auth0.com/oauth/grant-type/mfa-recovery-code";
const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
const CIBA: &str = "urn:openid:params:grant-type:ciba";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const CONNECTION_TOKEN: &str =
    "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token";

/// How long an `mfa_token` stays usable.
const MFA_TOKEN_TTL: Duration = Duration::from_secs(600);

const GRANTS: &[&str] = &[
    "client_credentials",
    "authorization_code",
    "refresh_token",
    "password",
    PASSWORD_REALM,
    PASSWORDLESS_OTP,
    MFA_OTP,
    MFA_OOB,
    MFA_RECOVERY,
    DEVICE_CODE,
    CIBA,
    TOKEN_EXCHANGE,
    CONNECTION_TOKEN,
];

/// Every grant type the fake serves (for [`crate::FakeTenant::allow_grant_types`]).
pub(crate) fn all_grants() -> &'static [&'static str] {
    GRANTS
}

/// An outcome: the token answer, or a refusal; with the user it concerns.
struct Outcome {
    resp: Resp,
    user_id: String,
    connection: Option<String>,
    audience: Option<String>,
}

pub(crate) fn token(shared: &Shared, req: &AuthRequest<'_>, params: &Map<String, Value>) -> Resp {
    run(shared, req, params, true)
}

/// [`token`] without the check of the application's `grant_types` (the
/// fake's own `log_in` helper).
pub(crate) fn token_unchecked(
    shared: &Shared,
    req: &AuthRequest<'_>,
    params: &Map<String, Value>,
) -> Resp {
    run(shared, req, params, false)
}

fn run(
    shared: &Shared,
    req: &AuthRequest<'_>,
    params: &Map<String, Value>,
    check_grant: bool,
) -> Resp {
    let Some(grant) = param(params, "grant_type") else {
        return missing("grant_type");
    };
    if !GRANTS.contains(&grant) {
        return oauth_error(400, "unsupported_grant_type", "Grant type not supported");
    }
    let mut st = shared.lock();
    let caller = match authenticate(shared, &mut st, req, params, true) {
        Ok(c) => c,
        Err(r) => {
            let client_id = param(params, "client_id").unwrap_or_default().to_owned();
            log(
                shared,
                &mut st,
                req,
                grant,
                &client_id,
                "127.0.0.1",
                &Outcome {
                    resp: r.clone(),
                    user_id: String::new(),
                    connection: None,
                    audience: None,
                },
            );
            return r;
        }
    };
    let outcome = if check_grant && !caller.allows(grant) {
        refused(Caller::refuse_grant(grant))
    } else {
        match grant {
            "client_credentials" => {
                within_quota(shared, client_credentials(shared, &mut st, &caller, params))
            }
            "authorization_code" => authorization_code(shared, &mut st, &caller, params),
            "refresh_token" => refresh(shared, &mut st, &caller, params),
            "password" | PASSWORD_REALM => password(shared, &mut st, &caller, grant, params),
            PASSWORDLESS_OTP => passwordless(shared, &mut st, &caller, params),
            MFA_OTP | MFA_OOB | MFA_RECOVERY => mfa(shared, &mut st, &caller, grant, params),
            DEVICE_CODE => poll(shared, &mut st, &caller, params, true),
            CIBA => poll(shared, &mut st, &caller, params, false),
            TOKEN_EXCHANGE => exchange(shared, &mut st, &caller, params),
            _ => connection_token(&mut st, &caller, params),
        }
    };
    log(
        shared,
        &mut st,
        req,
        grant,
        &caller.client_id,
        &caller.ip,
        &outcome,
    );
    outcome.resp
}

/// Auth0's M2M token quota (`--token-quota`): a token counts once issued; past
/// the quota the answer is the quota's 429 instead (the token minted for it is
/// never handed out), and every issued token carries the quota headers.
fn within_quota(shared: &Shared, mut outcome: Outcome) -> Outcome {
    if outcome.resp.status != 200 {
        return outcome;
    }
    match shared.cfg.token_quota.take(util::now_secs()) {
        Ok(headers) => {
            outcome.resp.headers.extend(headers);
            outcome
        }
        Err(refusal) => refused(refusal),
    }
}

fn refused(resp: Resp) -> Outcome {
    Outcome {
        resp,
        user_id: String::new(),
        connection: None,
        audience: None,
    }
}

/// The success or failure event of `grant`; pending device and back-channel
/// polls are not failures.
fn log(
    shared: &Shared,
    st: &mut State,
    req: &AuthRequest<'_>,
    grant: &str,
    client_id: &str,
    ip: &str,
    o: &Outcome,
) {
    let answer: Value = serde_json::from_slice(&o.resp.body).unwrap_or(Value::Null);
    let error = answer
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if matches!(
        error,
        "authorization_pending" | "slow_down" | "mfa_required"
    ) {
        return;
    }
    let (ok, failed) = events::codes(grant);
    let success = o.resp.status == 200;
    let description = if success {
        events::success_description(grant).to_owned()
    } else {
        answer
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or(error)
            .to_owned()
    };
    events::write(
        shared,
        st,
        &events::Event {
            kind: if success { ok } else { failed },
            description: &description,
            user_id: &o.user_id,
            client_id,
            ip,
            user_agent: req.user_agent,
            connection: o.connection.as_deref(),
            audience: o.audience.as_deref(),
            scope: answer.get("scope").and_then(Value::as_str),
        },
    );
}

fn issued(shared: &Shared, st: &mut State, login: &Login, connection: Option<String>) -> Outcome {
    let answer = tokens::issue(shared, st, login);
    Outcome {
        resp: tokens::answer(answer),
        user_id: login.user_id.clone(),
        connection,
        audience: login.audience.clone(),
    }
}

/// Whether `audience` is an API of the tenant.
fn known_audience(shared: &Shared, st: &State, audience: &str) -> bool {
    audience == shared.cfg.audience()
        || st
            .store
            .list("resource-servers")
            .any(|(_, r)| r.get("identifier").and_then(Value::as_str) == Some(audience))
}

/// `(org_id, org_name)` of an organization named by id or name.
fn organization(st: &State, wanted: &str) -> Option<(String, String)> {
    let name_of = |o: &Value| {
        o.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(o) = st.store.get("organizations", wanted) {
        return Some((wanted.to_owned(), name_of(o)));
    }
    st.store
        .list("organizations")
        .find(|(_, o)| {
            o.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        })
        .map(|(id, o)| (id.clone(), name_of(o)))
}

fn client_credentials(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    params: &Map<String, Value>,
) -> Outcome {
    let Some(audience) = param(params, "audience") else {
        return refused(missing("audience"));
    };
    let not_granted = || {
        refused(oauth_error(
            403,
            "access_denied",
            &format!(
                "Client is not authorized to access \"{audience}\". You might probably want to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
            ),
        ))
    };
    if audience == shared.cfg.audience() {
        // The Management API: the token the API checks, with the scopes of the client's
        // grant (the tenant's own client holds one from the start).
        let Some(granted) = st.granted_scopes(&caller.client_id, audience) else {
            return not_granted();
        };
        let requested = params.get("scope").and_then(Value::as_str);
        return management_token(shared, st, &caller.client_id, &granted, requested);
    }
    if !known_audience(shared, st, audience) {
        return refused(oauth_error(
            403,
            "access_denied",
            &format!("Service not enabled within domain: {audience}"),
        ));
    }
    let Some(scope) = st.granted_scopes(&caller.client_id, audience) else {
        return not_granted();
    };
    let now = util::now_secs();
    let mut claims = json!({
        "iss": format!("https://{}/", shared.cfg.domain),
        "sub": format!("{}@clients", caller.client_id),
        "aud": audience,
        "iat": now,
        "exp": now + 86_400,
        "scope": scope.join(" "),
        "gty": "client-credentials",
        "azp": caller.client_id,
        "jti": util::alnum(22),
    });
    if let Some(wanted) = param(params, "organization") {
        let Some((id, _)) = organization(st, wanted) else {
            return refused(oauth_error(
                400,
                "invalid_request",
                &format!("Organization {wanted} does not exist"),
            ));
        };
        claims["org_id"] = json!(id);
    }
    let token = shared.cfg.signing.sign(&claims);
    Outcome {
        resp: tokens::answer(json!({"access_token": token, "scope": scope.join(" "), "expires_in": 86_400, "token_type": "Bearer"}).as_object().cloned().unwrap_or_default()),
        user_id: String::new(),
        connection: None,
        audience: Some(audience.to_owned()),
    }
}

/// A Management API token (kept in the table the API checks bearers against).
fn management_token(
    shared: &Shared,
    st: &mut State,
    client_id: &str,
    granted: &[String],
    requested: Option<&str>,
) -> Outcome {
    let (access_token, scope, ttl) = shared.issue_token_locked(st, client_id, granted, requested);
    Outcome {
        resp: tokens::answer(json!({"access_token": access_token, "scope": scope, "expires_in": ttl, "token_type": "Bearer"}).as_object().cloned().unwrap_or_default()),
        user_id: String::new(),
        connection: None,
        audience: Some(shared.cfg.audience()),
    }
}

fn refresh(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    params: &Map<String, Value>,
) -> Outcome {
    match tokens::refresh(shared, st, caller, params) {
        Ok(answer) => Outcome {
            resp: tokens::answer(answer),
            user_id: String::new(),
            connection: None,
            audience: None,
        },
        Err(r) => refused(r),
    }
}

/// The user of `connection` who logs in as `identifier` (email or username).
fn find_login(st: &State, connection: &str, identifier: &str) -> Option<Value> {
    let identifier = identifier.to_lowercase();
    st.users
        .values()
        .filter(|u| crate::state::user_connection(u) == Some(connection))
        .find(|u| {
            ["email", "username"].iter().any(|k| {
                u.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.to_lowercase() == identifier)
            })
        })
        .map(|u| (**u).clone())
}

fn password(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    grant: &str,
    params: &Map<String, Value>,
) -> Outcome {
    let connection = shared.cfg.connection.clone();
    let with = |resp: Resp, user_id: &str| Outcome {
        resp,
        user_id: user_id.to_owned(),
        connection: Some(connection.clone()),
        audience: None,
    };
    let (Some(username), Some(password)) = (param(params, "username"), param(params, "password"))
    else {
        let name = if param(params, "username").is_none() {
            "username"
        } else {
            "password"
        };
        return with(missing(name), "");
    };
    let audience = param(params, "audience").map(str::to_owned);
    if let Some(a) = &audience
        && !known_audience(shared, st, a)
    {
        return with(
            oauth_error(
                400,
                "invalid_request",
                "invalid audience specified for password grant exchange",
            ),
            "",
        );
    }
    let wrong = || oauth_error(403, "invalid_grant", "Wrong email or password.");
    if grant == PASSWORD_REALM && param(params, "realm") != Some(connection.as_str()) {
        return with(wrong(), "");
    }
    let Some(user) = find_login(st, &connection, username) else {
        return with(wrong(), "");
    };
    let user_id = user
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match check_password(st, &connection, &user, username, password, &caller.ip) {
        Ok(()) => {}
        Err(r) => return with(r, &user_id),
    }
    let login = Login {
        user_id: user_id.clone(),
        client_id: caller.client_id.clone(),
        scope: param(params, "scope").unwrap_or("").to_owned(),
        audience,
        auth_time: util::now_secs(),
        gty: Some("password"),
        ..Login::default()
    };
    if st.auth.mfa.contains_key(&user_id) {
        let mfa_token = format!("Fe26.2*{}", util::alnum(40));
        let now = Instant::now();
        make_room(&mut st.auth.mfa_tokens, now, |p| p.expires);
        st.auth.mfa_tokens.insert(
            mfa_token.clone(),
            MfaPending {
                login,
                expires: now + MFA_TOKEN_TTL,
            },
        );
        return with(
            Resp::json(
                403,
                &json!({"error": "mfa_required", "error_description": "Multifactor authentication required", "mfa_token": mfa_token}),
            ),
            &user_id,
        );
    }
    let login = logged_in(shared, st, &user, login, "pwd", &caller.ip);
    issued(shared, st, &login, Some(connection))
}

/// Check a password with brute-force protection (per user and IP).
pub(crate) fn check_password(
    st: &mut State,
    connection: &str,
    user: &Value,
    identifier: &str,
    password: &str,
    ip: &str,
) -> Result<(), Resp> {
    let user_id = user
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if user.get("blocked").and_then(Value::as_bool) == Some(true) {
        return Err(oauth_error(401, "unauthorized", "user is blocked"));
    }
    let key = format!("{user_id}\n{ip}");
    let failed = st.store.get(LOGIN_ATTEMPTS, &key).map_or(0, failures);
    if failed >= BRUTE_FORCE_THRESHOLD {
        return Err(oauth_error(
            429,
            "too_many_attempts",
            "Your account has been blocked after multiple consecutive login attempts.",
        ));
    }
    if !password_matches(st, &user_id, password) {
        st.store.insert(
            LOGIN_ATTEMPTS,
            &key,
            json!({
                "user_id": user_id,
                "identifier": identifier.to_lowercase(),
                "ip": ip,
                "connection": connection,
                "failures": failed + 1,
            }),
        );
        return Err(oauth_error(
            403,
            "invalid_grant",
            "Wrong email or password.",
        ));
    }
    st.store.remove(LOGIN_ATTEMPTS, &key);
    Ok(())
}

/// A successful login: the user's counters and a session.
pub(crate) fn logged_in(
    _shared: &Shared,
    st: &mut State,
    user: &Value,
    mut login: Login,
    method: &str,
    ip: &str,
) -> Login {
    let user_id = login.user_id.clone();
    if let Some(mut updated) = user.as_object().cloned() {
        let count = updated
            .get("logins_count")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        updated.insert("logins_count".into(), json!(count + 1));
        updated.insert("last_login".into(), json!(util::now_iso()));
        updated.insert("last_ip".into(), json!(ip));
        st.replace_user(&user_id, Value::Object(updated));
    }
    let now = util::now_iso();
    let session_id = util::alnum(32);
    st.store.insert(
        crate::handlers::SESSIONS,
        &session_id,
        json!({
            "id": session_id,
            "user_id": user_id,
            "created_at": now,
            "updated_at": now,
            "authenticated_at": now,
            "last_interacted_at": now,
            "device": {"initial_ip": ip, "last_ip": ip},
            "clients": [{"client_id": login.client_id}],
            "authentication": {"methods": [{"name": method, "timestamp": now}]},
        }),
    );
    login.session_id = Some(session_id);
    login
}

fn authorization_code(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    params: &Map<String, Value>,
) -> Outcome {
    let Some(code) = param(params, "code") else {
        return refused(missing("code"));
    };
    let invalid = || {
        refused(oauth_error(
            403,
            "invalid_grant",
            "Invalid authorization code",
        ))
    };
    let Some(pending) = st.auth.codes.remove(code) else {
        return invalid();
    };
    if pending.login.client_id != caller.client_id || pending.expires <= Instant::now() {
        return invalid();
    }
    if pending.redirect_uri.is_some()
        && param(params, "redirect_uri") != pending.redirect_uri.as_deref()
    {
        return refused(oauth_error(403, "invalid_grant", "Invalid redirect_uri"));
    }
    if let Some((challenge, method)) = &pending.code_challenge {
        let Some(verifier) = param(params, "code_verifier") else {
            return refused(missing("code_verifier"));
        };
        let computed = if method == "plain" {
            verifier.to_owned()
        } else {
            super::keys::b64(
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref(),
            )
        };
        if &computed != challenge {
            return refused(oauth_error(
                403,
                "invalid_grant",
                "Failed to verify code verifier",
            ));
        }
    }
    let user_id = pending.login.user_id.clone();
    if st.get_user(&user_id).is_none() {
        return invalid();
    }
    let mut o = issued(
        shared,
        st,
        &pending.login,
        Some(shared.cfg.connection.clone()),
    );
    o.user_id = user_id;
    o
}

fn passwordless(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    params: &Map<String, Value>,
) -> Outcome {
    let (Some(username), Some(otp), Some(realm)) = (
        param(params, "username"),
        param(params, "otp"),
        param(params, "realm"),
    ) else {
        let name = ["username", "otp", "realm"]
            .into_iter()
            .find(|n| param(params, n).is_none())
            .unwrap_or("otp");
        return refused(missing(name));
    };
    let wrong = |what: &str| {
        oauth_error(
            403,
            "invalid_grant",
            &format!("Wrong {what} or verification code."),
        )
    };
    let what = if realm == "sms" {
        "phone number"
    } else {
        "email"
    };
    if !matches!(realm, "email" | "sms") {
        return refused(oauth_error(
            400,
            "invalid_request",
            "Connection does not exist",
        ));
    }
    let key = super::flows::otp_key(realm, username);
    let now = Instant::now();
    let Some(sent) = st
        .auth
        .passwordless
        .get_mut(&key)
        .filter(|s| s.expires > now)
    else {
        return refused(wrong(what));
    };
    if sent.code != otp {
        sent.attempts += 1;
        // Auth0 allows a few tries, then the code is spent.
        if sent.attempts >= 3 {
            st.auth.passwordless.remove(&key);
        }
        return refused(wrong(what));
    }
    st.auth.passwordless.remove(&key);
    let user = super::flows::passwordless_user(st, realm, username);
    let user_id = user
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let login = Login {
        user_id,
        client_id: caller.client_id.clone(),
        scope: param(params, "scope").unwrap_or("").to_owned(),
        audience: param(params, "audience").map(str::to_owned),
        auth_time: util::now_secs(),
        ..Login::default()
    };
    let login = logged_in(shared, st, &user, login, "passwordless", &caller.ip);
    issued(shared, st, &login, Some(realm.to_owned()))
}

fn mfa(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    grant: &str,
    params: &Map<String, Value>,
) -> Outcome {
    let Some(mfa_token) = param(params, "mfa_token") else {
        return refused(missing("mfa_token"));
    };
    let now = Instant::now();
    let Some(pending) = st
        .auth
        .mfa_tokens
        .get(mfa_token)
        .filter(|p| p.expires > now && p.login.client_id == caller.client_id)
        .cloned()
    else {
        return refused(oauth_error(403, "invalid_grant", "Malformed mfa_token"));
    };
    let user_id = pending.login.user_id.clone();
    let Some(enrollment) = st.auth.mfa.get(&user_id).cloned() else {
        return refused(oauth_error(403, "invalid_grant", "User is not enrolled."));
    };
    let mut new_recovery = None;
    let ok = match grant {
        MFA_OTP => param(params, "otp") == Some(enrollment.otp.as_str()),
        MFA_OOB => {
            let oob = param(params, "oob_code").and_then(|c| st.auth.oob.get(c).cloned());
            oob.is_some_and(|o| {
                o.mfa_token == mfa_token
                    && o.expires > now
                    && param(params, "binding_code") == Some(o.binding_code.as_str())
            })
        }
        _ => {
            let ok = param(params, "recovery_code") == Some(enrollment.recovery_code.as_str());
            if ok {
                new_recovery = Some(util::alnum(24).to_uppercase());
            }
            ok
        }
    };
    if !ok {
        let what = match grant {
            MFA_OTP => "Invalid otp_code.",
            MFA_OOB => "Invalid binding_code.",
            _ => "Invalid recovery_code.",
        };
        return Outcome {
            resp: oauth_error(403, "invalid_grant", what),
            user_id,
            connection: None,
            audience: None,
        };
    }
    st.auth.mfa_tokens.remove(mfa_token);
    if let Some(e) = st.auth.mfa.get_mut(&user_id) {
        // Each code works once: the authenticator shows the next.
        e.otp = super::flows::six_digits();
        if let Some(code) = &new_recovery {
            e.recovery_code.clone_from(code);
        }
    }
    let Some(user) = st.get_user(&user_id).cloned() else {
        return refused(oauth_error(403, "invalid_grant", "Malformed mfa_token"));
    };
    let login = logged_in(shared, st, &user, pending.login, "mfa", &caller.ip);
    let mut o = issued(shared, st, &login, Some(shared.cfg.connection.clone()));
    if let Some(code) = new_recovery {
        let mut answer: Map<String, Value> =
            serde_json::from_slice(&o.resp.body).unwrap_or_default();
        answer.insert("recovery_code".into(), json!(code));
        o.resp = tokens::answer(answer);
    }
    o
}

/// Shared by device and back-channel polls: pending, too fast, refused, or approved.
fn poll_answer(
    approval: &Approval,
    last_poll: Option<Instant>,
    interval: Duration,
    expired: bool,
    pending: &str,
) -> Result<String, Resp> {
    if expired {
        return Err(oauth_error(
            403,
            "expired_token",
            "The authorization request has expired.",
        ));
    }
    match approval {
        Approval::Approved(user) => Ok(user.clone()),
        Approval::Denied => Err(oauth_error(
            403,
            "access_denied",
            "User cancelled the confirmation prompt or consent page; the code is no longer valid.",
        )),
        Approval::Pending if last_poll.is_some_and(|t| t.elapsed() < interval) => Err(oauth_error(
            429,
            "slow_down",
            &format!(
                "You are polling faster than allowed. Try again in {} seconds.",
                interval.as_secs()
            ),
        )),
        Approval::Pending => Err(oauth_error(403, "authorization_pending", pending)),
    }
}

/// The device grant (`device_code`) or the CIBA grant (`auth_req_id`): a poll.
fn poll(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    params: &Map<String, Value>,
    device: bool,
) -> Outcome {
    let (name, unknown, pending) = if device {
        (
            "device_code",
            "Invalid or expired device code.",
            "User has yet to authorize device code.",
        )
    } else {
        (
            "auth_req_id",
            "Invalid or expired auth_req_id.",
            "The end-user authorization is pending",
        )
    };
    let Some(key) = param(params, name) else {
        return refused(missing(name));
    };
    let now = Instant::now();
    let table = if device {
        &mut st.auth.devices
    } else {
        &mut st.auth.ciba
    };
    let Some(flow) = table
        .get_mut(key)
        .filter(|f| f.client_id == caller.client_id)
    else {
        return refused(oauth_error(403, "invalid_grant", unknown));
    };
    let answer = poll_answer(
        &flow.approval,
        flow.last_poll,
        flow.interval,
        flow.expires <= now,
        pending,
    );
    flow.last_poll = Some(now);
    let flow = flow.clone();
    match answer {
        Err(r) => Outcome {
            resp: r,
            user_id: flow.user_id,
            connection: None,
            audience: None,
        },
        Ok(user_id) => {
            table.remove(key);
            let login = Login {
                user_id,
                client_id: caller.client_id.clone(),
                scope: flow.scope,
                audience: flow.audience,
                auth_time: util::now_secs(),
                ..Login::default()
            };
            issued(shared, st, &login, None)
        }
    }
}

/// Custom Token Exchange: a profile for the `subject_token_type` must exist
/// (`POST /api/v2/token-exchange-profiles`). The fake's stand-in for the
/// profile's Action: the subject token names a user by id or email.
fn exchange(
    shared: &Shared,
    st: &mut State,
    caller: &Caller,
    params: &Map<String, Value>,
) -> Outcome {
    let (Some(subject), Some(kind)) = (
        param(params, "subject_token"),
        param(params, "subject_token_type"),
    ) else {
        let name = if param(params, "subject_token").is_none() {
            "subject_token"
        } else {
            "subject_token_type"
        };
        return refused(missing(name));
    };
    let profile = st
        .store
        .list("token-exchange-profiles")
        .any(|(_, p)| p.get("subject_token_type").and_then(Value::as_str) == Some(kind));
    if !profile {
        return refused(oauth_error(
            400,
            "invalid_request",
            &format!("No Token Exchange Profile found for subject_token_type {kind}"),
        ));
    }
    let user = st
        .get_user(subject)
        .cloned()
        .or_else(|| find_login(st, &shared.cfg.connection, subject));
    let Some(user) = user else {
        return refused(oauth_error(403, "invalid_grant", "Invalid subject token"));
    };
    let user_id = user
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut login = Login {
        user_id,
        client_id: caller.client_id.clone(),
        scope: param(params, "scope").unwrap_or("").to_owned(),
        audience: param(params, "audience").map(str::to_owned),
        auth_time: util::now_secs(),
        ..Login::default()
    };
    if let Some(wanted) = param(params, "organization") {
        login.organization = organization(st, wanted);
    }
    let login = logged_in(shared, st, &user, login, "token-exchange", &caller.ip);
    issued(shared, st, &login, None)
}

/// Token Vault: the user's access token at a connection (their identity's
/// `access_token`), for an Auth0 refresh or access token.
fn connection_token(st: &mut State, caller: &Caller, params: &Map<String, Value>) -> Outcome {
    let (Some(subject), Some(kind), Some(connection)) = (
        param(params, "subject_token"),
        param(params, "subject_token_type"),
        param(params, "connection"),
    ) else {
        let name = ["subject_token", "subject_token_type", "connection"]
            .into_iter()
            .find(|n| param(params, n).is_none())
            .unwrap_or("connection");
        return refused(missing(name));
    };
    let digest = util::md5_hex(subject);
    let user_id = match kind {
        "urn:ietf:params:oauth:token-type:refresh_token" => st
            .store
            .get(crate::handlers::REFRESH_TOKEN_VALUES, &digest)
            .and_then(Value::as_str)
            .and_then(|id| st.store.get(crate::handlers::REFRESH_TOKENS, id))
            .filter(|r| {
                r.get("client_id").and_then(Value::as_str) == Some(caller.client_id.as_str())
            })
            .and_then(|r| r.get("user_id").and_then(Value::as_str))
            .map(str::to_owned),
        "urn:ietf:params:oauth:token-type:access_token" => st
            .auth
            .access
            .get(&digest)
            .filter(|t| t.expires > Instant::now())
            .map(|t| t.user_id.clone()),
        _ => {
            return refused(oauth_error(
                400,
                "invalid_request",
                "Invalid subject_token_type",
            ));
        }
    };
    let Some(user_id) = user_id else {
        return refused(oauth_error(403, "invalid_grant", "Invalid subject token"));
    };
    let identity = st
        .get_user(&user_id)
        .and_then(|u| u.get("identities"))
        .and_then(Value::as_array)
        .and_then(|ids| {
            ids.iter()
                .find(|i| i.get("connection").and_then(Value::as_str) == Some(connection))
                .and_then(|i| i.get("access_token"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let Some(access_token) = identity else {
        return Outcome {
            resp: oauth_error(
                401,
                "federated_connection_refresh_token_not_found",
                "Federated connection Refresh Token not found.",
            ),
            user_id,
            connection: Some(connection.to_owned()),
            audience: None,
        };
    };
    Outcome {
        resp: tokens::answer(json!({
            "access_token": access_token,
            "expires_in": 3600,
            "scope": "",
            "issued_token_type": "http://auth0.com/oauth/token-type/federated-connection-access-token",
            "token_type": "Bearer",
        }).as_object().cloned().unwrap_or_default()),
        user_id,
        connection: Some(connection.to_owned()),
        audience: None,
    }
}
