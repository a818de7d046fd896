//! [`UserQuery`]: a lazy, reusable search over users.

use std::ops::{Bound, RangeBounds};

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::Deserialize;

use super::Users;
use super::lookup::{Lookup, check_field, quote};
use super::model::UserProfile;
use super::record::User;
use crate::request::ApiRequest;
use crate::{Error, Result};

/// Auth0 search reaches only the first 1,000 results.
pub const SEARCH_WINDOW: u64 = 1000;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending (`field:1`).
    Asc,
    /// Descending (`field:-1`).
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ConnectionFilter {
    Default,
    Named(String),
    Any,
}

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
///     .filter([("email", "b*")])
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
#[derive(Debug, Clone)]
#[must_use]
pub struct UserQuery {
    users: Users,
    lookups: Vec<Lookup>,
    raw: Vec<String>,
    fields: Option<(Vec<String>, bool)>,
    sort: Option<(String, Order)>,
    per_page: u32,
    connection: ConnectionFilter,
    prefetch: usize,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PageBody {
    Totals { users: Vec<UserProfile>, total: u64 },
    Plain(Vec<UserProfile>),
}

/// One request of a plan: `per_page` and `page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Chunk {
    size: u64,
    index: u64,
}

impl Chunk {
    fn start(self) -> u64 {
        self.size * self.index
    }
    fn end(self) -> u64 {
        self.size * (self.index + 1)
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The chunk holding result `position`: pages of `per_page` while they stay
/// inside the 1,000 window, then smaller pages that end exactly on it.
fn chunk_at(position: u64, per_page: u64) -> Chunk {
    let safe_end = (SEARCH_WINDOW / per_page) * per_page;
    let size = if position < safe_end {
        per_page
    } else {
        gcd(per_page, SEARCH_WINDOW)
    };
    Chunk {
        size,
        index: position / size,
    }
}

/// The chunks covering `[from, to)`.
fn plan(from: u64, to: u64, per_page: u64) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut at = from;
    while at < to {
        let chunk = chunk_at(at, per_page);
        at = chunk.end();
        chunks.push(chunk);
    }
    chunks
}

impl UserQuery {
    pub(crate) fn new(users: Users) -> Self {
        let per_page = users.auth0().per_page();
        let prefetch = users.auth0().prefetch();
        Self {
            users,
            lookups: Vec::new(),
            raw: Vec::new(),
            fields: None,
            sort: None,
            per_page,
            connection: ConnectionFilter::Default,
            prefetch,
        }
    }

    /// Add a condition (pairs like `[("email", "b*")]` or a [`Lookup`]).
    pub fn filter(mut self, lookup: impl Into<Lookup>) -> Self {
        self.lookups.push(lookup.into());
        self
    }

    /// Add a raw Lucene fragment, combined with AND with everything else (it
    /// never replaces the lookups or the connection filter).
    pub fn q(mut self, q: impl Into<String>) -> Self {
        let q = q.into();
        if !q.trim().is_empty() {
            self.raw.push(q);
        }
        self
    }

    /// Return only these fields.
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = Some((fields.into_iter().map(Into::into).collect(), true));
        self
    }

