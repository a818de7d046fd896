//! Verifying tokens: ID tokens as Auth0 documents the checks, and access
//! tokens for a Rust API, both against the tenant's signing keys.

mod access_token;
mod checks;
mod id_token;
mod jwks;

pub use access_token::{AccessTokenClaims, AccessTokenVerifier};
pub use id_token::{IdTokenChecks, IdTokenClaims, IdTokenVerifier};
pub use jwks::{DEFAULT_JWKS_MIN_REFETCH, DEFAULT_JWKS_TTL, JwksCache};

use std::time::Duration;

/// Clock skew tolerated on `exp`, `nbf` and `auth_time` unless set: 60 s, as
/// in node-auth0's validator.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);
