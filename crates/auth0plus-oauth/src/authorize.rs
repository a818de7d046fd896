//! Browser-facing URLs: `/authorize` (with PKCE, state and nonce), pushed
//! authorization requests (PAR), and the two logout endpoints. Every value
//! goes through the URL encoder, so no input can add a parameter.

use std::fmt;

use auth0plus_transport::Secret;
use serde::Deserialize;

use crate::authentication::Call;
use crate::form::Params;
use crate::{AuthenticationClient, Error, response};

/// A PKCE pair (RFC 7636, `S256`): send [`Pkce::challenge`] to `/authorize`,
/// keep [`Pkce::verifier`] for the code exchange.
#[derive(Clone)]
pub struct Pkce {
    verifier: Secret,
    challenge: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge)
            .finish_non_exhaustive()
    }
}

impl Pkce {
    /// A fresh pair: 256 random bits of verifier.
    ///
    /// # Errors
    /// [`Error::Random`] if the system's random generator fails.
    #[cfg(feature = "jwt")]
    pub fn new() -> Result<Self, Error> {
        Self::from_verifier(crate::crypto::random_token()?)
    }

    /// The pair for a verifier you made (43 to 128 characters of
    /// `A-Z a-z 0-9 - . _ ~`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a verifier RFC 7636 forbids.
    #[cfg(feature = "jwt")]
    pub fn from_verifier(verifier: impl Into<Secret>) -> Result<Self, Error> {
        let verifier = verifier.into();
        let v = verifier.expose();
        if !(43..=128).contains(&v.len())
            || !v
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        {
            return Err(Error::InvalidArgument(
                "a PKCE verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~".into(),
            ));
        }
        let challenge = crate::jose::b64(&crate::crypto::sha256(v.as_bytes()));
        Ok(Self {
            verifier,
            challenge,
        })
    }

    /// The verifier (for [`TokenRequest::code_verifier`](crate::TokenRequest::code_verifier)).
    #[must_use]
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// The `S256` challenge.
    #[must_use]
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// 256 random bits, base64url: a `state` or `nonce` value.
///
/// # Errors
/// [`Error::Random`] if the system's random generator fails.
#[cfg(feature = "jwt")]
pub fn random_state() -> Result<String, Error> {
    crate::crypto::random_token()
}

/// The parameters of an `/authorize` request, for a URL
/// ([`Self::build`]) or a pushed request ([`Self::push`]).
#[must_use]
#[derive(Debug, Clone)]
pub struct AuthorizeUrl {
    client: AuthenticationClient,
    params: Params,
}

impl AuthorizeUrl {
    fn set(mut self, name: &str, value: &str) -> Self {
        self.params.set(name, value);
        self
    }

    /// Scopes (default `openid profile email`).
    pub fn scope(self, scope: impl AsRef<str>) -> Self {
        self.set("scope", scope.as_ref())
    }

    /// The API the access token is for.
    pub fn audience(self, audience: impl AsRef<str>) -> Self {
        self.set("audience", audience.as_ref())
    }

    /// `state`, returned to the redirect URI (CSRF protection).
    pub fn state(self, state: impl AsRef<str>) -> Self {
        self.set("state", state.as_ref())
    }

    /// `nonce`, put in the ID token (replay protection; check it with the verifier).
    pub fn nonce(self, nonce: impl AsRef<str>) -> Self {
        self.set("nonce", nonce.as_ref())
    }

    /// PKCE: the `S256` challenge of `pkce`.
    #[cfg(feature = "jwt")]
    pub fn pkce(self, pkce: &Pkce) -> Self {
        self.set("code_challenge", pkce.challenge())
            .set("code_challenge_method", "S256")
    }

    /// PKCE with a challenge computed elsewhere (`S256`).
    pub fn code_challenge(self, challenge: impl AsRef<str>) -> Self {
        self.set("code_challenge", challenge.as_ref())
            .set("code_challenge_method", "S256")
    }

    /// Log in to this organization (id or name).
    pub fn organization(self, organization: impl AsRef<str>) -> Self {
        self.set("organization", organization.as_ref())
    }

    /// Accept this organization invitation.
    pub fn invitation(self, invitation: impl AsRef<str>) -> Self {
        self.set("invitation", invitation.as_ref())
    }

    /// Go straight to this connection.
    pub fn connection(self, connection: impl AsRef<str>) -> Self {
        self.set("connection", connection.as_ref())
    }

    /// `prompt` (`login`, `none`, `consent`, `select_account`).
    pub fn prompt(self, prompt: impl AsRef<str>) -> Self {
        self.set("prompt", prompt.as_ref())
    }

    /// `max_age` in seconds: re-authenticate if the last login is older
    /// (check `auth_time` with the verifier's `max_age`).
    pub fn max_age(self, seconds: u64) -> Self {
        self.set("max_age", &seconds.to_string())
    }

