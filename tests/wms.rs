//! WMS end to end: a real server process on a real PostGIS, read by real
//! clients (GDAL's WMS driver, OWSLib), golden images, GetFeatureInfo,
//! axis order, exceptions, and maps that follow imports and deletes.

mod common;

use common::{cli_import, decode_png, diff_share, fixtures, fresh_database, Server};
use std::path::PathBuf;
use std::process::Command;

fn distinct_colours(px: &[[u8; 4]]) -> usize {
    px.iter().collect::<std::collections::HashSet<_>>().len()
}

/// Compares with fixtures/golden/NAME.png (tolerant); XPLAN_UPDATE_GOLDEN=1 rewrites it.
fn golden(name: &str, png: &[u8]) {
    let path: PathBuf = fixtures().join("golden").join(format!("{name}.png"));
    if std::env::var_os("XPLAN_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, png).unwrap();
    }
    let expected = std::fs::read(&path).unwrap_or_else(|_| {
        panic!(
            "{} missing (run with XPLAN_UPDATE_GOLDEN=1)",
            path.display()
        )
    });
    let (w1, h1, a) = decode_png(png);
    let (w2, h2, b) = decode_png(&expected);
    assert!(
        distinct_colours(&b) > 20,
        "{name}: the golden image is nearly blank"
    );
    assert_eq!((w1, h1), (w2, h2), "{name}: size");
    let share = diff_share(&a, &b, 48);
    if share > 0.005 {
        let out = std::env::temp_dir().join(format!("{name}-actual.png"));
        std::fs::write(&out, png).unwrap();
        panic!(
            "{name}: {:.2} % of the pixels differ from the golden image (actual: {})",
            share * 100.0,
            out.display()
        );
    }
}

fn exception_code(body: &str) -> String {
    let i = body
        .find("code=\"")
        .unwrap_or_else(|| panic!("no exception code in {body}"));
    body[i + 6..].split('"').next().unwrap().to_string()
}

const BP_BBOX: &str = "555019,5937400,555600,5937900";

fn getmap(s: &Server, extra: &str) -> common::Response {
    let format = if extra.contains("FORMAT=") {
        ""
    } else {
        "FORMAT=image/png&"
    };
    let styles = if extra.contains("STYLES=") {
        ""
    } else {
        "STYLES=&"
    };
    s.get(&format!(
        "/wms?SERVICE=WMS&REQUEST=GetMap&{styles}{format}{extra}"
    ))
}

