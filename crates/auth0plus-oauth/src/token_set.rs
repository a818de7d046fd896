//! What a grant returns: the tokens, typed, every one of them a [`Secret`].

use std::fmt;

use auth0plus_transport::{HttpResponse, Scrubber, Secret};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{DEFAULT_EXPIRES_IN, Error, response};

/// The tokens `/oauth/token` issues for a grant.
///
/// `Debug` shows which tokens are there, never a token.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct TokenSet {
    /// The access token (a JWT for an API audience, opaque for `/userinfo` only).
    pub access_token: Secret,
    /// The ID token, when `openid` was in the scope.
    pub id_token: Option<Secret>,
    /// A refresh token, with `offline_access`. With rotation on, each refresh
    /// returns a new one and the old one stops working.
    pub refresh_token: Option<Secret>,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The granted scopes, space-separated.
    pub scope: Option<String>,
    /// For token exchanges: the type of token issued.
    pub issued_token_type: Option<String>,
    /// After the MFA recovery-code grant: the new recovery code to give the user.
    pub recovery_code: Option<Secret>,
    /// Any other member of the answer (`authorization_details`…), kept.
    pub extra: Map<String, Value>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl TokenSet {
    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or("").split_whitespace()
    }
}

#[derive(Deserialize)]
struct Raw {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
    scope: Option<String>,
    issued_token_type: Option<String>,
    recovery_code: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// Read a token answer.
pub(crate) fn parse(response: &HttpResponse, scrubber: &Scrubber) -> Result<TokenSet, Error> {
    let raw: Raw = response::decode(response, scrubber, "a JSON token response")?;
    let status = response.status().as_u16();
    let unexpected = |reason: &str| Error::UnexpectedResponse {
        status,
        reason: reason.to_owned(),
        body: None,
    };
    let access_token = raw
        .access_token
        .ok_or_else(|| unexpected("the response has no access_token"))?;
    if let Some(reason) = crate::token::unusable(&access_token) {
        return Err(unexpected(reason));
    }
    let nonempty = |t: Option<String>| t.filter(|t| !t.is_empty()).map(Secret::new);
    Ok(TokenSet {
        access_token: Secret::new(access_token),
        id_token: nonempty(raw.id_token),
        refresh_token: nonempty(raw.refresh_token),
        token_type: raw.token_type.unwrap_or_else(|| "Bearer".to_owned()),
        expires_in: raw.expires_in.unwrap_or(DEFAULT_EXPIRES_IN),
        scope: raw.scope,
        issued_token_type: raw.issued_token_type,
        recovery_code: nonempty(raw.recovery_code),
        extra: raw.extra,
    })
}