    /// Return every field but these.
    pub fn exclude_fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = Some((fields.into_iter().map(Into::into).collect(), false));
        self
    }

    /// Sort by `field`.
    pub fn sort(mut self, field: impl Into<String>, order: Order) -> Self {
        self.sort = Some((field.into(), order));
        self
    }

    /// Page size, 1 to 100 (checked before sending).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page;
        self
    }

    /// Search this connection instead of the default one.
    pub fn connection(mut self, connection: impl Into<String>) -> Self {
        self.connection = ConnectionFilter::Named(connection.into());
        self
    }

    /// Search every connection of the tenant.
    pub fn any_connection(mut self) -> Self {
        self.connection = ConnectionFilter::Any;
        self
    }

    /// How many pages to fetch at once once the total is known (1 = sequential).
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.prefetch = pages.max(1);
        self
    }

    /// The `q` this query sends.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid field name.
    pub fn to_query_string(&self) -> Result<String> {
        let mut parts = Vec::new();
        let lookups = Lookup::all(self.lookups.iter().cloned());
        let rendered = lookups.to_query_string()?;
        if !rendered.is_empty() {
            parts.push(rendered);
        }
        parts.extend(self.raw.iter().map(|q| format!("({q})")));
        let connection = match &self.connection {
            ConnectionFilter::Default => self.users.auth0().default_connection(),
            ConnectionFilter::Named(name) => Some(name.as_str()),
            ConnectionFilter::Any => None,
        };
        if let Some(connection) = connection {
            parts.push(format!("identities.connection:{}", quote(connection)));
        }
        Ok(parts.join(" AND "))
    }

    fn check(&self) -> Result<()> {
        if !(1..=100).contains(&self.per_page) {
            return Err(Error::InvalidArgument(format!(
                "per_page must be 1 to 100, not {}",
                self.per_page
            )));
        }
        if let Some((fields, _)) = &self.fields {
            fields.iter().try_for_each(|f| check_field(f))?;
        }
        if let Some((field, _)) = &self.sort {
            check_field(field)?;
        }
        Ok(())
    }

    fn request(&self, chunk: Chunk, q: &str) -> ApiRequest {
        let mut request = ApiRequest::new(http::Method::GET, "/users");
        if !q.is_empty() {
            request = request.param("q", q);
        }
        request = request
            .param("search_engine", "v3")
            .param("page", chunk.index.to_string())
            .param("per_page", chunk.size.to_string())
            .param("include_totals", "true");
        if let Some((field, order)) = &self.sort {
            request = request.param(
                "sort",
                format!("{field}:{}", if *order == Order::Asc { 1 } else { -1 }),
            );
        }
        if let Some((fields, include)) = &self.fields {
            request = request
                .param("fields", fields.join(","))
                .param("include_fields", include.to_string());
        }
        request
    }

    async fn fetch(&self, chunk: Chunk, q: &str) -> Result<(Vec<User>, Option<u64>)> {
        let body: PageBody = self
            .users
            .auth0()
            .execute_json(&self.request(chunk, q))
            .await?;
        let (profiles, total) = match body {
            PageBody::Totals { users, total } => (users, Some(total)),
            PageBody::Plain(users) => (users, None),
        };
        let users = profiles
            .into_iter()
            .map(|p| User::fetched(self.users.clone(), p))
            .collect();
        Ok((users, total))
    }

    /// How many users match (one small request, using Auth0's total).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending; [`Error::Api`] from Auth0.
    pub async fn count(&self) -> Result<u64> {
        self.check()?;
        let q = self.to_query_string()?;
        let mut probe = self.clone();
        probe.fields = Some((vec!["user_id".to_owned()], true));
        let (users, total) = probe.fetch(Chunk { size: 1, index: 0 }, &q).await?;
        Ok(total.unwrap_or(users.len() as u64))
    }

    /// The first page and the total, in one request.
    pub(crate) async fn first_page(&self) -> Result<(Vec<User>, u64)> {
        self.check()?;
        let q = self.to_query_string()?;
        let (users, total) = self
            .fetch(
                Chunk {
                    size: u64::from(self.per_page),
                    index: 0,
                },
                &q,
            )
            .await?;
        let total = total.unwrap_or(users.len() as u64);
        Ok((users, total))
    }

    /// The first matching user, if any.
    ///
    /// # Errors
    /// As [`UserQuery::count`].
    pub async fn first(&self) -> Result<Option<User>> {
        self.get(0).await
    }

    /// The user at `index` (0-based), fetched alone.
    ///
    /// # Errors
    /// [`Error::SearchWindowExceeded`] for an index past 1,000 that exists;
    /// as [`UserQuery::count`] otherwise.
    pub async fn get(&self, index: u64) -> Result<Option<User>> {
        self.check()?;
        if index >= SEARCH_WINDOW {
            let total = self.count().await?;
            return if index < total {
                Err(Error::SearchWindowExceeded { total })
            } else {
                Ok(None)
            };
        }
        let q = self.to_query_string()?;
        let (mut users, _) = self.fetch(Chunk { size: 1, index }, &q).await?;
        Ok(users.pop())
    }

    /// Fetch the first page (carrying the total), then plan the rest of
    /// `[start, end)`.
    /// Also returns the `q` it built, for the remaining pages.
    async fn begin(
        &self,
        start: u64,
        end: Option<u64>,
    ) -> Result<(Vec<User>, Vec<Chunk>, u64, String)> {
        self.check()?;
        let q = self.to_query_string()?;
        let per_page = u64::from(self.per_page);
        let first = chunk_at(start.min(SEARCH_WINDOW.saturating_sub(1)), per_page);
        let (users, total) = self.fetch(first, &q).await?;
        let total = total.unwrap_or(first.start() + users.len() as u64);
        let end = end.map_or(total, |e| e.min(total));
        if end > SEARCH_WINDOW {
            return Err(Error::SearchWindowExceeded { total });
        }
        let skip = usize::try_from(start.saturating_sub(first.start())).unwrap_or(usize::MAX);
        let keep = usize::try_from(end.saturating_sub(start)).unwrap_or(usize::MAX);
        let head: Vec<User> = users.into_iter().skip(skip).take(keep).collect();
        let rest = if head.len() < keep {
            plan(first.end().max(start), end, per_page)
        } else {
            Vec::new()
        };
        Ok((head, rest, end, q))
    }

    /// Users `range` of the results (`2..5`, `..10`, `..`). Only the pages the
    /// range needs are fetched, several at once once the total is known.
    ///
    /// # Errors
    /// [`Error::SearchWindowExceeded`] when the range reaches past result
    /// 1,000; as [`UserQuery::count`] otherwise.
    pub async fn slice(&self, range: impl RangeBounds<u64>) -> Result<Vec<User>> {
        let start = match range.start_bound() {
            Bound::Included(s) => *s,
            Bound::Excluded(s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(e) => Some(e.saturating_add(1)),
            Bound::Excluded(e) => Some(*e),
            Bound::Unbounded => None,
        };
        if end.is_some_and(|e| e <= start) {
            return Ok(Vec::new());
        }
        let mut items: Vec<User> = self
            .stream_range(start, end)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_>>()?;
        if let Some(end) = end {
            items.truncate(usize::try_from(end - start).unwrap_or(usize::MAX));
        }
        Ok(items)
    }

    /// Every matching user (the original's `qs[:]`).
    ///
    /// # Errors
    /// As [`UserQuery::slice`].
    pub async fn fetch_all(&self) -> Result<Vec<User>> {
        self.slice(..).await
    }

    /// Every matching user as a stream, fetched page by page (several pages
    /// ahead once the total is known), in order. Memory stays bounded by the
    /// pages in flight.
    pub fn stream(&self) -> BoxStream<'static, Result<User>> {
        self.stream_range(0, None)
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
    /// uses [`super::UserExport`]'s default polling and timeout.
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
    /// [`UserQuery::stream`] otherwise, and of [`super::UserExport::stream`]
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
        self.lookups.is_empty() && self.raw.is_empty() && self.sort.is_none()
    }

    /// The export equivalent of this (exportable) query.
    fn export_stream(&self) -> BoxStream<'static, Result<User>> {
        let connection = match &self.connection {
            ConnectionFilter::Default => self.users.auth0().default_connection().map(str::to_owned),
            ConnectionFilter::Named(name) => Some(name.clone()),
            ConnectionFilter::Any => None,
        };
        let mut export = self.users.export();
        // Top-level fields to remove from each record after filtering.
        let mut remove: Vec<String> = Vec::new();
        match &self.fields {
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
        let users = self.users.clone();
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
                        .map(|profile| User::fetched(users.clone(), profile))
                        .map_err(|e| Error::Decode {
                            status: 200,
                            reason: format!("an exported user without its removed fields: {e}"),
                        })
                };
                futures::future::ready(trimmed)
            })
            .boxed()
    }

    fn stream_range(&self, start: u64, end: Option<u64>) -> BoxStream<'static, Result<User>> {
        let query = self.clone();
        stream::once(async move {
            match query.begin(start, end).await {
                Err(e) => stream::iter(vec![Err(e)]).boxed(),
                Ok((head, rest, end, q)) => {
                    let prefetch = query.prefetch;
                    let tail = stream::iter(rest)
                        .map(move |chunk| {
                            let query = query.clone();
                            let q = q.clone();
                            async move {
                                let (users, _) = query.fetch(chunk, &q).await?;
                                // Keep only positions inside [start, end).
                                let skip = usize::try_from(start.saturating_sub(chunk.start()))
                                    .unwrap_or(0);
                                let keep =
                                    usize::try_from(end.saturating_sub(chunk.start().max(start)))
                                        .unwrap_or(usize::MAX);
                                Ok::<_, Error>(
                                    users.into_iter().skip(skip).take(keep).collect::<Vec<_>>(),
                                )
                            }
                        })
                        .buffered(prefetch)
                        .flat_map(|page| match page {
                            Ok(users) => {
                                stream::iter(users.into_iter().map(Ok).collect::<Vec<_>>())
                            }
                            Err(e) => stream::iter(vec![Err(e)]),
                        });
                    stream::iter(head.into_iter().map(Ok)).chain(tail).boxed()
                }
            }
        })
        .flatten()
        // Stop at the first error instead of yielding later pages after a gap.
        .scan(false, |failed, item| {
            if *failed {
                return futures::future::ready(None);
            }
            *failed = item.is_err();
            futures::future::ready(Some(item))
        })
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_pages_inside_the_window() {
        assert_eq!(chunk_at(0, 50), Chunk { size: 50, index: 0 });
        assert_eq!(plan(50, 1000, 50).len(), 19);
        assert_eq!(
            plan(0, 1000, 100).last(),
            Some(&Chunk {
                size: 100,
                index: 9
            })
        );
        // 30 does not divide 1000: pages of 30 up to 990, then pages of 10.
        let chunks = plan(960, 1000, 30);
        assert_eq!(
            chunks,
            vec![
                Chunk {
                    size: 30,
                    index: 32
                },
                Chunk {
                    size: 10,
                    index: 99
                }
            ]
        );
        for chunk in plan(0, 1000, 7) {
            assert!(chunk.end() <= 1000, "{chunk:?}");
        }
    }
}
