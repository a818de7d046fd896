//! What a token verification can find wrong, typed.

/// Which check a token failed ([`Error::InvalidToken`](crate::Error::InvalidToken)).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenProblem {
    /// Not three base64url parts, or not JSON inside.
    Malformed,
    /// The header's `alg` is not the one configured (`none`, or HS256 where
    /// RS256 is expected: algorithm confusion).
    Algorithm,
    /// No key in the tenant's JWKS has the token's `kid`.
    UnknownKey,
    /// The signature does not verify.
    Signature,
    /// `iss` missing or not the tenant.
    Issuer,
    /// `sub` missing.
    Subject,
    /// `aud` missing or not this application (or API).
    Audience,
    /// `azp` missing or wrong with several audiences.
    AuthorizedParty,
    /// `exp` missing or past (beyond the leeway).
    Expired,
    /// `iat` missing.
    IssuedAt,
    /// `nbf` in the future (beyond the leeway).
    NotYetValid,
    /// `nonce` missing or not the one sent.
    Nonce,
    /// `auth_time` missing or older than `max_age` allows.
    AuthTime,
    /// `org_id` / `org_name` missing or not the organization expected.
    Organization,
    /// An access token lacks a required scope.
    Scope,
}
