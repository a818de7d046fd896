//! The token response and its pure parser.

use std::time::Duration;

use auth0plus_transport::{HttpResponse, RateLimitInfo, Scrubber, Secret};
use serde::Deserialize;

use crate::{Error, TokenQuotas};

/// Lifetime assumed when Auth0 omits `expires_in` (its documented default).
pub const DEFAULT_EXPIRES_IN: u64 = 86_400;

/// The longest lifetime [`Token::lifetime`] reports: one year. `expires_in`
/// comes from the server, and a huge value must not overflow time arithmetic.
pub const MAX_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// An access token from `/oauth/token`.
///
/// `Debug` never shows the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Token {
    /// The bearer token (a JWT). Read it with [`Secret::expose`].
    pub access_token: Secret,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until it expires, counted from when it was issued.
    pub expires_in: u64,
    /// The granted scopes, space-separated.
    pub scope: Option<String>,
    /// Auth0's M2M token quotas as the answer reported them (empty when no
    /// quota applies).
    pub quotas: TokenQuotas,
}

impl Token {
    /// The token's lifetime, at most [`MAX_LIFETIME`] (one year) whatever
    /// `expires_in` says.
    #[must_use]
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(self.expires_in).min(MAX_LIFETIME)
    }

    /// The granted scopes.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or("").split_whitespace()
    }
}

#[derive(Deserialize)]
struct RawToken {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
    scope: Option<String>,
}

#[derive(Deserialize)]
struct RawError {
    error: Option<String>,
    error_description: Option<String>,
    message: Option<String>,
}

/// Longest start of a non-JSON error body kept, in bytes.
const BODY_SNIPPET: usize = 512;

/// Longest `error` or `error_description` kept, in bytes: past it the text
/// is cut with a marker, however long the server made it.
const TEXT_LIMIT: usize = 4096;

/// Turn a `/oauth/token` response into a [`Token`] or a typed error.
///
/// # Errors
/// [`Error::Rejected`] for an OAuth error body, [`Error::UnexpectedResponse`]
/// for anything else that is not a token (HTML pages, truncated JSON, a
/// success without `access_token`).
pub fn parse_token_response(response: &HttpResponse) -> Result<Token, Error> {
    parse_scrubbing(response, None)
}

/// [`parse_token_response`], with every occurrence of `secret` in the text
/// an error keeps from the body replaced by `[redacted]`: a server that
/// echoes the request must not put the client secret into our error.
///
/// Each text is scrubbed once, in the form it is shown: the OAuth fields
/// after JSON decoding (so an echo written with `\u` or `\/` escapes is
/// caught), a non-JSON body before it is cut to a snippet (so a secret
/// straddling the cut cannot leave a prefix behind). Every text is cut to a
/// few KB.
pub(crate) fn parse_scrubbing(
    response: &HttpResponse,
    secret: Option<&Secret>,
) -> Result<Token, Error> {
    let scrubber = Scrubber::new(secret);
    let scrub = |text: String| scrubber.scrubbed_within(&text, TEXT_LIMIT);
    let status = response.status().as_u16();
    let body = response.body();
    if response.status().is_success() {
        let raw: RawToken =
            serde_json::from_slice(body).map_err(|e| Error::UnexpectedResponse {
                status,
                reason: format!(
                    "the body is not a JSON token response ({})",
                    e.classify_name()
                ),
                body: None,
            })?;
        let access_token = raw.access_token.filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::UnexpectedResponse {
                status,
                reason: "the response has no access_token".into(),
                body: None,
            }
        })?;
        if let Some(reason) = unusable(&access_token) {
            return Err(Error::UnexpectedResponse {
                status,
                reason: reason.into(),
                body: None,
            });
        }
        // Sent as `Authorization: Bearer`, so it must be one (RFC 6750:
        // the type is case-insensitive). Its value is not quoted: a server
        // may put anything there, the token included.
        if raw
            .token_type
            .as_deref()
            .is_some_and(|kind| !kind.eq_ignore_ascii_case("bearer"))
        {
            return Err(Error::UnexpectedResponse {
                status,
                reason: "the token_type is not Bearer, the only type this client can send".into(),
                body: None,
            });
        }
        return Ok(Token {
            access_token: Secret::new(access_token),
            token_type: raw.token_type.unwrap_or_else(|| "Bearer".to_owned()),
            expires_in: raw.expires_in.unwrap_or(DEFAULT_EXPIRES_IN),
            scope: raw.scope,
            quotas: TokenQuotas::from_headers(response.headers()),
        });
    }
    let rate_limit = RateLimitInfo::from_headers(response.headers()).map(Box::new);
    if let Some(quota) = crate::quota::refusal(response, rate_limit.as_deref(), &scrub) {
        return Err(quota);
    }
    match serde_json::from_slice::<RawError>(body) {
        Ok(RawError {
            error: Some(error),
            error_description,
            message,
        }) => Err(Error::Rejected {
            status,
            error: scrub(error),
            description: error_description.or(message).map(scrub),
            rate_limit,
        }),
        Ok(RawError {
            error: None,
            error_description,
            message,
        }) if error_description.is_some() || message.is_some() => Err(Error::Rejected {
            status,
            error: String::new(),
            description: error_description.or(message).map(scrub),
            rate_limit,
        }),
        _ => {
            let text = String::from_utf8_lossy(body);
            let snippet = scrubber.scrubbed_within(&text, BODY_SNIPPET);
            Err(Error::UnexpectedResponse {
                status,
                reason: "the error body is not an OAuth error object".into(),
                body: (!snippet.trim().is_empty()).then_some(snippet),
            })
        }
    }
}

