//! [`Relation`]: a to-many relation of one record, as a handle —
//! `role.users()`, `user.roles()`, `org.members()`.
//!
//! Auth0 models these as a sub-collection of the record
//! (`/roles/{id}/users`) that lists with `GET` and changes with a `POST` or
//! `DELETE` carrying a list (`{"users": [..]}`). The handle knows the path, the
//! body key, the paging and how many items one call accepts, so adding 1,000
//! users to a role is one call of the caller's and as many of Auth0's as its
//! limit needs, sent together through the client's throttle.

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use auth0plus_management_api::Paging;
use futures::{TryStreamExt, stream};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::query::Refusal;
use crate::request::ApiRequest;
use crate::resource::{Record, Resource};
use crate::{Auth0, Error, Query, Result};

/// What one relation is on the wire; resources declare theirs as statics.
///
/// ```
/// use auth0plus_management::{Paging, RelationSpec};
/// static ROLE_USERS: RelationSpec = RelationSpec::new("users", Paging::CHECKPOINT)
///     .max_per_call(1_000)
///     .not_removable();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationSpec {
    name: &'static str,
    body_key: &'static str,
    items_key: &'static str,
    paging: Paging,
    max_per_call: usize,
    removable: bool,
}

impl RelationSpec {
    /// A relation whose body key and items key are both `name` (`users`),
    /// removable, with calls of at most 100 items until told otherwise.
    #[must_use]
    pub const fn new(name: &'static str, paging: Paging) -> Self {
        Self {
            name,
            body_key: name,
            items_key: name,
            paging,
            max_per_call: 100,
            removable: true,
        }
    }

    /// The key of the list in the `POST`/`DELETE` body.
    #[must_use]
    pub const fn body_key(mut self, key: &'static str) -> Self {
        self.body_key = key;
        self
    }

    /// The key of the items in a paged answer.
    #[must_use]
    pub const fn items_key(mut self, key: &'static str) -> Self {
        self.items_key = key;
        self
    }

    /// The most items Auth0 accepts in one `POST`/`DELETE` (at least 1).
    #[must_use]
    pub const fn max_per_call(mut self, max: usize) -> Self {
        self.max_per_call = if max == 0 { 1 } else { max };
        self
    }

    /// Auth0 has no `DELETE` on the relation's path.
    #[must_use]
    pub const fn not_removable(mut self) -> Self {
        self.removable = false;
        self
    }

    /// What the related things are called in messages.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// A to-many relation of one record: list it lazily, add to it and remove
/// from it. `T` is what the list yields, `K` what `add`/`remove` take (an id,
/// or a permission's resource server and name).
///
/// `add` and `remove` split their input into calls of at most the number of
/// items Auth0 accepts, drop duplicates, refuse an empty id before
/// anything is sent, and send the calls a few at a time through the client's
/// throttle and retries. Adding what is already there changes nothing, so
/// after an error (calls already made stay made) the same `add` can simply
/// be made again.
///
/// ```no_run
/// # use auth0plus_management::{Query, Relation, Result};
/// # async fn run(users: Relation<serde_json::Value>) -> Result<()> {
/// users.add(["auth0|1", "auth0|2"]).await?; // one POST {"users": [..]}
/// let first_ten = users.query().slice(..10).await?;
/// # let _ = first_ten; Ok(()) }
/// ```
#[must_use]
pub struct Relation<T, K = String> {
    auth0: Auth0,
    /// The encoded path, or why it could not be built (an empty id, a
    /// record never saved).
    path: std::result::Result<String, Refusal>,
    spec: &'static RelationSpec,
    list: Query<T>,
    key: PhantomData<fn(K)>,
}

impl<T, K> Clone for Relation<T, K> {
    fn clone(&self) -> Self {
        Self {
            auth0: self.auth0.clone(),
            path: self.path.clone(),
            spec: self.spec,
            list: self.list.clone(),
            key: PhantomData,
        }
    }
}

impl<T, K> fmt::Debug for Relation<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relation")
            .field("path", &self.path)
            .field("name", &self.spec.name)
            .field("max_per_call", &self.spec.max_per_call)
            .finish_non_exhaustive()
    }
}