    /// `response_type` (default `code`).
    pub fn response_type(self, response_type: impl AsRef<str>) -> Self {
        self.set("response_type", response_type.as_ref())
    }

    /// Any other parameter (`screen_hint`, `login_hint`, `ui_locales`…);
    /// `client_id` and the client's credentials cannot be set this way.
    pub fn param(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.params.extra(name.as_ref(), value.as_ref());
        self
    }

    /// The URL to send the browser to.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a reserved parameter.
    pub fn build(&self) -> Result<String, Error> {
        self.params.check()?;
        let mut params = self.params.clone();
        params.set("client_id", self.client.client_id());
        Ok(format!(
            "{}?{}",
            self.client.url("/authorize"),
            String::from_utf8_lossy(&params.to_form())
        ))
    }

    /// Push these parameters to `/oauth/par` (RFC 9126, authenticated) and
    /// get a `request_uri` for [`AuthenticationClient::authorize_url_for_request`].
    ///
    /// # Errors
    /// [`Error::Rejected`], [`Error::Transport`].
    pub async fn push(self) -> Result<PushedAuthorization, Error> {
        let (response, scrubber) = self
            .client
            .post(Call::form("/oauth/par", self.params, true))
            .await?;
        response::decode(&response, &scrubber, "a pushed authorization answer")
    }
}

/// What `/oauth/par` answered.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct PushedAuthorization {
    /// The handle for `/authorize?request_uri=…`.
    pub request_uri: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}

/// Builds a logout URL.
#[must_use]
#[derive(Debug, Clone)]
pub struct LogoutUrl {
    client: AuthenticationClient,
    path: &'static str,
    params: Params,
}

impl LogoutUrl {
    fn set(mut self, name: &str, value: &str) -> Self {
        self.params.set(name, value);
        self
    }

    /// `/v2/logout`: where to go afterwards (`returnTo`, an allowed logout URL).
    pub fn return_to(self, url: impl AsRef<str>) -> Self {
        self.set("returnTo", url.as_ref())
    }

    /// `/v2/logout`: also log out of the identity provider.
    pub fn federated(self) -> Self {
        self.set("federated", "")
    }

    /// `/oidc/logout`: the ID token of the session (recommended).
    pub fn id_token_hint(self, id_token: &Secret) -> Self {
        self.set("id_token_hint", id_token.expose())
    }

    /// `/oidc/logout`: where to go afterwards.
    pub fn post_logout_redirect_uri(self, url: impl AsRef<str>) -> Self {
        self.set("post_logout_redirect_uri", url.as_ref())
    }

    /// `/oidc/logout`: the session's `sid`.
    pub fn logout_hint(self, sid: impl AsRef<str>) -> Self {
        self.set("logout_hint", sid.as_ref())
    }

    /// `/oidc/logout`: returned to the redirect URI.
    pub fn state(self, state: impl AsRef<str>) -> Self {
        self.set("state", state.as_ref())
    }

    /// The URL.
    #[must_use]
    pub fn build(&self) -> String {
        let mut params = self.params.clone();
        params.set("client_id", self.client.client_id());
        format!(
            "{}?{}",
            self.client.url(self.path),
            String::from_utf8_lossy(&params.to_form())
        )
    }
}

impl AuthenticationClient {
    /// An `/authorize` URL (authorization code flow) back to `redirect_uri`.
    pub fn authorize_url(&self, redirect_uri: &str) -> AuthorizeUrl {
        let mut params = Params::new();
        params.set("response_type", "code");
        params.set("redirect_uri", redirect_uri);
        params.set("scope", "openid profile email");
        AuthorizeUrl {
            client: self.clone(),
            params,
        }
    }

    /// The `/authorize` URL for a pushed request's `request_uri`.
    #[must_use]
    pub fn authorize_url_for_request(&self, pushed: &PushedAuthorization) -> String {
        let mut params = Params::new();
        params.set("client_id", self.client_id());
        params.set("request_uri", &pushed.request_uri);
        format!(
            "{}?{}",
            self.url("/authorize"),
            String::from_utf8_lossy(&params.to_form())
        )
    }

    /// Auth0's own logout URL, `/v2/logout`.
    pub fn logout_url(&self) -> LogoutUrl {
        LogoutUrl {
            client: self.clone(),
            path: "/v2/logout",
            params: Params::new(),
        }
    }

    /// The `OpenID` Connect RP-initiated logout URL, `/oidc/logout`.
    pub fn oidc_logout_url(&self) -> LogoutUrl {
        LogoutUrl {
            client: self.clone(),
            path: "/oidc/logout",
            params: Params::new(),
        }
    }
}
