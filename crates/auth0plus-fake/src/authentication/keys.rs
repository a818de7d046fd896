//! The tenant's signing key and the JOSE the fake speaks: RS256 tokens signed
//! with a real RSA key (published at `/.well-known/jwks.json`), HS256 for
//! applications that sign ID tokens with their secret, and the check of a
//! client's `private_key_jwt` assertion against its registered public key.
//!
//! Written on aws-lc-rs directly, not on the JWT crate the client uses: the
//! fake is an independent implementation that checks the client's assertions.

use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use aws_lc_rs::{hmac, rand};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

/// The tenant's signing key: its own `kid`, on an RSA key pair made once per
/// process when a tenant first signs (RSA generation takes a third of a
/// second; a test binary starts hundreds of tenants). A token of one tenant
/// names a `kid` no other tenant publishes, so verifiers refuse it elsewhere.
pub(crate) struct SigningKey {
    pair: std::sync::OnceLock<&'static KeyPair>,
    kid: String,
}

/// The process's RSA key pair.
fn process_pair() -> &'static KeyPair {
    static PAIR: std::sync::OnceLock<KeyPair> = std::sync::OnceLock::new();
    PAIR.get_or_init(generate_pair)
}

fn generate_pair() -> KeyPair {
    // Key generation fails only when the system's random generator does.
    KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation")
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SigningKey {
    /// A key with a fresh `kid`, on the process's key pair.
    pub(crate) fn new() -> SigningKey {
        let mut id = [0u8; 16];
        let _ = rand::fill(&mut id);
        SigningKey {
            pair: std::sync::OnceLock::new(),
            kid: b64(&id),
        }
    }

    /// A key on a key pair of its own (tests of "signed by another key").
    #[cfg(test)]
    pub(crate) fn unshared() -> SigningKey {
        let key = SigningKey::new();
        let _ = key.pair.set(Box::leak(Box::new(generate_pair())));
        key
    }

    fn pair(&self) -> &'static KeyPair {
        self.pair.get_or_init(process_pair)
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half as a JWK set.
    pub(crate) fn jwks(&self) -> Value {
        let public = self.pair().public_key();
        let n = public.modulus().big_endian_without_leading_zero();
        let e = public.exponent().big_endian_without_leading_zero();
        json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": b64(n),
            "e": b64(e),
        }]})
    }

    /// The public key as PEM (`SubjectPublicKeyInfo`), for tests that play an
    /// attacker keying HS256 with it.
    pub(crate) fn public_pem(&self) -> String {
        use aws_lc_rs::encoding::AsDer as _;
        let der = self
            .pair()
            .public_key()
            .as_der()
            .map(|d| d.as_ref().to_vec())
            .unwrap_or_default();
        pem("PUBLIC KEY", &der)
    }

    /// An RS256 JWT of `claims`.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let mut sig = vec![0; self.pair().public_modulus_len()];
        let rng = rand::SystemRandom::new();
        // Signing with a valid key into a buffer of the modulus' size cannot fail.
        let _ = self.pair().sign(
            &signature::RSA_PKCS1_SHA256,
            &rng,
            input.as_bytes(),
            &mut sig,
        );
        format!("{input}.{}", b64(&sig))
    }
}

/// A key pair for an application's `private_key_jwt`, as PEM: register
/// [`public_pem`](Self::public_pem) on the application (`POST
/// /api/v2/clients/{id}/credentials`), sign with [`private_pem`](Self::private_pem).
#[derive(Clone)]
pub struct ClientKey {
    /// The private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub private_pem: String,
    /// The public key, `SubjectPublicKeyInfo` PEM (`-----BEGIN PUBLIC KEY-----`).
    pub public_pem: String,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKey")
            .field("public_pem", &self.public_pem)
            .finish_non_exhaustive()
    }
}