impl<T, K> Relation<T, K>
where
    T: Send + 'static,
    K: Serialize,
{
    /// The relation at `segments` below `/api/v2` (each percent-encoded as
    /// one segment), whose list items decode as `D` and become `T` by `map`.
    /// An empty or `.`/`..` segment is reported by the first call made.
    pub fn new<D, F, S>(
        auth0: &Auth0,
        segments: impl IntoIterator<Item = S>,
        spec: &'static RelationSpec,
        map: F,
    ) -> Self
    where
        D: DeserializeOwned,
        F: Fn(D) -> T + Send + Sync + 'static,
        S: AsRef<str>,
    {
        let path = ApiRequest::from_segments(http::Method::GET, segments).map(|r| r.path);
        Self::at(auth0, path, spec, map)
    }

    /// The relation `/{owner's collection}/{owner's id}/{tail…}` of a record;
    /// for a record never saved, every call answers [`Error::MissingId`]
    /// before sending.
    pub(crate) fn of_record<O, D, F>(
        owner: &Record<O>,
        tail: &[&str],
        spec: &'static RelationSpec,
        map: F,
    ) -> Self
    where
        O: Resource,
        D: DeserializeOwned,
        F: Fn(D) -> T + Send + Sync + 'static,
    {
        let path = owner.id().ok_or(Error::MissingId).and_then(|id| {
            let segments = [O::PATH, id].into_iter().chain(tail.iter().copied());
            ApiRequest::from_segments(http::Method::GET, segments).map(|r| r.path)
        });
        Self::at(owner.auth0(), path, spec, map)
    }

    fn at<D, F>(auth0: &Auth0, path: Result<String>, spec: &'static RelationSpec, map: F) -> Self
    where
        D: DeserializeOwned,
        F: Fn(D) -> T + Send + Sync + 'static,
    {
        let path = path.map_err(Refusal::from);
        let base = path
            .clone()
            .map(|path| ApiRequest::new(http::Method::GET, path))
            .map_err(Error::from);
        let list = Query::new(auth0.clone(), base, spec.paging, spec.items_key, map);
        Self {
            auth0: auth0.clone(),
            path,
            spec,
            list,
            key: PhantomData,
        }
    }

    /// A lazy query over the related items.
    pub fn query(&self) -> Query<T> {
        self.list.clone()
    }

    /// Add `items` to the relation, in calls of at most what Auth0 accepts.
    /// Nothing is sent for no items.
    ///
    /// # Errors
    /// Before anything is sent: [`Error::InvalidArgument`] for an empty id,
    /// [`Error::MissingId`] for a record never saved. Errors from Auth0
    /// (calls already made stay made).
    pub async fn add<I>(&self, items: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: Into<K>,
    {
        self.change(http::Method::POST, items).await
    }

    /// Remove `items` from the relation, in calls of at most what Auth0
    /// accepts. Nothing is sent for no items.
    ///
    /// # Errors
    /// Before anything is sent: as [`Relation::add`], and
    /// [`Error::InvalidArgument`] for a relation Auth0 cannot remove from (a
    /// role's users: remove the role from each user instead). Errors from
    /// Auth0.
    pub async fn remove<I>(&self, items: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: Into<K>,
    {
        if !self.spec.removable {
            return Err(Error::InvalidArgument(format!(
                "Auth0 cannot remove {} here; remove the relation from the other side",
                self.spec.name
            )));
        }
        self.change(http::Method::DELETE, items).await
    }

    async fn change<I>(&self, method: http::Method, items: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: Into<K>,
    {
        let path = self.path.clone().map_err(Error::from)?;
        let mut items = unique_items(self.spec.name, items.into_iter().map(Into::into))?
            .into_iter()
            .peekable();
        // Each chunk takes its items by move: no copy of a thousand ids.
        let mut requests = Vec::new();
        while items.peek().is_some() {
            let chunk: Vec<Value> = items.by_ref().take(self.spec.max_per_call).collect();
            let mut body = serde_json::Map::new();
            body.insert(self.spec.body_key.to_owned(), Value::Array(chunk));
            requests.push(ApiRequest::new(method.clone(), path.clone()).json(Value::Object(body)));
        }
        let in_flight = self.auth0.prefetch().max(1);
        stream::iter(requests.iter().map(Ok))
            .map_ok(|request| self.auth0.execute(request))
            .try_buffer_unordered(in_flight)
            .try_for_each(|_| async { Ok(()) })
            .await
    }
}

/// The items as JSON, duplicates dropped (the first kept; JSON equality, so
/// an object's field order does not make it another item), refused when
/// any holds an empty string: an empty id would be sent as a real value.
fn unique_items<K: Serialize>(name: &str, items: impl Iterator<Item = K>) -> Result<Vec<Value>> {
    let values = items
        .enumerate()
        .map(|(position, item)| {
            let value = serde_json::to_value(&item)
                .map_err(|e| Error::InvalidArgument(format!("{name}[{position}]: {e}")))?;
            if has_empty_string(&value) {
                return Err(Error::InvalidArgument(format!(
                    "{name}[{position}] has an empty id"
                )));
            }
            Ok(value)
        })
        .collect::<Result<Vec<Value>>>()?;
    // Borrowed, not cloned: adding a thousand ids costs a thousand hashes.
    let mut seen = HashSet::with_capacity(values.len());
    let first: Vec<bool> = values.iter().map(|value| seen.insert(value)).collect();
    drop(seen);
    Ok(values
        .into_iter()
        .zip(first)
        .filter_map(|(value, first)| first.then_some(value))
        .collect())
}

fn has_empty_string(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.iter().any(has_empty_string),
        Value::Object(fields) => fields.values().any(has_empty_string),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn duplicates_are_dropped_in_order() {
        let items = unique_items("users", ["b", "a", "b", "c", "a"].into_iter()).unwrap();
        assert_eq!(items, vec![json!("b"), json!("a"), json!("c")]);
        let read = json!({"resource_server_identifier": "https://api", "permission_name": "read"});
        let write =
            json!({"resource_server_identifier": "https://api", "permission_name": "write"});
        let items = unique_items(
            "permissions",
            [
                read.clone(),
                write.clone(),
                read.clone(),
                json!(1),
                json!(1.0),
                json!(1),
            ]
            .into_iter(),
        )
        .unwrap();
        assert_eq!(items, vec![read.clone(), write, json!(1), json!(1.0)]);
        // The same permission with its fields in another order is the same item.
        let reordered =
            json!({"permission_name": "read", "resource_server_identifier": "https://api"});
        let items = unique_items("permissions", [read.clone(), reordered].into_iter()).unwrap();
        assert_eq!(items, vec![read]);
    }

    #[test]
    fn an_empty_id_is_refused_with_its_position() {
        let err = unique_items("users", ["a", ""].into_iter()).unwrap_err();
        assert!(matches!(&err, Error::InvalidArgument(m) if m == "users[1] has an empty id"));
        let nested = json!({"resource_server_identifier": "https://api", "permission_name": ""});
        let err = unique_items("permissions", [nested].into_iter()).unwrap_err();
        assert!(err.to_string().contains("permissions[0]"));
    }
}
