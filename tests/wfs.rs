//! WFS 2.0 end to end: a real server process on a real PostGIS, read by
//! GDAL's WFS driver, responses validated with xmllint against the official
//! XPlanGML and OGC schemas (offline), and a table of filters whose results
//! are checked against an oracle evaluated here on the stored properties.

mod common;

use common::{area, cli_import, fixtures, fresh_database, num, ogr, s, xmllint, Server};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use xplanserver::ows::urlencode as enc;

/// The gml:id of each wfs:member's feature, in order.
fn member_ids(xml: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = xml;
    while let Some(i) = rest.find("<wfs:member") {
        rest = &rest[i + 11..];
        let tag_end = rest.find('>').unwrap();
        rest = &rest[tag_end + 1..];
        let feat_end = rest.find('>').unwrap();
        let tag = &rest[..feat_end];
        let id = tag
            .split("gml:id=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("member without gml:id: {tag}"));
        out.push(id.to_string());
    }
    out
}

/// An attribute of the response's root element.
fn attr(xml: &str, name: &str) -> Option<String> {
    let start = xml.find("Collection ")?;
    let head = &xml[start..start + xml[start..].find('>')?];
    head.split(&format!(" {name}=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
}

fn feature_count(ogrinfo: &str) -> i64 {
    ogrinfo
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .unwrap_or_else(|| panic!("no feature count in {ogrinfo}"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn wfs_serves_valid_xplangml_to_gdal() {
    let url = fresh_database().await;
    for f in [
        "plans/BPlan001_5-1.gml",
        "plans/BPlan001_4-1.zip",
        "plans/Eidelstedt_4_V4.zip",
        "plans/BPlan001_6-0.zip",
        "plans/FNP_Test_60.zip",
        "plans/BPlan001_5-2_Bereiche.zip",
    ] {
        cli_import(&url, &["--skip-validation"], &fixtures().join(f), true);
    }
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let server = Server::start(&url);
    let versions: Vec<String> = sqlx::query_scalar("SELECT DISTINCT version FROM plans ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(versions.len() >= 4, "{versions:?}");
    for v in &versions {
        let digits = v.replace('.', "");
        let dir = format!(
            "xsd/XPlanGML_{}/XPlanung-Operationen.xsd",
            v.replace('.', "_")
        );
        let base = format!("/wfs/{digits}?SERVICE=WFS&VERSION=2.0.0");

        let caps = server.get(&format!("{base}&REQUEST=GetCapabilities"));
        assert_eq!(caps.status, 200);
        xmllint("http://schemas.opengis.net/wfs/2.0/wfs.xsd", &caps.body)
            .unwrap_or_else(|e| panic!("{v}: capabilities invalid:\n{e}"));
        assert!(caps.text().contains("<wfs:Name>xplan:BP_Plan</wfs:Name>"));

        // every stored feature of the version, in one request per CRS
        let rows: Vec<(String, String, String, i32)> = sqlx::query_as(
            "SELECT f.feature_type, f.gml_id, f.xml, p.srid FROM features f JOIN plans p ON p.id = f.plan_id
             WHERE p.version = $1 ORDER BY f.feature_type, f.plan_id, f.seq",
        )
        .bind(v)
        .fetch_all(&pool)
        .await
        .unwrap();
        let types: BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        let typenames = types
            .iter()
            .map(|t| format!("xplan:{t}"))
            .collect::<Vec<_>>()
            .join(",");
        for srs in ["", "urn:ogc:def:crs:EPSG::4326", "EPSG:25833"] {
            let mut q = format!("{base}&REQUEST=GetFeature&TYPENAMES={}", enc(&typenames));
            if !srs.is_empty() {
                q.push_str(&format!("&SRSNAME={}", enc(srs)));
            }
            let r = server.get(&q);
            assert_eq!(r.status, 200, "{v} {srs}: {}", r.text());
            assert_eq!(
                r.header("content-type").as_deref(),
                Some("application/gml+xml; version=3.2")
            );
            let body = r.text();
            let ids = member_ids(&body);
            // grouped by type, in document order within each plan
            let want: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
            assert_eq!(ids, want, "{v} {srs}");
            assert_eq!(attr(&body, "numberMatched"), Some(rows.len().to_string()));
            xmllint(&dir, &r.body)
                .unwrap_or_else(|e| panic!("{v} {srs}: GetFeature output invalid:\n{e}"));
            match srs {
                "" => {
                    // plans stored in EPSG:25832 come back byte for byte
                    for (_, id, xml, srid) in &rows {
                        if *srid == 25832 && xml.contains("srsName") {
                            assert!(body.contains(xml.as_str()), "{v}: {id} not verbatim");
                        }
                    }
                }
                "urn:ogc:def:crs:EPSG::4326" => {
                    // lat/lon: Hamburg and Brandenburg latitudes come first
                    let pos = body
                        .split("<gml:posList")
                        .nth(1)
                        .and_then(|r| r.split('>').nth(1))
                        .expect("a posList");
                    let first: f64 = pos.split_whitespace().next().unwrap().parse().unwrap();
                    assert!(
                        (47.0..56.0).contains(&first),
                        "{v}: latitude first, got {first}"
                    );
                    assert!(!body.contains("srsName=\"EPSG:25832\""));
                }
                _ => assert!(!body.contains("srsName=\"EPSG:25832\"")),
            }
        }
    }

    // arcs stay arcs in GML output, also when reprojected
    let arcs: i64 = sqlx::query_scalar(
        "SELECT sum((length(xml) - length(replace(xml, '<gml:ArcString', ''))) / 14)::int8 FROM features
         WHERE feature_type = 'BP_StrassenVerkehrsFlaeche' AND xml LIKE '%ArcString%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(arcs > 0);
    for srs in ["", "&SRSNAME=EPSG:25833"] {
        let r = server.get(&format!("/wfs/51?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=xplan:BP_StrassenVerkehrsFlaeche{srs}"));
        assert_eq!(
            r.text().matches("<gml:ArcString").count() as i64,
            arcs,
            "{srs}"
        );
    }

    // GDAL's WFS driver: layers, counts, and a copy into GeoPackage
    let wfs = server.url("/wfs/51");
    let (layers, err) = ogr(&["ogrinfo", "-ro", "-q", &format!("WFS:{wfs}")]);
    assert!(layers.contains("xplan:BP_GruenFlaeche"), "{layers}");
    assert!(!err.contains("ERROR"), "{err}");
    for (layer, n) in [
        ("BP_GruenFlaeche", 54),
        ("BP_AnpflanzungBindungErhaltung", 86),
        ("XP_PPO", 116),
    ] {
        let (info, err) = ogr(&[
            "ogrinfo",
            "-ro",
            "-so",
            &format!("WFS:{wfs}"),
            &format!("xplan:{layer}"),
        ]);
        assert!(!err.contains("ERROR"), "{err}");
        assert_eq!(feature_count(&info), n, "{layer}");
    }
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("wfs.gpkg");
    ogr(&[
        "ogr2ogr",
        "-f",
        "GPKG",
        gpkg.to_str().unwrap(),
        &format!("WFS:{wfs}"),
        "xplan:BP_GruenFlaeche",
        "xplan:BP_BaugebietsTeilFlaeche",
    ]);
    for layer in ["BP_GruenFlaeche", "BP_BaugebietsTeilFlaeche"] {
        let gj = dir.path().join(format!("{layer}.geojson"));
        ogr(&[
            "ogr2ogr",
            "-f",
            "GeoJSON",
            gj.to_str().unwrap(),
            gpkg.to_str().unwrap(),
            &format!("xplan:{layer}"),
        ]);
        let fc: Value = serde_json::from_slice(&std::fs::read(&gj).unwrap()).unwrap();
        let feats = fc["features"].as_array().unwrap();
        let (n, stored_area): (i64, f64) = sqlx::query_as(
            "SELECT count(*), sum(ST_Area(geom_lin)) FROM features f JOIN plans p ON p.id = f.plan_id
             WHERE p.version = '5.1' AND f.feature_type = $1",
        )
        .bind(layer)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(feats.len() as i64, n, "{layer}");
        let total: f64 = feats.iter().map(|f| area(&f["geometry"])).sum();
        assert!(
            (total - stored_area).abs() / stored_area < 0.002,
            "{layer}: {total} m² in the GeoPackage, {stored_area} m² stored"
        );
        let ids: BTreeSet<&str> = feats
            .iter()
            .map(|f| f["properties"]["gml_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), feats.len(), "{layer}: gml:ids");
    }

    // DescribeFeatureType: one schema document GDAL could read above; the
    // schema files it imports are served
    let d = server.get(
        "/wfs/51?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=xplan:BP_Plan",
    );
    assert_eq!(d.status, 200);
    let loc = d
        .text()
        .split("schemaLocation=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let path = loc.split_once(&format!(":{}", server.port)).unwrap().1;
    assert_eq!(server.get(path).status, 200, "{loc}");
    assert_eq!(
        server
            .get("/schemas/xplan/XPlanGML_5_1/../../Cargo.toml")
            .status,
        404
    );
}

/// (name, filter, oracle on (gml_id, properties))
type Case = (&'static str, String, Box<dyn Fn(&str, &Value) -> bool>);

fn fes(body: &str) -> String {
    format!(
        "<fes:Filter xmlns:fes=\"http://www.opengis.net/fes/2.0\" xmlns:xplan=\"http://www.xplanung.de/xplangml/5/1\" xmlns:gml=\"http://www.opengis.net/gml/3.2\">{body}</fes:Filter>"
    )
}

fn cmp(op: &str, prop: &str, lit: &str) -> String {
    format!("<fes:{op}><fes:ValueReference>xplan:{prop}</fes:ValueReference><fes:Literal>{lit}</fes:Literal></fes:{op}>")
}

#[tokio::test]
async fn wfs_filters_paging_stored_queries_and_exceptions() {
    let url = fresh_database().await;
    cli_import(
        &url,
        &["--skip-validation"],
        &fixtures().join("plans/BPlan001_5-1.gml"),
        true,
    );
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    // whole results of 100 rows or more are read by two connections: the
    // paging below compares pages (one connection) with a whole result
    let server = Server::start_with_env(&url, &[("XPLAN_WFS_PARALLEL_MIN_ROWS", "100")]);
    let types = "xplan:BP_GruenFlaeche,xplan:BP_AnpflanzungBindungErhaltung";
    let rows: Vec<(String, Value)> = sqlx::query_as(
        "SELECT gml_id, properties FROM features
         WHERE feature_type IN ('BP_GruenFlaeche', 'BP_AnpflanzungBindungErhaltung') ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 140);
    let (gx0, gy0, gx1, gy1, some_id): (f64, f64, f64, f64, String) = sqlx::query_as(
        "SELECT ST_XMin(geom_lin), ST_YMin(geom_lin), ST_XMax(geom_lin), ST_YMax(geom_lin), gml_id
         FROM features WHERE feature_type = 'BP_GruenFlaeche' ORDER BY seq LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // oracle for spatial cases: PostGIS itself
    let spatial = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let ids: Vec<String> = sqlx::query_scalar(sql)
                .bind(gx0)
                .bind(gy0)
                .bind(gx1)
                .bind(gy1)
                .fetch_all(&pool)
                .await
                .unwrap();
            ids.into_iter().collect::<BTreeSet<String>>()
        }
    };
    let in_box = spatial(
        "SELECT gml_id FROM features WHERE feature_type IN ('BP_GruenFlaeche', 'BP_AnpflanzungBindungErhaltung')
         AND ST_Intersects(geom_lin, ST_MakeEnvelope($1, $2, $3, $4, 25832))",
    )
    .await;
    let near = spatial(
        "SELECT gml_id FROM features WHERE feature_type IN ('BP_GruenFlaeche', 'BP_AnpflanzungBindungErhaltung')
         AND ST_DWithin(geom_lin, ST_SetSRID(ST_MakePoint(($1 + $3) / 2, ($2 + $4) / 2), 25832), 40)",
    )
    .await;
    let within = spatial(
        "SELECT gml_id FROM features WHERE feature_type IN ('BP_GruenFlaeche', 'BP_AnpflanzungBindungErhaltung')
         AND ST_Within(geom_lin, ST_Expand(ST_MakeEnvelope($1, $2, $3, $4, 25832), 30))",
    )
    .await;
    let (in_box2, near2, within2) = (in_box.clone(), near.clone(), within.clone());
    let cases: Vec<Case> = vec![
        ("equal", fes(&cmp("PropertyIsEqualTo", "massnahme", "2000")), Box::new(|_, p| s(p, "massnahme") == Some("2000"))),
        ("not equal", fes(&cmp("PropertyIsNotEqualTo", "massnahme", "2000")), Box::new(|_, p| s(p, "massnahme") != Some("2000"))),
        ("less than (numeric)", fes(&cmp("PropertyIsLessThan", "zweckbestimmung", "1500")), Box::new(|_, p| num(p, "zweckbestimmung").is_some_and(|v| v < 1500.0))),
        ("greater or equal (decimal)", fes(&cmp("PropertyIsGreaterThanOrEqualTo", "GRZ", "0.3")), Box::new(|_, p| num(p, "GRZ").is_some_and(|v| v >= 0.3))),
        ("like", fes("<fes:PropertyIsLike wildCard=\"*\" singleChar=\"?\" escapeChar=\"\\\"><fes:ValueReference>xplan:text</fes:ValueReference><fes:Literal>Hecke*</fes:Literal></fes:PropertyIsLike>"), Box::new(|_, p| s(p, "text").is_some_and(|t| t.starts_with("Hecke")))),
        ("like, any case, single char", fes("<fes:PropertyIsLike wildCard=\"%\" singleChar=\"_\" escapeChar=\"\\\" matchCase=\"false\"><fes:ValueReference>xplan:text</fes:ValueReference><fes:Literal>einzelb_um%</fes:Literal></fes:PropertyIsLike>"), Box::new(|_, p| s(p, "text").is_some_and(|t| t.to_lowercase().starts_with("einzelb") && t.chars().nth(8) == Some('u')))),
        ("equal, any case", fes("<fes:PropertyIsEqualTo matchCase=\"false\"><fes:ValueReference>xplan:text</fes:ValueReference><fes:Literal>HECKE</fes:Literal></fes:PropertyIsEqualTo>"), Box::new(|_, p| s(p, "text") == Some("Hecke"))),
        ("between", fes("<fes:PropertyIsBetween><fes:ValueReference>xplan:zweckbestimmung</fes:ValueReference><fes:LowerBoundary><fes:Literal>1200</fes:Literal></fes:LowerBoundary><fes:UpperBoundary><fes:Literal>2000</fes:Literal></fes:UpperBoundary></fes:PropertyIsBetween>"), Box::new(|_, p| num(p, "zweckbestimmung").is_some_and(|v| (1200.0..=2000.0).contains(&v)))),
        ("is null", fes("<fes:PropertyIsNull><fes:ValueReference>xplan:zugunstenVon</fes:ValueReference></fes:PropertyIsNull>"), Box::new(|_, p| p.get("zugunstenVon").is_none())),
        ("or", fes(&format!("<fes:Or>{}{}</fes:Or>", cmp("PropertyIsEqualTo", "massnahme", "1000"), cmp("PropertyIsEqualTo", "nutzungsform", "2000"))), Box::new(|_, p| s(p, "massnahme") == Some("1000") || s(p, "nutzungsform") == Some("2000"))),
        ("and + not", fes(&format!("<fes:And>{}<fes:Not>{}</fes:Not></fes:And>", cmp("PropertyIsEqualTo", "gegenstand", "2000"), cmp("PropertyIsEqualTo", "massnahme", "3000"))), Box::new(|_, p| s(p, "gegenstand") == Some("2000") && s(p, "massnahme") != Some("3000"))),
        ("not of a missing property", fes(&format!("<fes:Not>{}</fes:Not>", cmp("PropertyIsEqualTo", "flaechenschluss", "true"))), Box::new(|_, p| s(p, "flaechenschluss") != Some("true"))),
        ("measure value", fes(&cmp("PropertyIsEqualTo", "nordwinkel", "0")), Box::new(|_, p| {
                p.get("nordwinkel")
                    .and_then(|n| n.get("value"))
                    .and_then(Value::as_str)
                    .and_then(|v| v.parse::<f64>().ok())
                    == Some(0.0)
            })),
        ("resource ids", fes(&format!("<fes:ResourceId rid=\"{some_id}\"/><fes:ResourceId rid=\"nope\"/>")), { let id = some_id.clone(); Box::new(move |g, _| g == id) }),
        ("gml:id like", fes("<fes:PropertyIsLike wildCard=\"*\" singleChar=\"?\" escapeChar=\"\\\"><fes:ValueReference>@gml:id</fes:ValueReference><fes:Literal>GML_1*</fes:Literal></fes:PropertyIsLike>"), Box::new(|g, _| g.starts_with("GML_1"))),
        ("bbox", fes(&format!("<fes:BBOX><fes:ValueReference>xplan:position</fes:ValueReference><gml:Envelope srsName=\"urn:ogc:def:crs:EPSG::25832\"><gml:lowerCorner>{gx0} {gy0}</gml:lowerCorner><gml:upperCorner>{gx1} {gy1}</gml:upperCorner></gml:Envelope></fes:BBOX>")), Box::new(move |g, _| in_box2.contains(g))),
        ("dwithin", fes(&format!("<fes:DWithin><fes:ValueReference>xplan:position</fes:ValueReference><gml:Point gml:id=\"p\" srsName=\"EPSG:25832\"><gml:pos>{} {}</gml:pos></gml:Point><fes:Distance uom=\"m\">40</fes:Distance></fes:DWithin>", (gx0 + gx1) / 2.0, (gy0 + gy1) / 2.0)), Box::new(move |g, _| near2.contains(g))),
        ("within a polygon", fes(&format!("<fes:Within><fes:ValueReference>xplan:position</fes:ValueReference><gml:Polygon gml:id=\"q\" srsName=\"EPSG:25832\"><gml:exterior><gml:LinearRing><gml:posList>{a} {b} {c} {b} {c} {d} {a} {d} {a} {b}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></fes:Within>", a = gx0 - 30.0, b = gy0 - 30.0, c = gx1 + 30.0, d = gy1 + 30.0)), Box::new(move |g, _| within2.contains(g))),
    ];
    let base = "/wfs/51?SERVICE=WFS&VERSION=2.0.0";
    for (name, filter, oracle) in &cases {
        let want: BTreeSet<String> = rows
            .iter()
            .filter(|(g, p)| oracle(g, p))
            .map(|(g, _)| g.clone())
            .collect();
        assert!(
            !want.is_empty() && want.len() < rows.len(),
            "{name}: the case must discriminate ({} of {})",
            want.len(),
            rows.len()
        );
        let r = server.get(&format!(
            "{base}&REQUEST=GetFeature&TYPENAMES={types}&FILTER={}",
            enc(filter)
        ));
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        let got: BTreeSet<String> = member_ids(&r.text()).into_iter().collect();
        assert_eq!(got, want, "{name}");
        // the same as a POST request
        let post = format!(
            "<wfs:GetFeature service=\"WFS\" version=\"2.0.0\" xmlns:wfs=\"http://www.opengis.net/wfs/2.0\" xmlns:xplan=\"http://www.xplanung.de/xplangml/5/1\"><wfs:Query typeNames=\"{}\">{filter}</wfs:Query></wfs:GetFeature>",
            types.replace(',', " ")
        );
        let r = server.post("/wfs/51", "application/xml", post.as_bytes());
        assert_eq!(r.status, 200, "{name} (POST): {}", r.text());
        let got: BTreeSet<String> = member_ids(&r.text()).into_iter().collect();
        assert_eq!(got, want, "{name} (POST)");
    }

    // KVP BBOX and RESOURCEID
    let r = server.get(&format!("{base}&REQUEST=GetFeature&TYPENAMES={types}&BBOX={gx0},{gy0},{gx1},{gy1},urn:ogc:def:crs:EPSG::25832"));
    assert_eq!(
        member_ids(&r.text()).into_iter().collect::<BTreeSet<_>>(),
        in_box
    );
    let r = server.get(&format!("{base}&REQUEST=GetFeature&RESOURCEID={some_id}"));
    assert_eq!(member_ids(&r.text()), vec![some_id.clone()]);

    // sorting: numerically by massnahme, descending, missing values last
    let r = server.get(&format!(
        "{base}&REQUEST=GetFeature&TYPENAMES={types}&SORTBY=xplan:massnahme%20DESC"
    ));
    let by_id: BTreeMap<&str, &Value> = rows.iter().map(|(g, p)| (g.as_str(), p)).collect();
    let seq: Vec<Option<f64>> = member_ids(&r.text())
        .iter()
        .map(|g| num(by_id[g.as_str()], "massnahme"))
        .collect();
    assert_eq!(seq.len(), 140);
    let present: Vec<f64> = seq.iter().map_while(|v| *v).collect();
    assert_eq!(present.len(), 86, "values first, then the features without");
    assert!(present.windows(2).all(|w| w[0] >= w[1]), "{present:?}");
    assert!(present[0] > present[85]);

    // paging: next links until the end give every feature once, in order
    let all = member_ids(
        &server
            .get(&format!("{base}&REQUEST=GetFeature&TYPENAMES={types}"))
            .text(),
    );
    let mut paged = vec![];
    let mut next = Some(format!(
        "{base}&REQUEST=GetFeature&TYPENAMES={types}&COUNT=30"
    ));
    let mut pages = 0;
    while let Some(u) = next {
        let r = server.get(&u);
        let t = r.text();
        let ids = member_ids(&t);
        assert_eq!(attr(&t, "numberMatched"), Some("140".into()));
        assert_eq!(attr(&t, "numberReturned"), Some(ids.len().to_string()));
        if pages > 0 {
            assert!(attr(&t, "previous").is_some());
        }
        paged.extend(ids);
        next = attr(&t, "next").map(|n| {
            n.split_once(&format!(":{}", server.port))
                .unwrap()
                .1
                .to_string()
        });
        pages += 1;
        assert!(pages < 10);
    }
    assert_eq!(pages, 5);
    assert_eq!(paged, all);
    let r = server.get(&format!(
        "{base}&REQUEST=GetFeature&TYPENAMES={types}&RESULTTYPE=hits"
    ));
    assert_eq!(attr(&r.text(), "numberMatched"), Some("140".into()));
    assert_eq!(attr(&r.text(), "numberReturned"), Some("0".into()));
    xmllint("http://schemas.opengis.net/wfs/2.0/wfs.xsd", &r.body).unwrap();

    // GeoJSON: flattened properties with code-list labels, CRS84
    let r = server.get(&format!("{base}&REQUEST=GetFeature&TYPENAMES=xplan:BP_GruenFlaeche&OUTPUTFORMAT=application/geo%2Bjson"));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/geo+json")
    );
    let fc: Value = serde_json::from_slice(&r.body).unwrap();
    let feats = fc["features"].as_array().unwrap();
    assert_eq!(feats.len(), 54);
    assert_eq!(fc["numberMatched"], 54);
    let f0 = &feats[0]["properties"];
    assert_eq!(f0["featureType"], "BP_GruenFlaeche");
    assert_eq!(f0["xpPlanName"], "BPlan001_5-1");
    assert!(
        f0["rechtscharakter_label"]
            .as_str()
            .unwrap()
            .starts_with("Festsetzung"),
        "{f0}"
    );
    let lon = feats[0]["geometry"]["coordinates"][0][0][0]
        .as_f64()
        .unwrap();
    assert!((9.0..11.0).contains(&lon), "lon first: {lon}");
    // rows imported before geojson_properties existed (NULL) are flattened
    // from their properties per request: the same features result
    let stored = sqlx::query(
        "UPDATE features SET geojson_properties = NULL WHERE feature_type = 'BP_GruenFlaeche'",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(stored.rows_affected(), 54);
    let r2 = server.get(&format!("{base}&REQUEST=GetFeature&TYPENAMES=xplan:BP_GruenFlaeche&OUTPUTFORMAT=application/geo%2Bjson"));
    let fc2: Value = serde_json::from_slice(&r2.body).unwrap();
    assert_eq!(fc2["features"], fc["features"]);

    // GetPropertyValue
    let r = server.get(&format!(
        "{base}&REQUEST=GetPropertyValue&TYPENAMES={types}&VALUEREFERENCE=xplan:text"
    ));
    assert_eq!(r.status, 200, "{}", r.text());
    xmllint("http://schemas.opengis.net/wfs/2.0/wfs.xsd", &r.body)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut got: Vec<String> = r
        .text()
        .split("<wfs:member>")
        .skip(1)
        .map(|m| m.split("</wfs:member>").next().unwrap().to_string())
        .collect();
    let mut want: Vec<String> = rows
        .iter()
        .filter_map(|(_, p)| s(p, "text").map(str::to_string))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    let r = server.get(&format!(
        "{base}&REQUEST=GetPropertyValue&TYPENAMES={types}&VALUEREFERENCE=xplan:text&RESULTTYPE=hits"
    ));
    assert!(r.text().contains("<wfs:ValueCollection"), "{}", r.text());
    xmllint("http://schemas.opengis.net/wfs/2.0/wfs.xsd", &r.body)
        .unwrap_or_else(|e| panic!("{e}"));

    // stored queries
    // (an exception report is valid against wfs.xsd too: the root and the
    // listed queries are checked as well)
    for (req, root) in [
        ("ListStoredQueries", "<wfs:ListStoredQueriesResponse"),
        (
            "DescribeStoredQueries",
            "<wfs:DescribeStoredQueriesResponse",
        ),
    ] {
        let r = server.get(&format!("{base}&REQUEST={req}"));
        assert_eq!(r.status, 200, "{req}");
        assert!(r.text().contains(root), "{req}: {}", r.text());
        assert!(
            r.text().contains("urn:ogc:def:query:OGC-WFS::PlanName"),
            "{req}"
        );
        xmllint("http://schemas.opengis.net/wfs/2.0/wfs.xsd", &r.body)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let r = server.get(&format!("{base}&REQUEST=GetFeature&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::PlanName&planName=BPlan001_5-1"));
    let ids = member_ids(&r.text());
    assert_eq!(ids.len(), 1);
    assert!(r.text().contains("<xplan:BP_Plan "), "{}", &r.text()[..500]);
    let r = server.get(&format!("{base}&REQUEST=GetFeature&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::PlanName&planName=nicht-da"));
    assert_eq!(r.status, 200);
    assert_eq!(attr(&r.text(), "numberMatched"), Some("0".into()));
    assert!(member_ids(&r.text()).is_empty());
    let r = server.get(&format!("{base}&REQUEST=GetFeature&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById&ID={some_id}"));
    assert_eq!(r.status, 200);
    let stored: String = sqlx::query_scalar("SELECT xml FROM features WHERE gml_id = $1")
        .bind(&some_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let t = r.text();
    assert!(
        t.starts_with("<?xml") && t.contains("<xplan:BP_GruenFlaeche xmlns:"),
        "{}",
        &t[..300]
    );
    // the stored fragment, with the namespace declarations it needs
    let name_end = stored.find(' ').unwrap();
    assert!(t.contains(&stored[name_end..]), "byte-faithful");
    xmllint("xsd/XPlanGML_5_1/XPlanung-Operationen.xsd", &r.body).unwrap_or_else(|e| panic!("{e}"));

    // exceptions: code, locator, status, valid report
    let bad_filter =
        enc("<fes:Filter xmlns:fes=\"http://www.opengis.net/fes/2.0\"><fes:PropertyIsEqualTo>");
    let cases: Vec<(String, u16, &str, Option<&str>)> = vec![
        ("/wfs/51?SERVICE=WFS&VERSION=2.0.0".into(), 400, "MissingParameterValue", Some("REQUEST")),
        (format!("{base}&REQUEST=Dance"), 501, "OperationNotSupported", Some("REQUEST")),
        (format!("{base}&REQUEST=Transaction"), 501, "OperationNotSupported", Some("REQUEST")),
        (format!("{base}&REQUEST=GetFeature"), 400, "MissingParameterValue", Some("TYPENAMES")),
        (format!("{base}&REQUEST=GetFeature&TYPENAMES=xplan:Nope"), 400, "InvalidParameterValue", Some("TYPENAMES")),
        (format!("{base}&REQUEST=GetFeature&TYPENAMES={types}&FILTER={bad_filter}"), 400, "InvalidParameterValue", Some("FILTER")),
        (format!("{base}&REQUEST=GetFeature&TYPENAMES={types}&FILTER={}&BBOX=1,2,3,4", enc(&cases[0].1)), 400, "OperationParsingFailed", None),
        (format!("{base}&REQUEST=GetFeature&TYPENAMES={types}&COUNT=-1"), 400, "InvalidParameterValue", Some("COUNT")),
        (format!("{base}&REQUEST=GetFeature&TYPENAMES={types}&BBOX=3,2,1"), 400, "InvalidParameterValue", Some("BBOX")),
        (format!("{base}&REQUEST=GetFeature&TYPENAMES={types}&OUTPUTFORMAT=shape-zip"), 400, "InvalidParameterValue", Some("OUTPUTFORMAT")),
        (format!("{base}&REQUEST=GetFeature&TYPENAMES={types}&SRSNAME=EPSG:123456789"), 400, "InvalidParameterValue", Some("SRSNAME")),
        (format!("{base}&REQUEST=GetFeature&TYPENAMES={types}&SORTBY=xplan:text%20SIDEWAYS"), 400, "InvalidParameterValue", Some("SORTBY")),
        (format!("{base}&REQUEST=GetFeature&STOREDQUERY_ID=urn:x"), 400, "InvalidParameterValue", Some("STOREDQUERY_ID")),
        (format!("{base}&REQUEST=GetFeature&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::PlanName"), 400, "MissingParameterValue", Some("PLANNAME")),
        (format!("{base}&REQUEST=GetFeature&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById&ID=nope"), 404, "NotFound", Some("ID")),
        (format!("{base}&REQUEST=GetPropertyValue&TYPENAMES={types}"), 400, "MissingParameterValue", Some("VALUEREFERENCE")),
        ("/wfs/51?SERVICE=WMS&REQUEST=GetFeature".into(), 400, "InvalidParameterValue", Some("SERVICE")),
        ("/wfs/51?SERVICE=WFS&VERSION=1.0.0&REQUEST=GetFeature&TYPENAMES=xplan:BP_Plan".into(), 400, "InvalidParameterValue", Some("VERSION")),
        ("/wfs/51?SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=1.0.0".into(), 400, "VersionNegotiationFailed", Some("ACCEPTVERSIONS")),
        (
            format!("{base}&REQUEST=GetFeature&TYPENAMES=({types})(xplan:BP_Plan)&FILTER=({}", enc(&cases[0].1)),
            400,
            "InvalidParameterValue",
            Some("FILTER"),
        ),
        (format!("{base}&REQUEST=GetFeature&RESOURCEID=a%00b"), 400, "InvalidParameterValue", None),
        (
            format!(
                "{base}&REQUEST=GetFeature&TYPENAMES={types}&FILTER={}",
                enc("<fes:Filter xmlns:fes=\"http://www.opengis.net/fes/2.0\" xmlns:gml=\"http://www.opengis.net/gml/3.2\"><fes:BBOX><gml:Envelope srsName=\"EPSG:2056\"><gml:lowerCorner>1 2</gml:lowerCorner><gml:upperCorner>3 4</gml:upperCorner></gml:Envelope></fes:BBOX></fes:Filter>")
            ),
            400,
            "InvalidParameterValue",
            Some("FILTER"),
        ),
        ("/wfs/55?SERVICE=WFS&REQUEST=GetCapabilities".into(), 404, "InvalidParameterValue", None),
    ];
    for (q, status, code, locator) in cases {
        let r = server.get(&q);
        assert_eq!(r.status, status, "{q}: {}", r.text());
        let t = r.text();
        assert!(t.contains(&format!("exceptionCode=\"{code}\"")), "{q}: {t}");
        if let Some(l) = locator {
            assert!(t.contains(&format!("locator=\"{l}\"")), "{q}: {t}");
        }
        xmllint(
            "xsd/ogc/schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd",
            &r.body,
        )
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    }
    // POST: not XML, and an XML bomb (a DTD) are refused
    for body in ["not xml", "<!DOCTYPE a [<!ENTITY x 'y'>]><wfs:GetFeature xmlns:wfs=\"http://www.opengis.net/wfs/2.0\"/>"] {
        let r = server.post("/wfs/51", "application/xml", body.as_bytes());
        assert_eq!(r.status, 400, "{body}: {}", r.text());
    }
    // xPlanBox's endpoint names
    let r = server.get("/wfs51?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=xplan:BP_Plan&RESULTTYPE=hits");
    assert_eq!(attr(&r.text(), "numberMatched"), Some("1".into()));
    let r = server.get("/wfs51archive?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=xplan:BP_Plan&RESULTTYPE=hits");
    assert_eq!(attr(&r.text(), "numberMatched"), Some("0".into()));
}

/// The gml:ids of the gml:featureMember features (WFS 1.1.0), in order.
fn feature_member_ids(xml: &str) -> Vec<String> {
    xml.split("<gml:featureMember")
        .skip(1)
        .map(|m| {
            let start = m.find('>').unwrap() + 1;
            let tag = &m[start..start + m[start..].find('>').unwrap()];
            tag.split("gml:id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_else(|| panic!("member without gml:id: {tag}"))
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn wfs_1_1_0_for_older_clients() {
    let url = fresh_database().await;
    cli_import(
        &url,
        &["--skip-validation"],
        &fixtures().join("plans/BPlan001_5-1.gml"),
        true,
    );
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let server = Server::start(&url);
    let base = "/wfs/51?SERVICE=WFS&VERSION=1.1.0";
    let stored: Vec<(String, String)> = sqlx::query_as(
        "SELECT gml_id, xml FROM features WHERE feature_type = 'BP_GruenFlaeche' ORDER BY plan_id, seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 54);

    // capabilities: 1.1.0 when asked by VERSION or as the first accepted version
    for q in [
        format!("{base}&REQUEST=GetCapabilities"),
        "/wfs/51?SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=1.1.0,2.0.0".into(),
        "/wfs/51?SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=1.0.0,1.1.0".into(),
    ] {
        let c = server.get(&q).text();
        assert!(
            c.contains(
                "<wfs:WFS_Capabilities version=\"1.1.0\" xmlns:wfs=\"http://www.opengis.net/wfs\""
            ),
            "{q}: {}",
            &c[..c.len().min(400)]
        );
        let types = c.matches("<wfs:FeatureType>").count();
        assert!(types > 50, "{q}");
        assert_eq!(c.matches("<ows:WGS84BoundingBox>").count(), types);
        assert!(c.contains("<wfs:Name>xplan:BP_GruenFlaeche</wfs:Name>"));
        assert!(c.contains("<ogc:SpatialOperator name=\"BBOX\"/>"));
    }
    let c = server
        .get("/wfs/51?SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=2.0.0,1.1.0")
        .text();
    assert!(c.contains("<wfs:WFS_Capabilities version=\"2.0.0\""));

    // GetFeature: the stored features as gml:featureMembers, in order
    let all = format!("{base}&REQUEST=GetFeature&TYPENAME=xplan:BP_GruenFlaeche");
    let r = server.get(&all);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/xml; subtype=gml/3.2.1")
    );
    let body = r.text();
    assert!(body.contains("<wfs:FeatureCollection xmlns:wfs=\"http://www.opengis.net/wfs\""));
    let want: Vec<&str> = stored.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(feature_member_ids(&body), want);
    assert_eq!(attr(&body, "numberOfFeatures"), Some("54".into()));
    assert!(
        body.contains(stored[0].1.as_str()),
        "stored fragments go out as they are"
    );
    assert!(!body.contains("<wfs:member"));

    // MAXFEATURES, hits, FEATUREID, ogc:Filter (KVP and POST), SORTBY with D
    let r = server.get(&format!("{all}&MAXFEATURES=5")).text();
    assert_eq!(feature_member_ids(&r), want[..5]);
    assert_eq!(attr(&r, "numberOfFeatures"), Some("5".into()));
    let r = server.get(&format!("{all}&RESULTTYPE=hits")).text();
    assert_eq!(attr(&r, "numberOfFeatures"), Some("54".into()));
    assert!(feature_member_ids(&r).is_empty());
    let r = server
        .get(&format!(
            "{base}&REQUEST=GetFeature&FEATUREID={},{}",
            want[3], want[7]
        ))
        .text();
    assert_eq!(feature_member_ids(&r), [want[3], want[7]]);
    let ogc_filter = format!(
        "<ogc:Filter xmlns:ogc=\"http://www.opengis.net/ogc\"><ogc:Or><ogc:FeatureId fid=\"{}\"/><ogc:PropertyIsEqualTo><ogc:PropertyName>gml:id</ogc:PropertyName><ogc:Literal>{}</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Or></ogc:Filter>",
        want[1], want[2]
    );
    let r = server
        .get(&format!("{all}&FILTER={}", enc(&ogc_filter)))
        .text();
    assert_eq!(feature_member_ids(&r), [want[1], want[2]]);
    let mut sorted = want.clone();
    sorted.sort();
    sorted.reverse();
    let r = server.get(&format!("{all}&SORTBY=gml:id%20D")).text();
    assert_eq!(feature_member_ids(&r), sorted);
    // POST with wfs:Query/@typeName, maxFeatures and a BBOX in GML 3.1.1
    // around one feature's first vertex
    let xy: Vec<f64> = stored[0]
        .1
        .split("<gml:posList")
        .nth(1)
        .and_then(|r| r.split('>').nth(1))
        .unwrap()
        .split_whitespace()
        .take(2)
        .map(|v| v.parse().unwrap())
        .collect();
    let post = format!(
        r#"<wfs:GetFeature service="WFS" version="1.1.0" maxFeatures="100" xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml" xmlns:xplan="http://www.xplanung.de/xplangml/5/1">
<wfs:Query typeName="xplan:BP_GruenFlaeche"><ogc:Filter><ogc:BBOX><ogc:PropertyName>xplan:position</ogc:PropertyName><gml:Envelope srsName="EPSG:25832"><gml:lowerCorner>{} {}</gml:lowerCorner><gml:upperCorner>{} {}</gml:upperCorner></gml:Envelope></ogc:BBOX></ogc:Filter></wfs:Query></wfs:GetFeature>"#,
        xy[0] - 0.5,
        xy[1] - 0.5,
        xy[0] + 0.5,
        xy[1] + 0.5
    );
    let r = server.post("/wfs/51", "text/xml", post.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    let ids = feature_member_ids(&r.text());
    assert!(ids.contains(&want[0].to_string()), "{ids:?}");
    assert!(ids.len() < 54, "{ids:?}");

    // OWS 1.0 exception reports for 1.1.0 requests
    for (q, code, locator) in [
        (
            format!(
                "{base}&REQUEST=GetPropertyValue&TYPENAME=xplan:BP_Plan&VALUEREFERENCE=xplan:name"
            ),
            "OperationNotSupported",
            "REQUEST",
        ),
        (
            format!("{base}&REQUEST=GetFeature"),
            "MissingParameterValue",
            "TYPENAMES",
        ),
        (
            format!("{all}&OUTPUTFORMAT={}", enc("text/xml; subtype=gml/3.1.1")),
            "InvalidParameterValue",
            "OUTPUTFORMAT",
        ),
    ] {
        let t = server.get(&q).text();
        assert!(
            t.contains("<ows:ExceptionReport xmlns:ows=\"http://www.opengis.net/ows\""),
            "{q}: {t}"
        );
        assert!(
            t.contains(&format!("exceptionCode=\"{code}\" locator=\"{locator}\"")),
            "{q}: {t}"
        );
    }

    // GDAL's WFS driver speaking 1.1.0: layers, counts, an attribute filter
    let wfs = format!("WFS:{}?VERSION=1.1.0", server.url("/wfs/51"));
    let (info, err) = ogr(&["ogrinfo", "-ro", "-so", &wfs, "xplan:BP_GruenFlaeche"]);
    assert!(!err.contains("ERROR"), "{err}");
    assert_eq!(feature_count(&info), 54);
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("wfs11.gpkg");
    let (_, err) = ogr(&[
        "ogr2ogr",
        "-f",
        "GPKG",
        gpkg.to_str().unwrap(),
        &wfs,
        "xplan:BP_GruenFlaeche",
        "-where",
        &format!("gml_id = '{}'", want[9]),
    ]);
    assert!(!err.contains("ERROR"), "{err}");
    let (info, _) = ogr(&[
        "ogrinfo",
        "-ro",
        "-so",
        gpkg.to_str().unwrap(),
        "xplan:BP_GruenFlaeche",
    ]);
    assert_eq!(feature_count(&info), 1, "{info}");

    // OWSLib's WFS 1.1.0 client
    let script = format!(
        r#"
import json
from owslib.wfs import WebFeatureService
w = WebFeatureService("{}", version="1.1.0")
r = w.getfeature(typename=["xplan:BP_GruenFlaeche"], maxfeatures=3).read()
print(json.dumps({{"version": w.identification.version, "has": "xplan:BP_GruenFlaeche" in w.contents,
  "ops": sorted(op.name for op in w.operations), "members": r.decode().count("<gml:featureMember")}}))
"#,
        server.url("/wfs/51")
    );
    let r: Value = common::python_json(&script);
    assert_eq!(
        r,
        serde_json::json!({"version": "1.1.0", "has": true,
            "ops": ["DescribeFeatureType", "GetCapabilities", "GetFeature"], "members": 3})
    );
}
