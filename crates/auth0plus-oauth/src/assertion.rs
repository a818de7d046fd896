//! `private_key_jwt` (RFC 7523): the client proves who it is with a short-lived
//! JWT signed by its private key instead of sending a secret.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth0plus_transport::{Secret, epoch_seconds};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;

use crate::{Error, crypto, jose};

/// `client_assertion_type` for a JWT bearer assertion.
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Default lifetime of an assertion: Auth0 recommends a minute at most.
pub const DEFAULT_ASSERTION_LIFETIME: Duration = Duration::from_secs(60);

/// Longest lifetime Auth0 accepts for an assertion.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// The algorithms Auth0 accepts for client assertions (the credential's `alg`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (Auth0's default).
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
}

impl SigningAlgorithm {
    /// The JOSE name (`RS256`…).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Ps256 => "PS256",
            Self::Es256 => "ES256",
        }
    }

    fn jose(self) -> Algorithm {
        match self {
            Self::Rs256 => Algorithm::RS256,
            Self::Rs384 => Algorithm::RS384,
            Self::Ps256 => Algorithm::PS256,
            Self::Es256 => Algorithm::ES256,
        }
    }
}

impl fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SigningAlgorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "RS256" => Self::Rs256,
            "RS384" => Self::Rs384,
            "PS256" => Self::Ps256,
            "ES256" => Self::Es256,
            other => {
                return Err(Error::InvalidSigningKey(format!(
                    "{other:?} is not an algorithm Auth0 accepts for client assertions (RS256, RS384, PS256, ES256)"
                )));
            }
        })
    }
}

/// A private key for `private_key_jwt`, checked when it is made.
///
/// `Debug` shows the algorithm and key id, never the key.
///
/// ```
/// use auth0plus_oauth::{PrivateKeyJwt, SigningAlgorithm};
/// let err = PrivateKeyJwt::from_pem("not a key", SigningAlgorithm::Rs256).unwrap_err();
/// assert!(err.to_string().starts_with("invalid signing key"));
/// ```
#[derive(Clone)]
pub struct PrivateKeyJwt {
    key: Arc<EncodingKey>,
    alg: SigningAlgorithm,
    kid: Option<String>,
    lifetime: Duration,
}

impl fmt::Debug for PrivateKeyJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKeyJwt")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl PrivateKeyJwt {
    /// Load a PEM private key (PKCS#8, or PKCS#1 for RSA) for `alg`.
    ///
    /// The key is tried at once by signing a probe, so a key of the wrong
    /// kind (an EC key for RS256, a P-384 key for ES256), a public key, or an
    /// RSA key under 2048 bits is refused here rather than at the first
    /// token request.
    ///
    /// # Errors
    /// [`Error::InvalidSigningKey`] saying why; the message never holds the key.
    pub fn from_pem(pem: impl AsRef<[u8]>, alg: SigningAlgorithm) -> Result<Self, Error> {
        let pem = pem.as_ref();
        let key = match alg {
            SigningAlgorithm::Es256 => EncodingKey::from_ec_pem(pem),
            _ => EncodingKey::from_rsa_pem(pem),
        }
        .map_err(|e| Error::InvalidSigningKey(format!("cannot read the PEM key for {alg}: {e}")))?;
        jose::sign_bytes(b"auth0plus key probe", &key, alg.jose()).map_err(|_| {
            Error::InvalidSigningKey(format!(
                "the key cannot sign {alg} (wrong key type or curve, or an RSA key under 2048 bits)"
            ))
        })?;
        Ok(Self {
            key: Arc::new(key),
            alg,
            kid: None,
            lifetime: DEFAULT_ASSERTION_LIFETIME,
        })
    }

    /// Put `kid` in the assertion's header (the credential's key id).
    #[must_use]
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// How long each assertion is valid (default 60 s; at most 5 minutes,
    /// Auth0's limit, and at least a second).
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime.clamp(Duration::from_secs(1), MAX_ASSERTION_LIFETIME);
        self
    }

    /// The signing algorithm.
    #[must_use]
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.alg
    }

    /// A fresh assertion for `client_id` at `audience` (`https://{domain}/`).
    ///
    /// # Errors
    /// [`Error::Random`] or [`Error::InvalidSigningKey`] (neither happens
    /// with a key that passed [`Self::from_pem`] on a working system).
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: SystemTime,
    ) -> Result<Secret, Error> {
        let iat = epoch_seconds(now);
        let mut header = json!({"alg": self.alg.as_str(), "typ": "JWT"});
        if let Some(kid) = &self.kid {
            header["kid"] = json!(kid);
        }
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": iat,
            "exp": iat.saturating_add(self.lifetime.as_secs()),
            "jti": crypto::random_token()?,
        });
        jose::sign(&header, &claims, &self.key, self.alg.jose()).map(Secret::new)
    }
}
