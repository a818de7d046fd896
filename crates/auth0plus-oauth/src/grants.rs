//! Every `/oauth/token` grant as a typed request: required values in the
//! constructor on [`AuthenticationClient`], options as setters, [`TokenSet`]
//! back.

use std::marker::PhantomData;

use auth0plus_transport::Secret;
use http::{HeaderName, HeaderValue};

use crate::authentication::Call;
use crate::form::Params;
use crate::{AuthenticationClient, Error, TokenSet, token_set};

/// `grant_type` of the password-realm grant.
pub const PASSWORD_REALM_GRANT: &str = "http://auth0.com/oauth/grant-type/password-realm";
/// `grant_type` of the passwordless OTP grant.
pub const PASSWORDLESS_OTP_GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";
/// `grant_type` of the MFA OTP grant.
pub const MFA_OTP_GRANT: &str = "http://auth0.com/oauth/grant-type/mfa-otp";
/// `grant_type` of the MFA out-of-band grant.
pub const MFA_OOB_GRANT: &str = "http://auth0.com/oauth/grant-type/mfa-oob";
/// `grant_type` of the MFA recovery-code grant.
pub const MFA_RECOVERY_CODE_GRANT: &str = "http://auth0.com/oauth/grant-type/mfa-recovery-code";
/// `grant_type` of the device authorization grant (RFC 8628).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// `grant_type` of the CIBA grant.
pub const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";
/// `grant_type` of token exchange (RFC 8693; Auth0's Custom Token Exchange).
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `grant_type` of the access token for a connection (Token Vault).
pub const CONNECTION_TOKEN_GRANT: &str =
    "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token";
/// `requested_token_type` of the access token for a connection.
pub const CONNECTION_ACCESS_TOKEN_TYPE: &str =
    "http://auth0.com/oauth/token-type/federated-connection-access-token";
/// `subject_token_type` of a refresh token (RFC 8693).
pub const REFRESH_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:refresh_token";
/// `subject_token_type` of an access token (RFC 8693).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A request to `/oauth/token` for grant `G` (one of the marker types below).
///
/// Its future is `Send` and `'static`.
#[must_use]
pub struct TokenRequest<G> {
    client: AuthenticationClient,
    params: Params,
    authenticate: bool,
    headers: Vec<(HeaderName, HeaderValue)>,
    grant: PhantomData<fn() -> G>,
}

impl<G> std::fmt::Debug for TokenRequest<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.params.get("grant_type"))
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// Marker: the client-credentials grant.
#[derive(Debug)]
pub enum ClientCredentialsGrant {}
/// Marker: the authorization-code grant (with or without PKCE).
#[derive(Debug)]
pub enum AuthorizationCodeGrant {}
/// Marker: the refresh-token grant.
#[derive(Debug)]
pub enum RefreshTokenGrant {}
/// Marker: the password and password-realm grants.
#[derive(Debug)]
pub enum PasswordGrant {}
/// Marker: the passwordless OTP grant.
#[derive(Debug)]
pub enum PasswordlessOtpGrant {}
/// Marker: the MFA grants (OTP, out-of-band, recovery code).
#[derive(Debug)]
pub enum MfaGrant {}
/// Marker: token exchange (RFC 8693).
#[derive(Debug)]
pub enum TokenExchangeGrant {}
/// Marker: the access token for a connection (Token Vault).
#[derive(Debug)]
pub enum ConnectionTokenGrant {}

fn required(params: &mut Params, name: &str, value: &str) {
    if value.trim().is_empty() {
        params
            .invalid
            .get_or_insert_with(|| format!("{name} must not be empty"));
    }
}

impl<G> TokenRequest<G> {
    pub(crate) fn new(client: &AuthenticationClient, grant_type: &str) -> Self {
        let mut params = Params::new();
        params.set("grant_type", grant_type);
        Self {
            client: client.clone(),
            params,
            authenticate: true,
            headers: Vec::new(),
            grant: PhantomData,
        }
    }

    fn set(mut self, name: &str, value: &str) -> Self {
        self.params.set(name, value);
        self
    }

    fn secret(mut self, name: &str, value: &Secret) -> Self {
        required(&mut self.params, name, value.expose());
        self.params.secret(name, value);
        self
    }

    /// The scopes to ask for, space-separated (`openid profile email offline_access`).
    pub fn scope(self, scope: impl AsRef<str>) -> Self {
        self.set("scope", scope.as_ref())
    }

