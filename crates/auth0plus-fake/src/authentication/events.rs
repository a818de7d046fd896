//! The tenant log events the Authentication API writes, with the user, the
//! application, the IP and the user agent (never a password, code or token).

use serde_json::{Value, json};

use crate::state::{Shared, State};
use crate::util;

/// What an event is about.
pub(crate) struct Event<'a> {
    pub kind: &'static str,
    pub description: &'a str,
    pub user_id: &'a str,
    pub client_id: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub connection: Option<&'a str>,
    pub audience: Option<&'a str>,
    pub scope: Option<&'a str>,
}

impl<'a> Event<'a> {
    /// An event of `kind` by application `client_id` from `ip`; no user,
    /// connection, audience or scope until set.
    pub(crate) fn new(
        kind: &'static str,
        description: &'a str,
        client_id: &'a str,
        ip: &'a str,
        user_agent: &'a str,
    ) -> Self {
        Event {
            kind,
            description,
            user_id: "",
            client_id,
            ip,
            user_agent,
            connection: None,
            audience: None,
            scope: None,
        }
    }

    /// About this user.
    pub(crate) fn user(mut self, user_id: &'a str) -> Self {
        self.user_id = user_id;
        self
    }

    /// At this connection.
    pub(crate) fn connection(mut self, connection: &'a str) -> Self {
        self.connection = Some(connection);
        self
    }
}

/// The success and failure codes of each grant (Auth0's log event types).
pub(crate) fn codes(grant: &str) -> (&'static str, &'static str) {
    match grant {
        "client_credentials" => ("seccft", "feccft"),
        "authorization_code" => ("seacft", "feacft"),
        "refresh_token" => ("sertft", "fertft"),
        "password" | "http://auth0.com/oauth/grant-type/password-realm" => ("sepft", "fepft"),
        "http://auth0.com/oauth/grant-type/passwordless/otp" => ("sepotpft", "fepotpft"),
        "http://auth0.com/oauth/grant-type/mfa-otp" => ("seotpft", "feotpft"),
        "http://auth0.com/oauth/grant-type/mfa-oob" => ("seoobft", "feoobft"),
        "http://auth0.com/oauth/grant-type/mfa-recovery-code" => ("sercft", "fercft"),
        "urn:ietf:params:oauth:grant-type:device_code" => ("sede", "fede"),
        // CIBA, custom token exchange and Token Vault: the fake's choice of
        // code (Auth0's reference names `secte`/`fecte` for custom token exchange).
        "urn:ietf:params:oauth:grant-type:token-exchange" => ("secte", "fecte"),
        _ => ("seexch", "feexch"),
    }
}

/// The description Auth0 gives a successful exchange.
pub(crate) fn success_description(grant: &str) -> &'static str {
    match grant {
        "client_credentials" => "Client Credentials for Access Token",
        "authorization_code" => "Authorization Code for Access Token",
        "refresh_token" => "Refresh Token for Access Token",
        "password" | "http://auth0.com/oauth/grant-type/password-realm" => {
            "Password for Access Token"
        }
        "http://auth0.com/oauth/grant-type/passwordless/otp" => "Passwordless OTP for Access Token",
        "http://auth0.com/oauth/grant-type/mfa-otp" => {
            "Password and OTP Challenge for Access Token"
        }
        "http://auth0.com/oauth/grant-type/mfa-oob" => {
            "Password and OOB Challenge for Access Token"
        }
        "http://auth0.com/oauth/grant-type/mfa-recovery-code" => {
            "Password and MFA Recovery code for Access Token"
        }
        "urn:ietf:params:oauth:grant-type:device_code" => "Device Code for Access Token",
        _ => "Token Exchange",
    }
}

/// Append `event` to the tenant log.
pub(crate) fn write(shared: &Shared, st: &mut State, event: &Event<'_>) {
    let now = util::now_ms();
    let log_id = st.logs.next_id(now);
    let client_name = if event.client_id == shared.cfg.client_id {
        "auth0plus fake client".to_owned()
    } else {
        st.store
            .get("clients", event.client_id)
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let agent: String = event.user_agent.chars().take(256).collect();
    let mut e = json!({
        "date": util::iso_ms(now),
        "type": event.kind,
        "description": event.description,
        "client_id": event.client_id,
        "client_name": client_name,
        "ip": event.ip,
        "hostname": shared.cfg.domain,
        "user_agent": agent,
        "user_id": event.user_id,
        "log_id": log_id,
        "isMobile": false,
    });
    if let Some(o) = e.as_object_mut() {
        for (k, v) in [
            ("connection", event.connection),
            ("audience", event.audience),
            ("scope", event.scope),
        ] {
            if let Some(v) = v {
                o.insert(k.into(), json!(v));
            }
        }
        if let Some(user) = st.get_user(event.user_id)
            && let Some(name) = user.get("email").or_else(|| user.get("username"))
        {
            o.insert("user_name".into(), name.clone());
        }
    }
    st.logs.push(e);
}
