//! One active record for every resource: [`Resource`] says what a resource
//! is (its kind, path, paging, id, how it saves), [`Record`] holds one with
//! its change tracking, and [`Collection`] reaches them all.
//!
//! Users are `Record<UserProfile>`; a resource the crate does not wrap gets
//! the same `get`, `save` (only what changed), `delete`, `as_dict` and state
//! round trip from one trait impl:
//!
//! ```
//! use auth0plus_management::{Auth0, Collection, Paging, Resource};
//! use serde::{Deserialize, Serialize};
//!
//! /// A role, as `/api/v2/roles` returns it.
//! #[derive(Debug, Clone, Default, Serialize, Deserialize)]
//! struct Role {
//!     #[serde(skip_serializing_if = "Option::is_none")]
//!     id: Option<String>,
//!     name: String,
//!     #[serde(skip_serializing_if = "Option::is_none")]
//!     description: Option<String>,
//! }
//!
//! impl Resource for Role {
//!     type Pending = ();
//!     const KIND: &'static str = "Role";
//!     const PLURAL: &'static str = "roles";
//!     const PATH: &'static str = "roles";
//!     const PAGING: Paging = Paging::OFFSET;
//!     fn id(&self) -> Option<&str> {
//!         self.id.as_deref()
//!     }
//! }
//!
//! # fn main() -> auth0plus_management::Result<()> {
//! # let auth0 = Auth0::builder("acme.auth0.com").token("t").build()?;
//! let roles: Collection<Role> = auth0.collection();
//! let mut admin = roles.build(Role { name: "admin".into(), ..Role::default() });
//! assert!(!admin.is_fetched()); // `admin.save().await?` creates it
//! # Ok(()) }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use auth0plus_management_api::Paging;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::query::Query;
use crate::request::{ApiRequest, encode_segment};
use crate::{Auth0, Error, Result};

/// A JSON object.
type Object = Map<String, Value>;

/// What the client needs to know of a resource to find, save and delete it.
///
/// Only `Pending`, `KIND`, `PLURAL`, `PATH`, `PAGING` and [`Resource::id`]
/// are required; the rest has defaults that fit most of the Management API
/// (POST the object to create it, PATCH the changed fields to update it).
pub trait Resource:
    Serialize + DeserializeOwned + Clone + fmt::Debug + Send + Sync + 'static
{
    /// Write-only state kept beside the data until it is saved (a user's new
    /// password), `()` when there is none.
    type Pending: Clone + Default + fmt::Debug + Send + Sync + 'static;

    /// The name in messages: `User` gives `User Does Not Exist`.
    const KIND: &'static str;
    /// The plural in messages: `User.get returned multiple users`.
    const PLURAL: &'static str;
    /// The collection's path below `/api/v2` (`users`, `roles`).
    const PATH: &'static str;
    /// The key of the items in a paged answer (usually the path).
    const ITEMS_KEY: &'static str = Self::PATH;
    /// The name of the id field (`id`; `user_id` for users), for messages.
    const ID_FIELD: &'static str = "id";
    /// How the collection pages.
    const PAGING: Paging;
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
}

/// The fields of `current` that changed since `snapshot`, as an update body
/// expresses them: new values, `null` for a removed field, and for
/// [`Resource::MERGED`] objects the one-level merge (`null` deletes a key,
/// `{}` clears the object, nested objects are sent whole).
#[must_use]
pub fn changed_fields<R: Resource>(current: &Object, snapshot: &Object) -> Object {
    let all: Vec<&str>;
    let fields: &[&str] = match R::WRITABLE {
        Some(fields) => fields,
        None => {
            let mut keys: Vec<&str> = current
                .keys()
                .chain(snapshot.keys())
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys.retain(|k| !R::READ_ONLY.contains(k) && !R::CREATE_ONLY.contains(k));
            all = keys;
            &all
        }
    };
    let mut changed = Object::new();
    for field in fields {
        let now = current.get(*field);
        let before = snapshot.get(*field);
        if R::MERGED.contains(field) {
            let empty = Object::new();
            let now = now.and_then(Value::as_object).unwrap_or(&empty);
            let before = before.and_then(Value::as_object).unwrap_or(&empty);
            if now == before {
                continue;
            }
            if now.is_empty() {
                changed.insert((*field).to_owned(), Value::Object(Object::new()));
                continue;
            }
            let mut merge = Object::new();
            for (key, value) in now {
                if before.get(key) != Some(value) {
                    merge.insert(key.clone(), value.clone());
                }
            }
            for key in before.keys() {
                if !now.contains_key(key) {
                    merge.insert(key.clone(), Value::Null);
                }
            }
            changed.insert((*field).to_owned(), Value::Object(merge));
        } else if now != before {
            changed.insert((*field).to_owned(), now.cloned().unwrap_or(Value::Null));
        }
    }
    changed
}

