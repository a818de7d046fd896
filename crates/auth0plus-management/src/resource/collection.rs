//! [`Collection`]: the one handle on a resource's records. `Users`,
//! `Roles`, `Organizations`, `Clients`, `ResourceServers`, `Connections` and
//! `ClientGrants` are aliases of it; what one resource has beyond the shared
//! verbs lives in an `impl Collection<…>` block in that resource's own file,
//! the way kube adds `logs()` to `Api<Pod>`.
//!
//! Every collection answers the same calls with the same signatures:
//!
//! | Django | here |
//! |---|---|
//! | `X.objects.create(**kw)` | [`Collection::create`] (`R::New`) |
//! | `X(**kw)` | [`Collection::build`], then [`Record::save`] |
//! | `get(pk=…)` | [`Collection::get_by_id`] |
//! | `get(**lookup)` | [`Collection::get`], [`Collection::get_opt`] |
//! | `get_or_create(defaults=…, **lookup)` | [`Collection::get_or_create`] |
//! | `filter(…)`, `all()` | [`Collection::query`], [`Collection::all`] |
//! | `filter(pk=…).update(**kw)` | [`Collection::update`] (`R::Changes`) |
//! | `filter(pk=…).delete()` | [`Collection::delete`] |

use std::fmt;
use std::marker::PhantomData;

use auth0plus_management_api::{ListOperation, ResourceSpec};
use futures::TryStreamExt;
use serde_json::{Map, Value};

use super::{ChangeSet, Found, IntoRecord, Record, RecordState, Resource};
use super::{kind, nothing_to_change, spec_request};
use crate::lookup::Lookup;
use crate::query::Query;
use crate::request::ApiRequest;
use crate::{Auth0, Error, Result};

/// A JSON object.
type Object = Map<String, Value>;

/// Every record of one resource: create, get, query, update, delete. A
/// cheap handle (a client inside); clone it freely. Made by the client's
/// accessors ([`Auth0::users`], [`Auth0::roles`]…) or, for any
/// [`Resource`], [`Auth0::collection`].
///
/// ```no_run
/// use auth0plus_management::{Auth0, NewRole};
/// # async fn run(auth0: Auth0) -> auth0plus_management::Result<()> {
/// let roles = auth0.roles();
/// // Django's get_or_create: the lookup's exact values fill in the defaults.
/// let (mut admin, created) = roles
///     .get_or_create([("name", "admin")], NewRole::default().description("Can do everything"))
///     .await?;
/// admin.description = Some("Can do almost everything".into());
/// admin.save().await?; // PATCH {"description": …}
/// let same = roles.get([("name", "admin")]).await?;
/// roles.update(same.saved_id()?, NewRole::default().description("Root")).await?;
/// # let _ = created; Ok(()) }
/// ```
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
        write!(f, "Collection<{}>", kind::<R>())
    }
}

impl Auth0 {
    /// Every record of a resource, through its [`Resource`] impl.
    #[must_use]
    pub fn collection<R: Resource>(&self) -> Collection<R> {
        Collection::new(self.clone())
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

    /// An unsaved record of `new`; `save` creates it.
    #[must_use]
    pub fn build(&self, new: R::New) -> Record<R> {
        Record::from_new(self.auth0.clone(), new)
    }

    /// Create a record of `new` and return it as Auth0 answered.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] (and a user's
    /// [`Error::MissingConnection`]) before sending: what the resource's
    /// checks refuse; [`Error::Api`] when Auth0 refuses (409 for a
    /// duplicate).
    pub async fn create(&self, new: R::New) -> Result<Record<R>> {
        let mut record = self.build(new);
        record.save().await?;
        Ok(record)
    }

    /// The record with this id (immediately consistent).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] for a 404; [`Error::InvalidArgument`] for an
    /// empty, `.` or `..` id, before sending.
    pub async fn get_by_id(&self, id: &str) -> Result<Record<R>> {
        let request = spec_request::<R>("get", Some(R::Spec::get(id)))?;
        let data = not_found_as(
            self.auth0.execute_json::<R>(&request).await,
            kind::<R>(),
            || format!("{}:{id}", R::Spec::ID_FIELD),
        )?;
        Ok(Record::fetched(self.auth0.clone(), data))
    }

    /// Exactly one record matching `lookup`: pairs like `[("name",
    /// "admin")]` (a pair's value is always exact), or a [`Lookup`]. Which
    /// fields a resource is looked up by, and how, is its own: users by
    /// any search, with a lone email read immediately consistent; a role by
    /// `name`, an organization by `name`, an API by `identifier`…
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] (`Role Does Not Exist`),
    /// [`Error::MultipleObjectsReturned`] (`Role.get returned multiple
    /// roles`); [`Error::InvalidArgument`] for a lookup the resource does not
    /// take, before sending.
    pub async fn get(&self, lookup: impl Into<Lookup>) -> Result<Record<R>> {
        let lookup = lookup.into();
        let described = lookup.to_query_string()?;
        let (found, total) = R::find(self, lookup).await?;
        exactly_one(found, total, described)
    }

