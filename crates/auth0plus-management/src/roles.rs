//! `/api/v2/roles`: roles as records on the generic core, looked up by
//! their exact name.
//!
//! A [`Role`] is a record of the generated data
//! [`api::models::Role`](auth0plus_management_api::models::Role); [`Roles`]
//! is the [`Collection`] of them, and what roles have beyond every
//! collection (a name filter, their users and permissions) is here. Auth0's
//! `name_filter` matches any part of a name, ignoring case, so it only
//! narrows the search: the exact comparison is made here, and
//! `get([("name", "admin")])` never returns `superadmin` or `Admin`.

use auth0plus_management_api::models::{
    self, AssignRoleUsersRequestContent, AssignUserRolesRequestContent,
};
use auth0plus_management_api::roles::{
    AddRolePermissions, AssignRoleUsers, ListRolePermissions, ListRoleUsers, RemoveRolePermissions,
    RoleSpec,
};
use auth0plus_management_api::users::{
    AssignUserPermissions, AssignUserRoles, ListUserPermissions, ListUserRoles,
    RemoveUserPermissions, RemoveUserRoles,
};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lookup::Lookup;
use crate::permissions::{AssignedPermission, Permission, permissions_body};
use crate::query::Query;
use crate::relation::Relation;
use crate::resource::{Collection, exact_values, scan};
use crate::resource::{Found, Record, RecordState, Resource};
use crate::users::{User, UserProfile};
use crate::{Auth0, Error, Result};

/// A JSON object.
type Object = Map<String, Value>;

/// The fields a role has on Auth0, and the only ones create and update send.
const WRITABLE: &[&str] = &["name", "description"];

/// The largest page `GET /roles` answers: a name lookup reads every role the
/// server's filter lets through, so it asks for as few pages as it can.
const LOOKUP_PAGE: u32 = 100;

/// How many users one `POST /roles/{id}/users` takes (the fake tenant
/// enforces the same).
const USERS_PER_CALL: usize = 1_000;

/// How many role ids or permissions one call carries: no limit is
/// documented, so the cautious figure.
const PER_CALL: usize = 100;

/// A role (`/api/v2/roles`) with the client to save it through: a
/// [`Record`] of the generated [`api::models::Role`](models::Role). Fields
/// read and write directly (`role.description = Some(..)`); fields Auth0 may
/// add later survive a fetch → save round trip in `extra` (they are never
/// sent: create and update send only `name` and `description`).
pub type Role = Record<models::Role>;

/// What [`Record::to_state`] keeps of a role.
pub type RoleState = RecordState<models::Role>;

/// `/api/v2/roles`: the [`Collection`] of [`Role`]s. Look one up by its
/// exact name with `get([("name", "admin")])`.
///
/// ```no_run
/// use auth0plus_management::{Auth0, NewRole};
/// # async fn run(auth0: Auth0) -> auth0plus_management::Result<()> {
/// let roles = auth0.roles();
/// let (mut admin, created) = roles
///     .get_or_create([("name", "admin")], NewRole::default().description("Can do everything"))
///     .await?;
/// admin.description = Some("Can do almost everything".into());
/// admin.save().await?; // PATCH {"description": …}
/// let editors = roles.name_contains("edit").count().await?;
/// # let _ = (created, editors); Ok(()) }
/// ```
pub type Roles = Collection<models::Role>;

/// What a role is created with ([`Roles::create`](Collection::create)) or
/// changed to ([`Roles::update`](Collection::update)): only the fields set
/// are sent.
///
/// ```
/// use auth0plus_management::NewRole;
/// let admin = NewRole::new("admin").description("Can do everything");
/// let body = serde_json::json!({"name": "admin", "description": "Can do everything"});
/// assert_eq!(serde_json::to_value(&admin).unwrap(), body);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[must_use]
pub struct NewRole {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

impl NewRole {
    /// A role named `name` (Auth0 refuses a second role with the same name).
    pub fn new(name: impl Into<String>) -> Self {
        Self::default().name(name)
    }

