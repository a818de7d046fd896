//! `GET /events`: the tenant's event stream, as server-sent events.

use bytes::Bytes;

use super::routes::Call;
use crate::server::Resp;
use crate::state::Shared;

/// `GET /events`: `text/event-stream`, as Auth0 answers it. The fake publishes no events
/// (Auth0's come from its event streams' pipeline), so the stream ends at once: a client
/// reads it to its end and sees none.
pub(super) fn subscribe(_shared: &Shared, _c: &Call<'_>) -> Resp {
    Resp {
        status: 200,
        content_type: "text/event-stream",
        headers: vec![("cache-control", "no-cache".into())],
        body: Bytes::new(),
    }
}