    /// Like [`Collection::get`], with `None` instead of `DoesNotExist`.
    ///
    /// # Errors
    /// As [`Collection::get`], but for `DoesNotExist`.
    pub async fn get_opt(&self, lookup: impl Into<Lookup>) -> Result<Option<Record<R>>> {
        optional(self.get(lookup).await)
    }

    /// The one record `lookup` finds, or else `defaults` created with the
    /// lookup's exact values filled in (Django's
    /// `get_or_create(defaults=…, **lookup)`). Returns `(record, created)`.
    ///
    /// Safe under races: when the create conflicts (someone created it
    /// first: Auth0's 409), the record they created is looked up and
    /// returned instead (a user by email, immediately consistent). `defaults`
    /// is not sent when the record exists.
    ///
    /// # Errors
    /// As [`Collection::get`] and [`Collection::create`];
    /// [`Error::InvalidArgument`] when a lookup value does not fit a field
    /// of `defaults`.
    pub async fn get_or_create(
        &self,
        lookup: impl Into<Lookup>,
        defaults: R::New,
    ) -> Result<(Record<R>, bool)> {
        let lookup = lookup.into();
        let mut new = defaults;
        for (field, value) in lookup.exact_pairs() {
            new.set_field(field, value)?;
        }
        let winner = new.conflict_lookup().unwrap_or_else(|| lookup.clone());
        match self.get(lookup).await {
            Ok(found) => return Ok((found, false)),
            Err(Error::DoesNotExist { .. }) => {}
            Err(e) => return Err(e),
        }
        match self.create(new).await {
            Ok(created) => Ok((created, true)),
            Err(e) if e.is_conflict() => match self.get_opt(winner).await? {
                Some(existing) => Ok((existing, false)),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// A lazy query over the collection (for users: the default
    /// connection's, with Lucene search).
    pub fn query(&self) -> Query<Record<R>> {
        R::query(self)
    }

    /// Every record (a lazy query), as [`Collection::query`].
    pub fn all(&self) -> Query<Record<R>> {
        self.query()
    }

    /// Change the record with this id without fetching it first: only what
    /// `changes` sets is sent (in the few requests Auth0 requires, for a
    /// user). Returns the record as Auth0 answered.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id or no change at all,
    /// before sending; [`Error::Api`] from Auth0 (404 for a missing record).
    pub async fn update(&self, id: &str, changes: R::Changes) -> Result<Record<R>> {
        let bodies = changes.into_bodies(&self.auth0)?;
        let mut updated = None;
        for body in bodies {
            let request = spec_request::<R>("update", R::Spec::update(id, Value::Object(body)))?;
            updated = Some(self.auth0.execute_json::<R>(&request).await?);
        }
        let data = updated.ok_or_else(nothing_to_change)?;
        Ok(Record::fetched(self.auth0.clone(), data))
    }

    /// Delete the record with this id (a user: deleting a missing one
    /// succeeds, as on Auth0).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id; errors from Auth0.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let request = spec_request::<R>("delete", R::Spec::delete(id))?;
        self.auth0.execute(&request).await?;
        Ok(())
    }

    /// An unsaved record from a dictionary such as [`Record::as_dict`]
    /// returned (the original's `User(**d)`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a field has the wrong type.
    #[allow(
        clippy::wrong_self_convention,
        reason = "the original's name for `User(**d)`; it builds from the dict, through the handle"
    )]
    pub fn from_dict(&self, dict: Object) -> Result<Record<R>> {
        let data: R = serde_json::from_value(Value::Object(dict))
            .map_err(|e| Error::InvalidArgument(format!("not a {}: {e}", kind::<R>())))?;
        Ok(Record::unsaved(
            self.auth0.clone(),
            data,
            R::Pending::default(),
        ))
    }

