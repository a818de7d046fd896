//! Bearer tokens and scopes: who may call a Management route.

use std::time::Instant;

use serde_json::json;

use crate::server::Resp;
use crate::state::Shared;
use crate::util;

pub(super) const EXPIRED: &str = "Expired token received for JSON Web Token validation";

pub(super) fn unauthorized(message: &str, attributes: bool) -> Resp {
    let mut v = util::mgmt_error(401, message, None);
    if attributes && let Some(o) = v.as_object_mut() {
        o.insert("attributes".into(), json!({"error": message}));
    }
    let mut r = Resp::json(401, &v);
    r.headers.push(("www-authenticate", "Bearer".into()));
    r
}

pub(crate) fn expired_token() -> Resp {
    unauthorized(EXPIRED, true)
}

/// Check the bearer token and that it has any one of `need` (none needed when empty); the
/// client it was issued to.
pub(crate) fn check_bearer<S: AsRef<str>>(
    shared: &Shared,
    auth: Option<&str>,
    need: &[S],
) -> Result<String, Resp> {
    let token = auth.and_then(|a| {
        let (scheme, rest) = a.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(unauthorized("Missing authentication", false));
    };
    let st = shared.lock();
    let Some(info) = st.tokens.get(token) else {
        return Err(unauthorized("Invalid token", true));
    };
    if info.expires <= Instant::now() {
        return Err(unauthorized(EXPIRED, true));
    }
    if !need.is_empty()
        && !need
            .iter()
            .any(|n| info.scopes.iter().any(|s| s == n.as_ref()))
    {
        let names: Vec<&str> = need.iter().map(AsRef::as_ref).collect();
        return Err(Resp::error(
            403,
            &format!("Insufficient scope, expected any of: {}", names.join(",")),
            Some("insufficient_scope"),
        ));
    }
    Ok(info.client_id.clone())
}