/// What the server last had: fetching keeps a clone of the data (cheap);
/// it becomes a JSON object only when a save needs to compare.
#[derive(Clone)]
enum Snapshot<R> {
    Data(Box<R>),
    Object(Object),
}

impl<R: Resource> Snapshot<R> {
    fn to_object(&self) -> Object {
        match self {
            Self::Data(data) => data.to_object(),
            Self::Object(object) => object.clone(),
        }
    }
}

/// One resource (a user, a role…) with the client to save it through and
/// the state that makes `save` send only what changed. Derefs to the data,
/// so fields read and write directly.
#[derive(Clone)]
pub struct Record<R: Resource> {
    auth0: Auth0,
    data: R,
    snapshot: Option<Snapshot<R>>,
    pub(crate) pending: R::Pending,
}

/// What [`Record::to_state`] keeps: enough to restore the record later with
/// its fetched flag and change tracking. Pending secrets are never part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordState<R> {
    /// The data.
    pub profile: R,
    /// What the server last had (`None` for a record never saved).
    pub snapshot: Option<Object>,
    /// The resource's own extra state (a user's connection).
    #[serde(flatten)]
    pub extra: Object,
}

impl<R: Resource> fmt::Debug for Record<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(R::KIND)
            .field("data", &self.data)
            .field("fetched", &self.is_fetched())
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// `<User auth0|…>`, like the original's repr.
impl<R: Resource> fmt::Display for Record<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} {}>", R::KIND, self.id().unwrap_or(""))
    }
}

/// Two records are equal when both have an id and it is the same. Records
/// without an id are never equal.
impl<R: Resource> PartialEq for Record<R> {
    fn eq(&self, other: &Self) -> bool {
        matches!((self.id(), other.id()), (Some(a), Some(b)) if a == b)
    }
}

impl<R: Resource> Deref for Record<R> {
    type Target = R;
    fn deref(&self) -> &R {
        &self.data
    }
}

impl<R: Resource> DerefMut for Record<R> {
    fn deref_mut(&mut self) -> &mut R {
        &mut self.data
    }
}

/// The path of one record.
fn record_path<R: Resource>(id: &str) -> Result<String> {
    Ok(format!("/{}/{}", R::PATH, encode_segment(id)?))
}

impl<R: Resource> Record<R> {
    /// A record not yet on the server; `save` creates it.
    pub(crate) fn unsaved(auth0: Auth0, data: R, pending: R::Pending) -> Self {
        Self {
            auth0,
            data,
            snapshot: None,
            pending,
        }
    }

    /// A record as the server returned it.
    pub(crate) fn fetched(auth0: Auth0, data: R) -> Self {
        let snapshot = Some(Snapshot::Data(Box::new(data.clone())));
        Self {
            auth0,
            data,
            snapshot,
            pending: R::Pending::default(),
        }
    }

    /// The client this record saves through.
    #[must_use]
    pub fn auth0(&self) -> &Auth0 {
        &self.auth0
    }

