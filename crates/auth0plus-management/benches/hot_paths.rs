//! Criterion micro-benchmarks of the pure code on every request's path:
//! building a search query, decoding users, and diffing a user for save.
//! `cargo bench -p auth0plus-management`.

use std::hint::black_box;

use auth0plus_management::users::{diff_for_save, plan_patches};
use auth0plus_management::{Auth0, Lookup, UserProfile};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

/// 1,000 copies of a recorded user, each with its own id and email.
fn thousand_users() -> Vec<u8> {
    let recorded: Value =
        serde_json::from_str(include_str!("data/recorded_user.json")).expect("recorded user");
    let users: Vec<Value> = (0..1_000)
        .map(|i| {
            let mut user = recorded.clone();
            user["user_id"] = json!(format!("auth0|63d17c4a9d503d76c{i:07}"));
            user["email"] = json!(format!("chuck{i}@example.com"));
            user
        })
        .collect();
    serde_json::to_vec(
        &json!({"start": 0, "limit": 1000, "length": 1000, "users": users, "total": 1000}),
    )
    .expect("serializable")
}

fn query_building(c: &mut Criterion) {
    let auth0 = Auth0::builder("acme.auth0.com")
        .token("t")
        .default_connection("Username-Password-Authentication")
        .build()
        .expect("client");
    let users = auth0.users();
    c.bench_function("query string: pairs + exact + raw q + connection", |b| {
        b.iter(|| {
            let query = users
                .query()
                .filter([("email__startswith", "b"), ("user_metadata.band", "AC/DC")])
                .filter(Lookup::exact("name", r#"Bon "The Singer" Scott"#))
                .q(r#"logins_count:[10 TO *]"#);
            black_box(query.to_query_string().expect("valid"))
        });
    });
    c.bench_function("lookup: escape an adversarial exact value", |b| {
        let lookup = Lookup::exact("user_metadata.note", r#"x" OR email:* AND (a:b) \ *"#);
        b.iter(|| black_box(lookup.to_query_string().expect("valid")));
    });
}

fn decoding(c: &mut Criterion) {
    #[derive(serde::Deserialize)]
    struct Page {
        users: Vec<UserProfile>,
    }
    let body = thousand_users();
    c.bench_function("decode 1,000 recorded users (include_totals page)", |b| {
        b.iter(|| {
            black_box(
                serde_json::from_slice::<Page>(black_box(&body))
                    .expect("page")
                    .users
                    .len(),
            )
        });
    });
}

fn diffing(c: &mut Criterion) {
    let recorded: UserProfile =
        serde_json::from_str(include_str!("data/recorded_user.json")).expect("recorded user");
    let snapshot = recorded.to_map();
    let mut changed = recorded.clone();
    changed.email = Some("chuck.norris@example.com".into());
    changed
        .user_metadata
        .insert("favourite_attack".into(), json!("flying_kick"));
    changed
        .user_metadata
        .insert("belt".into(), json!({"colour": "black", "dan": 10}));
    changed.app_metadata.remove("facts");
    c.bench_function("diff a user for save and plan its PATCH requests", |b| {
        b.iter(|| {
            let current = black_box(&changed).to_map();
            black_box(plan_patches(
                diff_for_save(&current, &snapshot),
                None,
                Some("db"),
                Some("cid"),
            ))
        });
    });
}

criterion_group!(benches, query_building, decoding, diffing);
criterion_main!(benches);
