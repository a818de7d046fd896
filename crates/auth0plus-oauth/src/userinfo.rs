//! `GET /userinfo`: the profile an access token with `openid` may read.

use serde::Deserialize;
use serde_json::{Map, Value};

use auth0plus_transport::{Scrubber, Secret};

use crate::{AuthenticationClient, Error, response};

/// The user's `OpenID` Connect claims. Claims this type does not name
/// (namespaced custom claims, `org_id`…) are kept in [`Self::extra`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user id (`auth0|…`).
    pub sub: String,
    /// Full name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Picture URL.
    pub picture: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Whether the email is verified.
    pub email_verified: Option<bool>,
    /// Phone number.
    pub phone_number: Option<String>,
    /// Last profile update (RFC 3339).
    pub updated_at: Option<String>,
    /// Every other claim, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AuthenticationClient {
    /// The profile of the user `access_token` was issued to.
    ///
    /// # Errors
    /// [`Error::Rejected`] or [`Error::UnexpectedResponse`] for a 401 (an
    /// expired or revoked token), [`Error::Transport`].
    pub async fn userinfo(&self, access_token: &Secret) -> Result<UserInfo, Error> {
        let response = self.get("/userinfo", Some(access_token)).await?;
        response::decode(
            &response,
            &Scrubber::new(Some(access_token)),
            "a userinfo answer",
        )
    }
}
