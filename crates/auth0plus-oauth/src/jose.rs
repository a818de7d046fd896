//! Compact JWS: signing a JWT and taking one apart, on the crypto provider of
//! [`crate::crypto`]. Claims are checked by the verifier, not here.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Map, Value};

use crate::{Error, TokenProblem, crypto};

/// Longest token accepted for verification: a JWT is a header line, never a
/// megabyte; the bound keeps decoding cheap whatever a caller passes.
pub(crate) const MAX_TOKEN_LEN: usize = 16 * 1024;

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Sign `claims` with `header` (`alg` must match `alg`).
pub(crate) fn sign(
    header: &Value,
    claims: &Value,
    key: &EncodingKey,
    alg: Algorithm,
) -> Result<String, Error> {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = sign_bytes(input.as_bytes(), key, alg)?;
    Ok(format!("{input}.{}", b64(&signature)))
}

/// The raw signature of `message`.
pub(crate) fn sign_bytes(
    message: &[u8],
    key: &EncodingKey,
    alg: Algorithm,
) -> Result<Vec<u8>, Error> {
    let signer = (crypto::provider().signer_factory)(&alg, key)
        .map_err(|e| Error::InvalidSigningKey(format!("{alg:?}: {e}")))?;
    signer
        .try_sign(message)
        .map_err(|_| Error::InvalidSigningKey(format!("{alg:?}: the key cannot sign")))
}

/// A JWT taken apart, signature not yet checked.
pub(crate) struct Jws<'a> {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

fn malformed(what: &str) -> Error {
    Error::InvalidToken {
        problem: TokenProblem::Malformed,
        message: format!("token could not be decoded: {what}"),
    }
}

impl<'a> Jws<'a> {
    /// Split and decode `token`.
    ///
    /// # Errors
    /// [`TokenProblem::Malformed`].
    pub(crate) fn parse(token: &'a str) -> Result<Self, Error> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(malformed("it is longer than 16 KiB"));
        }
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("a JWT has three dot-separated parts"));
        };
        let object = |part: &str, what: &str| -> Result<Map<String, Value>, Error> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| malformed(&format!("the {what} is not base64url")))?;
            match serde_json::from_slice(&bytes) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(malformed(&format!("the {what} is not a JSON object"))),
            }
        };
        let header = object(h, "header")?;
        let claims = object(c, "payload")?;
        let signature = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| malformed("the signature is not base64url"))?;
        Ok(Self {
            header,
            claims,
            signing_input: &token[..h.len() + 1 + c.len()],
            signature,
        })
    }

    /// The header's `alg`.
    pub(crate) fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The header's `kid`.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// Whether the signature verifies with `key` under `alg` (chosen by the
    /// verifier's configuration, never by the token).
    pub(crate) fn verifies(&self, key: &DecodingKey, alg: Algorithm) -> bool {
        if self.signature.is_empty() {
            return false;
        }
        (crypto::provider().verifier_factory)(&alg, key).is_ok_and(|v| {
            v.verify(self.signing_input.as_bytes(), &self.signature)
                .is_ok()
        })
    }
}
