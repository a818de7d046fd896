//! One active record for every resource: [`Resource`] says what is
//! particular to a resource (its hooks: checks, update plans, secrets),
//! [`Record`] holds one with its change tracking, and
//! [`Collection`](crate::Collection) reaches them all.
//!
//! What the spec says of a resource (the kind in messages, the id field, the
//! paths, methods and paging) comes from its generated
//! [`ResourceSpec`](auth0plus_management_api::ResourceSpec): a `Resource`
//! impl names its spec and writes only hooks. Users are
//! `Record<UserProfile>`; a resource the crate does not wrap gets the same
//! `get_by_id`, `create`, `save` (only what changed), `delete`, `as_dict` and
//! state round trip from one trait impl:
//!
//! ```
//! use auth0plus_management::{Auth0, Collection, Resource};
//! use auth0plus_management::api::roles::RoleSpec;
//! use serde::{Deserialize, Serialize};
//!
//! /// A role, read into a type of your own.
//! #[derive(Debug, Clone, Default, Serialize, Deserialize)]
//! struct Team {
//!     #[serde(skip_serializing_if = "Option::is_none")]
//!     id: Option<String>,
//!     name: String,
//! }
//!
//! impl Resource for Team {
//!     type Spec = RoleSpec; // `/roles`: paths, paging and names from the spec
//!     type Pending = ();
//!     type New = Team; // what `create` takes
//!     type Changes = serde_json::Value; // what `update` takes
//!     fn id(&self) -> Option<&str> {
//!         self.id.as_deref()
//!     }
//! }
//!
//! # fn main() -> auth0plus_management::Result<()> {
//! # let auth0 = Auth0::builder("acme.auth0.com").token("t").build()?;
//! let teams: Collection<Team> = auth0.collection();
//! let rockets = teams.build(Team { name: "rockets".into(), ..Team::default() });
//! assert!(!rockets.is_fetched()); // `rockets.save().await?` creates it
//! # Ok(()) }
//! ```

use std::fmt;

use auth0plus_management_api::ResourceSpec;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

mod collection;
mod record;

pub use collection::Collection;
pub(crate) use collection::{exact_values, not_found_as, scan};
pub(crate) use record::spec_request;
pub use record::{Record, RecordState, changed_fields};

use crate::lookup::Lookup;
use crate::query::Query;
use crate::{Auth0, Error, Result};

/// A JSON object.
type Object = Map<String, Value>;

/// What one resource's records need beyond what its spec says: the id, the
/// checks before a save, how an update is planned, what stays pending.
///
/// The kind in messages, the id field, the paths, methods and paging come
/// from [`Resource::Spec`], generated from the Management API spec. Every
/// hook has a default that fits most of the API (POST the object to create
/// it, PATCH the changed fields to update it); only [`Resource::id`] is
/// required.
pub trait Resource:
    Serialize + DeserializeOwned + Clone + Default + fmt::Debug + Send + Sync + 'static
{
    /// The generated description of the collection (`api::roles::RoleSpec`).
    type Spec: ResourceSpec;
    /// Write-only state kept beside the data until it is saved (a user's new
    /// password), `()` when there is none.
    type Pending: Clone + Default + fmt::Debug + Send + Sync + 'static;
    /// What [`Collection::create`] and [`Collection::get_or_create`] take
    /// (`NewUser`, `NewRole`, `api::models::CreateClientRequestContent`…).
    type New: IntoRecord<Self>;
    /// What [`Collection::update`] takes (`NewUser`, `NewRole`,
    /// `api::models::UpdateClientRequestContent`…).
    type Changes: ChangeSet<Self>;

    /// Fields never sent in an update.
    const READ_ONLY: &'static [&'static str] = &["id", "created_at", "updated_at"];
    /// Fields sent when the record is created and never in an update (a
    /// connection's `name` and `strategy`, an API's `identifier`): `save`
    /// refuses a change to one, before sending.
    const CREATE_ONLY: &'static [&'static str] = &[];
    /// The only fields an update may send, when the API limits them.
    const WRITABLE: Option<&'static [&'static str]> = None;
    /// Object fields that Auth0 merges one level deep on update (metadata):
    /// only changed keys are sent, a removed key as `null`.
    const MERGED: &'static [&'static str] = &[];

    /// The id, once the server assigned one.
    fn id(&self) -> Option<&str>;

    /// The data as a JSON object (what `as_dict` returns).
    fn to_object(&self) -> Object {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Object::new(),
        }
    }

    /// Refuse to save before anything is sent.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] and the like, naming the problem.
    fn check(record: &Record<Self>) -> Result<()> {
        let _ = record;
        Ok(())
    }

    /// The body that creates the record.
    ///
    /// # Errors
    /// When a required part (a user's connection) is missing.
    fn create_body(record: &Record<Self>) -> Result<Object> {
        let mut body = record.to_object();
        for field in Self::READ_ONLY {
            body.remove(*field);
        }
        Ok(body)
    }

    /// The record was created: forget what was sent once.
    fn created(record: &mut Record<Self>) {
        record.pending = Self::Pending::default();
    }

    /// The update requests, in order, for the `changed` fields.
    fn plan_update(record: &Record<Self>, changed: Object) -> Vec<Object> {
        let _ = record;
        if changed.is_empty() {
            Vec::new()
        } else {
            vec![changed]
        }
    }

    /// An update that carried `fields` succeeded.
    fn saved(pending: &mut Self::Pending, fields: &[String]) {
        let _ = (pending, fields);
    }

    /// What of the pending state a saved state keeps (never a secret).
    fn state_of(pending: &Self::Pending) -> Object {
        let _ = pending;
        Object::new()
    }

    /// The pending state back from [`Resource::state_of`].
    fn restore_pending(state: &Object) -> Self::Pending {
        let _ = state;
        Self::Pending::default()
    }

    /// The lazy query [`Collection::query`] starts from: by default the
    /// spec's list of every record.
    fn query(records: &Collection<Self>) -> Query<Record<Self>> {
        records.list_records()
    }

    /// The records `lookup` finds, and how many there are in all, for
    /// [`Collection::get`]: the resource says which fields it is looked up by
    /// (a role by `name`, an API by `identifier`) and how Auth0 finds them.
    /// By default a resource has no lookup: use [`Collection::get_by_id`].
    fn find(records: &Collection<Self>, lookup: Lookup) -> BoxFuture<'static, Result<Found<Self>>> {
        let _ = (records, lookup);
        Box::pin(std::future::ready(Err(Error::InvalidArgument(format!(
            "a {} has no lookup: use get_by_id",
            kind::<Self>()
        )))))
    }
}

