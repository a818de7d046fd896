//! Reading the Authentication API's answers: typed bodies on success, typed
//! errors otherwise, with every secret sent scrubbed from what is kept.

use auth0plus_transport::{HttpResponse, RateLimitInfo, Scrubber};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;

/// Most characters of a non-JSON error body kept for diagnosis.
const BODY_SNIPPET: usize = 512;

/// A successful answer's JSON body as `T`, or the typed error.
pub(crate) fn decode<T: DeserializeOwned>(
    response: &HttpResponse,
    scrubber: &Scrubber,
    what: &str,
) -> Result<T, Error> {
    let status = response.status().as_u16();
    if !response.status().is_success() {
        return Err(error(response, scrubber));
    }
    serde_json::from_slice(response.body()).map_err(|e| Error::UnexpectedResponse {
        status,
        // Never the body: a success may hold tokens.
        reason: format!("the body is not {what} ({})", classify(&e)),
        body: None,
    })
}

/// `Ok` for any 2xx, else the typed error.
pub(crate) fn success(response: &HttpResponse, scrubber: &Scrubber) -> Result<(), Error> {
    if response.status().is_success() {
        Ok(())
    } else {
        Err(error(response, scrubber))
    }
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "wrong JSON types",
        serde_json::error::Category::Eof => "truncated JSON",
    }
}

/// The error an unsuccessful answer means. Auth0 answers OAuth errors as
/// `{"error", "error_description"}` (`mfa_token` with `mfa_required`), and
/// `/dbconnections` and `/passwordless` ones as `{"code", "description"}` or
/// `{"error", "message"}`; a `description` may be an object (the password
/// policy's rules), kept as its JSON text.
pub(crate) fn error(response: &HttpResponse, scrubber: &Scrubber) -> Error {
    let status = response.status().as_u16();
    let rate_limit = RateLimitInfo::from_headers(response.headers()).map(Box::new);
    let scrub = |text: String| scrubber.scrubbed(text);
    let text_of = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    if let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(response.body()) {
        let code = ["error", "code", "name"]
            .iter()
            .find_map(|k| body.get(*k).and_then(Value::as_str))
            .map(str::to_owned);
        let description = ["error_description", "description", "message"]
            .iter()
            .find_map(|k| body.get(*k).and_then(text_of));
        if code.is_some() || description.is_some() {
            let mfa_token = body
                .get("mfa_token")
                .and_then(Value::as_str)
                .map(str::to_owned);
            return Error::from_oauth(
                status,
                code.map(scrub).unwrap_or_default(),
                description.map(scrub),
                mfa_token,
                rate_limit,
            );
        }
    }
    let text = scrub(String::from_utf8_lossy(response.body()).into_owned());
    let snippet: String = text.chars().take(BODY_SNIPPET).collect();
    Error::UnexpectedResponse {
        status,
        reason: "the error body is not an Auth0 error object".into(),
        body: (!snippet.trim().is_empty()).then_some(snippet),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth0plus_transport::Secret;
    use auth0plus_transport::test_util::response_with_headers;

    #[test]
    fn mfa_required_carries_its_token_and_never_shows_it() {
        let r = response_with_headers(
            403,
            &[],
            r#"{"error":"mfa_required","error_description":"Multifactor authentication required","mfa_token":"Fe26.2*zq9"}"#,
        );
        let err = error(&r, &Scrubber::new(None));
        assert_eq!(err.mfa_token().unwrap().expose(), "Fe26.2*zq9");
        assert_eq!(err.auth_code(), Some(crate::AuthErrorCode::MfaRequired));
        assert!(!format!("{err} {err:?}").contains("zq9"));
    }

    #[test]
    fn signup_errors_keep_code_and_description_and_lose_echoed_secrets() {
        let r = response_with_headers(
            400,
            &[],
            r#"{"name":"PasswordStrengthError","code":"invalid_password","description":{"rules":[{"message":"At least %d characters in length","format":[8],"verified":false}]},"policy":"* At least 8 characters","statusCode":400}"#,
        );
        let err = error(&r, &Scrubber::new(None));
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.error_code(), Some("invalid_password"));
        assert!(err.description().unwrap().contains("At least"));
        let r = response_with_headers(
            400,
            &[],
            r#"{"error":"bad.password","error_description":"pw hunter22 weak"}"#,
        );
        let secret = Secret::new("hunter22");
        let err = error(&r, &Scrubber::new(Some(&secret)));
        assert!(!err.to_string().contains("hunter22"), "{err}");
    }
}
