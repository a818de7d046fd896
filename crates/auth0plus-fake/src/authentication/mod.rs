//! The Authentication API: every path outside `/api/v2`, from one small path
//! table ([`route`]) reached from the server by one call ([`handle`]).
//!
//! - `POST /oauth/token`: every grant (client credentials, authorization code
//!   with PKCE, refresh token with rotation, password and password-realm,
//!   passwordless OTP, device code, CIBA, MFA OTP/OOB/recovery code, token
//!   exchange, the access token for a connection), clients authenticated by
//!   secret (body or Basic) or by `private_key_jwt` against their registered
//!   credentials (`POST /api/v2/clients/{id}/credentials`).
//! - `/authorize` (the user is named by `login_hint`: the fake has no login page),
//!   `/oauth/par`, `/oauth/device/code`, `/bc-authorize`, `/passwordless/start`,
//!   `/mfa/challenge`, `/oauth/revoke`, `/userinfo`, `/dbconnections/signup`,
//!   `/dbconnections/change_password`, `/v2/logout`, `/oidc/logout`,
//!   `/.well-known/jwks.json` and `/.well-known/openid-configuration`.
//! - Tokens are RS256 JWTs with the claims Auth0 puts in them, HS256 ID tokens
//!   for applications configured so (`jwt_configuration.alg`).
//! - Codes a user would receive (passwordless, MFA) and device or back-channel
//!   approvals are reached through [`crate::FakeTenant`]'s methods or
//!   `/__fake/auth/…`, never logged.
//! - The log events Auth0 writes (`seccft`, `sepft`/`fepft`, `sertft`/`fertft`…).

mod api;
mod clients;
mod database;
mod events;
mod flows;
mod grants;
pub(crate) mod keys;
mod state;
mod tokens;

use http::Method;
use serde_json::{Map, Value, json};

pub use keys::ClientKey;
pub(crate) use keys::SigningKey;
pub(crate) use state::AuthState;

use crate::server::Resp;
use crate::state::Shared;

/// One request to the Authentication API, as the server read it.
pub(crate) struct AuthRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a str,
    pub authorization: Option<&'a str>,
    pub content_type: &'a str,
    pub user_agent: &'a str,
    pub forwarded_for: Option<&'a str>,
    pub body: &'a [u8],
}

/// The Authentication API's endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Token,
    Authorize,
    Par,
    DeviceCode,
    BcAuthorize,
    PasswordlessStart,
    MfaChallenge,
    Revoke,
    UserInfo,
    Signup,
    ChangePassword,
    Logout,
    OidcLogout,
    Jwks,
    Discovery,
    /// `/__fake/auth/…`: what a user would read from their inbox or phone.
    Admin,
}

/// The path table.
pub(crate) fn route(method: &Method, path: &str) -> Option<Endpoint> {
    use Endpoint as E;
    let get = method == Method::GET;
    let post = method == Method::POST;
    Some(match path {
        "/oauth/token" if post => E::Token,
        "/authorize" if get => E::Authorize,
        "/oauth/par" if post => E::Par,
        "/oauth/device/code" if post => E::DeviceCode,
        "/bc-authorize" if post => E::BcAuthorize,
        "/passwordless/start" if post => E::PasswordlessStart,
        "/mfa/challenge" if post => E::MfaChallenge,
        "/oauth/revoke" if post => E::Revoke,
        "/userinfo" if get || post => E::UserInfo,
        "/dbconnections/signup" if post => E::Signup,
        "/dbconnections/change_password" if post => E::ChangePassword,
        "/v2/logout" if get => E::Logout,
        "/oidc/logout" if get => E::OidcLogout,
        "/.well-known/jwks.json" if get => E::Jwks,
        "/.well-known/openid-configuration" if get => E::Discovery,
        p if p.starts_with("/__fake/auth/") => E::Admin,
        _ => return None,
    })
}

