//! What the Authentication API remembers between requests: codes, pending
//! device and back-channel logins, passwordless and MFA codes, user tokens.
//! Every table is bounded: past [`MAX_ENTRIES`] the expired go first, then the oldest.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// Most entries one table keeps.
pub(crate) const MAX_ENTRIES: usize = 10_000;

/// A user authenticated by some grant, before tokens are issued.
#[derive(Debug, Clone, Default)]
pub(crate) struct Login {
    pub user_id: String,
    pub client_id: String,
    pub scope: String,
    pub audience: Option<String>,
    pub nonce: Option<String>,
    /// `(org_id, org_name)`.
    pub organization: Option<(String, String)>,
    /// Epoch seconds.
    pub auth_time: u64,
    /// The session, when the grant starts one.
    pub session_id: Option<String>,
    /// `gty` of the access token (`password`, `refresh_token`…), when Auth0 sets one.
    pub gty: Option<&'static str>,
}

/// An access token issued to a user (for `/userinfo`).
#[derive(Debug, Clone)]
pub(crate) struct UserToken {
    pub user_id: String,
    pub scope: String,
    pub expires: Instant,
}

/// An authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub login: Login,
    pub redirect_uri: Option<String>,
    pub code_challenge: Option<(String, String)>,
    pub expires: Instant,
}

/// A pending approval (device or back-channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Approval {
    Pending,
    Approved(String),
    Denied,
}

/// A login approved elsewhere: a device login (its `user_code` shown to the
/// user) or a back-channel one (its `user_id` and `binding_message`).
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub client_id: String,
    pub scope: String,
    pub audience: Option<String>,
    pub approval: Approval,
    pub expires: Instant,
    pub interval: Duration,
    pub last_poll: Option<Instant>,
    /// Device logins: the code the user types.
    pub user_code: String,
    /// Back-channel logins: who is asked, and what they see.
    pub user_id: String,
    pub binding_message: String,
}

/// A passwordless code sent.
#[derive(Debug, Clone)]
pub(crate) struct Otp {
    pub code: String,
    pub expires: Instant,
    pub attempts: u32,
}

/// A login waiting for its second factor.
#[derive(Debug, Clone)]
pub(crate) struct MfaPending {
    pub login: Login,
    pub expires: Instant,
}

/// A user's enrolled second factor: the code their authenticator app shows
/// now, and their recovery code.
#[derive(Debug, Clone)]
pub(crate) struct MfaEnrollment {
    pub otp: String,
    pub recovery_code: String,
}

/// An out-of-band challenge sent.
#[derive(Debug, Clone)]
pub(crate) struct OobChallenge {
    pub mfa_token: String,
    pub binding_code: String,
    pub expires: Instant,
}

#[derive(Debug, Default)]
pub(crate) struct AuthState {
    pub access: HashMap<String, UserToken>,
    pub codes: HashMap<String, AuthCode>,
    pub par: HashMap<String, (Map<String, Value>, Instant)>,
    pub devices: HashMap<String, Pending>,
    pub ciba: HashMap<String, Pending>,
    pub passwordless: HashMap<String, Otp>,
    pub mfa_tokens: HashMap<String, MfaPending>,
    pub mfa: HashMap<String, MfaEnrollment>,
    pub oob: HashMap<String, OobChallenge>,
    /// `jti`s of client assertions used, until they expire (epoch seconds).
    pub jtis: HashMap<String, u64>,
}

/// Make room for one more entry in `map`: drop what `expires` says is past,
/// then (still full) half of what is left.
pub(crate) fn make_room<V>(
    map: &mut HashMap<String, V>,
    now: Instant,
    expires: impl Fn(&V) -> Instant,
) {
    if map.len() < MAX_ENTRIES {
        return;
    }
    map.retain(|_, v| expires(v) > now);
    if map.len() >= MAX_ENTRIES {
        let mut times: Vec<Instant> = map.values().map(&expires).collect();
        times.sort_unstable();
        let cut = times[times.len() / 2];
        map.retain(|_, v| expires(v) > cut);
    }
}
