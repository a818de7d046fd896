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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer as _;
    use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    fn pem(label: &str, der: &[u8]) -> String {
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            STANDARD.encode(der)
        )
    }

    /// (private PKCS#8 PEM, public SPKI DER) for `alg`.
    fn key(alg: SigningAlgorithm) -> (String, Vec<u8>) {
        if alg == SigningAlgorithm::Es256 {
            let pair =
                signature::EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                    .unwrap();
            let public: aws_lc_rs::encoding::PublicKeyX509Der<'_> =
                pair.public_key().as_der().unwrap();
            (
                pem("PRIVATE KEY", pair.to_pkcs8v1().unwrap().as_ref()),
                public.as_ref().to_vec(),
            )
        } else {
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
            let private: aws_lc_rs::encoding::Pkcs8V1Der<'_> = pair.as_der().unwrap();
            let public: aws_lc_rs::encoding::PublicKeyX509Der<'_> =
                pair.public_key().as_der().unwrap();
            (
                pem("PRIVATE KEY", private.as_ref()),
                public.as_ref().to_vec(),
            )
        }
    }

    /// The assertion checked with aws-lc-rs's signature primitives directly:
    /// our own JWS framing here, not `jsonwebtoken`'s.
    #[test]
    fn every_algorithm_signs_an_assertion_an_independent_verifier_accepts() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for (alg, verify_alg) in [
            (
                SigningAlgorithm::Rs256,
                &signature::RSA_PKCS1_2048_8192_SHA256 as &dyn signature::VerificationAlgorithm,
            ),
            (
                SigningAlgorithm::Rs384,
                &signature::RSA_PKCS1_2048_8192_SHA384,
            ),
            (
                SigningAlgorithm::Ps256,
                &signature::RSA_PSS_2048_8192_SHA256,
            ),
            (SigningAlgorithm::Es256, &signature::ECDSA_P256_SHA256_FIXED),
        ] {
            let (private, public) = key(alg);
            let jwt = PrivateKeyJwt::from_pem(&private, alg)
                .unwrap()
                .key_id("k-1");
            let token = jwt
                .assertion("cid", "https://acme.auth0.com/", now)
                .unwrap();
            let parts: Vec<&str> = token.expose().split('.').collect();
            let header: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
            let claims: serde_json::Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
            assert_eq!(
                header,
                json!({"alg": alg.as_str(), "typ": "JWT", "kid": "k-1"})
            );
            assert_eq!(claims["iss"], "cid");
            assert_eq!(claims["sub"], "cid");
            assert_eq!(claims["aud"], "https://acme.auth0.com/");
            assert_eq!(claims["iat"], 1_800_000_000);
            assert_eq!(claims["exp"], 1_800_000_060);
            assert!(claims["jti"].as_str().unwrap().len() >= 40);
            let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
            let input = format!("{}.{}", parts[0], parts[1]);
            UnparsedPublicKey::new(verify_alg, &public)
                .verify(input.as_bytes(), &signature)
                .unwrap_or_else(|_| panic!("{alg} assertion does not verify"));
            let other = jwt
                .assertion("cid", "https://acme.auth0.com/", now)
                .unwrap();
            assert_ne!(other, token, "a fresh jti each time");
        }
    }

    #[test]
    fn unusable_keys_are_refused_when_built() {
        let (rsa, _) = key(SigningAlgorithm::Rs256);
        let (ec, public) = key(SigningAlgorithm::Es256);
        for (pem_text, alg) in [
            (ec.as_str(), SigningAlgorithm::Rs256),
            (rsa.as_str(), SigningAlgorithm::Es256),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                SigningAlgorithm::Rs256,
            ),
            ("", SigningAlgorithm::Ps256),
        ] {
            let err = PrivateKeyJwt::from_pem(pem_text, alg).unwrap_err();
            assert!(matches!(err, Error::InvalidSigningKey(_)), "{alg}: {err}");
            assert!(!err.to_string().contains("PRIVATE"), "{err}");
        }
        let public_pem = pem("PUBLIC KEY", &public);
        assert!(PrivateKeyJwt::from_pem(public_pem, SigningAlgorithm::Es256).is_err());
        assert!("HS256".parse::<SigningAlgorithm>().is_err());
        assert!(
            !format!(
                "{:?}",
                PrivateKeyJwt::from_pem(&rsa, SigningAlgorithm::Rs256).unwrap()
            )
            .contains("PRIVATE")
        );
    }

    #[test]
    fn the_lifetime_stays_within_auth0s_five_minutes() {
        let (rsa, _) = key(SigningAlgorithm::Rs256);
        let jwt = PrivateKeyJwt::from_pem(&rsa, SigningAlgorithm::Rs256)
            .unwrap()
            .lifetime(Duration::from_secs(3600));
        let token = jwt.assertion("c", "a", SystemTime::UNIX_EPOCH).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.expose().split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["exp"], 300);
    }
}
