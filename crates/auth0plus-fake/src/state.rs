//! The tenant's in-memory state.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::store::{LogStore, Relation, Store};
use crate::util;
use crate::{Counters, Fault, PasswordPolicy, RateLimit, Route};

/// Fixed configuration.
#[derive(Debug)]
pub(crate) struct Config {
    pub base_url: String,
    pub domain: String,
    pub client_id: String,
    pub client_secret: String,
    pub connection: String,
    pub connection_id: String,
    pub requires_username: bool,
    pub scopes: Vec<String>,
    // initial knob values
    pub latency: Duration,
    pub rate_limit: Option<RateLimit>,
    pub index_delay: Duration,
    pub token_ttl: Duration,
    pub export_duration: Duration,
    /// Users per second each import job processes.
    pub import_rate: f64,
    /// How long a connection may take to send a request's headers, and may
    /// sit idle between requests, before it is closed.
    pub header_read_timeout: Duration,
    /// How long a request's body may take to arrive (408 after).
    pub body_read_timeout: Duration,
    /// The database connection's password policy.
    pub password_policy: PasswordPolicy,
    /// The key the tenant signs its tokens with.
    pub signing: crate::authentication::SigningKey,
    /// M2M token quotas on the client-credentials grant, and their counts.
    pub token_quota: crate::token_quota::Quota,
}

/// Most tokens remembered: past it, expired tokens are dropped, then the
/// oldest (a client holding one gets a 401 and asks again, as with Auth0's
/// revoked tokens).
pub(crate) const MAX_TOKENS: usize = 10_000;

/// Most export jobs kept, each with its file; older ones are dropped first.
pub(crate) const MAX_JOBS: usize = 16;

/// How long a finished export job and its file are kept.
pub(crate) const JOB_RETENTION: Duration = Duration::from_secs(60 * 60);

/// Longest duration any knob accepts (latency, index delay, export
/// duration, fault delay): one day. Token lifetimes may be up to ten years.
pub(crate) const MAX_KNOB: Duration = Duration::from_secs(24 * 60 * 60);

/// Longest token lifetime accepted.
pub(crate) const MAX_TOKEN_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);

/// Most users one seed request may create.
pub(crate) const MAX_SEED: u64 = 1_000_000;

/// `now + d`, or a century from now when that cannot be represented: every
/// duration here comes from an input.
pub(crate) fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .or_else(|| now.checked_add(MAX_TOKEN_TTL * 10))
        .unwrap_or(now)
}

impl Config {
    pub fn audience(&self) -> String {
        format!("https://{}/api/v2/", self.domain)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub expires: Instant,
    /// The scopes of the client's grant for the audience when the token was issued
    /// (narrowed by the request's `scope`): what Management operations check.
    pub scopes: Vec<String>,
    /// The client the token was issued to.
    pub client_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportMode {
    Normal,
    Fail,
    Stall,
    Corrupt,
}

#[derive(Debug)]
pub(crate) struct Job {
    pub created: Instant,
    pub duration: Duration,
    pub mode: ExportMode,
    /// The job object as answered on creation.
    pub body: Value,
    pub format: String,
    /// The export file (gzip), built at creation.
    pub file: Vec<u8>,
    /// An import's `summary`, shown once it completes.
    pub summary: Option<Value>,
    /// An import's failed users (`GET /jobs/{id}/errors`).
    pub errors: Vec<Value>,
    /// An import's work still to do.
    pub import: Option<crate::handlers::ImportWork>,
}

#[derive(Debug)]
pub(crate) struct Bucket {
    pub limit: RateLimit,
    pub tokens: f64,
    pub last: Instant,
}

#[derive(Debug)]
pub(crate) enum IndexOp {
    Upsert(Arc<Value>),
    Remove,
}

#[derive(Debug)]
pub(crate) struct State {
    /// Shared, so a search or an export takes a snapshot under the lock
    /// (cheap pointer copies) and does its work after releasing it.
    pub users: BTreeMap<u64, Arc<Value>>,
    pub ids: HashMap<String, u64>,
    pub next_seq: u64,
    /// What `GET /users` sees.
    pub index: BTreeMap<u64, Arc<Value>>,
    pub pending: Vec<(Instant, u64, IndexOp)>,
    pub tokens: HashMap<String, TokenInfo>,
    pub latency: Duration,
    pub bucket: Option<Bucket>,
    pub index_delay: Duration,
    pub token_ttl: Duration,
    pub export_duration: Duration,
    /// Users per second each import job processes.
    pub import_rate: f64,
    pub faults: HashMap<Route, VecDeque<Fault>>,
    pub counters: Counters,
    pub jobs: HashMap<String, Job>,
    pub next_export: ExportMode,
    /// Every resource but users, by collection and id.
    pub store: Store,
    /// role id ↔ user id.
    pub role_users: Relation,
    /// organization id ↔ member user id.
    pub org_members: Relation,
    /// role id ↔ `{organization id}/{user id}`: a member's roles in an organization.
    pub org_member_roles: Relation,
    /// The tenant log.
    pub logs: LogStore,
    /// The Authentication API's codes, pending logins and user tokens.
    pub auth: crate::authentication::AuthState,
}

/// Shared between the server tasks and the [`crate::FakeTenant`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub cfg: Config,
    state: Mutex<State>,
}

/// The result of a rate-limit check.
pub(crate) struct RateInfo {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset: u64,
}

impl Shared {
    pub fn new(cfg: Config) -> Shared {
        let mut st = State {
            users: BTreeMap::new(),
            ids: HashMap::new(),
            next_seq: 0,
            index: BTreeMap::new(),
            pending: Vec::new(),
            tokens: HashMap::new(),
            latency: cfg.latency,
            bucket: None,
            index_delay: cfg.index_delay,
            token_ttl: cfg.token_ttl,
            export_duration: cfg.export_duration,
            import_rate: cfg.import_rate,
            faults: HashMap::new(),
            counters: Counters::default(),
            jobs: HashMap::new(),
            next_export: ExportMode::Normal,
            store: Store::default(),
            role_users: Relation::default(),
            org_members: Relation::default(),
            org_member_roles: Relation::default(),
            logs: LogStore::default(),
            auth: crate::authentication::AuthState::default(),
        };
        st.set_rate_limit(cfg.rate_limit);
        st.seed_tenant_objects(&cfg);
        Shared {
            cfg,
            state: Mutex::new(st),
        }
    }

