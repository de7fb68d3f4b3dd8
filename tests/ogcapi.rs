//! OGC API – Features end to end: a real server on a real PostGIS, read by
//! GDAL's OAPIF driver; landing page, conformance, OpenAPI, collections,
//! queryables, paging, CRS (Part 2), CQL2 filters checked against an
//! oracle, HTML pages and errors.

mod common;

use common::{cli_import, fixtures, fresh_database, ogr, s, Server};
use serde_json::Value;
use std::collections::BTreeSet;

use xplanserver::ows::urlencode as enc;

fn json(server: &Server, path: &str) -> Value {
    let r = server.get(path);
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{path}: {e}: {}", r.text()))
}

fn ids(fc: &Value) -> Vec<String> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn link<'a>(v: &'a Value, rel: &str) -> Option<&'a str> {
    v["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .and_then(|l| l["href"].as_str())
}

#[tokio::test]
async fn ogc_api_features_for_gdal_with_cql2_crs_and_html() {
    let url = fresh_database().await;
    for f in [
        "plans/BPlan001_5-1.gml",
        "plans/BPlan001_6-0.zip",
        "plans/BP_5.3.zip",
    ] {
        cli_import(&url, &["--skip-validation"], &fixtures().join(f), true);
    }
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let server = Server::start(&url);
    let path = |s: &str| {
        server
            .url(s)
            .split_once(&format!(":{}", server.port))
            .unwrap()
            .1
            .to_string()
    };

    // health: liveness and readiness (database reachable)
    for h in ["/health/live", "/health/ready", "/health"] {
        let v = json(&server, h);
        assert_eq!(v["status"], "ok", "{h}");
    }
    assert_eq!(json(&server, "/health/ready")["database"], "ok");

    // landing page, conformance, OpenAPI
    let l = json(&server, "/ogcapi");
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(link(&l, rel).is_some(), "{rel}: {l}");
    }
    let c = json(&server, "/ogcapi/conformance");
    let conf: Vec<&str> = c["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(conf.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    assert!(conf.contains(&"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2"));
    let api = server.get("/ogcapi/api");
    assert_eq!(
        api.header("content-type").as_deref(),
        Some("application/vnd.oai.openapi+json;version=3.0")
    );
    let api: Value = serde_json::from_slice(&api.body).unwrap();
    assert_eq!(api["openapi"], "3.0.3");
    assert!(
        api["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .len()
            >= 8
    );

    // one collection per version and feature class with features
    let groups: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT p.version, f.feature_type, count(*) FROM features f JOIN plans p ON p.id = f.plan_id GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let cs = json(&server, "/ogcapi/collections");
    let got: BTreeSet<String> = cs["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = groups
        .iter()
        .map(|(v, t, _)| format!("{t}_{}", v.replace('.', "")))
        .collect();
    assert_eq!(got, want);
    let coll = json(&server, "/ogcapi/collections/BP_GruenFlaeche_51");
    assert_eq!(coll["itemType"], "feature");
    assert!(coll["crs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "http://www.opengis.net/def/crs/EPSG/0/25832"));
    let q = json(&server, "/ogcapi/collections/BP_GruenFlaeche_51/queryables");
    for p in ["id", "rechtscharakter", "zweckbestimmung", "position"] {
        assert!(q["properties"].get(p).is_some(), "{p}: {q}");
    }
    assert!(q["properties"]["rechtscharakter"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v == "1000"));

    // GDAL: layers, counts, a copy into GeoPackage with the same areas
    let base = server.url("/ogcapi");
    let (layers, _) = ogr(&["ogrinfo", "-ro", "-q", &format!("OAPIF:{base}")]);
    assert!(layers.contains("BP_GruenFlaeche_51"), "{layers}");
    for (v, t, n) in groups
        .iter()
        .filter(|g| g.1 == "BP_GruenFlaeche" || g.1 == "XP_PPO")
    {
        let id = format!("{t}_{}", v.replace('.', ""));
        let (info, _) = ogr(&["ogrinfo", "-ro", "-so", &format!("OAPIF:{base}"), &id]);
        assert!(
            info.contains(&format!("Feature Count: {n}\n")),
            "{id}: {info}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let gj = dir.path().join("gruen.geojson");
    ogr(&[
        "ogr2ogr",
        "-f",
        "GeoJSON",
        "-t_srs",
        "EPSG:25832",
        gj.to_str().unwrap(),
        &format!("OAPIF:{base}"),
        "BP_GruenFlaeche_51",
    ]);
    let fc: Value = serde_json::from_slice(&std::fs::read(&gj).unwrap()).unwrap();
    let (n, area): (i64, f64) = sqlx::query_as("SELECT count(*), sum(ST_Area(geom_lin)) FROM features WHERE plan_id IN (SELECT id FROM plans WHERE version = '5.1') AND feature_type = 'BP_GruenFlaeche'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(fc["features"].as_array().unwrap().len() as i64, n);
    let total: f64 = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| common::area(&f["geometry"]))
        .sum();
    assert!(
        (total - area).abs() / area < 0.002,
        "{total} m² via OGC API, {area} m² stored"
    );

    // paging: next links give every feature once, in document order
    let all: Vec<String> = sqlx::query_scalar("SELECT gml_id FROM features WHERE plan_id IN (SELECT id FROM plans WHERE version = '5.1') AND feature_type = 'BP_GruenFlaeche' ORDER BY plan_id, seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut paged = vec![];
    let mut next = Some("/ogcapi/collections/BP_GruenFlaeche_51/items?limit=20".to_string());
    while let Some(u) = next {
        let page = json(&server, &u);
        assert_eq!(page["numberMatched"], 54);
        assert_eq!(
            page["numberReturned"].as_u64().unwrap() as usize,
            page["features"].as_array().unwrap().len()
        );
        paged.extend(ids(&page));
        next = link(&page, "next").map(&path);
        assert!(paged.len() <= 54);
    }
    assert_eq!(paged, all);

    // CQL2 and property filters, checked against an oracle on the stored properties
    let rows: Vec<(String, Value)> = sqlx::query_as(
        "SELECT gml_id, properties FROM features WHERE plan_id IN (SELECT id FROM plans WHERE version = '5.1') AND feature_type = 'BP_AnpflanzungBindungErhaltung' ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    type Oracle = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(&str, Oracle)> = vec![
        (
            "filter=massnahme = 2000",
            Box::new(|p| s(p, "massnahme") == Some("2000")),
        ),
        (
            "filter=massnahme <> 2000 AND gegenstand = '1000'",
            Box::new(|p| s(p, "massnahme") != Some("2000") && s(p, "gegenstand") == Some("1000")),
        ),
        (
            "filter=gegenstand LIKE '1%'",
            Box::new(|p| s(p, "gegenstand").is_some_and(|t| t.starts_with('1'))),
        ),
        (
            "filter=massnahme IN (1000, 3000)",
            Box::new(|p| matches!(s(p, "massnahme"), Some("1000" | "3000"))),
        ),
        (
            "filter=massnahme BETWEEN 1500 AND 2500",
            Box::new(|p| {
                common::num(p, "massnahme").is_some_and(|v| (1500.0..=2500.0).contains(&v))
            }),
        ),
        (
            "filter=flaechenschluss IS NULL OR massnahme = 1000",
            Box::new(|p| p.get("flaechenschluss").is_none() || s(p, "massnahme") == Some("1000")),
        ),
        (
            "filter=NOT (gegenstand = 2000)",
            Box::new(|p| s(p, "gegenstand") != Some("2000")),
        ),
        (
            "massnahme=3000",
            Box::new(|p| s(p, "massnahme") == Some("3000")),
        ),
        (
            "gegenstand=2000&filter=massnahme <> 3000",
            Box::new(|p| s(p, "gegenstand") == Some("2000") && s(p, "massnahme") != Some("3000")),
        ),
    ];
    for (query, oracle) in &cases {
        let want: Vec<&str> = rows
            .iter()
            .filter(|(_, p)| oracle(p))
            .map(|(g, _)| g.as_str())
            .collect();
        assert!(
            !want.is_empty() && want.len() < rows.len(),
            "{query}: must discriminate ({})",
            want.len()
        );
        let qs: String = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                format!("{k}={}", enc(v))
            })
            .collect::<Vec<_>>()
            .join("&");
        let fc = json(
            &server,
            &format!("/ogcapi/collections/BP_AnpflanzungBindungErhaltung_51/items?limit=1000&{qs}"),
        );
        assert_eq!(ids(&fc), want, "{query}");
    }

    // spatial: S_INTERSECTS and bbox in CRS84, oracle by PostGIS
    let (x0, y0, x1, y1): (f64, f64, f64, f64) = sqlx::query_as(
        "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Transform(ST_Expand(ST_Envelope(geom_lin), 20), 4326) b
         FROM features WHERE plan_id IN (SELECT id FROM plans WHERE version = '5.1') AND feature_type = 'BP_GruenFlaeche' ORDER BY seq LIMIT 1) x",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let want: Vec<String> = sqlx::query_scalar(
        "SELECT gml_id FROM features WHERE plan_id IN (SELECT id FROM plans WHERE version = '5.1') AND feature_type = 'BP_GruenFlaeche'
         AND ST_Intersects(geom_lin, ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4326), 25832)) ORDER BY seq",
    )
    .bind(x0)
    .bind(y0)
    .bind(x1)
    .bind(y1)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!want.is_empty() && want.len() < 54);
    let f = json(
        &server,
        &format!("/ogcapi/collections/BP_GruenFlaeche_51/items?limit=100&bbox={x0},{y0},{x1},{y1}"),
    );
    assert_eq!(ids(&f), want, "bbox");
    let cql = format!("S_INTERSECTS(position, BBOX({x0}, {y0}, {x1}, {y1}))");
    let f = json(
        &server,
        &format!(
            "/ogcapi/collections/BP_GruenFlaeche_51/items?limit=100&filter={}",
            enc(&cql)
        ),
    );
    assert_eq!(ids(&f), want, "S_INTERSECTS");
    // the same box in EPSG:4326 (lat/lon order) as bbox-crs
    let f = json(&server, &format!("/ogcapi/collections/BP_GruenFlaeche_51/items?limit=100&bbox={y0},{x0},{y1},{x1}&bbox-crs={}", enc("http://www.opengis.net/def/crs/EPSG/0/4326")));
    assert_eq!(ids(&f), want, "bbox-crs");

    // CRS of the response (Part 2)
    let id = &all[0];
    for (crs, check) in [
        (
            "http://www.opengis.net/def/crs/EPSG/0/25832",
            (500_000.0, 600_000.0),
        ),
        ("http://www.opengis.net/def/crs/EPSG/0/4326", (50.0, 56.0)),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", (9.0, 11.0)),
    ] {
        let r = server.get(&format!(
            "/ogcapi/collections/BP_GruenFlaeche_51/items/{id}?crs={}",
            enc(crs)
        ));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-crs"), Some(format!("<{crs}>")));
        let f: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(f["id"], id.as_str());
        let first = f["geometry"]["coordinates"][0][0][0].as_f64().unwrap();
        assert!((check.0..check.1).contains(&first), "{crs}: {first}");
    }

    // datetime: the features of plans in force then (BP_5.3 since 2020-08-01)
    let n53: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM features f JOIN plans p ON p.id = f.plan_id WHERE p.version = '5.3' AND f.feature_type = 'BP_AnpflanzungBindungErhaltung'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(n53 > 0);
    for (dt, want) in [
        ("2020-08-01", n53),
        ("2021-05-04T10:00:00Z", n53),
        ("2019-12-31", 0),
        ("../2020-07-31", 0),
        ("2020-07-01/2020-08-01", n53),
        ("2020-01-01/..", n53),
    ] {
        let fc = json(
            &server,
            &format!("/ogcapi/collections/BP_AnpflanzungBindungErhaltung_53/items?limit=1000&datetime={}", enc(dt)),
        );
        assert_eq!(fc["numberMatched"].as_i64(), Some(want), "{dt}");
    }
    // BPlan001_5-1 has only a rechtsverordnungsDatum (2020-03-27): in force from then
    for (dt, want) in [("2020-03-26", 0), ("2020-03-27", 86)] {
        let fc = json(
            &server,
            &format!(
                "/ogcapi/collections/BP_AnpflanzungBindungErhaltung_51/items?limit=1&datetime={dt}"
            ),
        );
        assert_eq!(fc["numberMatched"], want, "{dt}");
    }
    // BPlan001_6-0 names no date of entry into force: always in force
    let fc = json(
        &server,
        "/ogcapi/collections/BP_GruenFlaeche_60/items?limit=1&datetime=1900-01-01",
    );
    assert_eq!(fc["numberMatched"], 2);

    // HTML
    let h = server.get("/ogcapi?f=html");
    assert!(h.text().contains("<html lang=\"de\">"));
    let h = server.get_accept("/ogcapi/collections", "text/html,application/xhtml+xml");
    assert_eq!(
        h.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(h.text().contains("BP_GruenFlaeche"));
    let h = server.get("/ogcapi/collections/BP_GruenFlaeche_51/items?f=html&limit=5");
    assert_eq!(h.text().matches("<h3>").count(), 5);
    assert!(h.text().contains(id.as_str()) && h.text().contains("weiter"));

    // errors: JSON {code, description} with the right status
    for (q, status) in [
        ("/ogcapi/collections/Nope_51", 404),
        ("/ogcapi/collections/BP_GruenFlaeche_51/items/nope", 404),
        ("/ogcapi/collections/BP_GruenFlaeche_51/items?limit=-1", 400),
        ("/ogcapi/collections/BP_GruenFlaeche_51/items?nope=1", 400),
        (
            "/ogcapi/collections/BP_GruenFlaeche_51/items?filter=massnahme%20%3D",
            400,
        ),
        (
            "/ogcapi/collections/BP_GruenFlaeche_51/items?filter=nope%20%3D%201",
            400,
        ),
        (
            "/ogcapi/collections/BP_GruenFlaeche_51/items?filter-lang=cql2-json&filter=x",
            400,
        ),
        (
            "/ogcapi/collections/BP_GruenFlaeche_51/items?crs=EPSG:2000",
            400,
        ),
        (
            "/ogcapi/collections/BP_GruenFlaeche_51/items?bbox=1,2,3",
            400,
        ),
        (
            "/ogcapi/collections/BP_GruenFlaeche_51/items?datetime=2020-1-1",
            400,
        ),
        ("/ogcapi?f=xml", 400),
    ] {
        let r = server.get(q);
        assert_eq!(r.status, status, "{q}: {}", r.text());
        let e: Value =
            serde_json::from_slice(&r.body).unwrap_or_else(|_| panic!("{q}: {}", r.text()));
        assert!(
            e["code"].is_string() && e["description"].is_string(),
            "{q}: {e}"
        );
    }
    let r = server.get("/ogcapi/collections/BP_GruenFlaeche_51/items?filter=nutzungsform%20%3D");
    assert!(r.text().contains("character 14"), "{}", r.text());
}

#[tokio::test]
async fn readiness_follows_the_database_liveness_does_not() {
    let url = fresh_database().await;
    let server = Server::start(&url);
    assert_eq!(server.get("/health/ready").status, 200);
    // the database goes away under the running server
    let admin = tokio::task::spawn_blocking(common::admin_url)
        .await
        .unwrap();
    let db = url.rsplit('/').next().unwrap().to_string();
    let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .execute(&mut c)
        .await
        .unwrap();
    let r = server.get("/health/ready");
    assert_eq!(r.status, 503, "{}", r.text());
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["status"], "unavailable");
    assert_eq!(server.get("/health/live").status, 200);
}
