//! Auth0 client-credentials tokens, usable on their own.
//!
//! - [`get_token`]: the original auth0plus call, one token now.
//! - [`ClientCredentials`]: the same with options (audience, base URL,
//!   backend, retry policy, telemetry).
//! - [`TokenSource`]: what the management client asks for tokens;
//!   [`CachedTokenSource`] caches, refreshes early and fetches once however
//!   many tasks ask; [`StaticToken`] wraps a token you already have.
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
//! - `reqwest` (default): a reqwest backend when none is given, and [`get_token`].
//! - `rustls` (default) / `native-tls`: its TLS stack.
//! - `test-util`: the transport crate's test doubles.
//!
//! With `default-features = false` this crate needs no tokio, reqwest or hyper:
//! pass your own backend with [`ClientCredentials::backend`].

mod credentials;
mod domain;
mod error;
mod source;
mod token;

#[cfg(feature = "reqwest")]
pub use credentials::get_token;
pub use credentials::{ClientCredentials, default_retrying_backend};
pub use domain::{Domain, parse_base_url};
pub use error::Error;
pub use source::{CachedTokenSource, DEFAULT_LEEWAY, StaticToken, TokenSource};
pub use token::{DEFAULT_EXPIRES_IN, MAX_LIFETIME, Token, parse_token_response};

pub use auth0plus_transport::Secret;