/// What a lookup found: some of the records (a page at most) and how many
/// there are in all.
pub type Found<R> = (Vec<Record<R>>, u64);

/// The kind in messages (`Role`), from the spec.
pub(crate) fn kind<R: Resource>() -> &'static str {
    <R::Spec as ResourceSpec>::KIND
}

/// What [`Collection::create`] takes for resource `R`: it becomes the data
/// of an unsaved record, and a lookup's exact values fill it in (Django's
/// `get_or_create(defaults=…, **lookup)`).
///
/// Implemented for every serde type (through JSON: the data and the input
/// name their fields alike, as the spec's create bodies and models do) and
/// for [`NewUser`](crate::NewUser).
pub trait IntoRecord<R: Resource>: Send + 'static {
    /// The data and pending state of the unsaved record, or why it cannot be
    /// one (reported by `save`, before sending).
    ///
    /// # Errors
    /// A message naming the field that does not fit.
    fn into_parts(self) -> std::result::Result<(R, R::Pending), String>;

    /// Set `field` to the exact `value` of a lookup.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the field cannot take a string.
    fn set_field(&mut self, field: &str, value: &str) -> Result<()>;

    /// After Auth0's 409 on create, the lookup that finds the record someone
    /// else created first (`None`: the `get_or_create` lookup again).
    fn conflict_lookup(&self) -> Option<Lookup> {
        None
    }
}

impl<R, T> IntoRecord<R> for T
where
    R: Resource,
    T: Serialize + DeserializeOwned + Send + 'static,
{
    fn into_parts(self) -> std::result::Result<(R, R::Pending), String> {
        let data = serde_json::to_value(&self)
            .and_then(serde_json::from_value)
            .map_err(|e| format!("not a {}: {e}", kind::<R>()))?;
        Ok((data, R::Pending::default()))
    }

    fn set_field(&mut self, field: &str, value: &str) -> Result<()> {
        let refuse = |e: serde_json::Error| {
            Error::InvalidArgument(format!("the lookup's {field} cannot be set: {e}"))
        };
        let mut object = match serde_json::to_value(&*self).map_err(refuse)? {
            Value::Object(object) => object,
            _ => Object::new(),
        };
        object.insert(field.to_owned(), Value::String(value.to_owned()));
        *self = serde_json::from_value(Value::Object(object)).map_err(refuse)?;
        Ok(())
    }
}

/// What [`Collection::update`] takes for resource `R`: the bodies of the
/// update, in order.
///
/// Implemented for every serde type (one body: the fields it sets) and for
/// [`NewUser`](crate::NewUser) (split as Auth0 requires).
pub trait ChangeSet<R: Resource>: Send + 'static {
    /// The update bodies, in order.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when there is nothing to change or the
    /// changes do not serialize.
    fn into_bodies(self, auth0: &Auth0) -> Result<Vec<Object>>;
}

impl<R, T> ChangeSet<R> for T
where
    R: Resource,
    T: Serialize + Send + 'static,
{
    fn into_bodies(self, _: &Auth0) -> Result<Vec<Object>> {
        match serde_json::to_value(&self) {
            Ok(Value::Object(body)) if !body.is_empty() => Ok(vec![body]),
            Ok(Value::Object(_)) => Err(nothing_to_change()),
            Ok(_) => Err(Error::InvalidArgument(format!(
                "the changes to a {} are not an object",
                kind::<R>()
            ))),
            Err(e) => Err(Error::InvalidArgument(format!("the changes: {e}"))),
        }
    }
}

/// The refusal of an update that changes nothing.
pub(crate) fn nothing_to_change() -> Error {
    Error::InvalidArgument("nothing to change: set a field on the changes".into())
}
