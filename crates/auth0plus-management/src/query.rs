//! [`Query`]: the lazy, re-runnable query over any list of the Management
//! API, whatever its paging style.
//!
//! Three styles exist (see [`Paging`]):
//! - offset: `page`/`per_page`/`include_totals`, answered with `total`. Once
//!   the total is known, later pages are fetched several at once, in order.
//!   Some lists (user search, logs) reach only their first 1,000 results.
//! - checkpoint: `from`/`take`, answered with `next`; sequential by nature,
//!   no cap.
//! - the logs' cursor: `from` is the last `log_id` seen. Auth0 ignores every
//!   other parameter there, so it is walked only by a query that asks for
//!   nothing else; a log search pages by offset, inside the cap.
//!
//! Where a list has both offset and a checkpoint (an organization's members,
//! a role's users), counting uses the offset total; streams and slices read
//! the offset window several pages at once when what they want fits in it,
//! and walk the checkpoint from its start when it does not, so they never
//! meet the cap.
//!
//! Lists that search (users, logs) carry a [`Search`]: [`Query::filter`],
//! [`Query::q`], [`Query::fields`] and [`Query::sort`] work on any of them,
//! and are refused before sending on a list that does not take them.

use std::borrow::Cow;
use std::fmt;
use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use auth0plus_management_api::{Cursor, ListOperation, Paging};
use std::task::Poll;

use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use serde::de::DeserializeOwned;

use crate::decode::{DecodeFailure, decode_error, scrubber};
use crate::error::SHORT_TEXT_LIMIT;
use crate::lookup::Lookup;
use crate::page::{ItemKey, Page, decode_page, peek_page};
use crate::request::ApiRequest;
use crate::search::Search;
use crate::walk::{Circle, Walk};
use crate::{Auth0, Error, Order, Result};

/// Why a query cannot be sent, found while it was built. Kept typed so a
/// record never saved answers [`Error::MissingId`] and bad input
/// [`Error::InvalidArgument`], as the same call on the record would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    MissingId,
    Invalid(String),
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        match error {
            Error::MissingId => Self::MissingId,
            Error::InvalidArgument(reason) => Self::Invalid(reason),
            other => Self::Invalid(other.to_string()),
        }
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::MissingId => Self::MissingId,
            Refusal::Invalid(reason) => Self::InvalidArgument(reason),
        }
    }
}

/// The query parameters a query sets itself, replacing any the request holds.
const PAGING_PARAMS: [&str; 5] = ["page", "per_page", "include_totals", "from", "take"];

/// Decodes a page's body; the second argument is how many items were asked for.
type Decoder<T> = Arc<dyn Fn(&[u8], usize) -> Result<Page<T>, DecodeFailure> + Send + Sync>;

/// A lazy query over a list. Building it sends nothing; every terminal call
/// (`count`, `get`, `first`, `slice`, `fetch_all`, `stream`) runs it anew, so
/// a query can be kept, cloned and run any number of times.
///
/// Made by [`Auth0::list`] for any list operation, and by the resources
/// ([`crate::Users::query`] is a `Query<User>` with a Lucene layer).
///
/// ```no_run
/// use auth0plus_management::{Auth0, Query};
/// use futures::TryStreamExt;
/// # async fn run(auth0: Auth0, users: Query<auth0plus_management::User>) -> auth0plus_management::Result<()> {
/// let total = users.count().await?;          // one small request
/// let third = users.get(2).await?;            // one request of one item
/// let some = users.slice(10..30).await?;      // only the pages it needs
/// let all: Vec<_> = users.stream().try_collect().await?;
/// # let _ = (total, third, some, all); Ok(()) }
/// ```
#[must_use]
pub struct Query<T> {
    auth0: Auth0,
    /// The request without paging parameters, or why it could not be built.
    base: std::result::Result<ApiRequest, Refusal>,
    paging: Paging,
    items_key: Cow<'static, str>,
    per_page: u32,
    prefetch: usize,
    pub(crate) search: Option<Search>,
    decode: Decoder<T>,
}

impl<T> Clone for Query<T> {
    fn clone(&self) -> Self {
        Self {
            auth0: self.auth0.clone(),
            base: self.base.clone(),
            paging: self.paging,
            items_key: self.items_key.clone(),
            per_page: self.per_page,
            prefetch: self.prefetch,
            search: self.search.clone(),
            decode: Arc::clone(&self.decode),
        }
    }
}

impl<T> fmt::Debug for Query<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("request", &self.base)
            .field("paging", &self.paging)
            .field("items_key", &self.items_key)
            .field("per_page", &self.per_page)
            .field("prefetch", &self.prefetch)
            .field("search", &self.search)
            .finish_non_exhaustive()
    }
}

impl Auth0 {
    /// A lazy [`Query`] over a list operation of the generated layer, paged
    /// in the operation's style. Paging parameters set on the operation are
    /// replaced by the query's.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "operations are built inline: `auth0.list(ListRoles::new())`"
    )]
    pub fn list<O: ListOperation>(&self, operation: O) -> Query<O::Item> {
        Query::of_list(self, &operation, |item: O::Item| item)
    }
}

