//! The user profile as Auth0 returns it.

use auth0plus_management_api::runtime::RedactedJson;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::Timestamp;

/// A JSON object (`user_metadata`, `app_metadata`, unknown fields).
pub type Metadata = Map<String, Value>;

/// A user's profile, field for field as the Management API returns it.
///
/// Every field Auth0 documents has a typed field; anything else lands in
/// [`UserProfile::extra`], so a fetch → save round trip loses nothing.
/// `user_metadata`/`app_metadata` read as empty when absent and stay absent
/// on the wire unless changed. `Debug` shows every value kept under a
/// secret's name (`password`, `client_secret`, `api_key`… at any depth of
/// the metadata and of `extra`) as `[redacted]`: apps keep keys in
/// `app_metadata`, and `{user:?}` ends up in logs.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserProfile {
    /// `provider|id`, e.g. `auth0|63d17c4a8869daf88ed7db97`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Email address (stored lowercased by Auth0 databases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email is verified.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_bool"
    )]
    pub email_verified: Option<bool>,
    /// Username (connections with `requires_username`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Phone number in E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether the phone number is verified.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_bool"
    )]
    pub phone_verified: Option<bool>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Blocked by an administrator.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_bool"
    )]
    pub blocked: Option<bool>,
    /// Data the user may edit.
    #[serde(
        default,
        skip_serializing_if = "Map::is_empty",
        deserialize_with = "object_or_empty"
    )]
    pub user_metadata: Metadata,
    /// Data only the application may edit.
    #[serde(
        default,
        skip_serializing_if = "Map::is_empty",
        deserialize_with = "object_or_empty"
    )]
    pub app_metadata: Metadata,
    /// Linked identities (read-only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<UserIdentity>,
    /// Creation time (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// Last update (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Last login (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login: Option<Timestamp>,
    /// Last login IP (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_ip: Option<String>,
    /// Number of logins (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logins_count: Option<u64>,
    /// Last password reset (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_password_reset: Option<Timestamp>,
    /// Every field this struct does not name, kept as received.
    #[serde(flatten)]
    pub extra: Metadata,
}

impl std::fmt::Debug for UserProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserProfile")
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("email_verified", &self.email_verified)
            .field("username", &self.username)
            .field("phone_number", &self.phone_number)
            .field("phone_verified", &self.phone_verified)
            .field("given_name", &self.given_name)
            .field("family_name", &self.family_name)
            .field("name", &self.name)
            .field("nickname", &self.nickname)
            .field("picture", &self.picture)
            .field("blocked", &self.blocked)
            .field("user_metadata", &RedactedJson(&self.user_metadata))
            .field("app_metadata", &RedactedJson(&self.app_metadata))
            .field("identities", &self.identities)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("last_login", &self.last_login)
            .field("last_ip", &self.last_ip)
            .field("logins_count", &self.logins_count)
            .field("last_password_reset", &self.last_password_reset)
            .field("extra", &RedactedJson(&self.extra))
            .finish()
    }
}

/// One identity of a user (read-only). `Debug` hides the provider's tokens
/// (`access_token`, `refresh_token`…) that Auth0 may send in it.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserIdentity {
    /// Connection name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The id within the provider (Auth0 sometimes sends a number).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub user_id: Option<String>,
    /// `auth0`, `google-oauth2`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Whether the provider is a social one.
    #[serde(default, rename = "isSocial", skip_serializing_if = "Option::is_none")]
    pub is_social: Option<bool>,
    /// Every other field, kept as received.
    #[serde(flatten)]
    pub extra: Metadata,
}

impl std::fmt::Debug for UserIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserIdentity")
            .field("connection", &self.connection)
            .field("user_id", &self.user_id)
            .field("provider", &self.provider)
            .field("is_social", &self.is_social)
            .field("extra", &RedactedJson(&self.extra))
            .finish()
    }
}

/// Profile fields a client may set, on create and on update, in the order
/// they are sent.
pub(crate) const SETTABLE: &[&str] = &[
    "email",
    "email_verified",
    "username",
    "phone_number",
    "phone_verified",
    "given_name",
    "family_name",
    "name",
    "nickname",
    "picture",
    "blocked",
    "user_metadata",
    "app_metadata",
];

impl UserProfile {
    /// The profile as a JSON object (what `as_dict` returns).
    #[must_use]
    pub fn to_map(&self) -> Metadata {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Metadata::new(),
        }
    }

    /// The connection of the first identity.
    #[must_use]
    pub fn primary_connection(&self) -> Option<&str> {
        self.identities
            .first()
            .and_then(|i| i.connection.as_deref())
    }
}

fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) if s == "true" => Some(true),
        Some(Value::String(s)) if s == "false" => Some(false),
        Some(Value::Null) | None => None,
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a boolean, found {other}"
            )));
        }
    })
}

fn object_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Metadata, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Object(map)) => map,
        Some(Value::Null) | None => Metadata::new(),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected an object, found {other}"
            )));
        }
    })
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Null) | None => None,
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a string id, found {other}"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secret_names_in_metadata_and_extra_but_keeps_the_rest() {
        let profile: UserProfile = serde_json::from_value(serde_json::json!({
            "user_id": "auth0|1", "email": "angus@acdc.example",
            "app_metadata": {"billing": {"api_key": "sk_live_0123"}, "plan": "gold"},
            "user_metadata": {"password": "Hunter2!", "band": "AC/DC"},
            "identities": [{"provider": "github", "access_token": "gho_abc"}],
            "client_secret": "s3cr3t", "multifactor": ["guardian"]
        }))
        .unwrap();
        let shown = format!("{profile:?}");
        for secret in ["sk_live_0123", "Hunter2!", "gho_abc", "s3cr3t"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        for kept in [
            "angus@acdc.example",
            "gold",
            "AC/DC",
            "guardian",
            "[redacted]",
        ] {
            assert!(shown.contains(kept), "{kept} missing from {shown}");
        }
        // Only Debug: the data itself is untouched.
        assert_eq!(profile.app_metadata["billing"]["api_key"], "sk_live_0123");
    }

    /// `Debug` is written field by field: a field added to the struct and
    /// not to `Debug` would vanish from every `{user:?}`.
    #[test]
    fn debug_names_every_field() {
        let json = serde_json::json!({
            "user_id": "auth0|1", "email": "a@x.com", "email_verified": true, "username": "a",
            "phone_number": "+15550100", "phone_verified": false, "given_name": "A",
            "family_name": "B", "name": "A B", "nickname": "a", "picture": "https://p",
            "blocked": false, "user_metadata": {"k": 1}, "app_metadata": {"k": 2},
            "identities": [{"provider": "auth0"}], "created_at": "2024-01-01T00:00:00.000Z",
            "updated_at": "2024-01-01T00:00:00.000Z", "last_login": "2024-01-01T00:00:00.000Z",
            "last_ip": "10.0.0.1", "logins_count": 3,
            "last_password_reset": "2024-01-01T00:00:00.000Z", "unknown_field": 1
        });
        let profile: UserProfile = serde_json::from_value(json).unwrap();
        // Pretty: the profile's own fields are the lines indented once.
        let shown = format!("{profile:#?}");
        let mut fields: Vec<String> = profile.to_map().keys().cloned().collect();
        assert_eq!(fields.len(), 22, "every field set: {fields:?}");
        fields.retain(|f| f != "unknown_field");
        fields.push("extra".into());
        for field in fields {
            assert!(
                shown.contains(&format!("\n    {field}: ")),
                "{field} missing from {shown}"
            );
        }
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let json = serde_json::json!({
            "user_id": "auth0|1", "email": "a@x.com", "email_verified": "true",
            "identities": [{"connection": "db", "user_id": 12345, "provider": "auth0", "isSocial": false, "profileData": {"x": 1}}],
            "multifactor": ["guardian"], "custom_field": {"nested": [1, 2]}, "user_metadata": {"band": "AC/DC"}
        });
        let profile: UserProfile = serde_json::from_value(json).unwrap();
        assert_eq!(profile.email_verified, Some(true));
        assert_eq!(profile.identities[0].user_id.as_deref(), Some("12345"));
        let back = profile.to_map();
        assert_eq!(back["custom_field"], serde_json::json!({"nested": [1, 2]}));
        assert_eq!(back["multifactor"], serde_json::json!(["guardian"]));
        assert_eq!(
            back["identities"][0]["profileData"],
            serde_json::json!({"x": 1})
        );
        assert_eq!(back["user_metadata"]["band"], "AC/DC");
    }

    #[test]
    fn null_metadata_reads_as_empty_and_is_not_written() {
        let p: UserProfile =
            serde_json::from_value(serde_json::json!({"user_metadata": null})).unwrap();
        assert!(p.user_metadata.is_empty());
        assert!(!p.to_map().contains_key("user_metadata"));
    }
}
