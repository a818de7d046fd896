//! The Lucene layer of a query: lookups, raw `q` fragments, a connection
//! scope, fields and sort, rendered into query parameters when the query
//! runs.

use crate::lookup::{Lookup, check_field, quote};
use crate::{Auth0, Result};

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
}

impl Search {
    /// Field names are checked before anything is sent.
    pub(crate) fn check(&self) -> Result<()> {
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
        if let Some((field, order)) = &self.sort {
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
