//! Logins approved elsewhere: the device authorization grant (RFC 8628) and
//! CIBA back-channel login. Starting one returns what to show the user;
//! polling waits as Auth0 asks (`interval`, `slow_down`) on the client's
//! injected timer until it is approved, refused or expired.

use std::fmt;
use std::time::Duration;

use auth0plus_transport::{Clock as _, Secret, Sleep as _};
use serde::Deserialize;
use serde_json::json;

use crate::authentication::Call;
use crate::form::Params;
use crate::grants::{CIBA_GRANT, DEVICE_CODE_GRANT};
use crate::{AuthErrorCode, AuthenticationClient, Error, TokenSet, response, token_set};

/// Polling interval when Auth0 names none (RFC 8628's default).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// How much `slow_down` adds to the interval (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// Longest interval honoured: a server cannot make a poller sleep for days.
const MAX_INTERVAL: Duration = Duration::from_secs(300);

/// What `/oauth/device/code` answered: show `user_code` and
/// `verification_uri` to the user, then [`AuthenticationClient::poll_device_token`].
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct DeviceAuthorization {
    /// The code polling sends (secret: whoever has it gets the tokens).
    pub device_code: Secret,
    /// The code the user types at `verification_uri`.
    pub user_code: String,
    /// Where the user goes.
    pub verification_uri: String,
    /// `verification_uri` with the user code filled in.
    pub verification_uri_complete: Option<String>,
    /// Seconds until the codes expire.
    pub expires_in: u64,
    /// Seconds to wait between polls.
    pub interval: Option<u64>,
}

impl fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// What `/bc-authorize` answered: the user approves on their device, then
/// [`AuthenticationClient::poll_backchannel`].
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct BackchannelAuthorization {
    /// The id polling sends.
    pub auth_req_id: Secret,
    /// Seconds until the request expires.
    pub expires_in: u64,
    /// Seconds to wait between polls.
    pub interval: Option<u64>,
}

impl fmt::Debug for BackchannelAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackchannelAuthorization")
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// A request to `/oauth/device/code`.
#[must_use]
#[derive(Debug)]
pub struct DeviceAuthorizationRequest {
    client: AuthenticationClient,
    params: Params,
}

impl DeviceAuthorizationRequest {
    /// The scopes to ask for.
    pub fn scope(mut self, scope: impl AsRef<str>) -> Self {
        self.params.set("scope", scope.as_ref());
        self
    }

    /// The API the access token is for.
    pub fn audience(mut self, audience: impl AsRef<str>) -> Self {
        self.params.set("audience", audience.as_ref());
        self
    }

    /// Start the login.
    ///
    /// # Errors
    /// [`Error::Rejected`] (`unauthorized_client` when the application may
    /// not use the device grant), [`Error::Transport`].
    pub async fn send(self) -> Result<DeviceAuthorization, Error> {
        let (response, scrubber) = self
            .client
            .post(Call::form("/oauth/device/code", self.params, true))
            .await?;
        response::decode(&response, &scrubber, "a device authorization")
    }
}

/// A request to `/bc-authorize`.
#[must_use]
#[derive(Debug)]
pub struct BackchannelRequest {
    client: AuthenticationClient,
    params: Params,
}

impl BackchannelRequest {
    /// The scopes to ask for (`openid` is always sent).
    pub fn scope(mut self, scope: impl AsRef<str>) -> Self {
        self.params.set("scope", scope.as_ref());
        self
    }

    /// The API the access token is for.
    pub fn audience(mut self, audience: impl AsRef<str>) -> Self {
        self.params.set("audience", audience.as_ref());
        self
    }

    /// How long the user has to approve, in seconds.
    pub fn requested_expiry(mut self, seconds: u32) -> Self {
        self.params.set("requested_expiry", seconds.to_string());
        self
    }

