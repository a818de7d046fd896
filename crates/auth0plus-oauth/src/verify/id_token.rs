//! ID tokens, checked as Auth0 documents (OIDC Core §3.1.3.7 plus nonce,
//! `max_age`/`auth_time` and organizations), with Auth0's messages.

use std::sync::Arc;
use std::time::Duration;

use auth0plus_transport::{Clock, Secret, SharedClock};
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::checks::{Common, Keys, fail, shown};
use super::{DEFAULT_CLOCK_SKEW, JwksCache};
use crate::{AuthenticationClient, Error, TokenProblem};

/// The claims of a verified ID token. Claims it does not name (custom,
/// namespaced ones) are in [`Self::extra`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// The user id.
    pub sub: String,
    /// The tenant (`https://{domain}/`).
    pub iss: String,
    /// Expiry (epoch seconds).
    pub exp: u64,
    /// Issued at (epoch seconds).
    pub iat: u64,
    /// The `nonce` sent to `/authorize`.
    pub nonce: Option<String>,
    /// When the user last authenticated (epoch seconds).
    pub auth_time: Option<u64>,
    /// The authorized party.
    pub azp: Option<String>,
    /// The session id.
    pub sid: Option<String>,
    /// Organization id.
    pub org_id: Option<String>,
    /// Organization name.
    pub org_name: Option<String>,
    /// Full name.
    pub name: Option<String>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Picture URL.
    pub picture: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Whether the email is verified.
    pub email_verified: Option<bool>,
    /// Every other claim (`aud` included).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The per-login checks: what was sent to `/authorize`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct IdTokenChecks {
    /// The `nonce` sent; the token must carry it.
    pub nonce: Option<String>,
    /// The `max_age` sent (seconds); `auth_time` must be recent enough.
    pub max_age: Option<u64>,
    /// The organization logged in to: an id (`org_…`, checked against
    /// `org_id`) or a name (checked against `org_name`, case-insensitively).
    pub organization: Option<String>,
}

impl IdTokenChecks {
    /// No per-login checks.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Expect this `nonce`.
    #[must_use]
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Expect authentication within `max_age` seconds.
    #[must_use]
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// Expect this organization (id or name).
    #[must_use]
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }
}

/// Verifies an application's ID tokens. Cheap to clone; clones share the key cache.
///
/// ```no_run
/// # async fn run(auth: auth0plus_oauth::AuthenticationClient, tokens: auth0plus_oauth::TokenSet) -> Result<(), auth0plus_oauth::Error> {
/// use auth0plus_oauth::IdTokenChecks;
/// let verifier = auth.id_token_verifier()?;
/// let claims = verifier
///     .verify(tokens.id_token.as_ref().unwrap(), &IdTokenChecks::new().nonce("n-0S6_WzA2Mj"))
///     .await?;
/// println!("logged in: {}", claims.sub);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct IdTokenVerifier {
    common: Common,
}

impl std::fmt::Debug for IdTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenVerifier")
            .field("issuer", &self.common.issuer)
            .field("audience", &self.common.audience)
            .finish_non_exhaustive()
    }
}

impl IdTokenVerifier {
    /// RS256 tokens of `issuer` (`https://{domain}/`) for application
    /// `client_id`, with the keys of `jwks`.
    #[must_use]
    pub fn rs256(issuer: impl Into<String>, client_id: impl Into<String>, jwks: JwksCache) -> Self {
        Self::with_keys(issuer.into(), client_id.into(), Keys::Jwks(jwks))
    }

    /// HS256 tokens (an application whose ID tokens are signed with its
    /// client secret).
    ///
    /// # Errors
    /// [`Error::EmptyClientSecret`].
    pub fn hs256(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: &Secret,
    ) -> Result<Self, Error> {
        let key = DecodingKey::from_secret(client_secret.expose().as_bytes())
            .map_err(|_| Error::EmptyClientSecret)?;
        Ok(Self::with_keys(
            issuer.into(),
            client_id.into(),
            Keys::Hs256(Arc::new(key)),
        ))
    }

    fn with_keys(issuer: String, audience: String, keys: Keys) -> Self {
        Self {
            common: Common {
                keys,
                issuer,
                audience,
                leeway: DEFAULT_CLOCK_SKEW,
                clock: SharedClock::default(),
                kind: "ID token",
            },
        }
    }

    /// Clock skew tolerated on `exp`, `nbf` and `auth_time` (default 60 s).
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

