//! [`Relation`]: a to-many relation of one record, as a handle —
//! `role.users()`, `user.roles()`, `org.members()`.
//!
//! Auth0 models these as a sub-collection of the record
//! (`/roles/{id}/users`) that lists with `GET` and changes with a `POST` or
//! `DELETE` carrying a list (`{"users": [..]}`). A relation is made of the
//! generated operations that list, add and remove, and knows how many items
//! one call accepts, so adding 1,000 users to a role is one call of the
//! caller's and as many of Auth0's as its limit needs, sent together
//! through the client's throttle.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use auth0plus_management_api::{ListOperation, Operation};
use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::query::Refusal;
use crate::request::ApiRequest;
use crate::resource::{Record, Resource};
use crate::{Auth0, Error, Query, Result};

/// Builds the request of one `add` or `remove` call from its items.
type MakeCall<K> = Arc<dyn Fn(Vec<K>) -> Result<ApiRequest> + Send + Sync>;

/// How `add` or `remove` calls are made, or why they cannot be.
enum Change<K> {
    /// Calls of at most `max_per_call` items, each built by `make`.
    Calls {
        max_per_call: usize,
        make: MakeCall<K>,
    },
    /// Auth0 has no such call here.
    Unsupported,
    /// The relation cannot be reached (a record never saved, an empty id).
    Refused(Refusal),
}

impl<K> Clone for Change<K> {
    fn clone(&self) -> Self {
        match self {
            Self::Calls { max_per_call, make } => Self::Calls {
                max_per_call: *max_per_call,
                make: Arc::clone(make),
            },
            Self::Unsupported => Self::Unsupported,
            Self::Refused(refusal) => Self::Refused(refusal.clone()),
        }
    }
}

impl<K> fmt::Debug for Change<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Calls { max_per_call, .. } => write!(f, "calls of {max_per_call} at most"),
            Self::Unsupported => f.write_str("unsupported"),
            Self::Refused(refusal) => write!(f, "refused: {refusal:?}"),
        }
    }
}

impl<K> Change<K> {
    fn calls<O: Operation>(
        max_per_call: usize,
        make: impl Fn(Vec<K>) -> O + Send + Sync + 'static,
    ) -> Self {
        Self::Calls {
            max_per_call: max_per_call.max(1),
            make: Arc::new(move |items| ApiRequest::of(&make(items))),
        }
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
/// be made again. A relation of a record never saved answers
/// [`Error::MissingId`] to every call, before sending.
///
/// The handle is cheap to clone and owns what it needs, so its futures are
/// `Send` and `'static`:
/// `tokio::spawn(async move { role.users().add(ids).await })` compiles.
///
/// ```
/// use auth0plus_management::api::models::AssignRoleUsersRequestContent;
/// use auth0plus_management::api::roles::{AssignRoleUsers, ListRoleUsers};
/// use auth0plus_management::{Auth0, Relation};
/// # fn main() -> auth0plus_management::Result<()> {
/// # let auth0 = Auth0::builder("acme.auth0.com").token("t").build()?;
/// // What `role.users()` is made of: the generated list and assign operations.
/// let users: Relation<serde_json::Value> =
///     Relation::new(&auth0, "users", &ListRoleUsers::new("rol_1"), |user: serde_json::Value| user)
///         .adds(1_000, |users| {
///             AssignRoleUsers::new("rol_1", AssignRoleUsersRequestContent {
///                 users: Some(users),
///                 ..Default::default()
///             })
///         });
/// # let _ = users; Ok(()) }
/// ```
#[must_use]
pub struct Relation<T, K = String> {
    auth0: Auth0,
    /// What the related things are called in messages.
    name: &'static str,
    list: Query<T>,
    add: Change<K>,
    remove: Change<K>,
}

impl<T, K> Clone for Relation<T, K> {
    fn clone(&self) -> Self {
        Self {
            auth0: self.auth0.clone(),
            name: self.name,
            list: self.list.clone(),
            add: self.add.clone(),
            remove: self.remove.clone(),
        }
    }
}

impl<T, K> fmt::Debug for Relation<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relation")
            .field("name", &self.name)
            .field("list", &self.list)
            .field("add", &self.add)
            .field("remove", &self.remove)
            .finish_non_exhaustive()
    }
}