/// Answer an Authentication API request.
pub(crate) fn handle(shared: &Shared, endpoint: Endpoint, req: &AuthRequest<'_>) -> Resp {
    use Endpoint as E;
    let params = match params(req) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match endpoint {
        E::Token => grants::token(shared, req, &params),
        E::Authorize => flows::authorize(shared, &query_params(req.query)),
        E::Par => flows::par(shared, req, &params),
        E::DeviceCode => flows::device_code(shared, req, &params),
        E::BcAuthorize => flows::bc_authorize(shared, req, &params),
        E::PasswordlessStart => flows::passwordless_start(shared, req, &params),
        E::MfaChallenge => flows::mfa_challenge(shared, req, &params),
        E::Revoke => tokens::revoke(shared, req, &params),
        E::UserInfo => tokens::userinfo(shared, req),
        E::Signup => database::signup(shared, req, &params),
        E::ChangePassword => database::change_password(shared, req, &params),
        E::Logout => flows::logout(shared, &query_params(req.query), "returnTo"),
        E::OidcLogout => {
            flows::logout(shared, &query_params(req.query), "post_logout_redirect_uri")
        }
        E::Jwks => Resp::json(200, &shared.cfg.signing.jwks()),
        E::Discovery => Resp::json(200, &discovery(shared)),
        E::Admin => flows::admin(shared, req),
    }
}

/// `{"error", "error_description"}`, Auth0's OAuth error body.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// The request's parameters: a form or a JSON object (Auth0 takes both).
fn params(req: &AuthRequest<'_>) -> Result<Map<String, Value>, Resp> {
    let form = |body: &[u8]| {
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    };
    let body = req.body;
    if req
        .content_type
        .starts_with("application/x-www-form-urlencoded")
    {
        return Ok(form(body));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(oauth_error(
            400,
            "invalid_request",
            "Invalid request body: expected a JSON object",
        )),
        Err(_) if !req.content_type.starts_with("application/json") => Ok(form(body)),
        Err(_) => Err(oauth_error(
            400,
            "invalid_request",
            "Invalid request body: not valid JSON",
        )),
    }
}

fn query_params(query: &str) -> Map<String, Value> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

/// A non-empty string parameter.
pub(crate) fn param<'a>(params: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `400 invalid_request: Missing required parameter: {name}`.
pub(crate) fn missing(name: &str) -> Resp {
    oauth_error(
        400,
        "invalid_request",
        &format!("Missing required parameter: {name}"),
    )
}

fn discovery(shared: &Shared) -> Value {
    let issuer = format!("https://{}/", shared.cfg.domain);
    let at = |path: &str| format!("https://{}{path}", shared.cfg.domain);
    json!({
        "issuer": issuer,
        "authorization_endpoint": at("/authorize"),
        "token_endpoint": at("/oauth/token"),
        "device_authorization_endpoint": at("/oauth/device/code"),
        "userinfo_endpoint": at("/userinfo"),
        "mfa_challenge_endpoint": at("/mfa/challenge"),
        "jwks_uri": at("/.well-known/jwks.json"),
        "registration_endpoint": at("/oidc/register"),
        "revocation_endpoint": at("/oauth/revoke"),
        "pushed_authorization_request_endpoint": at("/oauth/par"),
        "backchannel_authentication_endpoint": at("/bc-authorize"),
        "end_session_endpoint": at("/oidc/logout"),
        "scopes_supported": ["openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname", "email", "email_verified", "picture", "created_at", "identities", "phone", "address"],
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "PS256"],
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"],
        "request_uri_parameter_supported": false,
        "request_parameter_supported": false,
        "backchannel_token_delivery_modes_supported": ["poll"],
    })
}

/// [`crate::FakeTenant::log_in`]: the password grant for the tenant's own
/// application, whatever its `grant_types`.
pub(crate) fn log_in(
    shared: &Shared,
    username: &str,
    password: &str,
    scope: &str,
) -> Result<Value, Value> {
    let mut params = Map::new();
    params.insert("grant_type".into(), json!("password"));
    params.insert("client_id".into(), json!(shared.cfg.client_id));
    params.insert("client_secret".into(), json!(shared.cfg.client_secret));
    params.insert("username".into(), json!(username));
    params.insert("password".into(), json!(password));
    params.insert("scope".into(), json!(scope));
    let req = AuthRequest {
        method: &Method::POST,
        path: "/oauth/token",
        query: "",
        authorization: None,
        content_type: "application/json",
        user_agent: "auth0plus-fake",
        forwarded_for: None,
        body: &[],
    };
    let resp = grants::token_unchecked(shared, &req, &params);
    let body = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    if resp.status == 200 {
        Ok(body)
    } else {
        Err(body)
    }
}