    /// Set the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Set the description: what the role is for.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// The name check every path that sends a name makes first.
fn check_name(name: Option<&str>) -> Result<()> {
    match name {
        Some("") | None => Err(Error::InvalidArgument("the role name is empty".into())),
        Some(_) => Ok(()),
    }
}

impl Resource for models::Role {
    type Spec = RoleSpec;
    type Pending = ();
    type New = NewRole;
    type Changes = NewRole;

    const WRITABLE: Option<&'static [&'static str]> = Some(WRITABLE);

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn check(role: &Record<Self>) -> Result<()> {
        check_name(role.name.as_deref())
    }

    fn create_body(role: &Record<Self>) -> Result<Object> {
        let mut body = role.to_object();
        body.retain(|field, _| WRITABLE.contains(&field.as_str()));
        Ok(body)
    }

    /// A removed description is sent as `""`: Auth0's schema takes a
    /// string, never `null`.
    fn plan_update(_: &Record<Self>, mut changed: Object) -> Vec<Object> {
        if let Some(description) = changed.get_mut("description")
            && description.is_null()
        {
            *description = Value::String(String::new());
        }
        if changed.is_empty() {
            Vec::new()
        } else {
            vec![changed]
        }
    }

    /// By exact `name`: every role `name_filter` lets through is compared
    /// here, so no other role can match, whatever the name holds (`admin*`,
    /// `%`, `a OR b`).
    fn find(roles: &Roles, lookup: Lookup) -> BoxFuture<'static, Result<Found<Self>>> {
        let roles = roles.clone();
        Box::pin(async move {
            let name = exact_values::<Self>(&lookup, &["name"])?[0]
                .unwrap_or_default()
                .to_owned();
            let query = roles.name_contains(&name).per_page(LOOKUP_PAGE);
            scan(query, move |role| {
                role.name.as_deref() == Some(name.as_str())
            })
            .await
        })
    }
}

impl Auth0 {
    /// The roles endpoint (`/api/v2/roles`).
    #[must_use]
    pub fn roles(&self) -> Roles {
        self.collection()
    }
}

impl Collection<models::Role> {
    /// Roles whose name contains `part`, ignoring case: Auth0's
    /// `name_filter`, sent as a query parameter (percent-encoded, never
    /// query structure). For one role by its exact name use
    /// `get([("name", …)])`.
    pub fn name_contains(&self, part: &str) -> Query<Role> {
        self.query().param("name_filter", part)
    }
}

impl Record<models::Role> {
    /// The users who have this role: `add` user ids (1,000 per call at
    /// most, several calls sent together through the throttle), `query()`
    /// them (offset pages read together, and past the first 1,000 with
    /// checkpoint paging). The users listed carry
    /// `user_id`, `email`, `name` and `picture` only: the summary Auth0
    /// returns (fetch one with `users().get_by_id` for the whole profile).
    /// To take the role from a user, use `user.roles().remove(..)`.
    ///
    /// ```no_run
    /// # async fn run(admin: auth0plus_management::Role) -> auth0plus_management::Result<()> {
    /// admin.users().add(["auth0|1", "auth0|2"]).await?;
    /// let holders = admin.users().query().count().await?;
    /// # let _ = holders; Ok(()) }
    /// ```
    pub fn users(&self) -> Relation<User> {
        Relation::of_record(self, |auth0, id| {
            let records = auth0.clone();
            let role = id.to_owned();
            Relation::new(auth0, "users", &ListRoleUsers::new(id), move |user| {
                Record::<UserProfile>::fetched(records.clone(), user)
            })
            .adds(USERS_PER_CALL, move |users| {
                AssignRoleUsers::new(
                    role.clone(),
                    AssignRoleUsersRequestContent {
                        users: Some(users),
                        ..Default::default()
                    },
                )
            })
        })
    }

    /// The permissions this role grants: `add`, `remove`, `query()`.
    pub fn permissions(&self) -> Relation<AssignedPermission, Permission> {
        Relation::of_record(self, |auth0, id| {
            let (adds, removes) = (id.to_owned(), id.to_owned());
            Relation::new(
                auth0,
                "permissions",
                &ListRolePermissions::new(id),
                |p: AssignedPermission| p,
            )
            .adds(PER_CALL, move |permissions| {
                AddRolePermissions::new(adds.clone(), permissions_body(permissions))
            })
            .removes(PER_CALL, move |permissions| {
                RemoveRolePermissions::new(removes.clone(), permissions_body(permissions))
            })
        })
    }
}

