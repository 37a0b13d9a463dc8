//! What identity checks cost per request: authenticating an API token (state store lookup,
//! SHA-256, constant-time compare), finding a route's row in the authorization table, and an
//! Argon2id password verification (the cost of one login attempt).

use criterion::{criterion_group, criterion_main, Criterion};
use palisade_core::{iam_config::IamConfig, TenantId};
use palisade_iam::{access, password, Iam, NewToken, NewUser, Role};
use palisade_state::StateStore;
use std::{hint::black_box, sync::Arc};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        Arc::new(StateStore::open(&palisade_state::state_path(dir.path())).expect("state store"));
    let iam = Iam::open(store, IamConfig::default()).expect("iam");
    let tenant = TenantId::new("acme").expect("tenant");
    iam.create_tenant(&tenant).expect("create tenant");
    let user = iam
        .create_user(&NewUser {
            tenant,
            name: "bench".into(),
            roles: vec![Role::User],
            password: None,
        })
        .expect("user");
    let (_, token) = iam
        .create_token(&NewToken {
            user_id: user.id,
            role: Role::User,
            ttl_ms: None,
            description: "bench".into(),
        })
        .expect("token");
    c.bench_function("authenticate_token", |b| {
        b.iter(|| iam.authenticate_token(black_box(&token)).expect("valid"))
    });
    c.bench_function("route_table_lookup", |b| {
        b.iter(|| access::rule_for(black_box("POST"), black_box("/v1/transit/hmac/k/sha2-256")))
    });
    let hash = password::hash("correct horse battery staple").expect("hash");
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(10);
    group.bench_function("verify_password", |b| {
        b.iter(|| password::verify(black_box("correct horse battery staple"), &hash))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
