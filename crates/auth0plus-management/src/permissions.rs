//! Permissions: a scope of an API (resource server), given to roles and users.

use auth0plus_management_api::models::{
    AddRolePermissionsRequestContent, PermissionRequestPayload,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A permission, as `add` and `remove` send it: a scope (`permission_name`)
/// of the API whose identifier is `resource_server_identifier`. The scope
/// must exist on that API, or Auth0 refuses the whole call (404
/// `inexistent_resource_server_permission`).
///
/// ```
/// use auth0plus_management::Permission;
/// let read = Permission::new("https://api.acdc.example", "read:setlists");
/// assert_eq!(read, ("https://api.acdc.example", "read:setlists").into());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Permission {
    /// The API's identifier (its audience), e.g. `https://api.acdc.example`.
    pub resource_server_identifier: String,
    /// The scope, e.g. `read:setlists`.
    pub permission_name: String,
}

impl Permission {
    /// The scope `permission_name` of the API `resource_server_identifier`.
    #[must_use]
    pub fn new(
        resource_server_identifier: impl Into<String>,
        permission_name: impl Into<String>,
    ) -> Self {
        Self {
            resource_server_identifier: resource_server_identifier.into(),
            permission_name: permission_name.into(),
        }
    }
}

/// `(api identifier, scope)`.
impl<A: Into<String>, N: Into<String>> From<(A, N)> for Permission {
    fn from((api, name): (A, N)) -> Self {
        Self::new(api, name)
    }
}

impl From<AssignedPermission> for Permission {
    fn from(assigned: AssignedPermission) -> Self {
        Self::new(
            assigned.resource_server_identifier,
            assigned.permission_name,
        )
    }
}

impl From<&AssignedPermission> for Permission {
    fn from(assigned: &AssignedPermission) -> Self {
        assigned.permission()
    }
}

/// The body that gives or takes `permissions` (a role's or a user's: the
/// spec's bodies are alike).
pub(crate) fn permissions_body(permissions: Vec<Permission>) -> AddRolePermissionsRequestContent {
    AddRolePermissionsRequestContent {
        permissions: Some(
            permissions
                .into_iter()
                .map(|p| PermissionRequestPayload {
                    resource_server_identifier: Some(p.resource_server_identifier),
                    permission_name: Some(p.permission_name),
                    ..Default::default()
                })
                .collect(),
        ),
        ..Default::default()
    }
}

/// A permission as a role's or a user's list returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssignedPermission {
    /// The API's identifier.
    #[serde(default)]
    pub resource_server_identifier: String,
    /// The scope.
    #[serde(default)]
    pub permission_name: String,
    /// The API's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_server_name: Option<String>,
    /// The scope's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where a user has it from: given directly, through roles, or both
    /// (empty in a role's list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<PermissionSource>,
    /// Every field this struct does not name, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AssignedPermission {
    /// The permission, as `add`/`remove` take it.
    #[must_use]
    pub fn permission(&self) -> Permission {
        Permission::new(&self.resource_server_identifier, &self.permission_name)
    }

    /// Whether the user was given it directly (not only through a role), so
    /// `user.permissions().remove(..)` takes it away.
    #[must_use]
    pub fn is_direct(&self) -> bool {
        self.sources.iter().any(PermissionSource::is_direct)
    }

    /// The ids of the roles it comes from.
    pub fn role_ids(&self) -> impl Iterator<Item = &str> {
        self.sources
            .iter()
            .filter(|s| s.source_type == "ROLE")
            .map(|s| s.source_id.as_str())
    }
}

/// Where a user's permission comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PermissionSource {
    /// `DIRECT`, or `ROLE`.
    #[serde(default)]
    pub source_type: String,
    /// The role's id (empty for `DIRECT`).
    #[serde(default)]
    pub source_id: String,
    /// The role's name (empty for `DIRECT`).
    #[serde(default)]
    pub source_name: String,
}

impl PermissionSource {
    /// Given to the user directly.
    #[must_use]
    pub fn is_direct(&self) -> bool {
        self.source_type == "DIRECT"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_permission_sends_only_its_two_fields() {
        let listed: AssignedPermission = serde_json::from_value(json!({
            "permission_name": "read:foo", "description": "Can read Foo",
            "resource_server_name": "API", "resource_server_identifier": "https://api",
            "sources": [{"source_id": "", "source_name": "", "source_type": "DIRECT"},
                        {"source_id": "rol_1", "source_name": "admin", "source_type": "ROLE"}]
        }))
        .unwrap();
        assert!(listed.is_direct());
        assert_eq!(listed.role_ids().collect::<Vec<_>>(), ["rol_1"]);
        assert_eq!(
            serde_json::to_value(Permission::from(&listed)).unwrap(),
            json!({"resource_server_identifier": "https://api", "permission_name": "read:foo"})
        );
    }
}
