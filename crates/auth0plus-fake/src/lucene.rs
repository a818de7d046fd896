//! The subset of Lucene query syntax that Auth0's user search (engine v3) accepts.
//!
//! Interface contract (used by the search route): `parse` then `Query::matches`.
//! This file is a stub until the full engine lands.

use serde_json::Value;

/// A parsed search query, ready to test users against.
#[derive(Debug, Clone)]
pub struct Query {
    _private: (),
}

/// A query the fake refuses, with the reason Auth0 would give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// Human-readable reason, used in the 400 body.
    pub message: String,
}

/// Parse `q`. An empty or all-whitespace `q` matches every user.
///
/// # Errors
/// [`QueryError`] for syntax Auth0 would reject.
pub fn parse(q: &str) -> Result<Query, QueryError> {
    if q.trim().is_empty() {
        Ok(Query { _private: () })
    } else {
        Err(QueryError {
            message: "search is not implemented yet".into(),
        })
    }
}

impl Query {
    /// Whether `user` (a user object as the API returns it) matches.
    #[must_use]
    pub fn matches(&self, _user: &Value) -> bool {
        true
    }
}
