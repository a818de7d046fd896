//! The Lucene layer of a query: lookups, raw `q` fragments, a connection
//! scope, fields and sort, rendered into query parameters when the query
//! runs. One layer for every list that searches (users, logs); a list says
//! which parts it takes ([`Takes`]) and the rest is refused before sending.

use crate::lookup::{Lookup, check_field, quote};
use crate::{Auth0, Error, Result};

/// Query parameters, in order.
pub(crate) type Params = Vec<(String, String)>;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending (`field:1`).
    Asc,
    /// Descending (`field:-1`).
    Desc,
}

/// Which connection a search is limited to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum ConnectionFilter {
    /// The client's default connection, if it has one.
    #[default]
    Default,
    /// This one.
    Named(String),
    /// Every connection.
    Any,
}

/// Which parts of a search a list takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Takes {
    /// A Lucene `q` (lookups and raw fragments).
    pub(crate) q: bool,
    /// `fields`/`include_fields`.
    pub(crate) fields: bool,
    /// `sort`.
    pub(crate) sort: bool,
}

impl Takes {
    /// Every part (user and log search).
    pub(crate) const ALL: Self = Self {
        q: true,
        fields: true,
        sort: true,
    };
    /// Nothing: a list without search.
    pub(crate) const NOTHING: Self = Self {
        q: false,
        fields: false,
        sort: false,
    };
}

impl Default for Takes {
    fn default() -> Self {
        Self::ALL
    }
}

/// A search: everything combines with AND.
#[derive(Debug, Clone, Default)]
pub(crate) struct Search {
    pub(crate) lookups: Vec<Lookup>,
    pub(crate) raw: Vec<String>,
    /// Return only (`true`) or every field but (`false`) these.
    pub(crate) fields: Option<(Vec<String>, bool)>,
    pub(crate) sort: Option<(String, Order)>,
    pub(crate) connection: ConnectionFilter,
    /// The one field asked for when only counting.
    pub(crate) count_field: Option<&'static str>,
    /// `search_engine` to send.
    pub(crate) engine: Option<&'static str>,
    /// The sort sent when none is asked for.
    pub(crate) default_sort: Option<(&'static str, Order)>,
    /// What the list accepts.
    pub(crate) takes: Takes,
}

impl Search {
    /// The search of a list that has none: whatever is asked of it is
    /// refused before sending, so a condition is never silently dropped.
    pub(crate) fn none() -> Self {
        Self {
            connection: ConnectionFilter::Any,
            takes: Takes::NOTHING,
            ..Self::default()
        }
    }

    /// Whether the search asks for nothing: no condition, no field
    /// selection, no sort. Only such a search may be answered by a list that
    /// ignores every parameter (the logs' checkpoint).
    pub(crate) fn is_plain(&self) -> bool {
        self.lookups.iter().all(Lookup::is_empty)
            && self.raw.is_empty()
            && self.fields.is_none()
            && self.sort.is_none()
            && self.connection == ConnectionFilter::Any
    }

    /// Field names are checked, and what the list does not take is refused,
    /// before anything is sent.
    pub(crate) fn check(&self) -> Result<()> {
        let refuse = |what: &str| {
            Err(Error::InvalidArgument(format!(
                "this list takes no {what} (sent anyway, it would be ignored)"
            )))
        };
        let has_condition = !self.lookups.iter().all(Lookup::is_empty) || !self.raw.is_empty();
        if !self.takes.q && has_condition {
            return refuse("search condition (Lucene `q`)");
        }
        if !self.takes.fields && self.fields.is_some() {
            return refuse("field selection");
        }
        if !self.takes.sort && self.sort.is_some() {
            return refuse("sort");
        }
        if let Some((fields, _)) = &self.fields {
            fields.iter().try_for_each(|f| check_field(f))?;
        }
        if let Some((field, _)) = &self.sort {
            check_field(field)?;
        }
        Ok(())
    }

    /// The `q` this search sends.
    pub(crate) fn to_query_string(&self, auth0: &Auth0) -> Result<String> {
        let mut parts = Vec::new();
        let rendered = Lookup::all(self.lookups.iter().cloned()).to_query_string()?;
        if !rendered.is_empty() {
            parts.push(rendered);
        }
        parts.extend(self.raw.iter().map(|q| format!("({q})")));
        let connection = match &self.connection {
            ConnectionFilter::Default => auth0.default_connection(),
            ConnectionFilter::Named(name) => Some(name.as_str()),
            ConnectionFilter::Any => None,
        };
        if let Some(connection) = connection {
            parts.push(format!("identities.connection:{}", quote(connection)));
        }
        Ok(parts.join(" AND "))
    }

    /// The query parameters that go before the paging ones (`q`, the
    /// engine) and after them (sort, fields), in the order Auth0's own
    /// clients send them; `counting` asks for the smallest answer.
    pub(crate) fn params(&self, auth0: &Auth0, counting: bool) -> Result<(Params, Params)> {
        let mut params = Vec::new();
        let q = self.to_query_string(auth0)?;
        if !q.is_empty() {
            params.push(("q".to_owned(), q));
        }
        if let Some(engine) = self.engine {
            params.push(("search_engine".to_owned(), engine.to_owned()));
        }
        let before = std::mem::take(&mut params);
        let sort = self
            .sort
            .clone()
            .or_else(|| self.default_sort.map(|(f, o)| (f.to_owned(), o)));
        if let Some((field, order)) = &sort {
            let direction = if *order == Order::Asc { 1 } else { -1 };
            params.push(("sort".to_owned(), format!("{field}:{direction}")));
        }
        let fields = match (counting, self.count_field) {
            (true, Some(field)) => Some((vec![field.to_owned()], true)),
            _ => self.fields.clone(),
        };
        if let Some((fields, include)) = fields {
            params.push(("fields".to_owned(), fields.join(",")));
            params.push(("include_fields".to_owned(), include.to_string()));
        }
        Ok((before, params))
    }
}
