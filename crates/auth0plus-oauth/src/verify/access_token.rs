//! Access tokens, for a Rust API that Auth0 issues tokens for: RS256 with the
//! tenant's keys, the API's audience, and the scopes a route needs.

use std::time::Duration;

use auth0plus_transport::{Clock, SharedBackend, SharedClock};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::checks::{Common, Keys, fail, shown};
use super::{DEFAULT_CLOCK_SKEW, JwksCache};
use crate::{Domain, Error, TokenProblem};

/// The claims of a verified access token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct AccessTokenClaims {
    /// The user id, or `{client_id}@clients` for client credentials.
    pub sub: String,
    /// The tenant.
    pub iss: String,
    /// Expiry (epoch seconds).
    pub exp: u64,
    /// Issued at (epoch seconds).
    pub iat: u64,
    /// The application the token was issued to.
    pub azp: Option<String>,
    /// Granted scopes, space-separated.
    pub scope: Option<String>,
    /// RBAC permissions, when the API adds them.
    pub permissions: Option<Vec<String>>,
    /// Organization id.
    pub org_id: Option<String>,
    /// Grant type (`client-credentials`, `password`…).
    pub gty: Option<String>,
    /// Every other claim (`aud` included).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AccessTokenClaims {
    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or("").split_whitespace()
    }

    /// Check that every scope of `required` was granted.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] with [`TokenProblem::Scope`], naming the missing ones.
    pub fn require_scopes(&self, required: &[&str]) -> Result<(), Error> {
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|need| !self.scopes().any(|s| s == *need))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(fail(
                TokenProblem::Scope,
                format!(
                    "Insufficient scope: the access token lacks {}",
                    shown(&missing.join(" "))
                ),
            ))
        }
    }
}

/// Verifies access tokens Auth0 issued for one API. Cheap to clone.
///
/// ```no_run
/// # async fn run(bearer: &str) -> Result<(), auth0plus_oauth::Error> {
/// use auth0plus_oauth::AccessTokenVerifier;
/// let verifier = AccessTokenVerifier::new("acme.eu.auth0.com", "https://api.acme.example")?;
/// let claims = verifier.verify(bearer).await?;
/// claims.require_scopes(&["read:messages"])?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AccessTokenVerifier {
    common: Common,
    required: Vec<String>,
}

impl std::fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenVerifier")
            .field("issuer", &self.common.issuer)
            .field("audience", &self.common.audience)
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

impl AccessTokenVerifier {
    /// Tokens of tenant `domain` for the API `audience`, keys fetched from
    /// `https://{domain}/.well-known/jwks.json` with the default backend.
    ///
    /// # Errors
    /// [`Error::InvalidDomain`]; [`Error::NoBackend`] without the `reqwest` feature.
    pub fn new<D>(domain: D, audience: impl Into<String>) -> Result<Self, Error>
    where
        D: TryInto<Domain, Error = Error>,
    {
        let domain = domain.try_into()?;
        let backend =
            crate::default_retrying_backend(&auth0plus_transport::RetryPolicy::default())?;
        Ok(Self::with_jwks(
            format!("https://{domain}/"),
            audience,
            JwksCache::with_shared(
                format!("{}/.well-known/jwks.json", domain.base_url()),
                backend,
                SharedClock::default(),
            ),
        ))
    }

    /// Tokens of `issuer` for `audience`, keys from `jwks` (a base-URL
    /// override, your own backend).
    #[must_use]
    pub fn with_jwks(
        issuer: impl Into<String>,
        audience: impl Into<String>,
        jwks: JwksCache,
    ) -> Self {
        Self {
            common: Common {
                keys: Keys::Jwks(jwks),
                issuer: issuer.into(),
                audience: audience.into(),
                leeway: DEFAULT_CLOCK_SKEW,
                clock: SharedClock::default(),
                kind: "access token",
            },
            required: Vec::new(),
        }
    }

    /// Keys from `{base_url}/.well-known/jwks.json` through `backend`
    /// (tests against the fake tenant).
    #[must_use]
    pub fn with_base_url(
        domain: &Domain,
        audience: impl Into<String>,
        base_url: &str,
        backend: SharedBackend,
    ) -> Self {
        Self::with_jwks(
            format!("https://{domain}/"),
            audience,
            JwksCache::with_shared(
                format!("{base_url}/.well-known/jwks.json"),
                backend,
                SharedClock::default(),
            ),
        )
    }

    /// Scopes every token must have (routes can ask for more with
    /// [`AccessTokenClaims::require_scopes`]).
    #[must_use]
    pub fn require_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.required = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Clock skew tolerated on `exp` and `nbf` (default 60 s).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.common.leeway = leeway;
        self
    }

    /// Read time from `clock`.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.common.clock = SharedClock::new(clock);
        self
    }

    /// Verify a bearer token: RS256 signature with the tenant's keys, `iss`,
    /// `aud` (this API among its audiences), `exp`, `iat`, `nbf`, and the
    /// required scopes.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] with the failed check; [`Error::Jwks`].
    pub async fn verify(&self, token: &str) -> Result<AccessTokenClaims, Error> {
        let (claims, _) = self.common.verify(token).await?;
        let claims: AccessTokenClaims =
            serde_json::from_value(Value::Object(claims)).map_err(|_| {
                fail(
                    TokenProblem::Malformed,
                    "the access token's claims have the wrong types".into(),
                )
            })?;
        let required: Vec<&str> = self.required.iter().map(String::as_str).collect();
        claims.require_scopes(&required)?;
        Ok(claims)
    }
}
