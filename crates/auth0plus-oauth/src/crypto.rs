//! The crypto backend: which implementation signs and verifies JWTs, and
//! where random values and SHA-256 come from.
//!
//! One place, chosen by cargo feature, so that moving to another backend
//! (pure-Rust `RustCrypto`, for a `ring`-based rustls or wasm) touches this file
//! only. The provider is passed explicitly, never installed process-wide:
//! another crate's choice of `jsonwebtoken` backend cannot change ours.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::CryptoProvider;

use crate::Error;

#[cfg(not(feature = "aws-lc-rs"))]
compile_error!("the `jwt` feature needs a crypto backend: enable `aws-lc-rs`");

/// The JWT crypto provider.
pub(crate) fn provider() -> &'static CryptoProvider {
    &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
}

/// `N` bytes from the operating system's secure random generator.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| Error::Random)?;
    Ok(bytes)
}

/// 32 random bytes, base64url: 256 bits for a PKCE verifier, `state`, `nonce` or `jti`.
pub(crate) fn random_token() -> Result<String, Error> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data)
        .as_ref()
        .to_vec()
}
