//! What a test does in a user's place, on [`FakeTenant`]: read the codes a
//! user would receive, approve device and back-channel logins, enroll MFA;
//! and the tenant's keys, to sign tokens for a test of your own API.

use serde_json::Value;

use super::flows;
use super::state::Approval;
use crate::FakeTenant;

impl FakeTenant {
    /// Let the tenant's application use these grants (its `grant_types`;
    /// a new application has `client_credentials` only). [`all_grant_types`](Self::all_grant_types)
    /// lists every grant the fake serves.
    pub fn allow_grant_types(&self, grants: &[&str]) {
        let mut st = self.shared.lock();
        if let Some(c) = st
            .store
            .get_mut("clients", &self.shared.cfg.client_id)
            .and_then(Value::as_object_mut)
        {
            c.insert("grant_types".into(), serde_json::json!(grants));
        }
    }

    /// Every grant type the fake serves.
    #[must_use]
    pub fn all_grant_types() -> &'static [&'static str] {
        super::grants::all_grants()
    }

    /// The passwordless code last sent to `identifier` (an email address for
    /// connection `email`, a phone number for `sms`), while it is valid.
    #[must_use]
    pub fn passwordless_code(&self, connection: &str, identifier: &str) -> Option<String> {
        flows::passwordless_code(&self.shared, connection, identifier)
    }

    /// Enroll `user_id` in MFA (an authenticator app): the next password
    /// login answers `mfa_required`. Returns the code the app shows now and
    /// the recovery code.
    ///
    /// # Errors
    /// When the user does not exist.
    pub fn enroll_mfa(&self, user_id: &str) -> Result<(String, String), String> {
        flows::enroll_mfa(&self.shared, user_id)
    }

    /// The code `user_id`'s authenticator app shows now (each works once).
    #[must_use]
    pub fn mfa_otp(&self, user_id: &str) -> Option<String> {
        flows::mfa_codes(&self.shared, user_id).map(|(otp, _)| otp)
    }

    /// The binding code of `user_id`'s latest out-of-band MFA challenge (the
    /// code the user would be texted).
    #[must_use]
    pub fn mfa_binding_code(&self, user_id: &str) -> Option<String> {
        flows::mfa_codes(&self.shared, user_id).and_then(|(_, binding)| binding)
    }

    /// Approve, as `user_id`, the device login showing `user_code`.
    ///
    /// # Errors
    /// No pending login has that code, or the user does not exist.
    pub fn approve_device(&self, user_code: &str, user_id: &str) -> Result<(), String> {
        flows::decide_device(
            &self.shared,
            user_code,
            Approval::Approved(user_id.to_owned()),
        )
    }

    /// Deny the device login showing `user_code`.
    ///
    /// # Errors
    /// No pending login has that code.
    pub fn deny_device(&self, user_code: &str) -> Result<(), String> {
        flows::decide_device(&self.shared, user_code, Approval::Denied)
    }

    /// Approve `user_id`'s latest pending back-channel (CIBA) login; returns
    /// the binding message the user saw.
    ///
    /// # Errors
    /// No pending back-channel login for that user.
    pub fn approve_backchannel(&self, user_id: &str) -> Result<String, String> {
        flows::decide_backchannel(&self.shared, user_id, true)
    }

    /// Deny `user_id`'s latest pending back-channel login.
    ///
    /// # Errors
    /// No pending back-channel login for that user.
    pub fn deny_backchannel(&self, user_id: &str) -> Result<String, String> {
        flows::decide_backchannel(&self.shared, user_id, false)
    }

    /// Register a public key (PEM) on the tenant's application for
    /// `private_key_jwt`, as `POST /api/v2/clients/{id}/credentials` does
    /// (set-up, not traffic); `alg` is `RS256`, `RS384` or `PS256`. Returns the
    /// credential's id.
    pub fn add_client_credential(&self, public_pem: &str, alg: &str) -> String {
        let id = format!("cred_{}", crate::util::alnum(22));
        let now = crate::util::now_iso();
        let mut st = self.shared.lock();
        st.store.insert(
            &format!("clients/{}/credentials", self.shared.cfg.client_id),
            &id,
            serde_json::json!({
                "id": id,
                "credential_type": "public_key",
                "name": "",
                "pem": public_pem,
                "alg": alg,
                "created_at": now,
                "updated_at": now,
            }),
        );
        id
    }

    /// Sign `claims` with the tenant's key (RS256, its `kid`): a token the
    /// tenant's JWKS verifies, for tests of your own API's token checks.
    #[must_use]
    pub fn sign_token(&self, claims: &Value) -> String {
        self.shared.cfg.signing.sign(claims)
    }

    /// The tenant's public signing key, PEM (`SubjectPublicKeyInfo`).
    #[must_use]
    pub fn public_key_pem(&self) -> String {
        self.shared.cfg.signing.public_pem()
    }

    /// The tenant's signing key id (`kid`).
    #[must_use]
    pub fn signing_key_id(&self) -> String {
        self.shared.cfg.signing.kid().to_owned()
    }
}