    /// Start the login: Auth0 asks the user on their enrolled device.
    ///
    /// # Errors
    /// [`Error::Rejected`], [`Error::Transport`].
    pub async fn send(self) -> Result<BackchannelAuthorization, Error> {
        let (response, scrubber) = self
            .client
            .post(Call::form("/bc-authorize", self.params, true))
            .await?;
        response::decode(&response, &scrubber, "a back-channel authorization")
    }
}

impl AuthenticationClient {
    /// Start a device login (`POST /oauth/device/code`).
    pub fn device_authorization(&self) -> DeviceAuthorizationRequest {
        DeviceAuthorizationRequest {
            client: self.clone(),
            params: Params::new(),
        }
    }

    /// Start a back-channel (CIBA) login of `user_id`, who sees `binding_message` on their device.
    pub fn backchannel_authorize(
        &self,
        user_id: &str,
        binding_message: &str,
    ) -> BackchannelRequest {
        let mut params = Params::new();
        // Auth0's login hint for CIBA: the user as issuer and subject.
        params.set(
            "login_hint",
            json!({"format": "iss_sub", "iss": self.issuer(), "sub": user_id}).to_string(),
        );
        params.set("binding_message", binding_message);
        params.set("scope", "openid");
        if user_id.trim().is_empty() {
            params.invalid = Some("user_id must not be empty".into());
        }
        BackchannelRequest {
            client: self.clone(),
            params,
        }
    }

    /// Poll `/oauth/token` until the device login is approved.
    ///
    /// Waits `interval` seconds (5 when none was given) before each poll, five
    /// more after each `slow_down`, and stops when the codes expire.
    ///
    /// # Errors
    /// [`Error::Rejected`] with `access_denied` (the user said no) or
    /// `expired_token`; [`Error::PollingExpired`] when the deadline passes
    /// while Auth0 still says `authorization_pending`.
    pub async fn poll_device_token(&self, device: &DeviceAuthorization) -> Result<TokenSet, Error> {
        let mut params = Params::new();
        params.set("grant_type", DEVICE_CODE_GRANT);
        params.secret("device_code", &device.device_code);
        self.poll(params, device.interval, device.expires_in).await
    }

    /// Poll `/oauth/token` until the back-channel login is approved (as
    /// [`Self::poll_device_token`]).
    ///
    /// # Errors
    /// As [`Self::poll_device_token`].
    pub async fn poll_backchannel(
        &self,
        request: &BackchannelAuthorization,
    ) -> Result<TokenSet, Error> {
        let mut params = Params::new();
        params.set("grant_type", CIBA_GRANT);
        params.secret("auth_req_id", &request.auth_req_id);
        self.poll(params, request.interval, request.expires_in)
            .await
    }

    async fn poll(
        &self,
        params: Params,
        interval: Option<u64>,
        expires_in: u64,
    ) -> Result<TokenSet, Error> {
        let sleep = self.sleeper()?;
        let clock = &self.inner.clock;
        let started = clock.now();
        let deadline = started + Duration::from_secs(expires_in);
        let mut interval = interval
            .map_or(DEFAULT_POLL_INTERVAL, Duration::from_secs)
            .clamp(Duration::from_secs(1), MAX_INTERVAL);
        loop {
            sleep.sleep(interval).await;
            let (response, scrubber) = self
                .post(Call::form("/oauth/token", params.clone(), true))
                .await?;
            match token_set::parse(&response, &scrubber) {
                Ok(tokens) => return Ok(tokens),
                Err(e) => match e.auth_code() {
                    Some(AuthErrorCode::AuthorizationPending) => {}
                    Some(AuthErrorCode::SlowDown) => {
                        interval = (interval + SLOW_DOWN_STEP).min(MAX_INTERVAL);
                    }
                    _ => return Err(e),
                },
            }
            let now = clock.now();
            // No poll at or past the deadline: the codes are dead by then.
            if now + interval >= deadline {
                let waited = now.duration_since(started).unwrap_or_default();
                return Err(Error::PollingExpired {
                    waited_seconds: waited.as_secs(),
                });
            }
        }
    }
}