/// One page read along a cursor.
pub(crate) struct CursorPage<T> {
    pub(crate) items: Vec<T>,
    /// Where to continue from: the last `log_id` read (even on a short
    /// page), or the list's `next`.
    pub(crate) resume: Option<String>,
    /// Whether the list may hold more right now (a full page, or a `next`).
    pub(crate) more: bool,
}

/// A page's answer, read but not yet decoded.
struct Answer {
    request: ApiRequest,
    response: auth0plus_transport::HttpResponse,
    token: auth0plus_transport::Secret,
    expected: usize,
    /// The cursor the request followed, if any.
    from: Option<String>,
}

impl Answer {
    fn decode<T>(&self, query: &Query<T>) -> Result<Page<T>> {
        (query.decode)(self.response.body(), self.expected).map_err(|failure| {
            decode_error(
                &self.response,
                failure,
                &scrubber(&self.request, &self.token),
            )
        })
    }

    /// The page's item keys and `next`, read without decoding the items
    /// (`None` when the answer is not a page of objects: decoding says why).
    fn peek<T>(&self, query: &Query<T>) -> Option<Page<ItemKey<'_>>> {
        peek_page(self.response.body(), &query.items_key, self.expected)
    }

    /// The error ending a walk that goes round in circles: it names the
    /// list and the cursor (scrubbed and cut: both are the server's text).
    fn circle(&self, circle: Circle, cursor: Option<&str>) -> Error {
        let scrubber = scrubber(&self.request, &self.token);
        let short = |text: &str| scrubber.scrubbed_within(text, SHORT_TEXT_LIMIT);
        let (cursor, reason) = match circle {
            Circle::Cursor => (
                cursor,
                "the answer names a cursor the walk followed before".to_owned(),
            ),
            Circle::Item(id) => (
                self.from.as_deref(),
                format!("the answer holds item `{}`, read before", short(&id)),
            ),
        };
        Error::Protocol {
            list: self.request.path.clone(),
            cursor: cursor.map(short),
            reason,
        }
    }
}

/// What the first offset page says of a range.
enum Begun<T, P> {
    /// The range's first items (and their ids, see [`Walked`]), the plan of
    /// its other pages, and its end (the server's total where that is
    /// smaller).
    Planned { head: Cut<T>, rest: P, end: u64 },
    /// The range reaches past the offset cap of a list of `total` items,
    /// or (`None`) a list with both styles did not tell its total.
    PastCap { total: Option<u64> },
}

/// An offset page read by a walk: its items from position `start`, with
/// their ids where the walk drops an item read before (empty otherwise).
struct Walked<T> {
    start: u64,
    items: Vec<T>,
    ids: Vec<Option<String>>,
    total: Option<u64>,
}

impl<T> Walked<T> {
    /// The page cut to the positions inside `[from, to)`.
    fn cut(self, from: u64, to: u64) -> Cut<T> {
        let skip = to_usize(from.saturating_sub(self.start));
        let keep = to_usize(to.saturating_sub(self.start.max(from)));
        Cut {
            read: self.items.len(),
            items: self.items.into_iter().skip(skip).take(keep).collect(),
            ids: self.ids.into_iter().skip(skip).take(keep).collect(),
        }
    }
}

/// The part of an offset page inside a range.
struct Cut<T> {
    /// How many items the page held.
    read: usize,
    items: Vec<T>,
    /// Their ids, as in [`Walked`].
    ids: Vec<Option<String>>,
}

/// `items` without those whose id `walk` has read before: an offset read of
/// a list that changes meanwhile (an item added before the page being read)
/// shows an item again on the next page. Items without an id are kept.
fn drop_repeats<T>(walk: &mut Walk, items: Vec<T>, ids: Vec<Option<String>>) -> Vec<T> {
    if ids.is_empty() {
        return items;
    }
    items
        .into_iter()
        .zip(ids)
        .filter(|(_, id)| id.as_deref().is_none_or(|id| walk.first_sight(id)))
        .map(|(item, _)| item)
        .collect()
}

/// One offset request: `per_page` and `page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    size: u64,
    index: u64,
}