impl Record<UserProfile> {
    /// This user's roles: `add` and `remove` role ids, `query()` the roles.
    ///
    /// ```no_run
    /// # async fn run(user: auth0plus_management::User) -> auth0plus_management::Result<()> {
    /// user.roles().add(["rol_0bwwCJ6v2x8fYcfz"]).await?; // POST {"roles": [..]}
    /// let names: Vec<String> = user.roles().query().fetch_all().await?
    ///     .into_iter().filter_map(|role| role.name.clone()).collect();
    /// # let _ = names; Ok(()) }
    /// ```
    pub fn roles(&self) -> Relation<Role> {
        Relation::of_record(self, |auth0, id| {
            let records = auth0.clone();
            let (adds, removes) = (id.to_owned(), id.to_owned());
            let body = |roles| AssignUserRolesRequestContent {
                roles: Some(roles),
                ..Default::default()
            };
            Relation::new(auth0, "roles", &ListUserRoles::new(id), move |role| {
                Record::<models::Role>::fetched(records.clone(), role)
            })
            .adds(PER_CALL, move |roles| {
                AssignUserRoles::new(adds.clone(), body(roles))
            })
            .removes(PER_CALL, move |roles| {
                RemoveUserRoles::new(removes.clone(), body(roles))
            })
        })
    }

    /// This user's permissions: `add` and `remove` act on the ones given to
    /// the user directly; `query()` lists those and the ones the user's
    /// roles grant, each once, with its [`AssignedPermission::sources`].
    pub fn permissions(&self) -> Relation<AssignedPermission, Permission> {
        Relation::of_record(self, |auth0, id| {
            let (adds, removes) = (id.to_owned(), id.to_owned());
            Relation::new(
                auth0,
                "permissions",
                &ListUserPermissions::new(id),
                |p: AssignedPermission| p,
            )
            .adds(PER_CALL, move |permissions| {
                AssignUserPermissions::new(adds.clone(), permissions_body(permissions))
            })
            .removes(PER_CALL, move |permissions| {
                RemoveUserPermissions::new(removes.clone(), permissions_body(permissions))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changed_fields;
    use serde_json::json;

    fn record(auth0: &Auth0, v: Value) -> Role {
        Record::fetched(auth0.clone(), serde_json::from_value(v).unwrap())
    }

    fn client() -> Auth0 {
        Auth0::builder("acme.auth0.com").token("t").build().unwrap()
    }

    #[test]
    fn unknown_fields_survive_but_are_never_sent() {
        let auth0 = client();
        let mut role = record(
            &auth0,
            json!({"id": "rol_1", "name": "admin", "description": "d", "is_default": true}),
        );
        assert_eq!(role.as_dict()["is_default"], true);
        role.name = Some("root".into());
        assert_eq!(
            role.planned_updates(),
            vec![json!({"name": "root"}).as_object().unwrap().clone()]
        );
        let body = models::Role::create_body(&role).unwrap();
        assert_eq!(
            Value::Object(body),
            json!({"name": "root", "description": "d"})
        );
    }

    #[test]
    fn a_removed_description_is_sent_as_an_empty_string() {
        let auth0 = client();
        let mut role = record(
            &auth0,
            json!({"id": "rol_1", "name": "a", "description": "d"}),
        );
        role.description = None;
        assert_eq!(
            role.planned_updates(),
            vec![json!({"description": ""}).as_object().unwrap().clone()]
        );
        let before = json!({"name": "a"});
        let changed = changed_fields::<models::Role>(
            before.as_object().unwrap(),
            before.as_object().unwrap(),
        );
        assert!(models::Role::plan_update(&role, changed).is_empty());
    }

    #[test]
    fn empty_names_are_refused_before_sending() {
        let auth0 = client();
        for new in [NewRole::new(""), NewRole::default().description("d")] {
            let role = auth0.roles().build(new);
            assert!(matches!(
                models::Role::check(&role),
                Err(Error::InvalidArgument(_))
            ));
        }
    }
}
