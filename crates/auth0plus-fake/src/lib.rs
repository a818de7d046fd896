//! A stateful fake Auth0 tenant (work in progress).
pub mod lucene;