#[tokio::test]
async fn wms_serves_plans_to_real_clients() {
    let url = fresh_database().await;
    for f in [
        "plans/BPlan001_5-1.gml",
        "plans/FNP_Test_60.zip",
        "plans/BPlan002_5-4.gml",
    ] {
        cli_import(&url, &["--skip-validation"], &fixtures().join(f), true);
    }
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let bp_id: i64 = sqlx::query_scalar("SELECT id FROM plans WHERE name = 'BPlan001_5-1'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let s = Server::start(&url);

    // --- capabilities: schema-valid, all layers with stable names
    let caps = s.get("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities");
    assert_eq!(caps.status, 200);
    let caps_text = caps.text();
    common::xmllint(
        "xsd/ogc/schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd",
        caps_text.as_bytes(),
    )
    .expect("capabilities 1.3.0 valid against the WMS schema");
    for name in [
        "vektordaten",
        "bp_objekte",
        "bp_baugebteilfl",
        "bp_gruenfl",
        "fp_objekte",
        "fp_bebausfl",
        "bp_plan",
    ] {
        assert!(
            caps_text.contains(&format!("<Name>{name}</Name>")),
            "layer {name} missing"
        );
    }
    assert!(caps_text.contains("<CRS>EPSG:3857</CRS>") && caps_text.contains("<CRS>CRS:84</CRS>"));
    let caps111 = s.get("/wms?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities");
    assert_eq!(caps111.status, 200);
    assert!(caps111
        .text()
        .contains("<WMT_MS_Capabilities version=\"1.1.1\""));
    assert!(caps111.text().contains("<SRS>EPSG:25832</SRS>"));

    // --- GDAL's WMS driver reads both versions and lists the layers
    for v in ["1.3.0", "1.1.1"] {
        let out = Command::new("gdalinfo")
            .arg(format!(
                "WMS:{}",
                s.url(&format!(
                    "/wms?SERVICE=WMS&VERSION={v}&REQUEST=GetCapabilities"
                ))
            ))
            .env("GDAL_HTTP_TIMEOUT", "30")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "gdalinfo {v}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("LAYERS=bp_baugebteilfl"),
            "gdalinfo {v}: {text}"
        );
        assert!(text.contains("LAYERS=fp_objekte"), "gdalinfo {v}");
    }
    // GDAL fetches a map through the driver (gdal_translate of a window)
    let tmp = tempfile::tempdir().unwrap();
    let out_tif = tmp.path().join("map.tif");
    let out = Command::new("gdal_translate")
        .args(["-of", "GTiff", "-outsize", "256", "256", "-projwin", "555019", "5937900", "555600", "5937400"])
        .arg(format!(
            "WMS:{}",
            s.url("/wms?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=bp_objekte&SRS=EPSG:25832&BBOX=555019,5937400,555600,5937900&FORMAT=image/png")
        ))
        .arg(&out_tif)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gdal_translate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = Command::new("gdalinfo")
        .args(["-stats"])
        .arg(&out_tif)
        .output()
        .unwrap();
    let st = String::from_utf8_lossy(&stats.stdout);
    assert!(st.contains("STATISTICS_STDDEV"), "{st}");
    assert!(
        !st.contains("STATISTICS_STDDEV=0\n"),
        "GDAL got a blank map: {st}"
    );

    // --- OWSLib as a client
    let script = format!(
        r#"
import json
from owslib.wms import WebMapService
wms = WebMapService("{}", version="1.3.0")
names = sorted(wms.contents)
img = wms.getmap(layers=["bp_objekte"], styles=[""], srs="EPSG:25832", bbox=({}), size=(256, 256), format="image/png")
data = img.read()
print(json.dumps({{"title": wms.identification.title, "layers": len(names), "has": "bp_baugebteilfl" in names,
  "png": data[:8] == b"\x89PNG\r\n\x1a\n", "ops": [op.name for op in wms.operations]}}))
"#,
        s.url("/wms"),
        BP_BBOX
    );
    let r: serde_json::Value = common::python_json(&script);
    assert_eq!(r["has"], true, "{r}");
    assert_eq!(r["png"], true, "{r}");
    assert!(r["layers"].as_u64().unwrap() > 250, "{r}");
    assert!(
        r["ops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "GetFeatureInfo"),
        "{r}"
    );

    // --- golden images: styles, CRSs, sizes
    let m = getmap(
        &s,
        &format!(
            "VERSION=1.3.0&LAYERS=vektordaten&CRS=EPSG:25832&BBOX={BP_BBOX}&WIDTH=800&HEIGHT=688"
        ),
    );
    assert_eq!(m.status, 200);
    assert_eq!(m.header("content-type").as_deref(), Some("image/png"));
    golden("bplan001_5-1_25832_800", &m.body);
    let (_, _, px) = decode_png(&m.body);
    assert!(distinct_colours(&px) > 50, "map is nearly blank");
    let m = getmap(&s, "VERSION=1.3.0&LAYERS=bp_objekte&CRS=EPSG:3857&BBOX=1094389,7091491,1095376,7092322&WIDTH=512&HEIGHT=431&TRANSPARENT=TRUE");
    golden("bplan001_5-1_3857_512", &m.body);
    let m = getmap(&s, "VERSION=1.3.0&LAYERS=fp_objekte&CRS=EPSG:25832&BBOX=540859,5953267,547599,5959401&WIDTH=600&HEIGHT=546");
    golden("fnp_60_25832_600", &m.body);
    // the "transparent" style: outlines only, no fills
    let t = getmap(&s, &format!("VERSION=1.3.0&LAYERS=bp_objekte&STYLES=transparent&CRS=EPSG:25832&BBOX={BP_BBOX}&WIDTH=800&HEIGHT=688&TRANSPARENT=TRUE"));
    assert_eq!(t.status, 200, "{}", t.text());
    golden("bplan001_5-1_transparent_800", &t.body);
    let (_, _, tp) = decode_png(&t.body);
    let opaque = tp.iter().filter(|p| p[3] > 0).count();
    assert!(
        opaque > 2000 && opaque < tp.len() / 3,
        "outlines only: {opaque} of {} pixels drawn",
        tp.len()
    );
    let m = getmap(&s, "VERSION=1.3.0&LAYERS=bp_objekte&CRS=EPSG:25832&BBOX=555120,5937730,555260,5937870&WIDTH=400&HEIGHT=400");
    golden("bplan001_5-1_labels_400", &m.body);

    // --- axis order: EPSG:4326 is lat/lon in 1.3.0, lon/lat in 1.1.1 and CRS:84
    let (lon0, lat0, lon1, lat1) = (9.8440, 53.5850, 9.8520, 53.5900);
    let a = getmap(&s, &format!("VERSION=1.3.0&LAYERS=bp_objekte&CRS=EPSG:4326&BBOX={lat0},{lon0},{lat1},{lon1}&WIDTH=300&HEIGHT=300"));
    let b = getmap(&s, &format!("VERSION=1.1.1&LAYERS=bp_objekte&SRS=EPSG:4326&BBOX={lon0},{lat0},{lon1},{lat1}&WIDTH=300&HEIGHT=300"));
    let c = getmap(&s, &format!("VERSION=1.3.0&LAYERS=bp_objekte&CRS=CRS:84&BBOX={lon0},{lat0},{lon1},{lat1}&WIDTH=300&HEIGHT=300"));
    let swapped = getmap(&s, &format!("VERSION=1.3.0&LAYERS=bp_objekte&CRS=EPSG:4326&BBOX={lon0},{lat0},{lon1},{lat1}&WIDTH=300&HEIGHT=300"));
    let (_, _, pa) = decode_png(&a.body);
    assert!(distinct_colours(&pa) > 20, "4326 map blank");
    assert_eq!(
        a.body, b.body,
        "1.3.0 lat/lon and 1.1.1 lon/lat give the same map"
    );
    assert_eq!(a.body, c.body, "CRS:84 is lon/lat");
    assert_ne!(
        a.body, swapped.body,
        "lon/lat read as lat/lon must not give the same map"
    );

    // DHDN / Gauss-Krüger zone 3 is northing first in 1.3.0 (as QGIS and GDAL send it)
    let gk = |v: &str, crs: &str, b: &str| {
        getmap(
            &s,
            &format!(
                "VERSION={v}&LAYERS=bp_objekte&{crs}=EPSG:31467&BBOX={b}&WIDTH=200&HEIGHT=200"
            ),
        )
    };
    let (e0, n0, e1, n1) = (3555100.0, 5939300.0, 3555700.0, 5939900.0);
    let g130 = gk("1.3.0", "CRS", &format!("{n0},{e0},{n1},{e1}"));
    let g111 = gk("1.1.1", "SRS", &format!("{e0},{n0},{e1},{n1}"));
    let (_, _, pg) = decode_png(&g130.body);
    assert!(distinct_colours(&pg) > 10, "Gauss-Krüger map blank");
    assert_eq!(
        g130.body, g111.body,
        "EPSG:31467 is northing first in 1.3.0"
    );

    // --- formats
    let p8 = getmap(&s, &format!("VERSION=1.3.0&LAYERS=bp_objekte&CRS=EPSG:25832&BBOX={BP_BBOX}&WIDTH=300&HEIGHT=300&FORMAT=image/png;%20mode=8bit"));
    let (_, _, px8) = decode_png(&p8.body);
    assert!(distinct_colours(&px8) <= 256 && distinct_colours(&px8) > 5);
    let jpg = getmap(&s, &format!("VERSION=1.3.0&LAYERS=bp_objekte&CRS=EPSG:25832&BBOX={BP_BBOX}&WIDTH=300&HEIGHT=300&FORMAT=image/jpeg"));
    assert_eq!(jpg.header("content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(&jpg.body[..2], &[0xFF, 0xD8]);
    let bg = getmap(&s, "VERSION=1.3.0&LAYERS=bp_objekte&CRS=EPSG:25832&BBOX=0,0,100,100&WIDTH=20&HEIGHT=20&BGCOLOR=0x336699");
    let (_, _, pbg) = decode_png(&bg.body);
    assert!(pbg.iter().all(|p| *p == [0x33, 0x66, 0x99, 255]), "BGCOLOR");
    let tr = getmap(&s, "VERSION=1.3.0&LAYERS=bp_objekte&CRS=EPSG:25832&BBOX=0,0,100,100&WIDTH=20&HEIGHT=20&TRANSPARENT=TRUE");
    let (_, _, ptr) = decode_png(&tr.body);
    assert!(ptr.iter().all(|p| p[3] == 0), "TRANSPARENT");

    // --- GetFeatureInfo returns the feature under the click
    let (gml_id, x, y): (String, f64, f64) = sqlx::query_as(
        "SELECT gml_id, ST_X(p), ST_Y(p) FROM (SELECT gml_id, ST_PointOnSurface(geom_lin) p FROM features
         WHERE plan_id = $1 AND feature_type = 'BP_GruenFlaeche' ORDER BY ST_Area(geom_lin) DESC LIMIT 1) t",
    )
    .bind(bp_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    let (w, h) = (400u32, 400u32);
    let bbox = [x - 100.0, y - 100.0, x + 100.0, y + 100.0];
    let (i, j) = (
        ((x - bbox[0]) / 200.0 * w as f64) as u32,
        ((bbox[3] - y) / 200.0 * h as f64) as u32,
    );
    let gfi = |layers: &str, fmt: &str, extra: &str| {
        s.get(&format!(
            "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS={layers}&QUERY_LAYERS={layers}&STYLES=&CRS=EPSG:25832&BBOX={},{},{},{}&WIDTH={w}&HEIGHT={h}&I={i}&J={j}&INFO_FORMAT={fmt}{extra}",
            bbox[0], bbox[1], bbox[2], bbox[3]
        ))
    };
    let r = gfi("bp_gruenfl", "application/json", "");
    assert_eq!(r.status, 200, "{}", r.text());
    let js: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(js["features"][0]["id"], gml_id.as_str(), "{js}");
    assert_eq!(
        js["features"][0]["properties"]["featureType"],
        "BP_GruenFlaeche"
    );
    let r = gfi("vektordaten", "application/json", "&FEATURE_COUNT=50");
    let js: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let ids: Vec<&str> = js["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&gml_id.as_str()), "{ids:?}");
    assert!(!ids.iter().any(|id| id.is_empty()));
    let html = gfi("bp_gruenfl", "text/html", "").text();
    assert!(
        html.contains(&gml_id) && html.contains("<table>") && html.contains("BPlan001_5-1"),
        "{html}"
    );
    // a code with its readable label from the schema (rechtscharakter 1000 = Festsetzung)
    assert!(html.contains("(1000)"), "code-list labels: {html}");
    let r = gfi("bp_gruenfl", "application/vnd.ogc.gml", "");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/vnd.ogc.gml")
    );
    let gml = r.text();
    assert!(
        gml.contains("<gml:featureMember>") && gml.contains(&format!("gml:id=\"{gml_id}\"")),
        "{gml}"
    );
    let gml32 = gfi("bp_gruenfl", "application/gml%2Bxml;%20version=3.2", "").text();
    assert!(
        gml32.contains("<wfs:FeatureCollection") && gml32.contains("<wfs:member>"),
        "{gml32}"
    );
    // outside every plan: nothing
    let far = s.get("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=vektordaten&QUERY_LAYERS=vektordaten&STYLES=&CRS=EPSG:25832&BBOX=0,0,100,100&WIDTH=10&HEIGHT=10&I=5&J=5&INFO_FORMAT=application/json");
    let js: serde_json::Value = serde_json::from_slice(&far.body).unwrap();
    assert_eq!(js["features"].as_array().unwrap().len(), 0);

    // --- extreme requests answer quickly and sanely: a millimetre-wide box on
    // a line with markers every 10 px, a box of 1e300, a tiny box
    let (lx, ly): (f64, f64) = sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(ST_GeometryN(geom_lin, 1), 0.5) p FROM features
         WHERE plan_id = $1 AND feature_type = 'BP_NutzungsartenGrenze' LIMIT 1) t",
    )
    .bind(bp_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    for (bbox, size) in [
        (
            format!(
                "{},{},{},{}",
                lx - 0.0005,
                ly - 0.0005,
                lx + 0.0005,
                ly + 0.0005
            ),
            2048,
        ),
        ("-1e300,-1e300,1e300,1e300".to_string(), 512),
        (format!("{lx},{ly},{},{}", lx + 1e-9, ly + 1e-9), 256),
    ] {
        let t0 = std::time::Instant::now();
        let r = getmap(&s, &format!("VERSION=1.3.0&LAYERS=vektordaten&CRS=EPSG:25832&BBOX={bbox}&WIDTH={size}&HEIGHT={size}"));
        assert!(r.status == 200 || r.status == 400, "{bbox}: {}", r.status);
        assert!(
            t0.elapsed().as_secs() < 20,
            "{bbox}: took {:?}",
            t0.elapsed()
        );
    }

    // --- legend
    let leg =
        s.get("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=bp_baugebteilfl&FORMAT=image/png");
    assert_eq!(leg.status, 200);
    let (lw, lh, lpx) = decode_png(&leg.body);
    assert!(lw > 100 && lh >= 5 * 22, "one row per rule: {lw}x{lh}");
    assert!(
        lpx.iter()
            .any(|p| p[..3] == [0xCF, 0x93, 0x77] && p[3] == 255),
        "W colour in legend"
    );

    // --- exceptions
    let cases: &[(&str, u16, &str)] = &[
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=nope&STYLES=&CRS=EPSG:25832&BBOX=0,0,1,1&WIDTH=10&HEIGHT=10&FORMAT=image/png", 400, "LayerNotDefined"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_objekte&STYLES=&CRS=EPSG:9999&BBOX=0,0,1,1&WIDTH=10&HEIGHT=10&FORMAT=image/png", 400, "InvalidCRS"),
        ("/wms?SERVICE=WMS&VERSION=1.1.1&REQUEST=GetMap&LAYERS=bp_objekte&STYLES=&SRS=EPSG:9999&BBOX=0,0,1,1&WIDTH=10&HEIGHT=10&FORMAT=image/png", 400, "InvalidSRS"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_objekte&STYLES=&CRS=EPSG:25832&BBOX=0,0,1,1&WIDTH=5000&HEIGHT=10&FORMAT=image/png", 400, "InvalidParameterValue"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_objekte&STYLES=&CRS=EPSG:25832&BBOX=1,1,0,0&WIDTH=10&HEIGHT=10&FORMAT=image/png", 400, "InvalidParameterValue"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_objekte&STYLES=&CRS=EPSG:25832&BBOX=0,0,1,1&WIDTH=10&HEIGHT=10&FORMAT=image/gif", 400, "InvalidFormat"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_objekte&STYLES=fancy&CRS=EPSG:25832&BBOX=0,0,1,1&WIDTH=10&HEIGHT=10&FORMAT=image/png", 400, "StyleNotDefined"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_objekte&STYLES=&CRS=EPSG:25832&WIDTH=10&HEIGHT=10&FORMAT=image/png", 400, "MissingParameterValue"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=Transmogrify", 400, "OperationNotSupported"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0", 400, "MissingParameterValue"),
        ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetFeatureInfo&LAYERS=bp_objekte&QUERY_LAYERS=bp_objekte&STYLES=&CRS=EPSG:25832&BBOX=0,0,1,1&WIDTH=10&HEIGHT=10&I=50&J=2&INFO_FORMAT=text/html", 400, "InvalidPoint"),
        ("/wms/nowhere?SERVICE=WMS&REQUEST=GetCapabilities", 404, "InvalidParameterValue"),
        ("/wms/plan/999999?SERVICE=WMS&REQUEST=GetCapabilities", 404, "InvalidParameterValue"),
    ];
    for (path, status, code) in cases {
        let r = s.get(path);
        assert_eq!(r.status, *status, "{path}: {}", r.text());
        let body = r.text();
        assert!(body.contains("ServiceExceptionReport"), "{path}: {body}");
        assert_eq!(exception_code(&body), *code, "{path}");
        if path.contains("1.3.0") {
            common::xmllint(
                "xsd/ogc/schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd",
                body.as_bytes(),
            )
            .expect("exception report valid");
        }
    }
    let inimage = s.get("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=nope&STYLES=&CRS=EPSG:25832&BBOX=0,0,1,1&WIDTH=200&HEIGHT=100&FORMAT=image/png&EXCEPTIONS=INIMAGE");
    let (iw, ih, ipx) = decode_png(&inimage.body);
    assert_eq!((iw, ih), (200, 100));
    assert!(
        ipx.iter().any(|p| p[0] > 150 && p[1] < 80),
        "INIMAGE draws the message in red"
    );
    let blank = s.get("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=nope&STYLES=&CRS=EPSG:25832&BBOX=0,0,1,1&WIDTH=50&HEIGHT=40&FORMAT=image/png&EXCEPTIONS=BLANK&TRANSPARENT=TRUE");
    let (_, _, bpx) = decode_png(&blank.body);
    assert!(bpx.iter().all(|p| p[3] == 0), "BLANK is empty");

    // --- scoped services
    let fp = s.get("/wms/fp?SERVICE=WMS&REQUEST=GetCapabilities").text();
    assert!(
        fp.contains("<Name>fp_bebausfl</Name>") && !fp.contains("<Name>bp_baugebteilfl</Name>")
    );
    let one = s.get(&format!(
        "/wms/plan/{bp_id}?SERVICE=WMS&REQUEST=GetCapabilities"
    ));
    assert_eq!(one.status, 200);
    let one = one.text();
    assert!(
        one.contains("<Name>bp_gruenfl</Name>") && !one.contains("<Name>bp_baulin</Name>"),
        "per-plan WMS lists the layers with data"
    );
    assert!(one.contains("xlink:href=\"http://127.0.0.1"));
    let by_name = s.get("/wms/plan/BPlan001_5-1?SERVICE=WMS&REQUEST=GetCapabilities");
    assert_eq!(by_name.status, 200);
    let fest = s.get(&format!("/wms/archiviert?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=vektordaten&STYLES=&CRS=EPSG:25832&BBOX={BP_BBOX}&WIDTH=100&HEIGHT=100&FORMAT=image/png&TRANSPARENT=TRUE"));
    let (_, _, fpx) = decode_png(&fest.body);
    assert!(
        fpx.iter().all(|p| p[3] == 0),
        "no archived plans: the archive WMS draws nothing"
    );
}

/// Sum of non-transparent pixels of a transparent GetMap.
fn painted(s: &Server, path: &str) -> usize {
    let r = s.get(path);
    assert_eq!(r.status, 200, "{}", r.text());
    let (_, _, px) = decode_png(&r.body);
    px.iter().filter(|p| p[3] > 0).count()
}

#[tokio::test]
async fn maps_follow_imports_and_deletes_without_restart() {
    let url = fresh_database().await;
    let s = Server::start(&url);
    let map = format!(
        "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=vektordaten&STYLES=&CRS=EPSG:25832&BBOX={BP_BBOX}&WIDTH=128&HEIGHT=128&FORMAT=image/png&TRANSPARENT=TRUE"
    );
    assert_eq!(painted(&s, &map), 0, "empty database, empty map");
    let out = cli_import(
        &url,
        &["--skip-validation"],
        &fixtures().join("plans/BPlan001_5-1.gml"),
        true,
    );
    let id: i64 = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let wait = |cond: &dyn Fn() -> bool, what: &str| {
        let t0 = std::time::Instant::now();
        while !cond() {
            assert!(t0.elapsed().as_secs() < 20, "{what} did not happen");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        t0.elapsed()
    };
    let took = wait(&|| painted(&s, &map) > 1000, "the imported plan showing up");
    eprintln!("plan visible {took:?} after the import finished");
    assert_eq!(
        s.get(&format!(
            "/wms/plan/{id}?SERVICE=WMS&REQUEST=GetCapabilities"
        ))
        .status,
        200
    );
    let del = Command::new(common::bin())
        .args(["--database-url", &url, "delete", &id.to_string()])
        .output()
        .unwrap();
    assert!(del.status.success());
    wait(&|| painted(&s, &map) == 0, "the deleted plan disappearing");
    assert_eq!(
        s.get(&format!(
            "/wms/plan/{id}?SERVICE=WMS&REQUEST=GetCapabilities"
        ))
        .status,
        404
    );
}

#[tokio::test]
async fn parallel_bands_draw_the_same_image_as_one_pass() {
    let store = common::fresh_store().await;
    common::import_fixture(&store, "plans/BPlan001_5-1.gml").await;
    let maps = std::sync::Arc::new(xplanserver::render::MapData::new(
        xplanserver::render::Styles::builtin().unwrap(),
        store.storage_srid,
    ));
    store.sync_all(&maps).await.unwrap();
    let styles_layers: Vec<u32> = (0..maps.styles().layers.len() as u32).collect();
    let req = xplanserver::render::MapRequest {
        bbox: [555019.0, 5937400.0, 555600.0, 5937900.0],
        srid: 25832,
        width: 900,
        height: 777,
        layers: styles_layers,
        filter: xplanserver::render::PlanFilter::All,
        background: xplanserver::render::Color::WHITE,
        outline_layers: vec![],
    };
    let one = xplanserver::render::render_in_bands(&maps, &req, 1).unwrap();
    let four = xplanserver::render::render_in_bands(&maps, &req, 4).unwrap();
    let seven = xplanserver::render::render_in_bands(&maps, &req, 7).unwrap();
    let px = |p: &tiny_skia::Pixmap| -> Vec<[u8; 4]> {
        p.data()
            .chunks(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect()
    };
    let (a, b, c) = (px(&one), px(&four), px(&seven));
    assert!(distinct_colours(&a) > 50);
    // anti-aliasing at band edges may differ by a shade; nothing more
    assert!(diff_share(&a, &b, 24) < 0.0005, "4 bands differ");
    assert!(diff_share(&a, &c, 24) < 0.0005, "7 bands differ");
}

#[tokio::test]
async fn plan_scans_are_a_map_layer() {
    let url = fresh_database().await;
    let out = cli_import(
        &url,
        &["--skip-validation"],
        &fixtures().join("plans/BPlan004_5-2.zip"),
        true,
    );
    let id = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let s = Server::start(&url);
    // the scan's extent from its world file: 0.1183 m pixels at 567385.85, 5937699.05
    let scan = "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_raster&STYLES=&CRS=EPSG:25832&BBOX=567386,5937595,567475,5937699&WIDTH=200&HEIGHT=234&FORMAT=image/png&TRANSPARENT=TRUE";
    let covered = painted(&s, scan);
    assert!(
        covered > 200 * 234 / 2,
        "the scan covers the plan area: {covered} px"
    );
    let m = s.get(scan);
    let (_, _, px) = decode_png(&m.body);
    assert!(distinct_colours(&px) > 20, "the scan has content");
    // in another CRS it lands in the same place
    let m3857 = s.get("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_raster&STYLES=&CRS=EPSG:3857&BBOX=1115186,7091550,1115338,7091723&WIDTH=200&HEIGHT=228&FORMAT=image/png&TRANSPARENT=TRUE");
    let (_, _, p3) = decode_png(&m3857.body);
    assert!(
        p3.iter().filter(|p| p[3] > 0).count() > 1000,
        "scan drawn in EPSG:3857"
    );
    // outside the scan nothing
    assert_eq!(painted(&s, "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_raster&STYLES=&CRS=EPSG:25832&BBOX=567000,5937000,567100,5937100&WIDTH=50&HEIGHT=50&FORMAT=image/png&TRANSPARENT=TRUE"), 0);
    let caps = s
        .get(&format!(
            "/wms/plan/{id}?SERVICE=WMS&REQUEST=GetCapabilities"
        ))
        .text();
    assert!(
        caps.contains("<Name>bp_raster</Name>"),
        "the plan's WMS offers its scan layer"
    );
}

#[tokio::test]
async fn geotiff_and_jpeg_scans_with_world_files() {
    // GDAL makes a GeoTIFF (georeferencing in its tags, no world file) and a
    // JPEG with a world file from the PNG scan of BPlan004_5-2
    let dir = tempfile::tempdir().unwrap();
    let zip_in = std::fs::read(fixtures().join("plans/BPlan004_5-2.zip")).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_in)).unwrap();
    for name in ["xplan.gml", "BPlan004_5-2.png", "BPlan004_5-2.pgw"] {
        let mut f = z.by_name(name).unwrap();
        let mut out = std::fs::File::create(dir.path().join(name)).unwrap();
        std::io::copy(&mut f, &mut out).unwrap();
    }
    let png = dir.path().join("BPlan004_5-2.png");
    for (args, out) in [
        (vec!["-of", "GTiff", "-a_srs", "EPSG:25832"], "scan.tif"),
        (
            vec![
                "-of",
                "JPEG",
                "-b",
                "1",
                "-b",
                "2",
                "-b",
                "3",
                "-co",
                "WORLDFILE=YES",
            ],
            "scan.jpg",
        ),
    ] {
        let o = Command::new("gdal_translate")
            .args(&args)
            .arg(&png)
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(
        dir.path().join("scan.wld").exists() || dir.path().join("scan.jgw").exists(),
        "GDAL wrote a world file"
    );
    for (file, extra) in [("scan.tif", None), ("scan.jpg", Some("scan.wld"))] {
        let archive = dir.path().join(format!("{file}.zip"));
        let mut w = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        for name in ["xplan.gml", file].into_iter().chain(extra) {
            let path = dir.path().join(name);
            let path = if path.exists() {
                path
            } else {
                dir.path().join("scan.jgw")
            };
            w.start_file(name, opts).unwrap();
            std::io::Write::write_all(&mut w, &std::fs::read(path).unwrap()).unwrap();
        }
        w.finish().unwrap();
        let url = fresh_database().await;
        cli_import(&url, &["--skip-validation"], &archive, true);
        let s = Server::start(&url);
        let covered = painted(&s, "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=bp_raster&STYLES=&CRS=EPSG:25832&BBOX=567386,5937595,567475,5937699&WIDTH=200&HEIGHT=234&FORMAT=image/png&TRANSPARENT=TRUE");
        assert!(
            covered > 200 * 234 / 2,
            "{file}: the scan covers the plan area ({covered} px)"
        );
    }
}
