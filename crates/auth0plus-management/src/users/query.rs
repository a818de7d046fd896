//! [`UserQuery`]: a lazy, reusable search over users — the generic
//! [`Query`] plus Auth0's Lucene search.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::model::UserProfile;
use super::record::User;
use crate::query::Query;
use crate::resource::Record;
use crate::search::{ConnectionFilter, Search};
use crate::{Error, Result};

/// Auth0 search reaches only the first 1,000 results.
pub const SEARCH_WINDOW: u64 = 1000;

/// A search over users. Building it sends nothing; every terminal call
/// (`count`, `get`, `slice`, `fetch_all`, `stream`, `stream_all`) runs it anew, so a query
/// can be reused and iterated any number of times.
///
/// Conditions combine with AND: lookups, raw `q` fragments and the
/// connection filter (the client's default connection unless told otherwise).
///
/// ```
/// use auth0plus_management::{Auth0, Lookup, Order};
/// # fn main() -> auth0plus_management::Result<()> {
/// # let auth0 = Auth0::builder("acme.auth0.com").token("t").default_connection("db").build()?;
/// let singers = auth0
///     .users()
///     .query()
///     .filter([("email__startswith", "b")])
///     .q(r#"user_metadata.band:"AC/DC""#)
///     .fields(["user_id", "email"])
///     .sort("created_at", Order::Asc)
///     .per_page(100);
/// assert_eq!(
///     singers.to_query_string()?,
///     r#"email:b* AND (user_metadata.band:"AC/DC") AND identities.connection:"db""#
/// );
/// # Ok(()) }
/// ```
pub type UserQuery = Query<User>;

/// Every user search: search engine v3, and only `user_id` when counting.
pub(crate) fn user_search() -> Search {
    Search {
        count_field: Some("user_id"),
        engine: Some("v3"),
        ..Search::default()
    }
}

impl Query<User> {
    /// Search this connection instead of the default one.
    pub fn connection(mut self, connection: impl Into<String>) -> Self {
        self.search_mut().connection = ConnectionFilter::Named(connection.into());
        self
    }

    /// Search every connection of the tenant.
    pub fn any_connection(mut self) -> Self {
        self.search_mut().connection = ConnectionFilter::Any;
        self
    }

    /// Like [`UserQuery::stream`], but past the 1,000-result search window it
    /// falls back to Auth0's export job ([`super::Users::export`]) instead of
    /// failing.
    ///
    /// The search runs first (one page, for the total); only when that total
    /// exceeds the window is the export started. An export cannot take a
    /// Lucene `q` and cannot sort, and filtering its records by an arbitrary
    /// query client-side would mean reimplementing Auth0's search, so the
    /// fallback is taken only for queries the export can answer exactly:
    /// every user of a connection (or of every connection), with no lookups,
    /// no raw `q` and no sort. What the fallback applies:
    ///
    /// - the connection: the export takes a `con_…` id, which the query does
    ///   not know, so every connection is exported and only the records with
    ///   an identity in the query's connection are kept (for a field
    ///   selection, `identities` is exported too for this, then removed);
    /// - [`UserQuery::fields`]: passed to the export;
    /// - [`UserQuery::exclude_fields`]: every field is exported and the named
    ///   top-level fields are removed from each record.
    ///
    /// Records come in the export's order, decoded one at a time; the export
    /// uses [`crate::UserExport`]'s default polling and timeout.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(users: auth0plus_management::Users) -> auth0plus_management::Result<()> {
    /// // 1,500 users: the search stops at 1,000, the export reads them all.
    /// let everyone: Vec<_> = users.all().fields(["user_id", "email"]).stream_all().try_collect().await?;
    /// # let _ = everyone; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The stream yields [`Error::SearchWindowExceeded`] when the total passes
    /// the window and the query has lookups, a raw `q` or a sort; errors of
    /// [`UserQuery::stream`] otherwise, and of [`crate::UserExport::stream`]
    /// ([`Error::Job`]) once the export runs. The first error ends the stream.
    pub fn stream_all(&self) -> BoxStream<'static, Result<User>> {
        let query = self.clone();
        stream::once(async move {
            let mut search = query.stream();
            match search.next().await {
                Some(Err(Error::SearchWindowExceeded { total })) if !query.exportable() => {
                    stream::iter([Err(Error::SearchWindowExceeded { total })]).boxed()
                }
                Some(Err(Error::SearchWindowExceeded { .. })) => query.export_stream(),
                Some(first) => stream::iter([first]).chain(search).boxed(),
                None => stream::empty().boxed(),
            }
        })
        .flatten()
        .boxed()
    }

    /// Whether the export job can answer this query exactly.
    fn exportable(&self) -> bool {
        let search = self.search();
        search.lookups.is_empty() && search.raw.is_empty() && search.sort.is_none()
    }

    /// The export equivalent of this (exportable) query.
    fn export_stream(&self) -> BoxStream<'static, Result<User>> {
        let search = self.search();
        let connection = match &search.connection {
            ConnectionFilter::Default => self.auth0().default_connection().map(str::to_owned),
            ConnectionFilter::Named(name) => Some(name.clone()),
            ConnectionFilter::Any => None,
        };
        let mut export = self.auth0().users().export();
        // Top-level fields to remove from each record after filtering.
        let mut remove: Vec<String> = Vec::new();
        match &search.fields {
            Some((fields, true)) => {
                let mut wanted = fields.clone();
                if connection.is_some() && !fields.iter().any(|f| f == "identities") {
                    wanted.push("identities".to_owned());
                    remove.push("identities".to_owned());
                }
                export = export.fields(wanted);
            }
            Some((fields, false)) => remove.clone_from(fields),
            None => {}
        }
        let auth0 = self.auth0().clone();
        export
            .stream()
            .try_filter(move |user| {
                let keep = connection.as_deref().is_none_or(|c| {
                    user.identities
                        .iter()
                        .any(|i| i.connection.as_deref() == Some(c))
                });
                futures::future::ready(keep)
            })
            .and_then(move |user| {
                let trimmed = if remove.is_empty() {
                    Ok(user)
                } else {
                    let mut map = user.profile().to_map();
                    map.retain(|key, _| !remove.contains(key));
                    serde_json::from_value(serde_json::Value::Object(map))
                        .map(|profile: UserProfile| Record::fetched(auth0.clone(), profile))
                        // serde's message would quote the file's values.
                        .map_err(|e| Error::Decode {
                            status: 200,
                            reason: format!(
                                "an exported user without its removed fields does not decode \
                                 (line {}, column {})",
                                e.line(),
                                e.column()
                            ),
                        })
                };
                futures::future::ready(trimmed)
            })
            .boxed()
    }
}