    /// The API the access token is for.
    pub fn audience(self, audience: impl AsRef<str>) -> Self {
        self.set("audience", audience.as_ref())
    }

    /// Any other parameter Auth0 accepts for this grant. Those this crate
    /// sets itself (`client_id`, `client_secret`, `client_assertion`,
    /// `client_assertion_type`, `grant_type`) are refused when sent.
    pub fn param(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.params.extra(name.as_ref(), value.as_ref());
        self
    }

    /// The request as it would be sent, without sending it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty required value or a reserved
    /// parameter; [`Error::InvalidSigningKey`] if an assertion cannot be made.
    pub fn to_request(&self) -> Result<auth0plus_transport::HttpRequest, Error> {
        Ok(self.client.build_post(self.call())?.0)
    }

    fn call(&self) -> Call {
        Call {
            headers: self.headers.clone(),
            ..Call::form("/oauth/token", self.params.clone(), self.authenticate)
        }
    }

    /// Send the request.
    ///
    /// # Errors
    /// [`Error::Rejected`] with Auth0's code (`invalid_grant`,
    /// `unauthorized_client`, `too_many_attempts`…; [`Error::auth_code`] types
    /// it), [`Error::MfaRequired`] with its `mfa_token`,
    /// [`Error::InvalidArgument`] before sending for bad input,
    /// [`Error::Transport`] when no answer came.
    pub async fn send(self) -> Result<TokenSet, Error> {
        let (response, scrubber) = self.client.post(self.call()).await?;
        token_set::parse(&response, &scrubber)
    }
}

impl TokenRequest<ClientCredentialsGrant> {
    /// Ask for a token for this organization (id or name): it gets `org_id`.
    pub fn organization(self, organization: impl AsRef<str>) -> Self {
        self.set("organization", organization.as_ref())
    }
}

impl TokenRequest<AuthorizationCodeGrant> {
    /// The `redirect_uri` given to `/authorize` (required when it was given there).
    pub fn redirect_uri(self, uri: impl AsRef<str>) -> Self {
        self.set("redirect_uri", uri.as_ref())
    }

    /// The PKCE code verifier whose challenge went to `/authorize`.
    pub fn code_verifier(self, verifier: &Secret) -> Self {
        self.secret("code_verifier", verifier)
    }

    /// Send no client authentication (a public client with PKCE).
    pub fn public_client(mut self) -> Self {
        self.authenticate = false;
        self
    }
}

impl TokenRequest<PasswordGrant> {
    /// Log in against this connection (the password-realm grant); without
    /// it the tenant's default directory is used (the password grant).
    pub fn realm(self, realm: impl AsRef<str>) -> Self {
        self.set("grant_type", PASSWORD_REALM_GRANT)
            .set("realm", realm.as_ref())
    }

    /// The end user's IP, for brute-force protection when a server logs users
    /// in (`auth0-forwarded-for`; the application must have "Trust Token
    /// Endpoint IP Header" on).
    pub fn forwarded_for(mut self, ip: std::net::IpAddr) -> Self {
        if let Ok(value) = HeaderValue::from_str(&ip.to_string()) {
            self.headers
                .push((HeaderName::from_static("auth0-forwarded-for"), value));
        }
        self
    }
}

impl TokenRequest<MfaGrant> {
    /// The binding code the user was shown, for out-of-band challenges that have one.
    pub fn binding_code(self, code: &Secret) -> Self {
        self.secret("binding_code", code)
    }
}

impl TokenRequest<TokenExchangeGrant> {
    /// Exchange in this organization.
    pub fn organization(self, organization: impl AsRef<str>) -> Self {
        self.set("organization", organization.as_ref())
    }
}

impl TokenRequest<ConnectionTokenGrant> {
    /// A hint of which of the user's accounts at the connection to use.
    pub fn login_hint(self, hint: impl AsRef<str>) -> Self {
        self.set("login_hint", hint.as_ref())
    }
}

/// The token a connection token is exchanged for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SubjectToken {
    /// The user's Auth0 refresh token.
    RefreshToken(Secret),
    /// The user's Auth0 access token.
    AccessToken(Secret),
}

impl AuthenticationClient {
    /// The client-credentials grant: a token for the application itself.
    pub fn client_credentials(&self) -> TokenRequest<ClientCredentialsGrant> {
        TokenRequest::new(self, "client_credentials")
    }