    /// The id, once the server assigned one.
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.data.id()
    }

    /// Whether this record came from the server (so `save` updates rather
    /// than creates). The original's `_fetched`.
    #[must_use]
    pub fn is_fetched(&self) -> bool {
        self.snapshot.is_some()
    }

    /// The data.
    #[must_use]
    pub fn data(&self) -> &R {
        &self.data
    }

    /// The data as a JSON object; never holds pending secrets (a new
    /// password). The original's `as_dict()`.
    #[must_use]
    pub fn as_dict(&self) -> Object {
        self.data.to_object()
    }

    /// Everything needed to restore this record with
    /// [`Collection::restore`], its fetched flag and snapshot included (the
    /// original's pickling); pending secrets are left out.
    #[must_use]
    pub fn to_state(&self) -> RecordState<R> {
        RecordState {
            profile: self.data.clone(),
            snapshot: self.snapshot.as_ref().map(Snapshot::to_object),
            extra: R::state_of(&self.pending),
        }
    }

    /// The record back from a [`RecordState`].
    pub(crate) fn from_state(auth0: Auth0, state: RecordState<R>) -> Self {
        Self {
            auth0,
            pending: R::restore_pending(&state.extra),
            data: state.profile,
            snapshot: state.snapshot.map(Snapshot::Object),
        }
    }

    /// The update bodies the next `save` of a fetched record would send.
    pub(crate) fn planned_updates(&self) -> Vec<Object> {
        let Some(snapshot) = &self.snapshot else {
            return Vec::new();
        };
        R::plan_update(
            self,
            changed_fields::<R>(&self.data.to_object(), &snapshot.to_object()),
        )
    }

    /// Create the record (when not fetched) or send what changed since it
    /// was fetched or last saved. The answer is applied to the record.
    ///
    /// # Errors
    /// [`Error::Api`] when Auth0 refuses; what [`Resource::check`] and
    /// [`Resource::create_body`] refuse, before sending. When a later
    /// request of a split update fails, the earlier ones are recorded as
    /// saved and the rest stays pending for the next `save`.
    pub async fn save(&mut self) -> Result<()> {
        R::check(self)?;
        if self.snapshot.is_some() {
            self.update().await
        } else {
            self.create().await
        }
    }

    async fn create(&mut self) -> Result<()> {
        let body = R::create_body(self)?;
        let request =
            ApiRequest::new(http::Method::POST, format!("/{}", R::PATH)).json(Value::Object(body));
        let created: R = self.auth0.execute_json(&request).await?;
        R::created(self);
        self.snapshot = Some(Snapshot::Data(Box::new(created.clone())));
        self.data = created;
        Ok(())
    }

    async fn update(&mut self) -> Result<()> {
        let path = record_path::<R>(self.id().ok_or(Error::MissingId)?)?;
        let current = self.data.to_object();
        let Some(mut snapshot) = self.snapshot.as_ref().map(Snapshot::to_object) else {
            return Ok(());
        };
        if let Some(field) = R::CREATE_ONLY
            .iter()
            .find(|f| current.get(**f) != snapshot.get(**f))
        {
            return Err(Error::InvalidArgument(format!(
                "the {field} of a {} cannot change once it is created",
                R::KIND
            )));
        }
        let bodies = R::plan_update(self, changed_fields::<R>(&current, &snapshot));
        let mut latest = None;
        for body in bodies {
            let fields: Vec<String> = body.keys().cloned().collect();
            let request =
                ApiRequest::new(http::Method::PATCH, path.clone()).json(Value::Object(body));
            match self.auth0.execute_json::<R>(&request).await {
                Ok(updated) => latest = Some(updated),
                Err(e) => {
                    self.snapshot = Some(Snapshot::Object(snapshot));
                    return Err(e);
                }
            }
            // Record what this request saved, so a failure in a later one
            // does not send it again (a password in particular).
            R::saved(&mut self.pending, &fields);
            for field in fields {
                match current.get(&field) {
                    Some(value) => {
                        snapshot.insert(field, value.clone());
                    }
                    None => {
                        snapshot.remove(&field);
                    }
                }
            }
        }
        self.snapshot = Some(match latest {
            Some(updated) => {
                let snapshot = Snapshot::Data(Box::new(updated.clone()));
                self.data = updated;
                snapshot
            }
            None => Snapshot::Object(snapshot),
        });
        Ok(())
    }

    /// Delete the record on the server. The record stays, unfetched, so
    /// `save` would create it again.
    ///
    /// # Errors
    /// [`Error::MissingId`] for a record never saved; [`Error::Api`] when
    /// Auth0 refuses.
    pub async fn delete(&mut self) -> Result<()> {
        let id = self.id().ok_or(Error::MissingId)?.to_owned();
        Collection::<R>::new(self.auth0.clone()).delete(&id).await?;
        self.snapshot = None;
        Ok(())
    }

    /// Read the record again from the server, dropping unsaved changes.
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] when it was deleted.
    pub async fn refresh(&mut self) -> Result<()> {
        let id = self.id().ok_or(Error::MissingId)?.to_owned();
        let fresh = Collection::<R>::new(self.auth0.clone())
            .get_by_id(&id)
            .await?;
        self.data = fresh.data;
        self.snapshot = fresh.snapshot;
        Ok(())
    }
}

/// Every record of one resource: get by id, query, build, restore, delete.
/// A cheap handle; clone it freely. Made by [`Auth0::collection`].
pub struct Collection<R> {
    auth0: Auth0,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Collection<R> {
    fn clone(&self) -> Self {
        Self {
            auth0: self.auth0.clone(),
            resource: PhantomData,
        }
    }
}

impl<R: Resource> fmt::Debug for Collection<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Collection<{}>", R::KIND)
    }
}

impl<R: Resource> Collection<R> {
    pub(crate) fn new(auth0: Auth0) -> Self {
        Self {
            auth0,
            resource: PhantomData,
        }
    }

    /// The client behind this handle.
    #[must_use]
    pub fn auth0(&self) -> &Auth0 {
        &self.auth0
    }

    /// An unsaved record; `save` creates it.
    #[must_use]
    pub fn build(&self, data: R) -> Record<R> {
        Record::unsaved(self.auth0.clone(), data, R::Pending::default())
    }

