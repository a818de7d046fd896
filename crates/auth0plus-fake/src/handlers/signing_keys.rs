//! The tenant's application signing keys (`/keys/signing`): a current key and the next one,
//! as a new tenant has them; a rotation makes the next key current (the current one becomes
//! the previous) and a new next key; a previous key can be revoked.
//!
//! Each key has a real self-signed certificate (made at start, P-256); its `fingerprint`
//! and `thumbprint` are the MD5 of the certificate's DER, where Auth0 shows its SHA-1. The
//! current key's `kid` is the one in the fake's tokens' header.

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use serde_json::{Value, json};

use super::routes::Call;
use crate::server::Resp;
use crate::state::{Shared, State};
use crate::util;

/// The collection the keys live in.
pub(crate) const SIGNING_KEYS: &str = "keys/signing";

/// A new signing key for `domain`, named `kid`: its certificate and digests, not yet in use.
pub(crate) fn new_key(domain: &str, kid: &str) -> Value {
    let (cert, der) = certificate(domain);
    let digest = util::md5_hex_bytes(&der);
    let fingerprint = digest
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join(":");
    json!({
        "kid": kid,
        "cert": cert,
        "pkcs7": cert,
        "fingerprint": fingerprint,
        "thumbprint": digest,
        "current": false,
        "next": false,
        "previous": false,
        "revoked": false,
    })
}

/// A self-signed certificate for `domain` (PEM and DER); an empty one should the key
/// maker fail, which it does not on a working system.
fn certificate(domain: &str) -> (String, Vec<u8>) {
    let made = KeyPair::generate().ok().and_then(|key| {
        let mut params = CertificateParams::new(Vec::<String>::new()).ok()?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, domain);
        params.distinguished_name = name;
        params.self_signed(&key).ok()
    });
    made.map_or_else(
        || (String::new(), Vec::new()),
        |c| (c.pem(), c.der().to_vec()),
    )
}

/// The keys a new tenant has: the current one (named `current_kid`, the `kid` in the
/// header of the tokens the fake signs) and the next.
pub(crate) fn seed(st: &mut State, domain: &str, current_kid: &str) {
    let mut current = new_key(domain, current_kid);
    current["current"] = json!(true);
    current["current_since"] = json!(util::now_iso());
    st.store.insert(SIGNING_KEYS, current_kid, current);
    let kid = util::alnum(21);
    let mut next = new_key(domain, &kid);
    next["next"] = json!(true);
    st.store.insert(SIGNING_KEYS, &kid, next);
}

fn set(st: &mut State, kid: &str, changes: &[(&str, Value)]) {
    if let Some(Value::Object(k)) = st.store.get_mut(SIGNING_KEYS, kid) {
        for (key, value) in changes {
            k.insert((*key).to_string(), value.clone());
        }
    }
}

fn kid_where(st: &State, flag: &str) -> Option<String> {
    st.store
        .list(SIGNING_KEYS)
        .find(|(_, k)| k.get(flag) == Some(&json!(true)))
        .map(|(id, _)| id.clone())
}

/// `POST /keys/signing/rotate`: 201 `{cert, kid}` of the new current key.
pub(super) fn rotate(shared: &Shared, _c: &Call<'_>) -> Resp {
    let domain = shared.cfg.domain.clone();
    let mut st = shared.lock();
    let now = util::now_iso();
    if let Some(old) = kid_where(&st, "current") {
        set(
            &mut st,
            &old,
            &[
                ("current", json!(false)),
                ("previous", json!(true)),
                ("current_until", json!(now)),
            ],
        );
    }
    let new_current = match kid_where(&st, "next") {
        Some(kid) => kid,
        None => {
            let kid = util::alnum(21);
            st.store.insert(SIGNING_KEYS, &kid, new_key(&domain, &kid));
            kid
        }
    };
    set(
        &mut st,
        &new_current,
        &[
            ("next", json!(false)),
            ("current", json!(true)),
            ("current_since", json!(now)),
        ],
    );
    let kid = util::alnum(21);
    let mut next = new_key(&domain, &kid);
    next["next"] = json!(true);
    st.store.insert(SIGNING_KEYS, &kid, next);
    let cert = st
        .store
        .get(SIGNING_KEYS, &new_current)
        .and_then(|k| k.get("cert").cloned())
        .unwrap_or_default();
    Resp::json(201, &json!({"cert": cert, "kid": new_current}))
}

/// `PUT /keys/signing/{kid}/revoke`: a previous key is revoked (`{cert, kid}`); the current
/// and next keys cannot be (400, guessed wording), an unknown one is 404.
pub(super) fn revoke(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    let kid = c.param(0);
    let Some(key) = st.store.get(SIGNING_KEYS, kid).cloned() else {
        return super::generic::not_found("signing-keys");
    };
    if key.get("previous") != Some(&json!(true)) {
        return Resp::error(
            400,
            "Only a previous signing key can be revoked.",
            Some("invalid_body"),
        );
    }
    set(
        &mut st,
        kid,
        &[
            ("revoked", json!(true)),
            ("revoked_at", json!(util::now_iso())),
        ],
    );
    Resp::json(200, &json!({"cert": key.get("cert"), "kid": kid}))
}