    /// Exchange an authorization code from `/authorize`.
    pub fn authorization_code(&self, code: &Secret) -> TokenRequest<AuthorizationCodeGrant> {
        TokenRequest::new(self, "authorization_code").secret("code", code)
    }

    /// New tokens from a refresh token. With rotation the answer holds a new
    /// refresh token, and the one sent stops working.
    pub fn refresh_token(&self, refresh_token: &Secret) -> TokenRequest<RefreshTokenGrant> {
        TokenRequest::new(self, "refresh_token").secret("refresh_token", refresh_token)
    }

    /// Log a user in with a password (the resource-owner password grant; add
    /// [`TokenRequest::realm`] for password-realm).
    pub fn password(
        &self,
        username: &str,
        password: impl Into<Secret>,
    ) -> TokenRequest<PasswordGrant> {
        let mut request = TokenRequest::new(self, "password");
        required(&mut request.params, "username", username);
        request
            .set("username", username)
            .secret("password", &password.into())
    }

    /// Finish a passwordless login with the code sent to `username` (an email
    /// address or phone number); `realm` is `email` or `sms`.
    pub fn passwordless_otp(
        &self,
        username: &str,
        otp: &Secret,
        realm: &str,
    ) -> TokenRequest<PasswordlessOtpGrant> {
        let mut request = TokenRequest::new(self, PASSWORDLESS_OTP_GRANT);
        required(&mut request.params, "username", username);
        required(&mut request.params, "realm", realm);
        request
            .set("username", username)
            .set("realm", realm)
            .secret("otp", otp)
    }

    /// Finish an `mfa_required` login with a one-time password.
    pub fn mfa_otp(&self, mfa_token: &Secret, otp: &Secret) -> TokenRequest<MfaGrant> {
        TokenRequest::new(self, MFA_OTP_GRANT)
            .secret("mfa_token", mfa_token)
            .secret("otp", otp)
    }

    /// Finish an `mfa_required` login with the `oob_code` of an
    /// out-of-band challenge (push, SMS, email).
    pub fn mfa_oob(&self, mfa_token: &Secret, oob_code: &Secret) -> TokenRequest<MfaGrant> {
        TokenRequest::new(self, MFA_OOB_GRANT)
            .secret("mfa_token", mfa_token)
            .secret("oob_code", oob_code)
    }

    /// Finish an `mfa_required` login with a recovery code; the answer's
    /// [`TokenSet::recovery_code`] is the user's new one.
    pub fn mfa_recovery_code(
        &self,
        mfa_token: &Secret,
        recovery_code: &Secret,
    ) -> TokenRequest<MfaGrant> {
        TokenRequest::new(self, MFA_RECOVERY_CODE_GRANT)
            .secret("mfa_token", mfa_token)
            .secret("recovery_code", recovery_code)
    }

    /// Exchange a token from elsewhere for Auth0 tokens (RFC 8693; Auth0's
    /// Custom Token Exchange: a profile for `subject_token_type` must exist).
    pub fn token_exchange(
        &self,
        subject_token: &Secret,
        subject_token_type: &str,
    ) -> TokenRequest<TokenExchangeGrant> {
        let mut request = TokenRequest::new(self, TOKEN_EXCHANGE_GRANT);
        required(
            &mut request.params,
            "subject_token_type",
            subject_token_type,
        );
        request
            .secret("subject_token", subject_token)
            .set("subject_token_type", subject_token_type)
    }

    /// The access token of the user's account at `connection` (Token Vault),
    /// for the user whose Auth0 token is `subject`.
    pub fn token_for_connection(
        &self,
        connection: &str,
        subject: &SubjectToken,
    ) -> TokenRequest<ConnectionTokenGrant> {
        let (token, kind) = match subject {
            SubjectToken::RefreshToken(t) => (t, REFRESH_TOKEN_TYPE),
            SubjectToken::AccessToken(t) => (t, ACCESS_TOKEN_TYPE),
        };
        let mut request = TokenRequest::new(self, CONNECTION_TOKEN_GRANT);
        required(&mut request.params, "connection", connection);
        request
            .secret("subject_token", token)
            .set("subject_token_type", kind)
            .set("requested_token_type", CONNECTION_ACCESS_TOKEN_TYPE)
            .set("connection", connection)
    }
}