    /// Verify `id_token`: signature, `iss`, `sub`, `aud`, `azp` (with several
    /// audiences), `exp`, `iat`, `nbf`, then the login's `checks`.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] with the failed check ([`TokenProblem`]) and
    /// Auth0's message; [`Error::Jwks`] when the keys cannot be fetched.
    pub async fn verify(
        &self,
        id_token: &Secret,
        checks: &IdTokenChecks,
    ) -> Result<IdTokenClaims, Error> {
        let (claims, now) = self.common.verify(id_token.expose()).await?;
        let leeway = self.common.leeway.as_secs();
        let string = |name: &str| claims.get(name).and_then(Value::as_str);
        if let Some(nonce) = &checks.nonce {
            match string("nonce") {
                None => {
                    return Err(fail(
                        TokenProblem::Nonce,
                        "Nonce (nonce) claim must be a string present in the ID token".into(),
                    ));
                }
                Some(found) if found != nonce => {
                    return Err(fail(
                        TokenProblem::Nonce,
                        format!(
                            "Nonce (nonce) claim mismatch in the ID token; expected {}, found {}",
                            shown(nonce),
                            shown(found)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(org) = &checks.organization {
            check_organization(&claims, org)?;
        }
        if let Some(Value::Array(audiences)) = claims.get("aud")
            && audiences.len() > 1
        {
            let expected = &self.common.audience;
            match string("azp") {
                None => return Err(fail(
                    TokenProblem::AuthorizedParty,
                    "Authorized Party (azp) claim must be a string present in the ID token when Audience (aud) claim has multiple values".into(),
                )),
                Some(azp) if azp != expected => {
                    return Err(fail(
                        TokenProblem::AuthorizedParty,
                        format!("Authorized Party (azp) claim mismatch in the ID token; expected {}, found {}", shown(expected), shown(azp)),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(max_age) = checks.max_age {
            let Some(auth_time) = claims.get("auth_time").and_then(Value::as_u64) else {
                return Err(fail(
                    TokenProblem::AuthTime,
                    "Authentication Time (auth_time) claim must be a number present in the ID token when Max Age (max_age) is specified".into(),
                ));
            };
            let valid_until = auth_time.saturating_add(max_age).saturating_add(leeway);
            if now > valid_until {
                return Err(fail(
                    TokenProblem::AuthTime,
                    format!(
                        "Authentication Time (auth_time) claim in the ID token indicates that too much time has passed since the last end-user authentication. Current time ({now}) is after last auth at ({valid_until})"
                    ),
                ));
            }
        }
        serde_json::from_value(Value::Object(claims)).map_err(|_| {
            fail(
                TokenProblem::Malformed,
                "the ID token's claims have the wrong types".into(),
            )
        })
    }
}

fn check_organization(claims: &Map<String, Value>, org: &str) -> Result<(), Error> {
    let (claim, label, expected, found) = if org.starts_with("org_") {
        (
            "org_id",
            "Organization Id",
            org.to_owned(),
            claims.get("org_id").and_then(Value::as_str),
        )
    } else {
        // Names are compared lowercased: Auth0 puts the lowercased name in the token.
        (
            "org_name",
            "Organization Name",
            org.to_lowercase(),
            claims.get("org_name").and_then(Value::as_str),
        )
    };
    match found {
        None => Err(fail(
            TokenProblem::Organization,
            format!("{label} ({claim}) claim must be a string present in the ID token"),
        )),
        Some(found) if found != expected => Err(fail(
            TokenProblem::Organization,
            format!(
                "{label} ({claim}) claim mismatch in the ID token; expected {}, found {}",
                shown(org),
                shown(found)
            ),
        )),
        Some(_) => Ok(()),
    }
}

impl AuthenticationClient {
    /// A verifier of this application's ID tokens, with the tenant's keys
    /// (`/.well-known/jwks.json`, cached per client) and this client's clock.
    ///
    /// # Errors
    /// [`Error::NoBackend`] without a backend.
    pub fn id_token_verifier(&self) -> Result<IdTokenVerifier, Error> {
        Ok(
            IdTokenVerifier::rs256(self.issuer(), self.client_id(), self.jwks()?)
                .clock(self.inner.clock.clone()),
        )
    }

    /// The tenant's key cache, shared by this client's verifiers.
    ///
    /// # Errors
    /// [`Error::NoBackend`] without a backend.
    pub fn jwks(&self) -> Result<JwksCache, Error> {
        if let Some(cache) = self.inner.jwks.get() {
            return Ok(cache.clone());
        }
        let cache = JwksCache::with_shared(
            self.url("/.well-known/jwks.json"),
            self.backend()?,
            self.inner.clock.clone(),
        );
        Ok(self.inner.jwks.get_or_init(|| cache).clone())
    }
}
