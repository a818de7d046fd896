//! Which application is calling, and whether it proved it: a secret in the
//! body (`client_secret_post`) or in HTTP Basic (`client_secret_basic`), or a
//! `private_key_jwt` assertion checked against the public keys registered
//! with `POST /api/v2/clients/{id}/credentials`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::keys::Jws;
use super::state::MAX_ENTRIES;
use super::{AuthRequest, missing, oauth_error, param};
use crate::handlers::LOGIN_IP;
use crate::server::Resp;
use crate::state::{Shared, State};
use crate::util;

/// `client_assertion_type` of a JWT assertion.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest lifetime of an assertion Auth0 accepts (5 minutes), plus the
/// 10 seconds of clock skew it tolerates.
const MAX_ASSERTION_LIFETIME: u64 = 300 + 10;

/// The calling application.
#[derive(Debug)]
pub(crate) struct Caller {
    pub client_id: String,
    /// Its record (the store's `clients` entry).
    pub client: Value,
    /// The end user's IP: `auth0-forwarded-for` when the application is
    /// trusted to send it, else the caller's.
    pub ip: String,
}

impl Caller {
    /// Whether the application may use `grant` (its `grant_types`).
    pub(crate) fn allows(&self, grant: &str) -> bool {
        self.client
            .get("grant_types")
            .and_then(Value::as_array)
            .is_some_and(|g| g.iter().any(|t| t.as_str() == Some(grant)))
    }

    /// `403 unauthorized_client` for a grant it may not use, worded as Auth0 does.
    pub(crate) fn refuse_grant(grant: &str) -> Resp {
        oauth_error(
            403,
            "unauthorized_client",
            &format!("Grant type '{grant}' not allowed for the client."),
        )
    }
}

fn unauthorized() -> Resp {
    oauth_error(401, "access_denied", "Unauthorized")
}

fn bad_assertion(why: &str) -> Resp {
    oauth_error(
        401,
        "invalid_client",
        &format!("Invalid client assertion: {why}"),
    )
}

/// Identify and authenticate the caller. With `required`, a confidential
/// application must prove itself; otherwise credentials are checked when sent.
pub(crate) fn authenticate(
    shared: &Shared,
    st: &mut State,
    req: &AuthRequest<'_>,
    params: &Map<String, Value>,
    required: bool,
) -> Result<Caller, Resp> {
    let basic = req.authorization.and_then(basic_credentials);
    let client_id = match (&basic, param(params, "client_id")) {
        (Some((id, _)), Some(body)) if id != body => return Err(unauthorized()),
        (Some((id, _)), _) => id.clone(),
        (None, Some(id)) => id.to_owned(),
        (None, None) => return Err(missing("client_id")),
    };
    let Some(client) = st.store.get("clients", &client_id).cloned() else {
        return Err(unauthorized());
    };
    let expected_secret = if client_id == shared.cfg.client_id {
        Some(shared.cfg.client_secret.clone())
    } else {
        client
            .get("client_secret")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let secret = basic
        .as_ref()
        .map(|(_, s)| s.as_str())
        .or_else(|| param(params, "client_secret"));
    if let Some(kind) = param(params, "client_assertion_type") {
        if kind != JWT_BEARER {
            return Err(oauth_error(
                400,
                "invalid_request",
                "Invalid client_assertion_type",
            ));
        }
        let Some(assertion) = param(params, "client_assertion") else {
            return Err(missing("client_assertion"));
        };
        check_assertion(shared, st, &client_id, assertion)?;
    } else if let Some(secret) = secret {
        // An application switched to private_key_jwt no longer takes its secret.
        let keyed = client
            .pointer("/client_authentication_methods/private_key_jwt")
            .is_some_and(Value::is_object);
        if keyed || expected_secret.as_deref() != Some(secret) {
            return Err(unauthorized());
        }
    } else {
        let public = client
            .get("token_endpoint_auth_method")
            .and_then(Value::as_str)
            == Some("none");
        if required && !public {
            return Err(unauthorized());
        }
    }
    let trusted = client
        .get("is_token_endpoint_ip_header_trusted")
        .and_then(Value::as_bool)
        == Some(true);
    let ip = req
        .forwarded_for
        .filter(|_| trusted)
        .and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
        .map_or_else(|| LOGIN_IP.to_owned(), |ip| ip.to_string());
    Ok(Caller {
        client_id,
        client,
        ip,
    })
}

/// `Authorization: Basic base64(id:secret)`, each part form-decoded.
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, rest) = header.split_once(' ')?;
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
}

/// Check a `private_key_jwt` assertion: its claims as Auth0 documents them,
/// single use, and a signature by one of the application's registered keys.
fn check_assertion(
    shared: &Shared,
    st: &mut State,
    client_id: &str,
    assertion: &str,
) -> Result<(), Resp> {
    if assertion.len() > 2048 {
        return Err(bad_assertion("it is longer than 2048 bytes"));
    }
    let Some(jws) = Jws::parse(assertion) else {
        return Err(bad_assertion("it is not a JWT"));
    };
    let alg = jws.alg().to_owned();
    if !["RS256", "RS384", "PS256", "ES256"].contains(&alg.as_str()) {
        return Err(bad_assertion("unsupported algorithm"));
    }
    let claim = |name: &str| jws.claims.get(name).and_then(Value::as_str);
    if claim("iss") != Some(client_id) || claim("sub") != Some(client_id) {
        return Err(bad_assertion("iss and sub must be the client_id"));
    }
    let domain = &shared.cfg.domain;
    let accepted = [
        format!("https://{domain}/"),
        format!("https://{domain}/oauth/token"),
    ];
    let aud_ok = match jws.claims.get("aud") {
        Some(Value::String(a)) => accepted.contains(a),
        Some(Value::Array(list)) => list
            .iter()
            .any(|a| a.as_str().is_some_and(|a| accepted.iter().any(|x| x == a))),
        _ => false,
    };
    if !aud_ok {
        return Err(bad_assertion("aud must be the tenant's URL"));
    }
    let now = util::now_secs();
    let Some(exp) = jws.claims.get("exp").and_then(Value::as_u64) else {
        return Err(bad_assertion("exp is required"));
    };
    let iat = jws.claims.get("iat").and_then(Value::as_u64).unwrap_or(now);
    if exp + 10 < now {
        return Err(bad_assertion("it has expired"));
    }
    if exp.saturating_sub(iat.min(now)) > MAX_ASSERTION_LIFETIME {
        return Err(bad_assertion("its lifetime exceeds 5 minutes"));
    }
    let Some(jti) = claim("jti").filter(|j| !j.is_empty() && j.len() <= 64) else {
        return Err(bad_assertion("jti is required"));
    };
    st.auth.jtis.retain(|_, until| *until + 10 >= now);
    if st.auth.jtis.contains_key(jti) {
        return Err(bad_assertion("it has already been used"));
    }
    let verified = st
        .store
        .list(&format!("clients/{client_id}/credentials"))
        .any(|(_, c)| {
            let cred_alg = c.get("alg").and_then(Value::as_str).unwrap_or("RS256");
            cred_alg == alg
                && c.get("pem")
                    .and_then(Value::as_str)
                    .is_some_and(|pem| jws.verifies_with_pem(&alg, pem))
        });
    if !verified {
        return Err(bad_assertion(
            "the signature matches no credential of the client",
        ));
    }
    if st.auth.jtis.len() < MAX_ENTRIES {
        st.auth.jtis.insert(jti.to_owned(), exp);
    }
    Ok(())
}
