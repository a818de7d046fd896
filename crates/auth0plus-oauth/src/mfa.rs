//! MFA challenges (`POST /mfa/challenge`): after `mfa_required`, ask Auth0 to
//! challenge one of the user's authenticators; finish with
//! [`AuthenticationClient::mfa_otp`], [`mfa_oob`](AuthenticationClient::mfa_oob)
//! or [`mfa_recovery_code`](AuthenticationClient::mfa_recovery_code).

use std::fmt;

use auth0plus_transport::Secret;
use serde::Deserialize;

use crate::authentication::Call;
use crate::form::Params;
use crate::{AuthenticationClient, Error, response};

/// What a challenge answered.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct MfaChallenge {
    /// `otp` (use the app's code) or `oob` (a code was pushed, texted or emailed).
    pub challenge_type: String,
    /// For `oob`: what the grant sends back.
    pub oob_code: Option<Secret>,
    /// For `oob`: `prompt` when the user must type a binding code.
    pub binding_method: Option<String>,
}

impl fmt::Debug for MfaChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaChallenge")
            .field("challenge_type", &self.challenge_type)
            .field("oob_code", &self.oob_code.as_ref().map(|_| "[redacted]"))
            .field("binding_method", &self.binding_method)
            .finish()
    }
}

/// A request to `/mfa/challenge`.
#[must_use]
#[derive(Debug)]
pub struct MfaChallengeRequest {
    client: AuthenticationClient,
    params: Params,
}

impl MfaChallengeRequest {
    /// The challenge types the application accepts, space-separated (`otp oob`).
    pub fn challenge_type(mut self, types: impl AsRef<str>) -> Self {
        self.params.set("challenge_type", types.as_ref());
        self
    }

    /// Challenge this authenticator (an id from the user's enrolled ones).
    pub fn authenticator_id(mut self, id: impl AsRef<str>) -> Self {
        self.params.set("authenticator_id", id.as_ref());
        self
    }

    /// Ask for the challenge.
    ///
    /// # Errors
    /// [`Error::Rejected`] (`invalid_grant` for an expired `mfa_token`),
    /// [`Error::Transport`].
    pub async fn send(self) -> Result<MfaChallenge, Error> {
        let (response, scrubber) = self
            .client
            .post(Call::json("/mfa/challenge", self.params, true))
            .await?;
        response::decode(&response, &scrubber, "an MFA challenge")
    }
}

impl AuthenticationClient {
    /// Challenge a second factor for the login that got `mfa_required`.
    pub fn mfa_challenge(&self, mfa_token: &Secret) -> MfaChallengeRequest {
        let mut params = Params::new();
        params.secret("mfa_token", mfa_token);
        MfaChallengeRequest {
            client: self.clone(),
            params,
        }
    }
}
