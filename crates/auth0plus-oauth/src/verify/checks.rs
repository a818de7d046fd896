//! The checks ID and access tokens share: signature (with the algorithm the
//! verifier is configured for, never the one the token names), issuer,
//! audience, and the times.

use std::sync::Arc;
use std::time::Duration;

use auth0plus_transport::{Clock, SharedClock, epoch_seconds};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use super::JwksCache;
use crate::jose::Jws;
use crate::{Error, TokenProblem};

/// Where the verifying key comes from.
#[derive(Clone)]
pub(crate) enum Keys {
    /// RS256 with the tenant's JWKS.
    Jwks(JwksCache),
    /// HS256 with the client secret.
    Hs256(Arc<DecodingKey>),
}

impl Keys {
    fn algorithm(&self) -> (&'static str, Algorithm) {
        match self {
            Self::Jwks(_) => ("RS256", Algorithm::RS256),
            Self::Hs256(_) => ("HS256", Algorithm::HS256),
        }
    }
}

/// A value from a token, fit for an error message: quoted, escaped, at most 128 characters.
pub(crate) fn shown(value: &str) -> String {
    let cut: String = value.chars().take(128).collect();
    format!("{cut:?}")
}

pub(crate) fn fail(problem: TokenProblem, message: String) -> Error {
    Error::InvalidToken { problem, message }
}

/// What a verifier checks on every token.
#[derive(Clone)]
pub(crate) struct Common {
    pub keys: Keys,
    pub issuer: String,
    pub audience: String,
    pub leeway: Duration,
    pub clock: SharedClock,
    /// "ID token" or "access token", for the messages.
    pub kind: &'static str,
}

impl Common {
    /// Verify `token`'s signature and common claims; its claims and the time
    /// used (epoch seconds).
    pub(crate) async fn verify(&self, token: &str) -> Result<(Map<String, Value>, u64), Error> {
        let kind = self.kind;
        let jws = Jws::parse(token)?;
        let (expected, alg) = self.keys.algorithm();
        // The configured algorithm, never the token's: `none`, or HS256 keyed
        // with the public key (algorithm confusion), never get this far.
        if jws.alg() != Some(expected) {
            return Err(fail(
                TokenProblem::Algorithm,
                format!(
                    "Signature algorithm of {} is not supported. Expected the {kind} to be signed with \"{expected}\"",
                    jws.alg().map_or_else(|| "(none)".to_owned(), shown)
                ),
            ));
        }
        let key = match &self.keys {
            Keys::Jwks(cache) => cache.key(jws.kid()).await?,
            Keys::Hs256(key) => Arc::clone(key),
        };
        if !jws.verifies(&key, alg) {
            return Err(fail(
                TokenProblem::Signature,
                "Invalid token signature.".into(),
            ));
        }
        let claims = jws.claims;
        let now = epoch_seconds(self.clock.now());
        let leeway = self.leeway.as_secs();
        let string = |name: &str| claims.get(name).and_then(Value::as_str);
        let number = |name: &str| claims.get(name).and_then(Value::as_u64);

        let Some(iss) = string("iss") else {
            return Err(fail(
                TokenProblem::Issuer,
                format!("Issuer (iss) claim must be a string present in the {kind}"),
            ));
        };
        if iss != self.issuer {
            return Err(fail(
                TokenProblem::Issuer,
                format!(
                    "Issuer (iss) claim mismatch in the {kind}; expected {}, found {}",
                    shown(&self.issuer),
                    shown(iss)
                ),
            ));
        }
        if string("sub").is_none() {
            return Err(fail(
                TokenProblem::Subject,
                format!("Subject (sub) claim must be a string present in the {kind}"),
            ));
        }
        self.check_audience(&claims)?;
        let Some(exp) = number("exp") else {
            return Err(fail(
                TokenProblem::Expired,
                format!("Expiration Time (exp) claim must be a number present in the {kind}"),
            ));
        };
        let exp_time = exp.saturating_add(leeway);
        if now > exp_time {
            return Err(fail(
                TokenProblem::Expired,
                format!(
                    "Expiration Time (exp) claim error in the {kind}; current time ({now}) is after expiration time ({exp_time})"
                ),
            ));
        }
        if number("iat").is_none() {
            return Err(fail(
                TokenProblem::IssuedAt,
                format!("Issued At (iat) claim must be a number present in the {kind}"),
            ));
        }
        if let Some(nbf) = claims.get("nbf") {
            let Some(nbf) = nbf.as_u64() else {
                return Err(fail(
                    TokenProblem::NotYetValid,
                    format!("Not Before (nbf) claim must be a number in the {kind}"),
                ));
            };
            let from = nbf.saturating_sub(leeway);
            if now < from {
                return Err(fail(
                    TokenProblem::NotYetValid,
                    format!(
                        "Not Before (nbf) claim error in the {kind}; current time ({now}) is before {from}"
                    ),
                ));
            }
        }
        Ok((claims, now))
    }

    fn check_audience(&self, claims: &Map<String, Value>) -> Result<(), Error> {
        let kind = self.kind;
        let expected = &self.audience;
        match claims.get("aud") {
            Some(Value::String(aud)) if aud == expected => Ok(()),
            Some(Value::String(aud)) => Err(fail(
                TokenProblem::Audience,
                format!(
                    "Audience (aud) claim mismatch in the {kind}; expected {} but found {}",
                    shown(expected),
                    shown(aud)
                ),
            )),
            Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
                if list.iter().any(|a| a.as_str() == Some(expected)) {
                    Ok(())
                } else {
                    let all: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                    Err(fail(
                        TokenProblem::Audience,
                        format!(
                            "Audience (aud) claim mismatch in the {kind}; expected {} but was not one of {}",
                            shown(expected),
                            shown(&all.join(", "))
                        ),
                    ))
                }
            }
            _ => Err(fail(
                TokenProblem::Audience,
                format!(
                    "Audience (aud) claim must be a string or array of strings present in the {kind}"
                ),
            )),
        }
    }
}
