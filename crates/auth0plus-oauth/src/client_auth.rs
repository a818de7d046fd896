//! How the application proves who it is to the Authentication API: one place
//! for every call that authenticates the client.

use std::fmt;
use std::time::SystemTime;

use auth0plus_transport::{HttpRequest, Secret};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::form::Params;
use crate::{Domain, Error};
#[cfg(feature = "jwt")]
use crate::{PrivateKeyJwt, assertion::JWT_BEARER_ASSERTION};

/// The client authentication method (the application's "Token Endpoint
/// Authentication Method" in the Auth0 Dashboard).
///
/// Whatever the method, parameters a caller passes can never replace what it
/// sends: a `client_secret` or `client_assertion` given as an extra
/// parameter is refused.
#[derive(Clone)]
#[non_exhaustive]
pub enum ClientAuthentication {
    /// A public client (SPA, native app): only `client_id` is sent.
    None,
    /// `client_secret` in the request body.
    ClientSecretPost(Secret),
    /// `Authorization: Basic base64(client_id:client_secret)` (RFC 6749 §2.3.1).
    ClientSecretBasic(Secret),
    /// A signed JWT assertion (RFC 7523), made fresh for each request.
    #[cfg(feature = "jwt")]
    PrivateKeyJwt(PrivateKeyJwt),
}

impl fmt::Debug for ClientAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "jwt")]
            Self::PrivateKeyJwt(key) => f.debug_tuple("PrivateKeyJwt").field(key).finish(),
            _ => f.write_str(self.method()),
        }
    }
}

impl ClientAuthentication {
    /// The method's name as Auth0 calls it (`client_secret_post`…).
    #[must_use]
    pub fn method(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretPost(_) => "client_secret_post",
            Self::ClientSecretBasic(_) => "client_secret_basic",
            #[cfg(feature = "jwt")]
            Self::PrivateKeyJwt(_) => "private_key_jwt",
        }
    }

    /// The client secret, for methods that have one (scrubbing, HS256 ID tokens).
    #[must_use]
    pub fn client_secret(&self) -> Option<&Secret> {
        match self {
            Self::ClientSecretPost(s) | Self::ClientSecretBasic(s) => Some(s),
            _ => None,
        }
    }

    /// Check the configuration (an empty secret).
    pub(crate) fn validate(&self) -> Result<(), Error> {
        match self.client_secret() {
            Some(s) if s.is_empty() => Err(Error::EmptyClientSecret),
            _ => Ok(()),
        }
    }

    /// Add `client_id` and this method's credentials to `params` (and the
    /// `Authorization` header to `request` for Basic), replacing anything
    /// of the same name already there. Returns the secret sent, for scrubbing.
    #[cfg_attr(not(feature = "jwt"), allow(unused_variables))]
    pub(crate) fn apply(
        &self,
        client_id: &str,
        domain: &Domain,
        now: SystemTime,
        params: &mut Params,
    ) -> Result<Option<Secret>, Error> {
        for name in crate::form::RESERVED {
            if name != "grant_type" {
                params.remove(name);
            }
        }
        params.set("client_id", client_id);
        match self {
            Self::None | Self::ClientSecretBasic(_) => Ok(None),
            Self::ClientSecretPost(secret) => {
                params.secret("client_secret", secret);
                Ok(Some(secret.clone()))
            }
            #[cfg(feature = "jwt")]
            Self::PrivateKeyJwt(key) => {
                let assertion = key.assertion(client_id, &format!("https://{domain}/"), now)?;
                params.set("client_assertion_type", JWT_BEARER_ASSERTION);
                params.secret("client_assertion", &assertion);
                Ok(Some(assertion))
            }
        }
    }

    /// The `Authorization` header of `client_secret_basic`.
    pub(crate) fn authorize_request(&self, client_id: &str, request: &mut HttpRequest) {
        if let Self::ClientSecretBasic(secret) = self {
            // RFC 6749 §2.3.1: each part form-encoded before base64.
            let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let basic = STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret.expose())));
            if let Ok(value) = http::HeaderValue::from_str(&format!("Basic {basic}")) {
                let mut value = value;
                value.set_sensitive(true);
                request
                    .headers_mut()
                    .insert(http::header::AUTHORIZATION, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_method_always_wins() {
        let domain = Domain::new("acme.auth0.com").unwrap();
        let mut p = Params::new();
        p.set("client_secret", "attacker");
        p.set("client_id", "other");
        let sent = ClientAuthentication::ClientSecretPost(Secret::new("real"))
            .apply("cid", &domain, SystemTime::UNIX_EPOCH, &mut p)
            .unwrap();
        assert_eq!(p.get("client_secret"), Some("real"));
        assert_eq!(p.get("client_id"), Some("cid"));
        assert_eq!(sent.unwrap().expose(), "real");
        let mut p = Params::new();
        p.set("client_secret", "attacker");
        ClientAuthentication::ClientSecretBasic(Secret::new("real"))
            .apply("cid", &domain, SystemTime::UNIX_EPOCH, &mut p)
            .unwrap();
        assert_eq!(
            p.get("client_secret"),
            None,
            "Basic never puts a secret in the body"
        );
    }

    #[test]
    fn basic_encodes_each_part_before_base64() {
        let mut request = HttpRequest::new(auth0plus_transport::Bytes::new());
        ClientAuthentication::ClientSecretBasic(Secret::new("s:e cret"))
            .authorize_request("id:1", &mut request);
        let header = request.headers()["authorization"]
            .to_str()
            .unwrap()
            .to_owned();
        let decoded = STANDARD
            .decode(header.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(decoded, b"id%3A1:s%3Ae+cret");
        assert!(request.headers()["authorization"].is_sensitive());
    }
}
