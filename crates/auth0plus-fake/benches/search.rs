//! Parse + full scan of 100,000 synthetic users for typical user-search queries.
//!
//! The real API gives a search 2 s before answering 503; a full scan here must stay far
//! below that.

use std::hint::black_box;

use auth0plus_fake::lucene::parse;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

const USERS: usize = 100_000;

/// A small deterministic generator, so every run scans the same users.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = u64::try_from(items.len()).unwrap_or(1);
        let i = usize::try_from(self.next() % len).unwrap_or(0);
        items.get(i).copied().unwrap_or_default()
    }
}

fn synthetic_users() -> Vec<Value> {
    const FIRST: &[&str] = &["Jane", "John", "Bön", "Richard", "Ana", "Zoë", "Li", "Omar"];
    const LAST: &[&str] = &["Smith", "Doe", "Scott", "Roe", "García", "Müller", "Chen"];
    const CITIES: &[&str] = &["Paris", "Lyon", "Sydney", "Berlin", "Tokyo", "Lima"];
    const PLANS: &[&str] = &["gold", "silver", "bronze", "free"];
    const CONNECTIONS: &[&str] = &[
        "Username-Password-Authentication",
        "google-oauth2",
        "github",
    ];
    let mut rng = Lcg(42);
    (0..USERS)
        .map(|i| {
            let first = rng.pick(FIRST);
            let last = rng.pick(LAST);
            let connection = rng.pick(CONNECTIONS);
            let month = rng.next() % 12 + 1;
            let day = rng.next() % 28 + 1;
            json!({
                "user_id": format!("auth0|{i:024x}"),
                "email": format!("user{i}@example{}.com", i % 50),
                "email_verified": i % 3 == 0,
                "name": format!("{first} {last}"),
                "given_name": first,
                "family_name": last,
                "nickname": format!("{}{i}", first.to_lowercase()),
                "logins_count": rng.next() % 1000,
                "created_at": format!("2023-{month:02}-{day:02}T10:00:00.000Z"),
                "identities": [{"connection": connection, "provider": "auth0", "user_id": format!("{i:024x}"), "isSocial": false}],
                "user_metadata": {"city": rng.pick(CITIES), "addresses": [{"city": rng.pick(CITIES)}]},
                "app_metadata": {"plan": rng.pick(PLANS)},
            })
        })
        .collect()
}

fn search(c: &mut Criterion) {
    let users = synthetic_users();
    let queries = [
        ("exact_email", r#"email:"user54321@example21.com""#),
        ("prefix_wildcard", "email:user123*"),
        ("metadata_phrase", r#"user_metadata.city:"Paris""#),
        ("range_logins_count", "logins_count:[100 TO 200]"),
        ("or_group", "app_metadata.plan:(gold OR silver)"),
        ("bare_contains", "*ichar*"),
        (
            "date_and_identity",
            r#"created_at:[2023-03 TO 2023-05] AND identities.connection:"github""#,
        ),
    ];
    let mut group = c.benchmark_group("search_100k");
    group.sample_size(10);
    for (name, q) in queries {
        group.bench_function(name, |b| {
            b.iter(|| {
                let query = parse(black_box(q)).expect("benchmark queries are valid");
                users.iter().filter(|u| query.matches(u)).count()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
