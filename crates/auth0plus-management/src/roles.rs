//! `/api/v2/roles`: roles as records on the generic core, found by their
//! exact name.
//!
//! A role is a [`Resource`] impl ([`Role`]); [`Roles`] is a handle on the
//! generic [`Collection<Role>`] that adds what roles have beyond it: a
//! lookup by name. Auth0's `name_filter` matches any part of a name,
//! ignoring case, so it only narrows the search: the exact comparison is
//! made here, and `get("admin")` never returns `superadmin` or `Admin`.

use auth0plus_management_api::roles::{ListRolePermissions, ListRoles};
use auth0plus_management_api::users::{ListUserPermissions, ListUserRoles};
use auth0plus_management_api::{ListOperation, Paging};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::permissions::{AssignedPermission, Permission};
use crate::query::Query;
use crate::relation::{Relation, RelationSpec};
use crate::resource::{
    Collection, Record, RecordState, Resource, exactly_one, get_or_create, optional,
};
use crate::users::{User, UserProfile};
use crate::{Auth0, Error, Result};

/// A JSON object.
type Object = Map<String, Value>;

/// The fields a role has on Auth0, and the only ones create and update send.
const WRITABLE: &[&str] = &["name", "description"];

/// The largest page `GET /roles` answers: a name lookup reads every role the
/// server's filter lets through, so it asks for as few pages as it can.
const LOOKUP_PAGE: u32 = 100;

/// A role as `/api/v2/roles` returns it. Fields Auth0 may add later land in
/// [`Role::extra`] and survive a fetch → save round trip (they are never
/// sent: create and update send only `name` and `description`).
///
/// ```
/// use auth0plus_management::Role;
/// let admin = Role::new("admin").description("Can do everything");
/// assert_eq!(admin.name, "admin");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Role {
    /// `rol_…`, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name (Auth0 refuses a second role with the same name).
    #[serde(default)]
    pub name: String,
    /// What the role is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Every field this struct does not name, kept as received.
    #[serde(flatten)]
    pub extra: Object,
}

impl Role {
    /// A role named `name`, not yet created.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Set the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A role with the client to save it through: `Record<Role>` (see [`Record`]).
pub type RoleRecord = Record<Role>;

/// What [`Record::to_state`] keeps of a role.
pub type RoleState = RecordState<Role>;

/// The name check every path that sends a name makes first.
fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::InvalidArgument("the role name is empty".into()));
    }
    Ok(())
}

impl Resource for Role {
    type Pending = ();

    const KIND: &'static str = "Role";
    const PLURAL: &'static str = "roles";
    const PATH: &'static str = "roles";
    const ITEMS_KEY: &'static str = <ListRoles as ListOperation>::ITEMS_KEY;
    const PAGING: Paging = <ListRoles as ListOperation>::PAGING;
    const WRITABLE: Option<&'static [&'static str]> = Some(WRITABLE);

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn check(role: &Record<Self>) -> Result<()> {
        check_name(&role.name)
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
}

/// `/api/v2/roles`: create, get by id or by exact name, query, delete. A
/// cheap handle on the generic [`Collection<Role>`]; clone it freely.
///
/// | the original (Django) | here |
/// |---|---|
/// | `Role.objects.create(name=…)` | [`Roles::create`] |
/// | `get(pk=…)` | [`Roles::get_by_id`] |
/// | `get(name=…)` | [`Roles::get`], [`Roles::get_opt`] |
/// | `get_or_create(name=…, defaults=…)` | [`Roles::get_or_create`] |
/// | `all()`, `filter(name__icontains=…)` | [`Roles::all`], [`Roles::name_contains`] |
/// | `role.save()`, `role.delete()` | [`Record::save`], [`Record::delete`] |
///
/// ```no_run
/// use auth0plus_management::{Auth0, Role};
/// # async fn run(auth0: Auth0) -> auth0plus_management::Result<()> {
/// let roles = auth0.roles();
/// let (mut admin, created) = roles
///     .get_or_create(Role::new("admin").description("Can do everything"))
///     .await?;
/// admin.description = Some("Can do almost everything".into());
/// admin.save().await?; // PATCH {"description": …}
/// let editors = roles.name_contains("edit").count().await?;
/// # let _ = (created, editors); Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Roles {
    records: Collection<Role>,
}

impl Auth0 {
    /// The roles endpoint (`/api/v2/roles`).
    #[must_use]
    pub fn roles(&self) -> Roles {
        Roles {
            records: self.collection(),
        }
    }
}

impl Roles {
    /// The client behind this handle.
    #[must_use]
    pub fn auth0(&self) -> &Auth0 {
        self.records.auth0()
    }

