//! Reading a success body: decoding it as the documented type, and the typed
//! error when it does not fit, with everything the request or its token
//! could leak scrubbed out of the server's text.

use auth0plus_transport::{HttpResponse, Scrubber, Secret};
use serde::de::DeserializeOwned;

use crate::request::ApiRequest;
use crate::{Error, Result};

/// Removes what `request` and `token` must not leak from a server's text.
pub(crate) fn scrubber(request: &ApiRequest, token: &Secret) -> Scrubber {
    let secrets = request.secrets();
    Scrubber::new(secrets.iter().chain([token]))
}

/// Longest decode message kept, in bytes: serde may quote a whole field's
/// value.
const DECODE_MESSAGE_LIMIT: usize = 512;

/// Longest field path kept, in bytes: its keys are the server's, and a key
/// may be megabytes long.
const DECODE_PATH_LIMIT: usize = 512;

/// Where decoding a body failed, and serde's message about it.
pub(crate) struct DecodeFailure {
    /// The field path (`users[3].created_at`), empty when unknown. Its
    /// keys are the server's: they may hold anything, a secret included.
    pub(crate) path: String,
    /// serde's message, which may quote a value verbatim.
    pub(crate) message: String,
}

/// Decode a success body as `T` (an empty body as JSON `null`, so `()`
/// works), with a typed error (never a panic) for anything else. The error
/// says where decoding failed (the field path), and serde's message, which
/// may quote a value verbatim; both go through `scrubber` (a server may echo
/// the token or a password into a wrongly typed field, or make it a key)
/// and are cut short.
pub(crate) fn decode<T: DeserializeOwned>(
    response: &HttpResponse,
    scrubber: impl FnOnce() -> Scrubber,
) -> Result<T> {
    let body: &[u8] = if response.body().is_empty() {
        b"null"
    } else {
        response.body()
    };
    let mut json = serde_json::Deserializer::from_slice(body);
    let failure = match serde_path_to_error::deserialize(&mut json) {
        Ok(value) => match json.end() {
            Ok(()) => return Ok(value),
            Err(e) => DecodeFailure {
                path: String::new(),
                message: e.to_string(),
            },
        },
        Err(e) => DecodeFailure {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        },
    };
    Err(decode_error(response, failure, &scrubber()))
}

/// The typed error for a success body that does not fit: the path and the
/// message scrubbed and each cut to a few hundred bytes, whatever their
/// size.
pub(crate) fn decode_error(
    response: &HttpResponse,
    failure: DecodeFailure,
    scrubber: &Scrubber,
) -> Error {
    Error::Decode {
        status: response.status().as_u16(),
        reason: if response.body().is_empty() {
            "the body is empty".to_owned()
        } else {
            let DecodeFailure { path, message } = failure;
            let message = scrubber.scrubbed_within(&message, DECODE_MESSAGE_LIMIT);
            if path.is_empty() || path == "." {
                format!("the body does not fit the documented shape: {message}")
            } else {
                let path = scrubber.scrubbed_within(&path, DECODE_PATH_LIMIT);
                format!("the body does not fit the documented shape at `{path}`: {message}")
            }
        },
    }
}