    /// Lock the state, recovering from a poisoned lock (a panic elsewhere must not wedge the fake).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A token of the tenant's own client with every scope its grant holds.
    pub fn default_token(&self) -> String {
        let granted = self
            .lock()
            .granted_scopes(&self.cfg.client_id, &self.cfg.audience())
            .unwrap_or_default();
        self.issue_token(&self.cfg.client_id, &granted, None).0
    }

    /// Issue a Management API token for `client_id` with its `granted` scopes, narrowed to
    /// `requested` when given. Returns (token, scope string, ttl secs).
    pub fn issue_token(
        &self,
        client_id: &str,
        granted: &[String],
        requested: Option<&str>,
    ) -> (String, String, u64) {
        let mut st = self.lock();
        self.issue_token_locked(&mut st, client_id, granted, requested)
    }

    /// [`Self::issue_token`] under a lock already held. The token is an RS256
    /// JWT signed with the tenant's key (its JWKS verifies it), with the
    /// claims of a real Management API token.
    pub fn issue_token_locked(
        &self,
        st: &mut State,
        client_id: &str,
        granted: &[String],
        requested: Option<&str>,
    ) -> (String, String, u64) {
        let scopes: Vec<String> = match requested {
            Some(req) => {
                let want: Vec<&str> = req.split_whitespace().collect();
                granted
                    .iter()
                    .filter(|s| want.contains(&s.as_str()))
                    .cloned()
                    .collect()
            }
            None => granted.to_vec(),
        };
        let scope = scopes.join(" ");
        let ttl = st.token_ttl;
        let iat = util::now_secs();
        let now = Instant::now();
        st.prune_tokens(now);
        let payload = json!({
            "iss": format!("https://{}/", self.cfg.domain),
            "sub": format!("{client_id}@clients"),
            "aud": self.cfg.audience(),
            "iat": iat,
            "exp": iat.saturating_add(ttl.as_secs()),
            "azp": client_id,
            "scope": scope,
            "gty": "client-credentials",
            "jti": util::alnum(16),
        });
        let token = self.cfg.signing.sign(&payload);
        st.tokens.insert(
            token.clone(),
            TokenInfo {
                expires: later(now, ttl),
                scopes,
                client_id: client_id.to_owned(),
            },
        );
        (token, scope, ttl.as_secs())
    }