impl<T, K> Relation<T, K>
where
    T: Send + 'static,
    K: Serialize + Send + 'static,
{
    /// The relation `name` (`users`, in messages) listed by `list`, whose
    /// items decode as `D` and become `T` by `map`. It cannot be changed
    /// until [`Relation::adds`] and [`Relation::removes`] say how: until
    /// then `add` and `remove` answer [`Error::InvalidArgument`].
    pub fn new<L, D, F>(auth0: &Auth0, name: &'static str, list: &L, map: F) -> Self
    where
        L: ListOperation,
        D: DeserializeOwned,
        F: Fn(D) -> T + Send + Sync + 'static,
    {
        Self {
            auth0: auth0.clone(),
            name,
            list: Query::new(
                auth0.clone(),
                ApiRequest::of(list),
                L::PAGING,
                L::ITEMS_KEY,
                map,
            ),
            add: Change::Unsupported,
            remove: Change::Unsupported,
        }
    }

    /// `add` sends the operation `make` builds of at most `max_per_call`
    /// items at a time (at least 1).
    pub fn adds<O: Operation>(
        mut self,
        max_per_call: usize,
        make: impl Fn(Vec<K>) -> O + Send + Sync + 'static,
    ) -> Self {
        self.add = Change::calls(max_per_call, make);
        self
    }

    /// `remove` sends the operation `make` builds of at most `max_per_call`
    /// items at a time (at least 1).
    pub fn removes<O: Operation>(
        mut self,
        max_per_call: usize,
        make: impl Fn(Vec<K>) -> O + Send + Sync + 'static,
    ) -> Self {
        self.remove = Change::calls(max_per_call, make);
        self
    }

    /// The same relation, answering `error` to every call before sending.
    fn refused(mut self, error: Error) -> Self {
        let refusal = Refusal::from(error);
        self.list = self.list.refuse(refusal.clone().into());
        self.add = Change::Refused(refusal.clone());
        self.remove = Change::Refused(refusal);
        self
    }

    /// The relation `build` makes for `owner`'s id; for a record never
    /// saved, one whose every call answers [`Error::MissingId`] before
    /// sending.
    pub(crate) fn of_record<O: Resource>(
        owner: &Record<O>,
        build: impl FnOnce(&Auth0, &str) -> Self,
    ) -> Self {
        match owner.saved_id() {
            Ok(id) => build(owner.auth0(), id),
            Err(e) => build(owner.auth0(), "").refused(e),
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
        let requests = self.requests(&self.add, items)?;
        send_all(&self.auth0, requests).await
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
        let requests = self.requests(&self.remove, items)?;
        send_all(&self.auth0, requests).await
    }

    /// Every call `change` makes of `items`, built before any is sent.
    fn requests<I>(&self, change: &Change<K>, items: I) -> Result<Vec<ApiRequest>>
    where
        I: IntoIterator,
        I::Item: Into<K>,
    {
        let (max_per_call, make) = match change {
            Change::Calls { max_per_call, make } => (*max_per_call, make),
            Change::Refused(refusal) => return Err(refusal.clone().into()),
            Change::Unsupported => {
                return Err(Error::InvalidArgument(format!(
                    "Auth0 cannot change {} here; change the relation from the other side",
                    self.name
                )));
            }
        };
        let mut items = unique_items(self.name, items.into_iter().map(Into::into))?
            .into_iter()
            .peekable();
        // Each chunk takes its items by move: no copy of a thousand ids.
        let mut requests = Vec::new();
        while items.peek().is_some() {
            requests.push(make(items.by_ref().take(max_per_call).collect())?);
        }
        Ok(requests)
    }
}

/// Send `requests` a few at a time (the client's prefetch), each future
/// owning its request and client: the whole is `Send` and `'static`.
async fn send_all(auth0: &Auth0, requests: Vec<ApiRequest>) -> Result<()> {
    let in_flight = auth0.prefetch().max(1);
    stream::iter(requests)
        .map(|request| {
            let auth0 = auth0.clone();
            async move { auth0.execute(&request).await.map(drop) }
        })
        .buffer_unordered(in_flight)
        .try_for_each(|()| std::future::ready(Ok(())))
        .await
}

/// The items, duplicates dropped (the first kept; compared as JSON, so an
/// object's field order does not make it another item), refused when any
/// holds an empty string: an empty id would be sent as a real value.
fn unique_items<K: Serialize>(name: &str, items: impl Iterator<Item = K>) -> Result<Vec<K>> {
    let (items, values): (Vec<K>, Vec<Value>) = items
        .enumerate()
        .map(|(position, item)| {
            let value = serde_json::to_value(&item)
                .map_err(|e| Error::InvalidArgument(format!("{name}[{position}]: {e}")))?;
            if has_empty_string(&value) {
                return Err(Error::InvalidArgument(format!(
                    "{name}[{position}] has an empty id"
                )));
            }
            Ok((item, value))
        })
        .collect::<Result<Vec<(K, Value)>>>()?
        .into_iter()
        .unzip();
    // Borrowed, not cloned: adding a thousand ids costs a thousand hashes.
    let mut seen = HashSet::with_capacity(values.len());
    let first: Vec<bool> = values.iter().map(|value| seen.insert(value)).collect();
    Ok(items
        .into_iter()
        .zip(first)
        .filter_map(|(item, first)| first.then_some(item))
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
        assert_eq!(items, ["b", "a", "c"]);
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
