//! [`Record`]: one resource with the client to save it through, and the
//! change tracking that makes `save` send only what changed.

use std::fmt;
use std::ops::{Deref, DerefMut};

use auth0plus_management_api::{ListOperation, ResourceSpec};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Collection, IntoRecord, Resource, kind};
use crate::query::Query;
use crate::request::ApiRequest;
use crate::{Auth0, Error, Result};

/// A JSON object.
type Object = Map<String, Value>;

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
    /// Why the input it was built from cannot be created (a field of the
    /// wrong type), reported by `save` before sending.
    refused: Option<String>,
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
        f.debug_struct(kind::<R>())
            .field("data", &self.data)
            .field("fetched", &self.is_fetched())
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// `<User auth0|…>`, like the original's repr.
impl<R: Resource> fmt::Display for Record<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} {}>", kind::<R>(), self.id().unwrap_or(""))
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

impl<R: Resource> Record<R> {
    /// A record not yet on the server; `save` creates it.
    pub(crate) fn unsaved(auth0: Auth0, data: R, pending: R::Pending) -> Self {
        Self {
            auth0,
            data,
            snapshot: None,
            pending,
            refused: None,
        }
    }

    /// The unsaved record `new` makes; when it cannot make one, a record
    /// whose `save` reports why before sending.
    pub(crate) fn from_new(auth0: Auth0, new: R::New) -> Self {
        match new.into_parts() {
            Ok((data, pending)) => Self::unsaved(auth0, data, pending),
            Err(problem) => Self {
                refused: Some(problem),
                ..Self::unsaved(auth0, R::default(), R::Pending::default())
            },
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
            refused: None,
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

    /// The id, or [`Error::MissingId`] for a record never saved: what every
    /// call that needs the record on the server checks first.
    ///
    /// # Errors
    /// [`Error::MissingId`].
    pub fn saved_id(&self) -> Result<&str> {
        self.id().ok_or(Error::MissingId)
    }

    /// The list `make` builds for this record's id (a sub-collection:
    /// `/users/{id}/organizations`), its items decoded as `D` and made `T`
    /// by `map`; for a record never saved, a query that answers
    /// [`Error::MissingId`] before sending.
    pub(crate) fn list_of<L, D, T>(
        &self,
        make: impl FnOnce(&str) -> L,
        map: impl Fn(D) -> T + Send + Sync + 'static,
    ) -> Query<T>
    where
        L: ListOperation,
        D: DeserializeOwned,
        T: Send + 'static,
    {
        match self.saved_id() {
            Ok(id) => Query::of_list(&self.auth0, &make(id), map),
            Err(e) => Query::of_list(&self.auth0, &make(""), map).refuse(e),
        }
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
            refused: None,
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
        if let Some(problem) = &self.refused {
            return Err(Error::InvalidArgument(problem.clone()));
        }
        R::check(self)?;
        if self.snapshot.is_some() {
            self.update().await
        } else {
            self.create().await
        }
    }

    async fn create(&mut self) -> Result<()> {
        let body = R::create_body(self)?;
        let request = spec_request::<R>("create", R::Spec::create(Value::Object(body)))?;
        let created: R = self.auth0.execute_json(&request).await?;
        R::created(self);
        self.snapshot = Some(Snapshot::Data(Box::new(created.clone())));
        self.data = created;
        Ok(())
    }

    async fn update(&mut self) -> Result<()> {
        let id = self.saved_id()?.to_owned();
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
                kind::<R>()
            )));
        }
        let bodies = R::plan_update(self, changed_fields::<R>(&current, &snapshot));
        let mut latest = None;
        for body in bodies {
            let fields: Vec<String> = body.keys().cloned().collect();
            let request = spec_request::<R>("update", R::Spec::update(&id, Value::Object(body)))?;
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
        let id = self.saved_id()?.to_owned();
        Collection::<R>::new(self.auth0.clone()).delete(&id).await?;
        self.snapshot = None;
        Ok(())
    }

    /// Read the record again from the server, dropping unsaved changes.
    ///
    /// # Errors
    /// [`Error::MissingId`] for a record never saved;
    /// [`Error::DoesNotExist`] when it was deleted.
    pub async fn refresh(&mut self) -> Result<()> {
        let id = self.saved_id()?.to_owned();
        let fresh = Collection::<R>::new(self.auth0.clone())
            .get_by_id(&id)
            .await?;
        self.data = fresh.data;
        self.snapshot = fresh.snapshot;
        Ok(())
    }
}

/// The request a spec operation builds, or why there is none: the spec has
/// no `what` (create, update, delete) for this resource, or a path segment
/// (an id) is empty, `.` or `..`.
pub(crate) fn spec_request<R: Resource>(
    what: &str,
    request: Option<std::result::Result<auth0plus_management_api::Request, serde_json::Error>>,
) -> Result<ApiRequest> {
    let request = request.ok_or_else(|| {
        Error::InvalidArgument(format!("Auth0 has no {what} for a {}", kind::<R>()))
    })?;
    ApiRequest::from_plain(
        request.map_err(|e| Error::InvalidArgument(format!("the body is not JSON: {e}")))?,
    )
}
