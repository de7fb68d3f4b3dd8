//! Import into a real PostGIS, export, delete, failures and rejected input.

mod common;

use sqlx::Row;
use std::process::Command;
use xplanserver::gml::arc::linearize;
use xplanserver::store::{ImportOptions, StoreError};
use xplanserver::xplan::archive::read_input_bytes;
use xplanserver::xplan::{parse_document, read_input, Limits, PlanStatus};

use common::bin;

/// Features of a document as comparable values.
fn feature_set(gml: String) -> Vec<(String, String, serde_json::Value, Vec<String>)> {
    let doc = parse_document(gml).unwrap();
    let mut v: Vec<_> = doc
        .features
        .iter()
        .map(|f| {
            (
                f.feature_type.clone(),
                f.gml_id.clone(),
                serde_json::Value::Object(f.properties.to_json()),
                f.geometries
                    .iter()
                    .map(|g| format!("{}={:?}", g.property, g.geometry.geometry))
                    .collect(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_export_round_trip_of_every_fixture_plan() {
    let store = common::fresh_store().await;
    for path in common::fixture_plans() {
        let input = read_input(&path, &Limits::default()).unwrap();
        let original_gml = input.gml.clone();
        let original_attachments = input.attachments.clone();
        let r = store
            .import(input, &ImportOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(r.plan_ids.len(), 1, "{}", path.display());
        let id = r.plan_ids[0];
        let (gml, attachments) = store.export(id).await.unwrap();
        assert_eq!(
            feature_set(gml.clone()),
            feature_set(original_gml.clone()),
            "{}: round trip",
            path.display()
        );
        let mut a = attachments.clone();
        let mut b = original_attachments.clone();
        a.sort_by(|x, y| x.name.cmp(&y.name));
        b.sort_by(|x, y| x.name.cmp(&y.name));
        assert_eq!(a, b, "{}: attachments", path.display());

        // The stored geometries have the document's coordinates, curves kept.
        let doc = parse_document(original_gml).unwrap();
        let rows = sqlx::query(
            "SELECT gml_id, ST_NPoints(geom), ST_HasArc(geom), ST_SRID(geom_lin), ST_IsEmpty(geom_lin) FROM features WHERE plan_id = $1 AND geom IS NOT NULL",
        )
        .bind(id)
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let with_geometry = doc
            .features
            .iter()
            .filter(|f| f.primary_geometry().is_some())
            .count();
        assert_eq!(
            rows.len(),
            with_geometry,
            "{}: one stored geometry per feature with geometry",
            path.display()
        );
        for row in rows {
            let gml_id: String = row.get(0);
            let f = doc.features.iter().find(|f| f.gml_id == gml_id).unwrap();
            let g = &f.primary_geometry().unwrap().geometry.geometry;
            let has_arc: bool = row.get(2);
            assert_eq!(
                has_arc,
                g.has_arcs(),
                "{}: {gml_id} curve kept",
                path.display()
            );
            if !g.has_arcs() {
                let mut n = 0;
                linearize(g, 0.05).for_each_point(&mut |_| n += 1);
                let stored: i32 = row.get(1);
                // PostGIS closes unclosed rings; everything else is identical.
                assert!(
                    stored as usize >= n && stored as usize <= n + 8,
                    "{}: {gml_id} has {stored} points, {n} in the document",
                    path.display()
                );
            }
            assert_eq!(row.get::<i32, _>(3), 25832);
            assert!(!row.get::<bool, _>(4));
        }
    }
    let plans = store.list().await.unwrap();
    assert_eq!(plans.len(), common::fixture_plans().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_metadata_status_and_delete() {
    let store = common::fresh_store().await;
    let id = common::import_fixture(&store, "plans/BPlan004_6-0.zip").await;
    let p = store.get(id).await.unwrap();
    assert_eq!(p.name, "BPlan004_6-0");
    assert_eq!(p.plan_type, "BP");
    assert_eq!(p.version, "6.0");
    assert_eq!(p.ags, vec!["02000000".to_string()]);
    assert_eq!(p.rechtsstand, Some(3000));
    assert_eq!(p.status, "festgestellt");
    assert_eq!(p.attachments.len(), 3);
    assert_eq!(p.bereiche.len(), 1);
    assert_eq!(p.feature_count, 63);
    let bbox = p.bbox.unwrap();
    assert!(bbox[0] > 500_000.0 && bbox[2] < 600_000.0 && bbox[1] > 5_900_000.0);

    // explicit status overrides rechtsstand
    let input = read_input(
        &common::fixtures().join("plans/BPlan004_6-0.zip"),
        &Limits::default(),
    )
    .unwrap();
    let r2 = store
        .import(
            input,
            &ImportOptions {
                status: Some(PlanStatus::Archiviert),
                internal_id: Some("v-17".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let p2 = store.get(r2.plan_ids[0]).await.unwrap();
    assert_eq!(p2.status, "archiviert");
    assert_eq!(p2.internal_id.as_deref(), Some("v-17"));

    // the WFS frame of the plans of a version: CRS and bindings read once
    // and kept, names read every time
    let frame_of_id = || async {
        let frames = store.wfs_plans("6.0", &[]).await.unwrap();
        frames.into_iter().find(|f| f.id == id).unwrap()
    };
    let update_id = |sql: &'static str| {
        let pool = store.pool.clone();
        async move {
            sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
        }
    };
    let f = frame_of_id().await;
    assert_eq!((f.name.as_str(), f.srid), ("BPlan004_6-0", 25832));
    assert!(f
        .namespaces
        .iter()
        .any(|(_, u)| u == "http://www.xplanung.de/xplangml/6/0"));
    assert!(store.plan_frames.lock().unwrap().contains_key(&id));
    update_id("UPDATE plans SET name = 'renamed' WHERE id = $1").await;
    let g = frame_of_id().await;
    assert_eq!(g.name, "renamed");
    assert!(std::sync::Arc::ptr_eq(&f.namespaces, &g.namespaces));
    // a status filter applies to the kept plans too
    let archived = store
        .wfs_plans("6.0", &["archiviert".into()])
        .await
        .unwrap();
    assert_eq!(
        archived.iter().map(|f| f.id).collect::<Vec<_>>(),
        vec![r2.plan_ids[0]]
    );

    // a plan row with the same id but another import (a database recreated
    // under a running server) is read again
    update_id("UPDATE plans SET imported_at = imported_at - interval '1 day' WHERE id = $1").await;
    let h = frame_of_id().await;
    assert!(!std::sync::Arc::ptr_eq(&g.namespaces, &h.namespaces));

    assert!(store.delete(id).await.unwrap());
    assert!(!store.delete(id).await.unwrap());
    assert!(!store.plan_frames.lock().unwrap().contains_key(&id));
    assert!(store
        .wfs_plans("6.0", &[])
        .await
        .unwrap()
        .iter()
        .all(|f| f.id != id));
    assert_eq!(store.row_counts(id).await.unwrap(), (0, 0, 0));
    assert!(matches!(store.get(id).await, Err(StoreError::NotFound(_))));
    // the other plan is untouched
    assert_eq!(store.row_counts(r2.plan_ids[0]).await.unwrap(), (63, 1, 3));
    // the feature counts per type (kept for counting queries) follow
    let fp = common::import_fixture(&store, "plans/FPlan.zip").await;
    let counts = |sql: &'static str| {
        let pool = store.pool.clone();
        async move {
            sqlx::query_as::<_, (i64, String, i64)>(sql)
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };
    let kept = "SELECT plan_id, feature_type, n::int8 FROM feature_counts ORDER BY 1, 2";
    let real = "SELECT plan_id, feature_type, count(*) FROM features GROUP BY 1, 2 ORDER BY 1, 2";
    let before = counts(kept).await;
    assert!(before.len() > 10, "{before:?}");
    assert_eq!(before, counts(real).await);
    assert!(store.delete(fp).await.unwrap());
    let after = counts(kept).await;
    assert!(after.iter().all(|c| c.0 != fp) && !after.is_empty());
    assert_eq!(after, counts(real).await);
    // the API's deletion (with its audit entry) forgets the kept frame too
    let kept = r2.plan_ids[0];
    assert!(store.plan_frames.lock().unwrap().contains_key(&kept));
    store.delete_plan(kept, "tester").await.unwrap();
    assert!(!store.plan_frames.lock().unwrap().contains_key(&kept));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gauss_krueger_plan_is_stored_in_the_storage_crs() {
    let store = common::fresh_store().await;
    let id = common::import_fixture(&store, "plans/FPlan.zip").await;
    let p = store.get(id).await.unwrap();
    assert_eq!(p.srid, 31467);
    let b = p.bbox.unwrap();
    // UTM32 eastings are six digits (GK zone 3 has seven, starting with 3)
    assert!(b[0] > 100_000.0 && b[2] < 1_000_000.0, "{b:?}");
    let srids: Vec<(i32, i32)> = sqlx::query_as("SELECT DISTINCT ST_SRID(geom), ST_SRID(geom_lin) FROM features WHERE plan_id = $1 AND geom IS NOT NULL")
        .bind(id)
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(srids, vec![(31467, 25832)]);
}

/// Everything an import stored, as comparable text (plan ids left out).
async fn stored_rows(store: &xplanserver::store::Store) -> Vec<String> {
    let mut rows: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws('|', p.name, p.gml_id, p.srid, p.feature_count, p.status, p.bbox::text,
                ST_AsText(p.geltungsbereich), p.root_bounded_by, f.seq, f.gml_id, f.feature_type,
                f.bereich_gml_id, f.ebene, f.flaechenschluss, f.properties::text, f.geojson_properties,
                ST_AsEWKT(f.geom), ST_AsEWKT(f.geom_lin), md5(f.xml))
         FROM plans p JOIN features f ON f.plan_id = p.id",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    let bereiche: Vec<String> = sqlx::query_scalar(
        "SELECT concat_ws('|', p.name, b.gml_id, b.nummer, ST_AsText(b.geltungsbereich))
         FROM plans p JOIN bereiche b ON b.plan_id = p.id",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    rows.extend(bereiche);
    rows.sort();
    rows
}

/// The synthetic document of `copies` plans, with the last member of the
/// first plan moved to the end when `late` (after the other plans).
fn tiled(copies: usize, late: bool) -> String {
    let src = std::fs::read_to_string(common::fixtures().join("plans/BPlan001_5-1.gml")).unwrap();
    let doc = xplanserver::synth::tile_plan(&src, copies).unwrap();
    if !late {
        return doc;
    }
    let open = "<gml:featureMember>";
    let close = "</gml:featureMember>";
    let first_of_s1 = doc.find("_s1\"").unwrap();
    let start = doc[..first_of_s1].rfind(open).unwrap();
    let start = doc[..start].rfind(open).unwrap();
    let end = start + doc[start..].find(close).unwrap() + close.len();
    let member = doc[start..end].to_string();
    assert!(
        member.contains("_s0\""),
        "a member of the first plan: {member}"
    );
    let mut out = doc[..start].to_string();
    let root_end = doc.rfind("</").unwrap();
    out.push_str(&doc[end..root_end]);
    out.push_str(&member);
    out.push('\n');
    out.push_str(&doc[root_end..]);
    out
}

/// Several plans in one document: a plan whose features all come before
/// the next plan's is written while the rest is parsed, and what is stored
/// is what a parse of the whole document first stores. When a later
/// feature turns out to belong to a plan written early, the plans are
/// written again from the whole document, with the same result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_written_while_the_document_is_parsed_equal_a_whole_parse() {
    for late in [false, true] {
        let doc = tiled(6, late);
        let streamed = common::fresh_store().await;
        let input = read_input_bytes(
            "six.gml".into(),
            doc.clone().into_bytes(),
            &Limits::default(),
        )
        .unwrap();
        let r = streamed
            .import(input, &ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(r.plan_ids.len(), 6);
        assert_eq!(r.features, 6 * 739);
        if late {
            assert_eq!(r.written_early, 0, "written again after the late feature");
            // plan ids are not reused: the first writing took some
            assert!(r.plan_ids[0] > 1, "written twice: {:?}", r.plan_ids);
        } else {
            assert!(
                r.written_early >= 2,
                "plans written early: {}",
                r.written_early
            );
        }
        let whole = common::fresh_store().await;
        let parsed = parse_document(doc).unwrap();
        let r2 = whole
            .import_document(parsed, vec![], "six.gml".into(), &ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(r2.written_early, 0);
        let (a, b) = (stored_rows(&streamed).await, stored_rows(&whole).await);
        assert_eq!(a.len(), 6 * 739 + 6, "rows (features and Bereiche)");
        assert!(a == b, "late = {late}: the stored rows differ");
    }
    // a bad coordinate in the last feature, found after the first plans
    // were written: nothing stays
    let doc = tiled(6, false);
    let at = doc.rfind("<gml:pos").unwrap();
    let at = at + doc[at..].find('>').unwrap() + 1;
    let broken = format!("{}x{}", &doc[..at], &doc[at..]);
    let store = common::fresh_store().await;
    let input =
        read_input_bytes("broken.gml".into(), broken.into_bytes(), &Limits::default()).unwrap();
    let err = store
        .import(input, &ImportOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("line"), "{err}");
    assert!(
        stored_rows(&store).await.is_empty(),
        "nothing stored: {err}"
    );
    // (sequences are not rolled back: plan rows had been written)
    let (last, called): (i64, bool) =
        sqlx::query_as("SELECT last_value, is_called FROM plans_id_seq")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert!(
        called && last >= 2,
        "plans written before the error: {last}"
    );
}

/// Two plans in one document; the second fails inside the transaction
/// (a trigger refuses one of its features): nothing of either remains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_import_leaves_nothing_behind() {
    let store = common::fresh_store().await;
    let src = std::fs::read_to_string(common::fixtures().join("plans/BPlan001_5-1.gml")).unwrap();
    let doc = xplanserver::synth::tile_plan(&src, 2).unwrap();
    let victim = parse_document(doc.clone())
        .unwrap()
        .features
        .iter()
        .rev()
        .find(|f| f.gml_id.ends_with("_s1") && !f.is_plan() && !f.is_bereich())
        .unwrap()
        .gml_id
        .clone();
    sqlx::raw_sql(&format!(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
           IF NEW.gml_id = '{victim}' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON features FOR EACH ROW EXECUTE FUNCTION refuse();"
    ))
    .execute(&store.pool)
    .await
    .unwrap();
    let input = read_input_bytes("two.gml".into(), doc.into_bytes(), &Limits::default()).unwrap();
    let err = store
        .import(input, &ImportOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("refused by test trigger"), "{err}");
    for table in ["plans", "bereiche", "features", "attachments"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} is empty after the failed import");
    }
}

/// A killed import process leaves either nothing or the whole plan. The
/// kill is made to land inside the transaction: a trigger holds the COPY of
/// the last feature until the test has seen the import's backend busy with
/// it (plan rows of the document already written), then the process dies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_import_leaves_no_partial_plan() {
    let url = common::fresh_database().await;
    let store = xplanserver::store::Store::connect_url(&url, 2, 25832, 0.05)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(common::fixtures().join("plans/BPlan001_5-1.gml")).unwrap();
    let doc = xplanserver::synth::tile_plan(&src, 3).unwrap();
    let last = parse_document(doc.clone())
        .unwrap()
        .features
        .last()
        .unwrap()
        .gml_id
        .clone();
    let big = dir.path().join("three.gml");
    std::fs::write(&big, doc).unwrap();
    sqlx::raw_sql(&format!(
        "CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
           IF NEW.gml_id = '{last}' THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$;
         CREATE TRIGGER hold BEFORE INSERT ON features FOR EACH ROW EXECUTE FUNCTION hold();"
    ))
    .execute(&store.pool)
    .await
    .unwrap();
    let mut child = Command::new(bin())
        .args(["--database-url", &url, "import", "--quiet"])
        .arg(&big)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut backend = None;
    for _ in 0..600 {
        backend = sqlx::query_scalar::<_, i32>(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY features%' AND wait_event = 'PgSleep'",
        )
        .fetch_optional(&store.pool)
        .await
        .unwrap();
        if backend.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let backend = backend.expect("the import reached the COPY of its last plan");
    // Inside the transaction, two plans and part of the third are written.
    child.kill().unwrap();
    child.wait().unwrap();
    // The server notices the dead client at its next read; do not wait for the sleep.
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(backend)
        .execute(&store.pool)
        .await
        .unwrap();
    for table in ["plans", "bereiche", "features", "attachments"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} is empty after the killed import");
    }
    // Without the trigger the same file imports completely.
    sqlx::raw_sql("DROP TRIGGER hold ON features")
        .execute(&store.pool)
        .await
        .unwrap();
    common::cli_import(&url, &["--quiet"], &big, true);
    let rows: Vec<(i64, i32)> = sqlx::query_as("SELECT id, feature_count FROM plans")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for (id, count) in rows {
        assert_eq!(count, 739);
        assert_eq!(store.row_counts(id).await.unwrap().0, 739);
    }
}

#[test]
fn rejected_inputs_give_clear_errors() {
    let limits = Limits::default();
    let f = common::fixtures().join("validation/rejected");
    // XML entity / DTD
    let input = read_input(&f.join("BP_5.0_Entity.zip"), &limits).unwrap();
    let e = parse_document(input.gml).unwrap_err().to_string();
    assert!(e.contains("DOCTYPE") && e.contains("line 2"), "{e}");
    // wrongly named archive member
    let e = read_input(&f.join("Eidelstedt_4_V4-wrongGmlFileName.zip"), &limits)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no 'xplan.gml'") && e.contains("'Xplan.gml'"),
        "{e}"
    );
    // not XPlanGML: an XML schema file, a GML file of another application, plain text
    let e = parse_document(
        std::fs::read_to_string("xsd/XPlanGML_6_0/XPlanung-Operationen.xsd").unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("not an XPlanGML document") && e.contains("schema"),
        "{e}"
    );
    let e = parse_document(r#"<x:Foo xmlns:x="http://example.org/x"/>"#.into())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("<Foo>") && e.contains("http://example.org/x"),
        "{e}"
    );
    let e = parse_document("hello".into()).unwrap_err().to_string();
    assert!(e.contains("not an XPlanGML document"), "{e}");
    let e = parse_document(
        r#"<xplan:XPlanAuszug xmlns:xplan="http://www.xplanung.de/xplangml/4/0"/>"#.into(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("unsupported XPlanGML version") && e.contains("4.0"),
        "{e}"
    );
    // truncated document
    let full = std::fs::read_to_string(common::fixtures().join("plans/BPlan002_5-4.gml")).unwrap();
    let e = parse_document(full[..full.len() / 2].to_string())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line"), "{e}");
}

/// Several files at once (two in flight): every good file is imported,
/// a bad one in between is reported without stopping the others, and the
/// plan ids are printed in the order of the files even when a large first
/// file finishes last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_imports_several_files_and_reports_them_in_file_order() {
    let url = common::fresh_database().await;
    let plans = common::fixtures().join("plans");
    let files = [
        plans.join("RROP_Landkreis_Test_51.zip"),
        common::fixtures().join("validation/rejected/BP_5.0_Entity.zip"),
        plans.join("BPlan002_5-4.gml"),
        plans.join("SO_5.3.zip"),
    ];
    let out = Command::new(bin())
        .args(["--database-url", &url, "import", "--skip-validation"])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let printed: Vec<&str> = stdout
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap())
        .collect();
    let expected: Vec<String> = [&files[0], &files[2], &files[3]]
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    assert_eq!(printed, expected, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("BP_5.0_Entity.zip") && stderr.contains("DOCTYPE"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 of 4 files were not imported"),
        "{stderr}"
    );
    let store = xplanserver::store::Store::connect_url(&url, 1, 25832, 0.05)
        .await
        .unwrap();
    let mut names: Vec<String> = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|p| p.source_file)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "BPlan002_5-4.gml",
            "RROP_Landkreis_Test_51.zip",
            "SO_5.3.zip"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_reports_rejected_input_with_exit_code_and_one_line() {
    let url = common::fresh_database().await;
    let rejected = common::fixtures().join("validation/rejected");
    for (file, needle) in [
        ("Eidelstedt_4_V4-wrongGmlFileName.zip", "'Xplan.gml'"),
        ("BP_5.0_Entity.zip", "DOCTYPE"),
    ] {
        let out = Command::new(bin())
            .args(["--database-url", &url, "import"])
            .arg(rejected.join(file))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(needle),
            "{stderr}"
        );
    }
    let store = xplanserver::store::Store::connect_url(&url, 1, 25832, 0.05)
        .await
        .unwrap();
    assert!(store.list().await.unwrap().is_empty());
    // an unreachable database is one line too
    let out = Command::new(bin())
        .args([
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_transactions_refuse_bad_snapshots() {
    use xplanserver::store::features::begin_read;
    let store = common::fresh_store().await;
    let mut conn = store.pool.acquire().await.unwrap();
    // an id that is not one is refused before anything is sent
    let e = begin_read(&mut conn, Some("1'; DROP TABLE plans; --"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unexpected snapshot id"), "{e}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM plans")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // a well-formed id of a snapshot that does not exist (any more): an
    // error, and BEGIN has run unknown to sqlx, which is why the second
    // reader of a split WFS read closes its connection on an error
    let e = begin_read(&mut conn, Some("00000003-0000001B-1"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("snapshot"), "{e}");
    let after = sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&mut *conn)
        .await;
    assert!(
        after.is_err(),
        "the connection is inside the failed transaction"
    );
    conn.close_on_drop();
    drop(conn);
    // a good one works: one snapshot for the transaction, read only
    let mut conn = store.pool.acquire().await.unwrap();
    let mut tx = begin_read(&mut conn, None).await.unwrap();
    let (iso, ro): (String, String) = sqlx::query_as(
        "SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((iso.as_str(), ro.as_str()), ("repeatable read", "on"));
    assert!(sqlx::query("CREATE TABLE t (x int)")
        .execute(&mut *tx)
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feature_streams_carry_the_plans_of_their_snapshot() {
    use xplanserver::store::features::{Batch, Columns, FeatureQuery, Filter};
    let store = common::fresh_store().await;
    let a = common::import_fixture(&store, "plans/BPlan004_6-0.zip").await;
    let q = FeatureQuery {
        version: "6.0".into(),
        statuses: vec![],
        filter: Filter::Types(vec!["BP_Plan".into()]),
        sort: vec![],
        start: 0,
        count: None,
    };
    let cols = Columns {
        xml: true,
        ..Default::default()
    };
    // room for one message: the stream waits with its snapshot open while
    // another plan of the version is imported
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let reader = async {
        let Some(Ok(Batch::Plans(plans))) = rx.recv().await else {
            panic!("the plans come first");
        };
        let b = common::import_fixture(&store, "plans/BPlan004_6-0.zip").await;
        let outside = store.wfs_plans("6.0", &[]).await.unwrap();
        assert!(outside.iter().any(|p| p.id == b));
        let mut matched = None;
        let mut row_plans = vec![];
        while let Some(m) = rx.recv().await {
            match m.unwrap() {
                Batch::Matched(n) => matched = Some(n),
                Batch::Rows(rows) => row_plans.extend(rows.iter().map(|r| r.plan_id())),
                Batch::Plans(_) => panic!("plans twice"),
            }
        }
        (
            plans.iter().map(|p| p.id).collect::<Vec<_>>(),
            matched,
            row_plans,
        )
    };
    let ((), (plans, matched, rows)) = tokio::join!(
        store.stream_features(q, cols, (true, true, false), 512, tx),
        reader
    );
    assert_eq!(plans, vec![a]);
    assert_eq!(matched, Some(1));
    assert_eq!(rows, vec![a]);
}