/// Why `token` cannot be a bearer token, if it cannot. Refused here, at
/// fetch time, it is never cached: a token that cannot be sent would fail
/// every call until it expired.
pub(crate) fn unusable(token: &str) -> Option<&'static str> {
    if token.trim().is_empty() {
        Some("the access_token is blank")
    } else if http::HeaderValue::from_bytes(token.as_bytes()).is_err() {
        Some("the access_token holds characters a header cannot carry (control characters)")
    } else {
        None
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "wrong JSON types",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth0plus_transport::test_util::response_with_headers;

    fn resp(status: u16, body: &str) -> HttpResponse {
        response_with_headers(status, &[], body)
    }

    #[test]
    fn parses_a_token() {
        let t = parse_token_response(&resp(
            200,
            r#"{"access_token":"eyJ.x.y","expires_in":86400,"scope":"read:users create:users","token_type":"Bearer"}"#,
        ))
        .unwrap();
        assert_eq!(t.access_token.expose(), "eyJ.x.y");
        assert_eq!(
            t.scopes().collect::<Vec<_>>(),
            ["read:users", "create:users"]
        );
        assert!(!format!("{t:?}").contains("eyJ"));
    }

    #[test]
    fn a_huge_expires_in_is_clamped_to_a_year() {
        let t = parse_token_response(&resp(
            200,
            r#"{"access_token":"t","expires_in":18446744073709551615}"#,
        ))
        .unwrap();
        assert_eq!(t.expires_in, u64::MAX);
        assert_eq!(t.lifetime(), MAX_LIFETIME);
    }

    #[test]
    fn refuses_success_without_a_usable_token_or_not_json() {
        // The last ones hold tokens no header can carry (CR/LF, NUL, DEL) or
        // blank ones: refused at fetch time, never shown.
        for body in [
            "",
            "<html>ok</html>",
            "{\"access_token\":",
            "{}",
            "{\"access_token\":\"\"}",
            "[1]",
            r#"{"access_token":"zq9\r\nX-Injected: 1"}"#,
            r#"{"access_token":"zq9\nen"}"#,
            r#"{"access_token":"zq9\u0000en"}"#,
            r#"{"access_token":"zq9\u007fen"}"#,
            r#"{"access_token":"   "}"#,
            r#"{"access_token":"\t \t"}"#,
        ] {
            let err = parse_token_response(&resp(200, body)).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::UnexpectedResponse {
                        status: 200,
                        body: None,
                        ..
                    }
                ),
                "{body}: {err}"
            );
            assert!(!err.to_string().contains("zq9"), "{err}");
        }
    }

    #[test]
    fn only_bearer_tokens_are_accepted_in_any_case() {
        for kind in ["Bearer", "bearer", "BEARER"] {
            let body = serde_json::json!({"access_token": "t0k", "token_type": kind}).to_string();
            assert!(parse_token_response(&resp(200, &body)).is_ok(), "{kind}");
        }
        for kind in ["mac", "DPoP", "", "Bearer ", "zq9-echo"] {
            let body = serde_json::json!({"access_token": "t0k", "token_type": kind}).to_string();
            let err = parse_token_response(&resp(200, &body)).unwrap_err();
            assert!(
                matches!(&err, Error::UnexpectedResponse { status: 200, reason, body: None }
                    if reason.contains("token_type")),
                "{kind}: {err:?}"
            );
            assert!(!err.to_string().contains("zq9"), "{err}");
        }
    }

    #[test]
    fn an_endless_error_description_is_cut() {
        let secret = Secret::new("client-secret-1234");
        let description = format!("{} client-secret-1234", "x".repeat(1_000_000));
        let body = serde_json::json!({"error": "access_denied", "error_description": description});
        let err = parse_scrubbing(&resp(401, &body.to_string()), Some(&secret)).unwrap_err();
        let shown = err.to_string();
        assert!(shown.len() < 8 * 1024, "{}", shown.len());
        assert!(shown.ends_with(" bytes in all]"), "cut with a marker");
    }

    #[test]
    fn tabs_spaces_and_non_ascii_inside_a_token_can_be_sent() {
        for token in ["a\tb c", "ey\u{e9}.x.y"] {
            let body = serde_json::json!({ "access_token": token }).to_string();
            assert!(parse_token_response(&resp(200, &body)).is_ok(), "{token}");
        }
    }

    #[test]
    fn oauth_error_bodies_become_rejected() {
        let err = parse_token_response(&resp(
            401,
            r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "token request refused: 401 access_denied: Unauthorized"
        );
        assert_eq!(err.error_code(), Some("access_denied"));
    }

    #[test]
    fn an_html_gateway_page_is_a_typed_error_with_a_snippet() {
        let err = parse_token_response(&resp(502, "<html><body>502 Bad Gateway</body></html>"))
            .unwrap_err();
        match err {
            Error::UnexpectedResponse {
                status: 502,
                body: Some(body),
                ..
            } => assert!(body.contains("Bad Gateway")),
            other => panic!("{other:?}"),
        }
    }
}
