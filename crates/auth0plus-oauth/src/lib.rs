//! Auth0's Authentication API, usable on its own: tokens for machines and users.
//!
//! - [`AuthenticationClient`]: every grant (client credentials, authorization
//!   code with PKCE, refresh, password, passwordless, device, CIBA, MFA, token
//!   exchange, connection tokens), sign-up, `/userinfo`, revocation, the
//!   `/authorize` and logout URLs; the client authenticated by secret (body or
//!   Basic) or by [`PrivateKeyJwt`]. Tokens come back as [`TokenSet`].
//! - [`IdTokenVerifier`] and [`AccessTokenVerifier`]: tokens checked against the
//!   tenant's keys (feature `aws-lc-rs`).
//! - [`get_token`]: the original auth0plus call, one token now.
//! - [`ClientCredentials`]: the same with options (audience, base URL,
//!   backend, retry policy, telemetry).
//! - [`TokenSource`]: what the management client asks for tokens;
//!   [`CachedTokenSource`] caches, refreshes early and fetches once however
//!   many tasks ask; [`StaticToken`] wraps a token you already have.
//! - [`TokenCache`]: where a cached source keeps its token for other
//!   processes too: [`MemoryCache`] (default), [`FileCache`] (CLIs, cron
//!   jobs), `RedisTokenCache` (feature `redis`: a fleet).
//! - [`TokenQuotas`]: Auth0's M2M token quota headers, typed, on [`Token`]
//!   and on [`Error::QuotaExceeded`].
//!
//! ```no_run
//! use auth0plus_oauth::{CachedTokenSource, ClientCredentials, TokenSource};
//! # async fn run() -> Result<(), auth0plus_oauth::Error> {
//! let credentials = ClientCredentials::new("acme.eu.auth0.com", "client-id", "client-secret")?;
//! let tokens = CachedTokenSource::new(credentials);
//! let bearer = tokens.token().await?; // fetched once, then reused until a minute before expiry
//! # let _ = bearer; Ok(()) }
//! ```
//!
//! # Features
#![doc = document_features::document_features!()]
//!
//! With `default-features = false` this crate needs no tokio, reqwest or hyper:
//! pass your own backend with [`ClientCredentials::backend`].
// On docs.rs (nightly, `--cfg docsrs`) each item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "jwt")]
mod assertion;
mod authentication;
mod authorize;
mod cache;
mod client_auth;
mod credentials;
#[cfg(feature = "jwt")]
mod crypto;
mod database;
mod domain;
mod error;
mod form;
mod grants;
#[cfg(feature = "jwt")]
mod jose;
mod mfa;
mod passwordless;
mod polling;
mod quota;
mod response;
mod source;
mod token;
mod token_set;
mod userinfo;
#[cfg(feature = "jwt")]
mod verify;
mod verify_error;

#[cfg(feature = "jwt")]
pub use assertion::{
    DEFAULT_ASSERTION_LIFETIME, JWT_BEARER_ASSERTION, MAX_ASSERTION_LIFETIME, PrivateKeyJwt,
    SigningAlgorithm,
};
pub use authentication::{AuthenticationClient, AuthenticationClientBuilder};
#[cfg(feature = "jwt")]
pub use authorize::random_state;
pub use authorize::{AuthorizeUrl, LogoutUrl, Pkce, PushedAuthorization};
#[cfg(feature = "redis")]
pub use cache::RedisTokenCache;
pub use cache::{
    CacheKey, CacheLock, CachedToken, DEFAULT_LOCK_TTL, FileCache, MemoryCache, TokenCache,
};
pub use client_auth::ClientAuthentication;
#[cfg(feature = "reqwest")]
pub use credentials::get_token;
pub use credentials::{ClientCredentials, default_retrying_backend};
pub use database::{SignUp, SignedUp};
pub use domain::{Domain, parse_base_url};
pub use error::{AuthErrorCode, Error};
pub use grants::{
    ACCESS_TOKEN_TYPE, AuthorizationCodeGrant, CIBA_GRANT, CONNECTION_ACCESS_TOKEN_TYPE,
    CONNECTION_TOKEN_GRANT, ClientCredentialsGrant, ConnectionTokenGrant, DEVICE_CODE_GRANT,
    MFA_OOB_GRANT, MFA_OTP_GRANT, MFA_RECOVERY_CODE_GRANT, MfaGrant, PASSWORD_REALM_GRANT,
    PASSWORDLESS_OTP_GRANT, PasswordGrant, PasswordlessOtpGrant, REFRESH_TOKEN_TYPE,
    RefreshTokenGrant, SubjectToken, TOKEN_EXCHANGE_GRANT, TokenExchangeGrant, TokenRequest,
};
pub use mfa::{MfaChallenge, MfaChallengeRequest};
pub use passwordless::{PasswordlessSend, PasswordlessStart, PasswordlessStarted};
pub use polling::{
    BackchannelAuthorization, BackchannelRequest, DEFAULT_POLL_INTERVAL, DeviceAuthorization,
    DeviceAuthorizationRequest, SLOW_DOWN_STEP,
};
pub use quota::{
    CLIENT_QUOTA_HEADER, ORGANIZATION_QUOTA_HEADER, QuotaLimit, TokenQuota, TokenQuotas,
};
pub use source::{
    CachedTokenSource, DEFAULT_LEEWAY, MIN_REFETCH_INTERVAL, StaticToken, TokenSource,
};
pub use token::{DEFAULT_EXPIRES_IN, MAX_LIFETIME, Token, parse_token_response};
pub use token_set::TokenSet;
pub use userinfo::UserInfo;
#[cfg(feature = "jwt")]
pub use verify::{
    AccessTokenClaims, AccessTokenVerifier, DEFAULT_CLOCK_SKEW, DEFAULT_JWKS_MIN_REFETCH,
    DEFAULT_JWKS_TTL, IdTokenChecks, IdTokenClaims, IdTokenVerifier, JwksCache,
};
pub use verify_error::TokenProblem;

pub use auth0plus_transport::Secret;

/// This crate's own README (its crates.io page), with its examples compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