impl ClientKey {
    /// A fresh key for `alg`: RSA 2048 for `RS256`, `RS384` and `PS256`, P-256 for `ES256`.
    ///
    /// # Errors
    /// An algorithm not in that list, or a failing random generator.
    pub fn generate(alg: &str) -> Result<ClientKey, String> {
        use aws_lc_rs::encoding::{AsDer as _, Pkcs8V1Der, PublicKeyX509Der};
        let fail = |what: &str| format!("cannot make a {alg} key: {what}");
        match alg {
            "RS256" | "RS384" | "PS256" => {
                let pair = generate_pair();
                let private: Pkcs8V1Der<'_> = pair.as_der().map_err(|_| fail("encoding"))?;
                let public: PublicKeyX509Der<'_> =
                    pair.public_key().as_der().map_err(|_| fail("encoding"))?;
                Ok(ClientKey {
                    private_pem: pem("PRIVATE KEY", private.as_ref()),
                    public_pem: pem("PUBLIC KEY", public.as_ref()),
                })
            }
            "ES256" => {
                let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
                let pair =
                    signature::EcdsaKeyPair::generate(alg).map_err(|_| fail("generation"))?;
                let private = pair.to_pkcs8v1().map_err(|_| fail("encoding"))?;
                let public: PublicKeyX509Der<'_> =
                    pair.public_key().as_der().map_err(|_| fail("encoding"))?;
                Ok(ClientKey {
                    private_pem: pem("PRIVATE KEY", private.as_ref()),
                    public_pem: pem("PUBLIC KEY", public.as_ref()),
                })
            }
            other => Err(format!("{other:?} is not RS256, RS384, PS256 or ES256")),
        }
    }
}

/// An HS256 JWT of `claims`, keyed with `secret`.
pub(crate) fn sign_hs256(claims: &Value, secret: &str) -> String {
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64(tag.as_ref()))
}

pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The DER inside a PEM block.
fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----") && !l.is_empty())
        .collect();
    STANDARD.decode(body).ok()
}

/// A compact JWS taken apart (signature unchecked).
pub(crate) struct Jws {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    input: String,
    signature: Vec<u8>,
}

impl Jws {
    pub(crate) fn parse(token: &str) -> Option<Jws> {
        if token.len() > 16 * 1024 {
            return None;
        }
        let mut parts = token.split('.');
        let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let object = |p: &str| match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        };
        Some(Jws {
            header: object(h)?,
            claims: object(c)?,
            input: format!("{h}.{c}"),
            signature: URL_SAFE_NO_PAD.decode(s).ok()?,
        })
    }

    pub(crate) fn alg(&self) -> &str {
        self.header.get("alg").and_then(Value::as_str).unwrap_or("")
    }

    /// Whether the signature verifies under `alg` with the PEM public key `pem`.
    pub(crate) fn verifies_with_pem(&self, alg: &str, pem: &str) -> bool {
        let Some(der) = pem_der(pem) else {
            return false;
        };
        let algorithm: &'static dyn signature::VerificationAlgorithm = match alg {
            "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
            "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
            "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
            "ES256" => &signature::ECDSA_P256_SHA256_FIXED,
            _ => return false,
        };
        UnparsedPublicKey::new(algorithm, der)
            .verify(self.input.as_bytes(), &self.signature)
            .is_ok()
    }

    /// Whether the signature is the tenant key's RS256 (a token of this tenant).
    #[cfg(test)]
    pub(crate) fn verifies_with(&self, key: &SigningKey) -> bool {
        self.alg() == "RS256"
            && UnparsedPublicKey::new(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                key.pair().public_key().as_ref(),
            )
            .verify(self.input.as_bytes(), &self.signature)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_with_its_key_and_not_another() {
        let key = SigningKey::new();
        let token = key.sign(&json!({"sub": "x"}));
        let jws = Jws::parse(&token).unwrap();
        assert!(jws.verifies_with(&key));
        assert!(jws.verifies_with_pem("RS256", &key.public_pem()));
        assert!(!jws.verifies_with_pem("RS384", &key.public_pem()));
        assert!(!jws.verifies_with(&SigningKey::unshared()));
        assert_eq!(key.jwks()["keys"][0]["e"], "AQAB");
    }
}