    /// Seed `n` users with the create defaults, then `template`'s keys on top (a JSON object:
    /// metadata, `created_at`, `email_verified`, …; its `user_id` is ignored so the users stay
    /// distinct). Visible to search at once. At most `MAX_SEED` users per call.
    pub fn seed_users(&self, n: usize, template: &Map<String, Value>) -> Vec<String> {
        let n = n.min(usize::try_from(MAX_SEED).unwrap_or(usize::MAX));
        let mut st = self.lock();
        let plans = ["free", "pro", "enterprise"];
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let seq = st.next_seq;
            let email = format!("seed{seq}.{}@example.com", util::hex(4));
            let mut body = Map::new();
            body.insert("email".into(), Value::String(email));
            let mut user = new_user(&self.cfg.connection, &body, None);
            if let Some(o) = user.as_object_mut() {
                o.insert(
                    "app_metadata".into(),
                    json!({"plan": plans[i % plans.len()]}),
                );
                o.insert("logins_count".into(), json!(i % 50));
                for (k, v) in template {
                    if k != "user_id" {
                        o.insert(k.clone(), v.clone());
                    }
                }
            }
            ids.push(st.insert_user(user, &self.cfg.connection));
        }
        ids
    }
}

/// Build a user object from a validated create body, keys in Auth0's (alphabetical) order.
pub(crate) fn new_user(
    connection: &str,
    body: &Map<String, Value>,
    custom_id: Option<&str>,
) -> Value {
    let bare = custom_id.map_or_else(|| util::hex(24), str::to_string);
    let now = util::now_iso();
    let mut m: BTreeMap<String, Value> = BTreeMap::new();
    let email = body
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_lowercase);
    if let Some(e) = &email {
        m.insert("email".into(), Value::String(e.clone()));
        m.insert("name".into(), Value::String(e.clone()));
        let local = e.split('@').next().unwrap_or(e);
        m.insert("nickname".into(), Value::String(local.to_string()));
        m.insert("picture".into(), Value::String(util::gravatar(e)));
    }
    m.insert("email_verified".into(), Value::Bool(false));
    m.insert("created_at".into(), Value::String(now.clone()));
    m.insert("updated_at".into(), Value::String(now));
    m.insert("user_id".into(), Value::String(format!("auth0|{bare}")));
    m.insert(
        "identities".into(),
        json!([{"connection": connection, "user_id": bare, "provider": "auth0", "isSocial": false}]),
    );
    for (k, v) in body {
        match k.as_str() {
            "connection" | "password" | "verify_email" | "user_id" | "email" => {}
            "username" => {
                if let Some(u) = v.as_str() {
                    m.insert(k.clone(), Value::String(u.to_lowercase()));
                    if email.is_none() {
                        m.insert("name".into(), Value::String(u.to_lowercase()));
                        m.insert("nickname".into(), Value::String(u.to_lowercase()));
                    }
                }
            }
            "phone_verified" => {
                if body.contains_key("phone_number") {
                    m.insert(k.clone(), v.clone());
                }
            }
            // Even with given/family name, `name` stays = email unless sent (REC TestUserManager_Read).
            _ => {
                if !v.is_null() {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
    }
    if body.contains_key("phone_number") && !m.contains_key("phone_verified") {
        m.insert("phone_verified".into(), Value::Bool(false));
    }
    Value::Object(m.into_iter().collect())
}

/// The connection of a stored user (first identity).
/// The key of a member (of organization `org`) in [`State::org_member_roles`].
pub(crate) fn member_key(org: &str, user: &str) -> String {
    format!("{org}/{user}")
}

pub(crate) fn user_connection(u: &Value) -> Option<&str> {
    util::get_path(u, "identities[0].connection").and_then(Value::as_str)
}

impl State {
    /// Forget expired tokens, and the oldest ones past [`MAX_TOKENS`]. Runs
    /// its O(n) pass only when the table is full, so issuing stays cheap.
    fn prune_tokens(&mut self, now: Instant) {
        if self.tokens.len() < MAX_TOKENS {
            return;
        }
        self.tokens.retain(|_, t| t.expires > now);
        if self.tokens.len() >= MAX_TOKENS {
            let mut expiries: Vec<Instant> = self.tokens.values().map(|t| t.expires).collect();
            expiries.sort_unstable();
            // Keep the newer half: the next full pass is MAX_TOKENS / 2 issues away.
            let cut = expiries[expiries.len() / 2];
            self.tokens.retain(|_, t| t.expires > cut);
        }
    }

    /// Drop finished jobs past their retention, then the oldest past
    /// [`MAX_JOBS`], to make room for one more.
    pub fn prune_jobs(&mut self, now: Instant) {
        self.jobs.retain(|_, job| {
            let done = later(job.created, job.duration);
            now < later(done, JOB_RETENTION)
        });
        while self.jobs.len() >= MAX_JOBS {
            let Some(oldest) = self
                .jobs
                .iter()
                .min_by_key(|(_, job)| job.created)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            self.jobs.remove(&oldest);
        }
    }

    /// The tenant's own objects, as a new tenant has them: its database connection (with
    /// its password policy), the client, the Management API and the client's grant to it.
    fn seed_tenant_objects(&mut self, cfg: &Config) {
        self.store.insert(
            "connections",
            &cfg.connection_id,
            json!({
                "id": cfg.connection_id,
                "name": cfg.connection,
                "strategy": "auth0",
                "display_name": cfg.connection,
                "enabled_clients": [cfg.client_id],
                "is_domain_connection": false,
                "realms": [cfg.connection],
                "options": {
                    "passwordPolicy": cfg.password_policy.as_str(),
                    "requires_username": cfg.requires_username,
                    "brute_force_protection": true,
                },
            }),
        );
        // Never the secret: the store is what the API lists.
        self.store.insert(
            "clients",
            &cfg.client_id,
            json!({
                "client_id": cfg.client_id,
                "name": "auth0plus fake client",
                "app_type": "non_interactive",
                "grant_types": ["client_credentials"],
                "is_first_party": true,
                "token_endpoint_auth_method": "client_secret_post",
            }),
        );
        let api = util::hex(24);
        self.store.insert(
            "resource-servers",
            &api,
            json!({
                "id": api,
                "name": "Auth0 Management API",
                "identifier": cfg.audience(),
                "is_system": true,
                "signing_alg": "RS256",
                "token_lifetime": 86_400,
            }),
        );
        crate::handlers::signing_keys::seed(self, &cfg.domain, cfg.signing.kid());
        let grant = format!("cgr_{}", util::alnum(16));
        self.store.insert(
            "client-grants",
            &grant,
            json!({
                "id": grant,
                "client_id": cfg.client_id,
                "audience": cfg.audience(),
                "scope": cfg.scopes,
            }),
        );
    }

    /// The scopes `client_id`'s grant for `audience` holds, or None when it has no grant.
    pub fn granted_scopes(&self, client_id: &str, audience: &str) -> Option<Vec<String>> {
        self.store.list("client-grants").find_map(|(_, g)| {
            (g.get("client_id").and_then(Value::as_str) == Some(client_id)
                && g.get("audience").and_then(Value::as_str) == Some(audience))
            .then(|| {
                g.get("scope")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
        })
    }

    /// The password policy of the tenant's connection, as stored (a PATCH of the
    /// connection's `options.passwordPolicy` changes it).
    pub fn password_policy(&self, connection_id: &str) -> PasswordPolicy {
        self.store
            .get("connections", connection_id)
            .and_then(|c| c.pointer("/options/passwordPolicy"))
            .and_then(Value::as_str)
            .and_then(PasswordPolicy::from_name)
            .unwrap_or(PasswordPolicy::None)
    }

    /// Set the password policy of the tenant's connection.
    pub fn set_password_policy(&mut self, connection_id: &str, p: PasswordPolicy) {
        if let Some(c) = self.store.get_mut("connections", connection_id)
            && let Some(o) = c.as_object_mut()
        {
            let options = o.entry("options").or_insert_with(|| json!({}));
            if let Some(opts) = options.as_object_mut() {
                opts.insert("passwordPolicy".into(), json!(p.as_str()));
            }
        }
    }

    pub fn set_rate_limit(&mut self, r: Option<RateLimit>) {
        self.bucket = r.map(|limit| Bucket {
            limit,
            tokens: f64::from(limit.burst),
            last: Instant::now(),
        });
    }

    pub fn inject_fault(&mut self, route: Route, fault: Fault, times: usize) {
        let q = self.faults.entry(route).or_default();
        for _ in 0..times {
            q.push_back(fault);
        }
    }

    pub fn take_fault(&mut self, route: Route) -> Option<Fault> {
        self.faults.get_mut(&route).and_then(VecDeque::pop_front)
    }

    pub fn count(&mut self, route: &str, status: u16) {
        *self
            .counters
            .by
            .entry((route.to_string(), status))
            .or_default() += 1;
    }

    /// Take one token from the bucket, if any. None when no limit is set.
    pub fn rate_check(&mut self) -> Option<RateInfo> {
        let b = self.bucket.as_mut()?;
        let now = Instant::now();
        let burst = f64::from(b.limit.burst);
        let rate = if b.limit.per_second > 0.0 {
            b.limit.per_second
        } else {
            0.0
        };
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(burst);
        b.last = now;
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        let missing = burst - b.tokens;
        let secs_to_next = if missing <= 0.0 || rate <= 0.0 {
            if rate <= 0.0 && missing > 0.0 {
                3600.0
            } else {
                0.0
            }
        } else {
            let frac = b.tokens.fract();
            (1.0 - frac) / rate
        };
        // Truncation is fine: bucket sizes and delays are small positive numbers.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let remaining = b.tokens.floor().max(0.0) as u32;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let reset = (util::now_ms() as f64 / 1000.0 + secs_to_next).ceil() as u64;
        Some(RateInfo {
            allowed,
            limit: b.limit.burst,
            remaining,
            reset,
        })
    }

    /// Insert (or replace) a user in the store and the index at once. A user without
    /// `identities` gets one in `connection` (so connection queries find it), and a missing
    /// `user_id` is generated.
    pub fn insert_user(&mut self, mut user: Value, connection: &str) -> String {
        if !user.is_object() {
            user = json!({});
        }
        let id = match user.get("user_id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => format!("auth0|{}", util::hex(24)),
        };
        if let Some(o) = user.as_object_mut() {
            o.insert("user_id".into(), Value::String(id.clone()));
            if !o.contains_key("identities") {
                let bare = id.split_once('|').map_or(id.as_str(), |(_, b)| b);
                o.insert(
                    "identities".into(),
                    json!([{"connection": connection, "user_id": bare, "provider": "auth0", "isSocial": false}]),
                );
            }
        }
        let seq = match self.ids.get(&id) {
            Some(s) => *s,
            None => {
                let s = self.next_seq;
                self.next_seq += 1;
                self.ids.insert(id.clone(), s);
                s
            }
        };
        let user = Arc::new(user);
        self.users.insert(seq, Arc::clone(&user));
        self.index.insert(seq, user);
        id
    }

    /// Add a user created over the API; search sees it after the index delay.
    pub fn create_user(&mut self, user: Value) {
        let id = user
            .get("user_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let seq = self.next_seq;
        self.next_seq += 1;
        self.ids.insert(id, seq);
        let user = Arc::new(user);
        self.users.insert(seq, Arc::clone(&user));
        self.schedule(seq, IndexOp::Upsert(user));
    }

    pub fn get_user(&self, id: &str) -> Option<&Value> {
        self.ids
            .get(id)
            .and_then(|s| self.users.get(s))
            .map(|u| &**u)
    }

    pub fn replace_user(&mut self, id: &str, user: Value) {
        if let Some(seq) = self.ids.get(id).copied() {
            let user = Arc::new(user);
            self.users.insert(seq, Arc::clone(&user));
            self.schedule(seq, IndexOp::Upsert(user));
        }
    }

    pub fn delete_user(&mut self, id: &str) -> bool {
        match self.ids.remove(id) {
            Some(seq) => {
                self.users.remove(&seq);
                self.schedule(seq, IndexOp::Remove);
                // A deleted user keeps no roles and no memberships.
                self.role_users.remove_right(id);
                let orgs: Vec<String> = self.org_members.lefts(id).map(str::to_owned).collect();
                for org in orgs {
                    self.org_member_roles.remove_right(&member_key(&org, id));
                }
                self.org_members.remove_right(id);
                self.store.remove_under(&format!("users/{id}"));
                // Nor sessions, refresh tokens or brute-force blocks.
                for owned in crate::handlers::USER_OWNED {
                    self.store.remove_where(owned, "user_id", id);
                }
                true
            }
            None => false,
        }
    }

    fn schedule(&mut self, seq: u64, op: IndexOp) {
        let at = later(Instant::now(), self.index_delay);
        self.pending.push((at, seq, op));
    }

    /// Apply the index operations that are due, and return a snapshot of
    /// the searchable view to search after releasing the lock.
    pub fn searchable(&mut self) -> Vec<Arc<Value>> {
        let now = Instant::now();
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            for (at, seq, op) in pending {
                if at <= now {
                    match op {
                        IndexOp::Upsert(v) => {
                            self.index.insert(seq, v);
                        }
                        IndexOp::Remove => {
                            self.index.remove(&seq);
                        }
                    }
                } else {
                    self.pending.push((at, seq, op));
                }
            }
        }
        self.index.values().cloned().collect()
    }

    /// Whether another user in `connection` has this email (lowercased) or username.
    pub fn conflict(&self, connection: &str, key: &str, value: &str, except: Option<&str>) -> bool {
        let value = value.to_lowercase();
        self.users.values().any(|u| {
            user_connection(u) == Some(connection)
                && u.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_lowercase)
                    .as_deref()
                    == Some(value.as_str())
                && except != u.get("user_id").and_then(Value::as_str)
        })
    }
}