    /// The generic collection behind this handle.
    #[must_use]
    pub fn collection(&self) -> &Collection<Role> {
        &self.records
    }

    /// An unsaved role; `save` creates it.
    #[must_use]
    pub fn build(&self, role: Role) -> RoleRecord {
        self.records.build(role)
    }

    /// Create a role (`POST /roles`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty name, before sending;
    /// [`Error::Api`] from Auth0 (409 when the name is taken).
    pub async fn create(&self, role: Role) -> Result<RoleRecord> {
        let mut record = self.build(role);
        record.save().await?;
        Ok(record)
    }

    /// The role with this id (`rol_…`).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] (`Role Does Not Exist`) for a 404;
    /// [`Error::InvalidArgument`] for an empty id, before sending.
    pub async fn get_by_id(&self, id: &str) -> Result<RoleRecord> {
        self.records.get_by_id(id).await
    }

    /// The role named exactly `name` (case and all). Auth0's `name_filter`
    /// narrows the search on the server; every role it lets through is
    /// compared here, so no other role can match, whatever `name` holds
    /// (`admin*`, `%`, `a OR b`).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] (`Role Does Not Exist`),
    /// [`Error::MultipleObjectsReturned`] (`Role.get returned multiple
    /// roles`), [`Error::InvalidArgument`] for an empty name, before sending.
    pub async fn get(&self, name: &str) -> Result<RoleRecord> {
        check_name(name)?;
        let found: Vec<RoleRecord> = self
            .name_contains(name)
            .per_page(LOOKUP_PAGE)
            .stream()
            .try_filter(|role| std::future::ready(role.name == name))
            .try_collect()
            .await?;
        let total = found.len() as u64;
        exactly_one(found, total, format!("name:{name}"))
    }

    /// Like [`Roles::get`], with `None` instead of `DoesNotExist`.
    ///
    /// # Errors
    /// As [`Roles::get`], but for `DoesNotExist`.
    pub async fn get_opt(&self, name: &str) -> Result<Option<RoleRecord>> {
        optional(self.get(name).await)
    }

    /// The role named `defaults.name`, or else `defaults` created. Returns
    /// `(role, created)`. When another caller creates the same name first
    /// (Auth0's 409), that role is fetched and returned instead.
    ///
    /// # Errors
    /// As [`Roles::get`] and [`Roles::create`].
    pub async fn get_or_create(&self, defaults: Role) -> Result<(RoleRecord, bool)> {
        let name = defaults.name.clone();
        check_name(&name)?;
        get_or_create(self.get(&name), self.create(defaults), async || {
            self.get_opt(&name).await
        })
        .await
    }

    /// Every role (a lazy query).
    pub fn query(&self) -> Query<RoleRecord> {
        self.records.query()
    }

    /// Every role (a lazy query), as [`Roles::query`].
    pub fn all(&self) -> Query<RoleRecord> {
        self.query()
    }

    /// Roles whose name contains `part`, ignoring case: Auth0's
    /// `name_filter`, sent as a query parameter (percent-encoded, never
    /// query structure). For one role by its exact name use [`Roles::get`].
    pub fn name_contains(&self, part: &str) -> Query<RoleRecord> {
        self.query().param("name_filter", part)
    }

    /// Delete the role with this id. Users that had it lose it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id; [`Error::Api`] from
    /// Auth0 (404 for a missing role).
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.records.delete(id).await
    }

    /// An unsaved role from a dictionary such as [`Record::as_dict`] returned.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a field has the wrong type.
    pub fn from_dict(&self, dict: Object) -> Result<RoleRecord> {
        self.records.from_dict(dict)
    }

    /// A role from [`Record::to_state`], fetched flag and change tracking included.
    #[must_use]
    pub fn restore(&self, state: RoleState) -> RoleRecord {
        self.records.restore(state)
    }
}

/// `/roles/{id}/users`. Auth0 takes up to 1,000 user ids per call (the
/// fake tenant enforces the same). Offset paging reaches only the first
/// 1,000 users, so streams and slices walk the checkpoint cursor; counting
/// uses the offset total. There is no `DELETE` here: a role is taken from a
/// user with `user.roles().remove(..)`.
static ROLE_USERS: RelationSpec = RelationSpec::new(
    "users",
    <auth0plus_management_api::roles::ListRoleUsers as ListOperation>::PAGING,
)
.max_per_call(1_000)
.not_removable();

/// `/roles/{id}/permissions`. No per-call limit is documented; calls carry
/// at most 100 permissions.
static ROLE_PERMISSIONS: RelationSpec = RelationSpec::new(
    "permissions",
    <ListRolePermissions as ListOperation>::PAGING,
)
.items_key(<ListRolePermissions as ListOperation>::ITEMS_KEY)
.max_per_call(100);