impl Chunk {
    fn params(self) -> [(&'static str, String); 3] {
        [
            ("page", self.index.to_string()),
            ("per_page", self.size.to_string()),
            ("include_totals", "true".to_owned()),
        ]
    }
    fn start(self) -> u64 {
        self.size.saturating_mul(self.index)
    }
    fn end(self) -> u64 {
        self.size.saturating_mul(self.index.saturating_add(1))
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// The chunk holding result `position`: pages of `per_page` while they stay
/// inside the window, then smaller pages that end exactly on it.
fn chunk_at(position: u64, per_page: u64, cap: Option<u64>) -> Chunk {
    let size = match cap {
        Some(cap) if position >= (cap / per_page) * per_page => gcd(per_page, cap),
        _ => per_page,
    };
    Chunk {
        size,
        index: position / size,
    }
}

/// The chunks covering `[from, to)`, made one at a time as the walk asks
/// for them: `to` may come from the server's `total`, which sizes nothing.
fn plan(from: u64, to: u64, per_page: u64, cap: Option<u64>) -> impl Iterator<Item = Chunk> {
    let mut at = from;
    std::iter::from_fn(move || {
        if at >= to {
            return None;
        }
        let chunk = chunk_at(at, per_page, cap);
        // `end` saturates: a chunk that cannot move on is the last.
        at = if chunk.end() > at { chunk.end() } else { to };
        Some(chunk)
    })
}

/// `start..end` of a range of positions.
fn bounds(range: &impl RangeBounds<u64>) -> (u64, Option<u64>) {
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
    (start, end)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl<T: Send + 'static> Query<T> {
    /// A query over `base` (a GET without paging parameters, or why there
    /// is none: every terminal call answers that error before sending),
    /// whose items decode as `R` and become `T` through `map`.
    pub(crate) fn new<R, F>(
        auth0: Auth0,
        base: Result<ApiRequest>,
        paging: Paging,
        items_key: impl Into<Cow<'static, str>>,
        map: F,
    ) -> Self
    where
        R: DeserializeOwned,
        F: Fn(R) -> T + Send + Sync + 'static,
    {
        let items_key: Cow<'static, str> = items_key.into();
        let key = items_key.clone();
        let log_ids = paging.cursor == Some(Cursor::LogId);
        let decode: Decoder<T> = Arc::new(move |body: &[u8], expected: usize| {
            let page = decode_page::<R>(body, &key, log_ids, expected)?;
            Ok(Page {
                items: page.items.into_iter().map(&map).collect(),
                total: page.total,
                next: page.next,
                last_log_id: page.last_log_id,
            })
        });
        let per_page = auth0.per_page();
        let prefetch = auth0.prefetch();
        Self {
            auth0,
            base: base.map_err(Refusal::from),
            paging,
            items_key,
            per_page,
            prefetch,
            search: None,
            decode,
        }
    }

    /// A query over the list operation `list`, paged in its style, whose
    /// items decode as `D` and become `T` through `map`.
    pub(crate) fn of_list<L, D, F>(auth0: &Auth0, list: &L, map: F) -> Self
    where
        L: ListOperation,
        D: DeserializeOwned,
        F: Fn(D) -> T + Send + Sync + 'static,
    {
        Self::new(
            auth0.clone(),
            ApiRequest::of(list),
            L::PAGING,
            L::ITEMS_KEY,
            map,
        )
    }

    /// The same query, refusing to run with `error` (a bad filter value
    /// found while building it): every terminal call answers it before
    /// sending.
    pub(crate) fn refuse(mut self, error: Error) -> Self {
        self.base = Err(error.into());
        self
    }

    /// The client this query runs on.
    #[must_use]
    pub fn auth0(&self) -> &Auth0 {
        &self.auth0
    }

    /// How the list pages.
    #[must_use]
    pub fn paging(&self) -> Paging {
        self.paging
    }

    /// The list and its parameters (`/roles?name_filter=admin`), for a
    /// message: empty for a query that refuses to run.
    pub(crate) fn described(&self) -> String {
        self.base
            .as_ref()
            .map(ApiRequest::path_and_query)
            .unwrap_or_default()
    }

    /// The same query with the Lucene layer `search` (for lists that search).
    pub(crate) fn with_search(mut self, search: Search) -> Self {
        self.search = Some(search);
        self
    }

    /// The search layer: the query's own, or that of a list without search
    /// (which refuses every part before sending).
    pub(crate) fn search(&self) -> Cow<'_, Search> {
        match &self.search {
            Some(search) => Cow::Borrowed(search),
            None => Cow::Owned(Search::none()),
        }
    }

    pub(crate) fn search_mut(&mut self) -> &mut Search {
        self.search.get_or_insert_with(Search::none)
    }

    /// Add a condition: pairs like `[("email__startswith", "b")]` (a pair
    /// alone is exact, whatever its value holds), or a [`Lookup`]. Lists
    /// without Lucene search refuse it before sending.
    pub fn filter(mut self, lookup: impl Into<Lookup>) -> Self {
        self.search_mut().lookups.push(lookup.into());
        self
    }

    /// Add a raw Lucene fragment, combined with AND with everything else (it
    /// never replaces the lookups or the connection filter).
    pub fn q(mut self, q: impl Into<String>) -> Self {
        let q = q.into();
        if !q.trim().is_empty() {
            self.search_mut().raw.push(q);
        }
        self
    }

    /// Return only these fields.
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.search_mut().fields = Some((fields.into_iter().map(Into::into).collect(), true));
        self
    }

    /// Return every field but these.
    pub fn exclude_fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.search_mut().fields = Some((fields.into_iter().map(Into::into).collect(), false));
        self
    }

    /// Sort by `field`.
    pub fn sort(mut self, field: impl Into<String>, order: Order) -> Self {
        self.search_mut().sort = Some((field.into(), order));
        self
    }