    /// The record with this id (immediately consistent).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] for a 404; [`Error::InvalidArgument`] for an
    /// empty id.
    pub async fn get_by_id(&self, id: &str) -> Result<Record<R>> {
        let request = ApiRequest::new(http::Method::GET, record_path::<R>(id)?);
        let data = not_found_as(
            self.auth0.execute_json::<R>(&request).await,
            R::KIND,
            || format!("{}:{id}", R::ID_FIELD),
        )?;
        Ok(Record::fetched(self.auth0.clone(), data))
    }

    /// Delete the record with this id.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id; errors from Auth0.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let request = ApiRequest::new(http::Method::DELETE, record_path::<R>(id)?);
        self.auth0.execute(&request).await?;
        Ok(())
    }

    /// A lazy query over the whole collection.
    pub fn query(&self) -> Query<Record<R>> {
        let auth0 = self.auth0.clone();
        Query::new(
            self.auth0.clone(),
            Ok(ApiRequest::new(http::Method::GET, format!("/{}", R::PATH))),
            R::PAGING,
            R::ITEMS_KEY,
            move |data: R| Record::fetched(auth0.clone(), data),
        )
    }

    /// The one record `lookup` finds, or else `defaults` created. Returns
    /// `(record, created)`. When the create conflicts (someone created it
    /// first), the lookup runs again and its one record is returned.
    ///
    /// # Errors
    /// [`Error::MultipleObjectsReturned`] when the lookup is ambiguous;
    /// errors from Auth0.
    pub async fn get_or_create(
        &self,
        lookup: &Query<Record<R>>,
        defaults: R,
    ) -> Result<(Record<R>, bool)> {
        let mut record = self.build(defaults);
        get_or_create(
            lookup.one(),
            async {
                record.save().await?;
                Ok(record)
            },
            async || lookup.one_opt().await,
        )
        .await
    }

    /// An unsaved record from a dictionary such as [`Record::as_dict`]
    /// returned (the original's `User(**d)`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a field has the wrong type.
    pub fn from_dict(&self, dict: Object) -> Result<Record<R>> {
        let data: R = serde_json::from_value(Value::Object(dict))
            .map_err(|e| Error::InvalidArgument(format!("not a {}: {e}", R::KIND)))?;
        Ok(self.build(data))
    }

    /// A record from [`Record::to_state`], fetched flag and change tracking
    /// included.
    #[must_use]
    pub fn restore(&self, state: RecordState<R>) -> Record<R> {
        Record::from_state(self.auth0.clone(), state)
    }
}

/// `result`, with Auth0's 404 as [`Error::DoesNotExist`] of `kind` found by
/// `lookup` (`id:rol_1`, `name:acme`).
pub(crate) fn not_found_as<T>(
    result: Result<T>,
    kind: &'static str,
    lookup: impl FnOnce() -> String,
) -> Result<T> {
    match result {
        Err(e) if e.api().is_some_and(crate::ApiError::is_not_found) => Err(Error::DoesNotExist {
            kind,
            lookup: lookup(),
        }),
        other => other,
    }
}

/// Exactly one of `found` (of `total` matches), as `get` promises.
pub(crate) fn exactly_one<R: Resource>(
    mut found: Vec<Record<R>>,
    total: u64,
    lookup: String,
) -> Result<Record<R>> {
    match total {
        0 => Err(Error::DoesNotExist {
            kind: R::KIND,
            lookup,
        }),
        1 => found.pop().ok_or(Error::DoesNotExist {
            kind: R::KIND,
            lookup,
        }),
        total => Err(Error::MultipleObjectsReturned {
            kind: R::KIND,
            plural: R::PLURAL,
            total,
        }),
    }
}

/// `get`, or else `create`; a conflict on create (someone else created it
/// first) is answered by `winner`, when it finds exactly one.
pub(crate) async fn get_or_create<R, G, C, W>(
    get: G,
    create: C,
    winner: W,
) -> Result<(Record<R>, bool)>
where
    R: Resource,
    G: Future<Output = Result<Record<R>>>,
    C: Future<Output = Result<Record<R>>>,
    W: AsyncFnOnce() -> Result<Option<Record<R>>>,
{
    match get.await {
        Ok(found) => return Ok((found, false)),
        Err(Error::DoesNotExist { .. }) => {}
        Err(e) => return Err(e),
    }
    match create.await {
        Ok(created) => Ok((created, true)),
        Err(e) if e.is_conflict() => match winner().await? {
            Some(existing) => Ok((existing, false)),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// `Ok(None)` for `DoesNotExist`.
pub(crate) fn optional<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(Error::DoesNotExist { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
