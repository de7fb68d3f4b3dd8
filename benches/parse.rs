//! In-process throughput of reading plans: XPlanGML parsing (features,
//! properties, geometries) and row preparation (linearisation, PROJ, EWKB,
//! binary COPY encoding), without the database.
//! `cargo bench --bench parse`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::Path;
use xplanserver::store::{prepare, ImportOptions};
use xplanserver::xplan::{parse_document, read_input, split_plans, Limits};

fn load(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/plans")
        .join(name);
    read_input(&p, &Limits::default()).unwrap().gml
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    g.sample_size(20);
    let synthetic = xplanserver::synth::tile_plan(&load("BPlan001_5-1.gml"), 20).unwrap();
    for (name, gml) in [
        ("RROP_Landkreis_Test_51", load("RROP_Landkreis_Test_51.zip")),
        ("FPlan (GK3)", load("FPlan.zip")),
        ("BPlan001_5-1 x20", synthetic),
    ] {
        g.throughput(Throughput::Bytes(gml.len() as u64));
        g.bench_function(format!("parse {name}"), |b| {
            b.iter(|| parse_document(gml.clone()).unwrap())
        });
        let doc = parse_document(gml.clone()).unwrap();
        let plans = split_plans(&doc).unwrap();
        g.bench_function(format!("prepare rows {name}"), |b| {
            b.iter(|| prepare(&doc, &plans, &ImportOptions::default(), 25832, 0.05).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
