//! A client's secret: rotated by `POST /clients/{id}/rotate-secret`.

use serde_json::{Value, json};

use super::routes::Call;
use crate::server::Resp;
use crate::state::Shared;

/// `POST /clients/{id}/rotate-secret`: a new secret replaces the old one (tokens are asked
/// for with the new one from now on); the client is answered with it.
pub(super) fn rotate_secret(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    let Some(Value::Object(client)) = st.store.get_mut("clients", c.param(0)) else {
        return super::generic::not_found("clients");
    };
    client.insert(
        "client_secret".into(),
        json!(super::defaults::client_secret()),
    );
    Resp::json(200, &Value::Object(client.clone()))
}