    /// The Lucene `q` this query sends (empty when it has no condition).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an invalid field name.
    pub fn to_query_string(&self) -> Result<String> {
        self.search().to_query_string(&self.auth0)
    }

    /// Add a query parameter of the list (`name_filter`, `fields`…). The
    /// paging parameters (`page`, `per_page`, `include_totals`, `from`,
    /// `take`) are the query's own and are replaced when it runs.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "takes numbers and bools as well as strings"
    )]
    pub fn param(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        if let Ok(base) = &mut self.base {
            base.query.push((name.into(), value.to_string()));
        }
        self
    }

    /// Page size, 1 to 100 (checked before sending).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page;
        self
    }

    /// How many offset pages to fetch at once once the total is known
    /// (1 = one after the other; 0 counts as 1), inside the offset window of
    /// a list with both styles too. Cursor pages are always sequential: each
    /// answer names the next.
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.prefetch = pages.max(1);
        self
    }

    fn check(&self) -> Result<()> {
        if !(1..=100).contains(&self.per_page) {
            return Err(Error::InvalidArgument(format!(
                "per_page must be 1 to 100, not {}",
                self.per_page
            )));
        }
        if let Some(search) = &self.search {
            search.check()?;
        }
        Ok(())
    }

    /// The request with `paging` parameters; `counting` asks the search
    /// layer for the smallest answer.
    fn request(&self, paging: &[(&str, String)], counting: bool) -> Result<ApiRequest> {
        let mut request = self.base.clone().map_err(Error::from)?;
        request
            .query
            .retain(|(name, _)| !PAGING_PARAMS.contains(&name.as_str()));
        // A cursor request (`take`) carries no search: only plain queries
        // walk the logs' cursor, and Auth0 would ignore it there anyway.
        let walking = paging.iter().any(|(name, _)| *name == "take");
        let (before, after) = match &self.search {
            Some(search) if !walking => search.params(&self.auth0, counting)?,
            _ => Default::default(),
        };
        request.query.extend(before);
        request
            .query
            .extend(paging.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        request.query.extend(after);
        Ok(request)
    }

    /// One page, `expected` items long at most.
    async fn fetch_page(
        &self,
        paging: &[(&str, String)],
        counting: bool,
        expected: u64,
    ) -> Result<Page<T>> {
        self.fetch_answer(paging, counting, expected)
            .await?
            .decode(self)
    }

    /// One page's answer, not yet decoded.
    async fn fetch_answer(
        &self,
        paging: &[(&str, String)],
        counting: bool,
        expected: u64,
    ) -> Result<Answer> {
        let request = self.request(paging, counting)?;
        let (response, token) = self.auth0.execute_with_token(&request).await?;
        Ok(Answer {
            request,
            response,
            token,
            expected: to_usize(expected),
            from: None,
        })
    }

    async fn fetch_chunk(&self, chunk: Chunk, counting: bool) -> Result<Page<T>> {
        self.fetch_page(&chunk.params(), counting, chunk.size).await
    }

    /// One offset page of a walk, with its items' ids where the walk drops
    /// repeats (see [`Query::reads_window_first`]).
    async fn fetch_walked(&self, chunk: Chunk) -> Result<Walked<T>> {
        let answer = self
            .fetch_answer(&chunk.params(), false, chunk.size)
            .await?;
        let ids: Vec<Option<String>> = if self.reads_window_first() {
            answer
                .peek(self)
                .map(|keys| {
                    keys.items
                        .into_iter()
                        .map(|key| key.id.map(Cow::into_owned))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let page = answer.decode(self)?;
        Ok(Walked {
            start: chunk.start(),
            // Ids that do not match the items one to one are not used.
            ids: if ids.len() == page.items.len() {
                ids
            } else {
                Vec::new()
            },
            items: page.items,
            total: page.total,
        })
    }

    fn cap(&self) -> Option<u64> {
        self.paging.offset_cap
    }

    /// Whether streams and slices walk the cursor rather than offsets. The
    /// logs' cursor ignores every other parameter, so a query that asks for
    /// anything else (a search, a sort, a parameter) pages by offset there.
    fn walks_cursor(&self) -> bool {
        match self.paging.cursor {
            None => !self.paging.offset,
            Some(Cursor::LogId) => !self.paging.offset || self.asks_nothing_else(),
            Some(_) => true,
        }
    }

    /// Whether streams and slices read the offset window first, several
    /// pages at once, and walk the checkpoint only when the range reaches
    /// past it: a list with both styles (a role's users, an organization's
    /// members). The first offset page tells which, by its total; past the
    /// window the walk starts again from the start of the checkpoint, whose
    /// order need not be the offset pages' (so no item is read twice, or
    /// missed, where the two would meet).
    fn reads_window_first(&self) -> bool {
        self.paging.offset && self.paging.cursor == Some(Cursor::Next)
    }

    /// Whether the query asks for nothing but paging.
    fn asks_nothing_else(&self) -> bool {
        let no_params = self.base.as_ref().is_ok_and(|base| {
            base.query
                .iter()
                .all(|(name, _)| PAGING_PARAMS.contains(&name.as_str()))
        });
        no_params && self.search.as_ref().is_none_or(Search::is_plain)
    }

    /// How many items the list holds: Auth0's total in one small request
    /// where the list has offset paging and its envelope has one; otherwise
    /// the whole list is walked and counted.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending; [`Error::Api`] from Auth0.
    pub async fn count(&self) -> Result<u64> {
        self.check()?;
        if self.paging.offset {
            let page = self.fetch_chunk(Chunk { size: 1, index: 0 }, true).await?;
            if let Some(total) = page.total {
                return Ok(total);
            }
            if page.items.is_empty() {
                return Ok(0);
            }
            // A list whose totals envelope has no `total` (an organization's
            // invitations: `{start, limit, invitations}`) is walked and counted.
            let mut walked = 0u64;
            let mut items = self.offset_stream(0, None);
            while let Some(item) = items.next().await {
                item?;
                walked += 1;
            }
            return Ok(walked);
        }
        let mut walked = 0u64;
        let mut pages = self.cursor_pages(true);
        while let Some(page) = pages.next().await {
            walked += page?.len() as u64;
        }
        Ok(walked)
    }

    /// The first item, if any.
    ///
    /// # Errors
    /// As [`Query::count`].
    pub async fn first(&self) -> Result<Option<T>> {
        self.get(0).await
    }

    /// The item at `index` (0-based): one request of one item with offset
    /// paging, a walk along the cursor otherwise.
    ///
    /// # Errors
    /// [`Error::SearchWindowExceeded`] for an index past the list's cap that
    /// exists; as [`Query::count`] otherwise.
    pub async fn get(&self, index: u64) -> Result<Option<T>> {
        self.check()?;
        if !self.paging.offset {
            let mut found = self.slice(index..index.saturating_add(1)).await?;
            return Ok(found.pop());
        }
        if self.cap().is_some_and(|cap| index >= cap) {
            let total = self.count().await?;
            return match (index < total, self.paging.cursor) {
                (false, _) => Ok(None),
                (true, Some(_)) if self.walks_cursor() => {
                    Ok(self.cursor_slice(index, Some(index + 1)).await?.pop())
                }
                (true, _) => Err(Error::SearchWindowExceeded { total }),
            };
        }
        let mut page = self.fetch_chunk(Chunk { size: 1, index }, false).await?;
        Ok(page.items.pop())
    }

    /// The first page of `per_page` items and the total, in one request
    /// (for a list without offset paging, the items read so far): with
    /// `per_page(2)`, what answers "exactly one?" in one round trip.
    ///
    /// # Errors
    /// As [`Query::count`].
    pub async fn first_page(&self) -> Result<(Vec<T>, u64)> {
        self.check()?;
        if !self.paging.offset {
            let items = self.cursor_slice(0, Some(u64::from(self.per_page))).await?;
            let total = items.len() as u64;
            return Ok((items, total));
        }
        let page = self
            .fetch_chunk(
                Chunk {
                    size: u64::from(self.per_page),
                    index: 0,
                },
                false,
            )
            .await?;
        let total = page.total.unwrap_or(page.items.len() as u64);
        Ok((page.items, total))
    }

    /// Items `range` of the list (`2..5`, `..10`, `..`). Only the pages the
    /// range needs are fetched: several at once with offset paging once the
    /// total is known.
    ///
    /// # Errors
    /// [`Error::SearchWindowExceeded`] when the range reaches past the cap of
    /// a list that has no cursor; as [`Query::count`] otherwise.
    pub async fn slice(&self, range: impl RangeBounds<u64>) -> Result<Vec<T>> {
        let (start, end) = bounds(&range);
        if end.is_some_and(|e| e <= start) {
            return Ok(Vec::new());
        }
        self.check()?;
        if self.walks_cursor() && !self.reads_window_first() {
            return self.cursor_slice(start, end).await;
        }
        self.offset_slice(start, end).await
    }

    /// Every item of the list.
    ///
    /// # Errors
    /// As [`Query::slice`].
    pub async fn fetch_all(&self) -> Result<Vec<T>> {
        self.slice(..).await
    }

    /// Every item as a stream, in order, fetched page by page (several
    /// offset pages ahead once the total is known). Memory stays bounded by
    /// the pages in flight. The first error ends the stream.
    pub fn stream(&self) -> BoxStream<'static, Result<T>> {
        if self.walks_cursor() && !self.reads_window_first() {
            let query = self.clone();
            return stream::once(async move {
                match query.check() {
                    Ok(()) => query.cursor_items(true).boxed(),
                    Err(e) => stream::iter([Err(e)]).boxed(),
                }
            })
            .flatten()
            .boxed();
        }
        self.offset_stream(0, None)
    }

    async fn cursor_slice(&self, start: u64, end: Option<u64>) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut stream = self.cursor_items(end.is_none()).skip(to_usize(start));
        let wanted = end.map_or(usize::MAX, |end| to_usize(end - start));
        while items.len() < wanted {
            match stream.next().await {
                Some(item) => items.push(item?),
                None => break,
            }
        }
        Ok(items)
    }

    fn cursor_items(&self, ahead: bool) -> impl futures::Stream<Item = Result<T>> + Send + 'static {
        self.cursor_pages(ahead).flat_map(|page| match page {
            Ok(items) => stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>()),
            Err(e) => stream::iter(vec![Err(e)]),
        })
    }

    /// The answer of one cursor request after `from` (from the start without it).
    async fn cursor_answer(&self, from: Option<String>) -> Result<Answer> {
        let take = u64::from(self.per_page);
        let mut params = vec![("take", take.to_string())];
        if let Some(from) = &from {
            params.insert(0, ("from", from.clone()));
        }
        let mut answer = self.fetch_answer(&params, false, take).await?;
        answer.from = from;
        Ok(answer)
    }

    /// Where a cursor page says to continue, and whether more may follow.
    fn resume_of(
        &self,
        page_len: usize,
        last_log_id: Option<String>,
        next: Option<String>,
    ) -> (Option<String>, bool) {
        match self.paging.cursor {
            Some(Cursor::LogId) => (last_log_id, page_len as u64 >= u64::from(self.per_page)),
            _ => {
                let next = next.filter(|_| page_len > 0);
                let more = next.is_some();
                (next, more)
            }
        }
    }

    /// Where an answer along the cursor says to continue, and whether more
    /// may follow, read without decoding its items, which are checked
    /// against `walk`: one read before is an [`Error::Protocol`]. `None`
    /// when the answer is not a page of objects (decoding it says where, or
    /// why not: see [`Query::resume_checked`]). The cursor is not checked
    /// yet: see [`Query::follow_checked`].
    fn peek_read(
        &self,
        answer: &Answer,
        walk: &mut Walk,
    ) -> Result<Option<(Option<String>, bool)>> {
        let Some(keys) = answer.peek(self) else {
            return Ok(None);
        };
        walk.read(keys.items.iter().filter_map(|key| key.id.as_deref()))
            .map_err(|circle| answer.circle(circle, None))?;
        let last = keys
            .items
            .last()
            .and_then(ItemKey::log_id)
            .map(str::to_owned);
        Ok(Some(self.resume_of(keys.items.len(), last, keys.next)))
    }

    /// Where a decoded page says to continue (for an answer
    /// [`Query::peek_read`] could not read), its cursor checked.
    fn resume_checked(
        &self,
        answer: &Answer,
        walk: &mut Walk,
        page: &mut Page<T>,
    ) -> Result<(Option<String>, bool)> {
        let (resume, more) =
            self.resume_of(page.items.len(), page.last_log_id.take(), page.next.take());
        Self::follow_checked(answer, walk, resume, more)
    }

    /// The cursor to continue from and whether to (`more`), noted in
    /// `walk` when it is to be followed: one followed before ends the walk.
    fn follow_checked(
        answer: &Answer,
        walk: &mut Walk,
        resume: Option<String>,
        more: bool,
    ) -> Result<(Option<String>, bool)> {
        if let (Some(cursor), true) = (&resume, more) {
            walk.follow(cursor)
                .map_err(|circle| answer.circle(circle, Some(cursor)))?;
        }
        Ok((resume, more))
    }

    /// One page along the cursor, after `from` (from the start without it):
    /// the general step of a log tail, checked against the tail's `walk`.
    pub(crate) async fn cursor_page(
        &self,
        from: Option<String>,
        walk: &mut Walk,
    ) -> Result<CursorPage<T>> {
        let answer = self.cursor_answer(from).await?;
        let peeked = self.peek_read(&answer, walk)?;
        let mut page = answer.decode(self)?;
        let (resume, more) = match peeked {
            Some((resume, more)) => Self::follow_checked(&answer, walk, resume, more)?,
            None => self.resume_checked(&answer, walk, &mut page)?,
        };
        Ok(CursorPage {
            items: page.items,
            resume,
            more,
        })
    }

    /// Pages along the cursor, one request after another, until the list
    /// says it has no more. The first error ends it; so does a walk that
    /// goes round in circles (see [`Walk`]), after the last new items.
    ///
    /// `ahead`: the caller reads to the end, so each next request is sent
    /// as soon as the answer names it, and the answer in hand is decoded
    /// while it travels (a walk that may stop early sends nothing ahead).
    fn cursor_pages(&self, ahead: bool) -> BoxStream<'static, Result<Vec<T>>> {
        enum Next {
            Start,
            From(String),
            InFlight(BoxFuture<'static, Result<Answer>>),
            Fail(Error),
            Done,
        }
        let query = self.clone();
        let state = (Next::Start, Walk::new());
        stream::unfold(state, move |(next, mut walk)| {
            let query = query.clone();
            async move {
                let answer = match next {
                    Next::Done => return None,
                    Next::Fail(e) => return Some((Err(e), (Next::Done, walk))),
                    Next::Start => query.cursor_answer(None).await,
                    Next::From(from) => query.cursor_answer(Some(from)).await,
                    Next::InFlight(answer) => answer.await,
                };
                let answer = match answer {
                    Ok(answer) => answer,
                    Err(e) => return Some((Err(e), (Next::Done, walk))),
                };
                // Items read before are not yielded again. Items not
                // objects: the decoded page says where to go on (`None`).
                let peeked = match query.peek_read(&answer, &mut walk) {
                    Ok(peeked) => peeked,
                    Err(e) => return Some((Err(e), (Next::Done, walk))),
                };
                let peeked = match peeked
                    .map(|(resume, more)| Self::follow_checked(&answer, &mut walk, resume, more))
                    .transpose()
                {
                    Ok(peeked) => peeked,
                    // New items on a page whose cursor goes round: they
                    // are yielded, and the error after them.
                    Err(e) => {
                        let page = answer.decode(&query).map(|page| page.items);
                        return Some((page, (Next::Fail(e), walk)));
                    }
                };
                let mut next = Next::Done;
                if let Some((Some(resume), true)) = &peeked {
                    if ahead {
                        let walker = query.clone();
                        let resume = resume.clone();
                        let mut request =
                            async move { walker.cursor_answer(Some(resume)).await }.boxed();
                        // Polled once, so the request is on its way while
                        // this answer is decoded.
                        if let Poll::Ready(done) = futures::poll!(request.as_mut()) {
                            request = futures::future::ready(done).boxed();
                        }
                        next = Next::InFlight(request);
                    } else {
                        next = Next::From(resume.clone());
                    }
                }
                let mut page = match answer.decode(&query) {
                    Ok(page) => page,
                    Err(e) => return Some((Err(e), (Next::Done, walk))),
                };
                if peeked.is_none() {
                    next = match query.resume_checked(&answer, &mut walk, &mut page) {
                        Ok((Some(resume), true)) => Next::From(resume),
                        Ok(_) => Next::Done,
                        Err(e) => Next::Fail(e),
                    };
                }
                Some((Ok(page.items), (next, walk)))
            }
        })
        .boxed()
    }

    /// Fetch the first page (carrying the total), then plan the rest of
    /// `[start, end)`: the chunks are made as the walk goes, so a `total`
    /// from the server sizes nothing. A range that reaches past the cap is
    /// [`Begun::PastCap`].
    async fn begin(
        &self,
        start: u64,
        end: Option<u64>,
    ) -> Result<Begun<T, impl Iterator<Item = Chunk> + Send + 'static>> {
        self.check()?;
        let per_page = u64::from(self.per_page);
        let cap = self.cap();
        let first = chunk_at(
            cap.map_or(start, |cap| start.min(cap.saturating_sub(1))),
            per_page,
            cap,
        );
        let page = self.fetch_walked(first).await?;
        // A list with both styles whose answer tells no total is read
        // along the checkpoint, which needs none.
        if page.total.is_none() && self.reads_window_first() {
            return Ok(Begun::PastCap { total: None });
        }
        let total = page
            .total
            .unwrap_or(first.start().saturating_add(page.items.len() as u64));
        let end = end.map_or(total, |e| e.min(total));
        if cap.is_some_and(|cap| end > cap) {
            return Ok(Begun::PastCap { total: Some(total) });
        }
        let skip = to_usize(start.saturating_sub(first.start()));
        let keep = to_usize(end.saturating_sub(start));
        // An empty first page ends the walk, whatever `total` said.
        let more = head_len_wanted(page.items.len(), keep, skip);
        let rest_from = if more { first.end().max(start) } else { end };
        Ok(Begun::Planned {
            head: page.cut(start, end),
            rest: plan(rest_from, end, per_page, cap),
            end,
        })
    }

    /// Whether a range the offset window cannot hold is read along the
    /// cursor, from its start (a list with both styles), or refused with
    /// [`Error::SearchWindowExceeded`] (a list without a cursor).
    fn past_cap(&self, total: Option<u64>) -> Result<()> {
        if self.walks_cursor() {
            Ok(())
        } else {
            Err(Error::SearchWindowExceeded {
                total: total.unwrap_or_default(),
            })
        }
    }

    /// The pages of `[start, end)`: `head`, then the `rest`, fetched
    /// `prefetch` at a time and yielded in order, each cut to the positions
    /// inside the range, an item read before dropped (see [`Walked`]). The
    /// first empty page ends them: the rest were planned from `total`
    /// alone, which the items no longer back (at most `prefetch` requests
    /// were sent past it, and are dropped).
    fn pages(
        &self,
        head: Cut<T>,
        rest: impl Iterator<Item = Chunk> + Send + 'static,
        start: u64,
        end: u64,
    ) -> impl futures::Stream<Item = Result<Vec<T>>> + Send + 'static {
        let query = self.clone();
        let prefetch = self.prefetch;
        let later = stream::iter(rest)
            .map(move |chunk| {
                let query = query.clone();
                async move { Ok(query.fetch_walked(chunk).await?.cut(start, end)) }
            })
            .buffered(prefetch)
            .take_while(|page: &Result<Cut<T>>| {
                futures::future::ready(!matches!(page, Ok(cut) if cut.read == 0))
            });
        stream::once(futures::future::ready(Ok(head)))
            .chain(later)
            .scan(Walk::new(), |walk, page| {
                let page = page.map(|cut| drop_repeats(walk, cut.items, cut.ids));
                futures::future::ready(Some(page))
            })
    }

    /// `[start, end)` into one list sized up front for the pages one round
    /// of prefetching brings (not for `total`, which is the server's word):
    /// no second buffer and no growth by doubling while those are held.
    async fn offset_slice(&self, start: u64, end: Option<u64>) -> Result<Vec<T>> {
        let (head, rest, end) = match self.begin(start, end).await? {
            Begun::Planned { head, rest, end } => (head, rest, end),
            Begun::PastCap { total } => {
                self.past_cap(total)?;
                return self.cursor_slice(start, end).await;
            }
        };
        let in_flight = u64::from(self.per_page).saturating_mul(self.prefetch as u64 + 1);
        let mut items = Vec::with_capacity(to_usize(end.saturating_sub(start).min(in_flight)));
        let mut pages = std::pin::pin!(self.pages(head, rest, start, end));
        while let Some(page) = pages.next().await {
            items.extend(page?);
        }
        Ok(items)
    }

    fn offset_stream(&self, start: u64, end: Option<u64>) -> BoxStream<'static, Result<T>> {
        let query = self.clone();
        stream::once(async move {
            match query.begin(start, end).await {
                Err(e) => stream::iter(vec![Err(e)]).boxed(),
                Ok(Begun::PastCap { total }) => match query.past_cap(total) {
                    Err(e) => stream::iter(vec![Err(e)]).boxed(),
                    Ok(()) => {
                        let wanted = end.map_or(usize::MAX, |end| to_usize(end - start));
                        query
                            .cursor_items(end.is_none())
                            .skip(to_usize(start))
                            .take(wanted)
                            .boxed()
                    }
                },
                Ok(Begun::Planned { head, rest, end }) => query
                    .pages(head, rest, start, end)
                    .flat_map(|page| match page {
                        Ok(items) => stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>()),
                        Err(e) => stream::iter(vec![Err(e)]),
                    })
                    .boxed(),
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

/// Whether an offset walk goes on after its first page of `read` items, of
/// which it keeps `keep` after skipping `skip`: not after an empty page, nor
/// once the page covered what was wanted.
fn head_len_wanted(read: usize, keep: usize, skip: usize) -> bool {
    read > 0 && read.saturating_sub(skip) < keep
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Option<u64> = Some(1000);

    #[test]
    fn plans_pages_inside_the_window() {
        assert_eq!(chunk_at(0, 50, WINDOW), Chunk { size: 50, index: 0 });
        assert_eq!(plan(50, 1000, 50, WINDOW).count(), 19);
        assert_eq!(
            plan(0, 1000, 100, WINDOW).last(),
            Some(Chunk {
                size: 100,
                index: 9
            })
        );
        // 30 does not divide 1000: pages of 30 up to 990, then pages of 10.
        assert_eq!(
            plan(960, 1000, 30, WINDOW).collect::<Vec<_>>(),
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
        for chunk in plan(0, 1000, 7, WINDOW) {
            assert!(chunk.end() <= 1000, "{chunk:?}");
        }
    }

    #[test]
    fn uncapped_lists_page_evenly() {
        let chunks: Vec<_> = plan(0, 2500, 30, None).collect();
        assert!(chunks.iter().all(|c| c.size == 30));
        assert_eq!(chunks.last().map(|c| c.end()), Some(2520));
    }

    #[test]
    fn a_plan_is_made_as_it_is_walked_whatever_its_end() {
        // A trillion results planned: nothing is made before it is asked for.
        let mut chunks = plan(50, 1_000_000_000_000, 50, None);
        assert_eq!(chunks.next(), Some(Chunk { size: 50, index: 1 }));
        assert_eq!(
            chunks.nth(1_000),
            Some(Chunk {
                size: 50,
                index: 1_002
            })
        );
        // Positions at the end of `u64` end the plan instead of wrapping.
        let near_end: Vec<_> = plan(u64::MAX - 3, u64::MAX, 100, None).collect();
        assert_eq!(near_end.len(), 1, "{near_end:?}");
    }

    #[test]
    fn an_offset_walk_goes_on_only_after_a_page_short_of_what_is_wanted() {
        assert!(head_len_wanted(50, 1_000, 0));
        assert!(!head_len_wanted(0, 1_000, 0), "an empty first page ends it");
        assert!(!head_len_wanted(50, 30, 0));
        assert!(!head_len_wanted(50, 30, 20));
        assert!(head_len_wanted(50, 31, 20));
    }

    #[test]
    fn ranges_saturate() {
        assert_eq!(bounds(&(..)), (0, None));
        assert_eq!(bounds(&(3..=u64::MAX)), (3, Some(u64::MAX)));
        assert_eq!(bounds(&(2..5)), (2, Some(5)));
    }
}