/// `/users/{id}/roles`. No per-call limit is documented; calls carry at
/// most 100 role ids.
static USER_ROLES: RelationSpec =
    RelationSpec::new("roles", <ListUserRoles as ListOperation>::PAGING)
        .items_key(<ListUserRoles as ListOperation>::ITEMS_KEY)
        .max_per_call(100);

/// `/users/{id}/permissions`, as [`ROLE_PERMISSIONS`].
static USER_PERMISSIONS: RelationSpec = RelationSpec::new(
    "permissions",
    <ListUserPermissions as ListOperation>::PAGING,
)
.items_key(<ListUserPermissions as ListOperation>::ITEMS_KEY)
.max_per_call(100);

/// The relation `spec` of `owner` (`/{owner kind}/{id}/{spec name}`), whose
/// list items decode as `D` and become `T` by `map`. A record without an id
/// gives a relation whose every call fails with [`Error::MissingId`], before
/// sending.
fn relation_of<O, D, T, K>(
    owner: &Record<O>,
    spec: &'static RelationSpec,
    map: impl Fn(D) -> T + Send + Sync + 'static,
) -> Relation<T, K>
where
    O: Resource,
    D: serde::de::DeserializeOwned,
    T: Send + 'static,
    K: Serialize,
{
    Relation::of_record(owner, &[spec.name()], spec, map)
}

/// A relation whose items are records of `R`, fetched (a `save` sends what
/// changed).
fn records_of<O: Resource, R: Resource>(
    owner: &Record<O>,
    spec: &'static RelationSpec,
) -> Relation<Record<R>> {
    let auth0 = owner.auth0().clone();
    relation_of(owner, spec, move |data: R| {
        Record::fetched(auth0.clone(), data)
    })
}

impl Record<Role> {
    /// The users who have this role: `add` user ids (1,000 per call at
    /// most, several calls sent together through the throttle), `query()`
    /// past the first 1,000 with checkpoint paging. The users listed carry
    /// `user_id`, `email`, `name` and `picture` only: the summary Auth0
    /// returns (fetch one with `users().get_by_id` for the whole profile).
    /// To take the role from a user, use `user.roles().remove(..)`.
    ///
    /// ```no_run
    /// # async fn run(admin: auth0plus_management::RoleRecord) -> auth0plus_management::Result<()> {
    /// admin.users().add(["auth0|1", "auth0|2"]).await?;
    /// let holders = admin.users().query().count().await?;
    /// # let _ = holders; Ok(()) }
    /// ```
    pub fn users(&self) -> Relation<User> {
        records_of(self, &ROLE_USERS)
    }

    /// The permissions this role grants: `add`, `remove`, `query()`.
    pub fn permissions(&self) -> Relation<AssignedPermission, Permission> {
        relation_of(self, &ROLE_PERMISSIONS, |p: AssignedPermission| p)
    }
}

impl Record<UserProfile> {
    /// This user's roles: `add` and `remove` role ids, `query()` the roles.
    ///
    /// ```no_run
    /// # async fn run(user: auth0plus_management::User) -> auth0plus_management::Result<()> {
    /// user.roles().add(["rol_0bwwCJ6v2x8fYcfz"]).await?; // POST {"roles": [..]}
    /// let names: Vec<String> = user.roles().query().fetch_all().await?
    ///     .into_iter().map(|role| role.name.clone()).collect();
    /// # let _ = names; Ok(()) }
    /// ```
    pub fn roles(&self) -> Relation<RoleRecord> {
        records_of(self, &USER_ROLES)
    }

    /// This user's permissions: `add` and `remove` act on the ones given to
    /// the user directly; `query()` lists those and the ones the user's
    /// roles grant, each once, with its [`AssignedPermission::sources`].
    pub fn permissions(&self) -> Relation<AssignedPermission, Permission> {
        relation_of(self, &USER_PERMISSIONS, |p: AssignedPermission| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changed_fields;
    use serde_json::json;

    fn record(auth0: &Auth0, v: Value) -> RoleRecord {
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
        role.name = "root".into();
        assert_eq!(
            role.planned_updates(),
            vec![json!({"name": "root"}).as_object().unwrap().clone()]
        );
        let body = Role::create_body(&role).unwrap();
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
        let changed =
            changed_fields::<Role>(before.as_object().unwrap(), before.as_object().unwrap());
        assert!(Role::plan_update(&role, changed).is_empty());
    }

    #[test]
    fn empty_names_are_refused_before_sending() {
        let auth0 = client();
        let role = auth0.roles().build(Role::new(""));
        assert!(matches!(Role::check(&role), Err(Error::InvalidArgument(_))));
    }
}