    /// A record from [`Record::to_state`], fetched flag and change tracking
    /// included.
    #[must_use]
    pub fn restore(&self, state: RecordState<R>) -> Record<R> {
        Record::from_state(self.auth0.clone(), state)
    }

    /// The spec's list of every record, as fetched records: what
    /// [`Resource::query`] starts from.
    pub(crate) fn list_records(&self) -> Query<Record<R>> {
        let auth0 = self.auth0.clone();
        let list = R::Spec::list();
        Query::new(
            self.auth0.clone(),
            ApiRequest::of(&list),
            <<R::Spec as ResourceSpec>::List as ListOperation>::PAGING,
            <<R::Spec as ResourceSpec>::List as ListOperation>::ITEMS_KEY,
            move |data: R| Record::fetched(auth0.clone(), data),
        )
    }
}

impl<R: Resource> Query<Record<R>> {
    /// Exactly one record (Django's `get()` on a query set), in one request.
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] (`Role Does Not Exist`) or
    /// [`Error::MultipleObjectsReturned`]; errors of [`Query::count`].
    pub async fn one(&self) -> Result<Record<R>> {
        let described = self.described();
        let (found, total) = self.clone().per_page(2).first_page().await?;
        exactly_one(found, total, described)
    }

    /// Like [`Query::one`], with `None` instead of `DoesNotExist`.
    ///
    /// # Errors
    /// [`Error::MultipleObjectsReturned`] and errors of [`Query::count`].
    pub async fn one_opt(&self) -> Result<Option<Record<R>>> {
        optional(self.one().await)
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
            kind: kind::<R>(),
            lookup,
        }),
        1 => found.pop().ok_or(Error::DoesNotExist {
            kind: kind::<R>(),
            lookup,
        }),
        total => Err(Error::MultipleObjectsReturned {
            kind: kind::<R>(),
            plural: R::Spec::PLURAL,
            total,
        }),
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

/// The values a lookup requires exactly of `fields`, in that order (`None`
/// for a field it does not name), when that is all it requires: what a
/// resource looked up by a few fields can answer. Anything else (another
/// field, a prefix, an OR, an empty value) is refused before sending.
///
/// # Errors
/// [`Error::InvalidArgument`], naming the fields the resource takes.
pub(crate) fn exact_values<'a, R: Resource>(
    lookup: &'a Lookup,
    fields: &[&str],
) -> Result<Vec<Option<&'a str>>> {
    let refuse = || {
        Error::InvalidArgument(format!(
            "a {} is looked up by exact {}",
            kind::<R>(),
            fields.join(" and ")
        ))
    };
    let pairs = lookup.only_exact().ok_or_else(refuse)?;
    if pairs.is_empty() || pairs.iter().any(|(field, _)| !fields.contains(field)) {
        return Err(refuse());
    }
    if let Some((field, _)) = pairs.iter().find(|(_, value)| value.is_empty()) {
        return Err(Error::InvalidArgument(format!("the {field} is empty")));
    }
    fields
        .iter()
        .map(|field| {
            let mut values = pairs.iter().filter(|(f, _)| f == field).map(|(_, v)| *v);
            let first = values.next();
            match values.find(|v| Some(*v) != first) {
                Some(_) => Err(Error::InvalidArgument(format!(
                    "the lookup asks the {field} to be two values at once"
                ))),
                None => Ok(first),
            }
        })
        .collect()
}

/// Every record of `query` that `keep` accepts, read to the end: for a
/// resource whose filter on the server only narrows the search (a role's
/// `name_filter` matches any part of a name), the exact comparison is made
/// here, so no other record can match whatever the value holds.
pub(crate) async fn scan<R: Resource>(
    query: Query<Record<R>>,
    keep: impl Fn(&R) -> bool + Send + 'static,
) -> Result<Found<R>> {
    let found: Vec<Record<R>> = query
        .stream()
        .try_filter(move |record| std::future::ready(keep(record)))
        .try_collect()
        .await?;
    let total = found.len() as u64;
    Ok((found, total))
}
