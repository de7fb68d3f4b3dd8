//! Tiles end to end: metatiles cut equal direct drawing, the cache follows
//! plan changes (also those made while no server ran), WMTS read by GDAL,
//! OGC API Tiles, seeding and purging with the CLI.

mod common;

use common::{bin, cli, cli_import, decode_png, diff_share, fixtures, Server};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use xplanserver::tiles::grid::TileMatrixSet;
use xplanserver::tiles::raster::{render_metatile, MetaTile};

/// The WebMercatorQuad tile (x, y) containing a lon/lat point (the slippy
/// map formula).
fn tile_at(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let (x, y) = tile_xy(lon, lat, z);
    (x.floor() as u32, y.floor() as u32)
}

/// A lon/lat point in (fractional) WebMercatorQuad tile units.
fn tile_xy(lon: f64, lat: f64, z: u8) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    (x, y)
}

/// How far tile (z, x, y) lies from a lon/lat box, in tile widths (0: it
/// meets the box).
fn tiles_from_box(b: &[f64], z: u8, x: u32, y: u32) -> f64 {
    let (x0, y0) = tile_xy(b[0], b[3], z);
    let (x1, y1) = tile_xy(b[2], b[1], z);
    let (fx, fy) = (f64::from(x), f64::from(y));
    let dx = (x0 - (fx + 1.0)).max(fx - x1).max(0.0);
    let dy = (y0 - (fy + 1.0)).max(fy - y1).max(0.0);
    dx.max(dy)
}

/// A plan's [min_lon, min_lat, max_lon, max_lat] from the REST API.
fn plan_bbox(s: &Server, id: i64) -> Vec<f64> {
    let p: Value = serde_json::from_slice(&s.get(&format!("/api/v1/plans/{id}")).body).unwrap();
    p["bbox4326"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn plan_center(s: &Server, id: i64) -> (f64, f64) {
    let b = plan_bbox(s, id);
    ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
}

fn non_transparent(png: &[u8]) -> usize {
    decode_png(png).2.iter().filter(|p| p[3] > 0).count()
}

fn imported_id(out: &std::process::Output) -> i64 {
    String::from_utf8_lossy(&out.stdout)
        .split('\t')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metatile_cut_equals_direct_rendering() {
    let store = common::fresh_store().await;
    common::import_fixture(&store, "plans/BPlan001_5-1.gml").await;
    let maps = Arc::new(xplanserver::render::MapData::new(
        xplanserver::render::Styles::builtin().unwrap(),
        25832,
    ));
    store.sync_all(&maps).await.unwrap();
    let snapshot = maps.snapshot();
    let b = snapshot[0].bbox.unwrap();
    let mut c = [[(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]];
    xplanserver::crs::transform_xy(&mut c, 25832, 4326).unwrap();
    let tms = TileMatrixSet::web_mercator_quad();
    let layers: Vec<u32> = maps.styles().layers_named("vektordaten").unwrap();
    let filter = xplanserver::render::PlanFilter::All;
    let mut compared = 0;
    for z in [16u8, 18] {
        let (x, y) = tile_at(c[0][0], c[0][1], z);
        let mt = MetaTile::containing(&tms, z, x, y, 4);
        assert_eq!((mt.cols, mt.rows), (4, 4));
        let tiles = render_metatile(&maps, &tms, &mt, &layers, &filter, 32).unwrap();
        assert_eq!(tiles.len(), 16);
        for ((tx, ty), png) in tiles {
            let single = MetaTile {
                z,
                x0: tx,
                y0: ty,
                cols: 1,
                rows: 1,
            };
            let direct = render_metatile(&maps, &tms, &single, &layers, &filter, 32).unwrap();
            match (png, &direct[0].1) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    let (pa, pb) = (decode_png(&a), decode_png(b));
                    assert_eq!((pa.0, pa.1), (256, 256));
                    let d = diff_share(&pa.2, &pb.2, 8);
                    // the same pixels, but for labels whose anchor lies
                    // outside the single tile's gutter
                    assert!(
                        d < 0.02,
                        "z{z} {tx}/{ty}: {:.2} % of the pixels differ",
                        d * 100.0
                    );
                    compared += 1;
                }
                (a, b) => panic!(
                    "z{z} {tx}/{ty}: metatile drew {}, direct drawing {}",
                    a.is_some(),
                    b.is_some()
                ),
            }
        }
    }
    assert!(compared >= 8, "only {compared} tiles with content compared");
}

/// A fresh database with one fixture plan and a server on it with its own
/// tile cache: (database URL, plan id, cache directory, server).
async fn server_with_plan(file: &str) -> (String, i64, tempfile::TempDir, Server) {
    let url = common::fresh_database().await;
    let id = imported_id(&cli_import(
        &url,
        &["--quiet"],
        &fixtures().join("plans").join(file),
        true,
    ));
    let cache = tempfile::tempdir().unwrap();
    let s = Server::start_with_env(
        &url,
        &[("XPLAN_TILE_CACHE_DIR", cache.path().to_str().unwrap())],
    );
    (url, id, cache, s)
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    let t0 = std::time::Instant::now();
    while !f() {
        assert!(t0.elapsed().as_secs() < 15, "timed out: {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_follows_plan_changes() {
    let url = common::fresh_database().await;
    let plans = fixtures().join("plans");
    let bp = imported_id(&cli_import(
        &url,
        &["--quiet"],
        &plans.join("BPlan001_5-4.zip"),
        true,
    ));
    // FNP_Test_60 breaks conformance rule 3.2.3.1 once (h without bezugspunkt)
    let fnp = imported_id(&cli_import(
        &url,
        &["--quiet", "--skip-semantic"],
        &plans.join("FNP_Test_60.zip"),
        true,
    ));
    let cache = tempfile::tempdir().unwrap();
    let env = [("XPLAN_TILE_CACHE_DIR", cache.path().to_str().unwrap())];
    let s = Server::start_with_env(&url, &env);
    let z = 17;
    let (bx, by) = {
        let (lon, lat) = plan_center(&s, bp);
        tile_at(lon, lat, z)
    };
    let (fx, fy) = {
        let (lon, lat) = plan_center(&s, fnp);
        tile_at(lon, lat, 15)
    };
    let file = |z: u8, x: u32, y: u32| -> PathBuf {
        cache
            .path()
            .join(format!("vektordaten/WebMercatorQuad/{z}/{x}/{y}.png"))
    };
    let a_path = format!("/tiles/vektordaten/WebMercatorQuad/{z}/{bx}/{by}.png");
    let b_path = format!("/tiles/vektordaten/WebMercatorQuad/15/{fx}/{fy}.png");
    let a = s.get(&a_path);
    assert_eq!(a.status, 200);
    assert!(non_transparent(&a.body) > 1000);
    let etag = a.header("ETag").unwrap();
    assert!(a.header("Cache-Control").unwrap().contains("max-age"));
    let b = s.get(&b_path);
    assert!(non_transparent(&b.body) > 1000);
    assert!(file(z, bx, by).is_file() && file(15, fx, fy).is_file());
    // the metatile's other tiles were stored with it, but for those far
    // from every plan (more than 640 px here: empty without a file);
    // between 0.4 and 2.6 tile widths the boxes' CRS decides
    let mt = MetaTile::containing(&TileMatrixSet::web_mercator_quad(), z, bx, by, 4);
    let boxes = [plan_bbox(&s, bp), plan_bbox(&s, fnp)];
    let mut stored = 0;
    for (x, y) in mt.tiles() {
        let d = boxes
            .iter()
            .map(|b| tiles_from_box(b, z, x, y))
            .fold(f64::INFINITY, f64::min);
        if d <= 0.4 {
            assert!(file(z, x, y).is_file(), "tile {z}/{x}/{y} not stored");
            stored += 1;
        } else if d > 2.6 {
            assert!(!file(z, x, y).exists(), "tile {z}/{x}/{y} stored");
        }
    }
    assert!(stored > 1, "{stored} tiles near the plans");
    let b_time = mtime(&file(15, fx, fy));
    // the client has it: 304
    let r = s.send("GET", &a_path, &[("If-None-Match", &etag)], None);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());

    // a new plan over tile A (BPlan002 lies on BPlan001): A is dropped, B
    // is not; A is drawn again, B still comes from the cache
    let bp2 = imported_id(&cli_import(
        &url,
        &["--quiet"],
        &plans.join("BPlan002_5-4.gml"),
        true,
    ));
    wait_until("tile A dropped after the import", || {
        !file(z, bx, by).exists()
    });
    assert!(file(15, fx, fy).is_file());
    let a2 = s.get(&a_path);
    assert_eq!(a2.status, 200);
    assert!(file(z, bx, by).is_file());
    assert_eq!(s.get(&b_path).body, b.body);
    assert_eq!(mtime(&file(15, fx, fy)), b_time);

    // a status change and a delete drop it again
    cli(&url, &["status", &bp2.to_string(), "archiviert"], None);
    wait_until("tile A dropped after the status change", || {
        !file(z, bx, by).exists()
    });
    s.get(&a_path);
    cli(&url, &["delete", &bp2.to_string()], None);
    wait_until("tile A dropped after the delete", || {
        !file(z, bx, by).exists()
    });
    s.get(&a_path);
    assert!(file(z, bx, by).is_file());
    drop(s);

    // while no server runs, the FNP is deleted: the next server drops its
    // tiles at start and keeps the others
    cli(&url, &["delete", &fnp.to_string()], None);
    let s = Server::start_with_env(&url, &env);
    assert!(
        !file(15, fx, fy).exists(),
        "stale tile of a deleted plan survived a restart"
    );
    assert!(file(z, bx, by).is_file());
    assert_eq!(non_transparent(&s.get(&b_path).body), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wmts_xyz_and_ogc_api_tiles_for_clients() {
    let (_url, bp, _cache, s) = server_with_plan("BPlan001_5-4.zip").await;
    let caps = s.get("/wmts?SERVICE=WMTS&REQUEST=GetCapabilities");
    assert_eq!(caps.status, 200);
    common::xmllint("http://schemas.opengis.net/wmts/1.0/wmts.xsd", &caps.body).unwrap();
    assert_eq!(s.get("/wmts/1.0.0/WMTSCapabilities.xml").body, caps.body);
    let text = caps.text();
    for id in [
        "WebMercatorQuad",
        "UTM32",
        "UTM33",
        "bp_objekte",
        "bp_gruenfl",
    ] {
        assert!(
            text.contains(&format!("<ows:Identifier>{id}</ows:Identifier>")),
            "{id}"
        );
    }
    // GDAL's WMTS driver: layers and matrix sets, and a map through the
    // UTM32 grid around the plan
    let caps_url = s.url("/wmts/1.0.0/WMTSCapabilities.xml");
    let (out, _) = common::ogr(&["gdalinfo", &format!("WMTS:{caps_url}")]);
    assert!(
        out.contains("layer=vektordaten,tilematrixset=UTM32"),
        "{out}"
    );
    assert!(
        out.contains("layer=bp_objekte,tilematrixset=WebMercatorQuad"),
        "{out}"
    );
    let (lon, lat) = plan_center(&s, bp);
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("map.png");
    for set in ["UTM32", "WebMercatorQuad"] {
        common::ogr(&[
            "gdal_translate",
            "-q",
            "-of",
            "PNG",
            "-outsize",
            "256",
            "256",
            "-projwin",
            &(lon - 0.001).to_string(),
            &(lat + 0.0006).to_string(),
            &(lon + 0.001).to_string(),
            &(lat - 0.0006).to_string(),
            "-projwin_srs",
            "EPSG:4326",
            &format!("WMTS:{caps_url},layer=vektordaten,tilematrixset={set}"),
            png.to_str().unwrap(),
        ]);
        let n = non_transparent(&std::fs::read(&png).unwrap());
        assert!(n > 256 * 256 / 4, "{set}: only {n} pixels drawn");
    }
    // one tile by KVP, REST, XYZ and OGC API: the same bytes
    let (x, y) = tile_at(lon, lat, 18);
    let xyz = s.get(&format!(
        "/tiles/vektordaten/WebMercatorQuad/18/{x}/{y}.png"
    ));
    assert!(non_transparent(&xyz.body) > 1000);
    let kvp = s.get(&format!(
        "/wmts?SERVICE=WMTS&VERSION=1.0.0&REQUEST=GetTile&LAYER=vektordaten&STYLE=default&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=18&TILEROW={y}&TILECOL={x}"
    ));
    let rest = s.get(&format!(
        "/wmts/1.0.0/vektordaten/default/WebMercatorQuad/18/{y}/{x}.png"
    ));
    let oapi = s.get(&format!("/ogcapi/map/tiles/WebMercatorQuad/18/{y}/{x}"));
    for r in [&kvp, &rest, &oapi] {
        assert_eq!(r.status, 200);
        assert_eq!(r.body, xyz.body);
    }
    // a tile far from every plan is the empty tile
    let empty = s.get("/tiles/vektordaten/WebMercatorQuad/5/1/1.png");
    assert_eq!(empty.status, 200);
    assert_eq!(non_transparent(&empty.body), 0);
    // OGC API Tiles documents: linked from the landing page, conformance
    let landing: Value = serde_json::from_slice(&s.get("/ogcapi").body).unwrap();
    assert!(landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"));
    let conf = s.get("/ogcapi/conformance").text();
    assert!(conf.contains("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core"));
    let api: Value = serde_json::from_slice(&s.get("/ogcapi/api").body).unwrap();
    assert!(
        api["paths"]["/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"].is_object()
    );
    let sets: Value = serde_json::from_slice(&s.get("/ogcapi/tileMatrixSets").body).unwrap();
    assert_eq!(sets["tileMatrixSets"].as_array().unwrap().len(), 3);
    let wmq: Value =
        serde_json::from_slice(&s.get("/ogcapi/tileMatrixSets/WebMercatorQuad").body).unwrap();
    assert_eq!(wmq["tileMatrices"][0]["matrixWidth"], 1);
    assert_eq!(wmq["tileMatrices"][18]["matrixWidth"], 1 << 18);
    let ts: Value = serde_json::from_slice(&s.get("/ogcapi/map/tiles/UTM32").body).unwrap();
    assert!(ts["links"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["rel"] == "item"
            && l["href"]
                .as_str()
                .unwrap()
                .ends_with("/ogcapi/map/tiles/UTM32/{tileMatrix}/{tileRow}/{tileCol}")));
    // errors: JSON 404 on XYZ and OGC API, OWS exception reports on WMTS KVP
    for (path, status) in [
        ("/tiles/keine/WebMercatorQuad/1/0/0.png", 404),
        ("/tiles/vektordaten/Mond/1/0/0.png", 404),
        ("/tiles/vektordaten/WebMercatorQuad/1/2/0.png", 404),
        ("/tiles/vektordaten/WebMercatorQuad/25/0/0.png", 404),
        ("/tiles/vektordaten/WebMercatorQuad/1/0/0.jpg", 404),
        ("/ogcapi/map/tiles/WebMercatorQuad/1/0/5", 404),
        ("/ogcapi/tileMatrixSets/Mond", 404),
    ] {
        let r = s.get(path);
        assert_eq!(r.status, status, "{path}: {}", r.text());
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(v["description"].as_str().is_some(), "{path}");
    }
    for (query, code, status) in [
        ("SERVICE=WMTS&REQUEST=GetTile&LAYER=vektordaten&STYLE=default&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=1&TILEROW=0", "MissingParameterValue", 400),
        ("SERVICE=WMTS&REQUEST=GetTile&LAYER=vektordaten&STYLE=default&FORMAT=image/png&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=1&TILEROW=0&TILECOL=7", "TileOutOfRange", 400),
        ("SERVICE=WMTS&REQUEST=GetTile&LAYER=vektordaten&STYLE=default&FORMAT=image/gif&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=1&TILEROW=0&TILECOL=0", "InvalidParameterValue", 400),
        ("SERVICE=WMTS&REQUEST=GetFeatureInfo", "OperationNotSupported", 501),
    ] {
        let r = s.get(&format!("/wmts?{query}"));
        assert_eq!(r.status, status, "{query}: {}", r.text());
        assert!(r.text().contains(&format!("exceptionCode=\"{code}\"")), "{query}: {}", r.text());
        common::xmllint(
            "xsd/ogc/schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd",
            &r.body,
        )
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeding_fills_the_cache_resumes_and_purges() {
    let url = common::fresh_database().await;
    let bp = imported_id(&cli_import(
        &url,
        &["--quiet"],
        &fixtures().join("plans/BPlan001_5-1.gml"),
        true,
    ));
    let cache = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| -> String {
        let out = std::process::Command::new(bin())
            .args(["--database-url", &url])
            .args(args)
            .env("XPLAN_TILE_CACHE_DIR", cache.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let count = |dir: &Path| -> usize {
        fn walk(d: &Path) -> usize {
            std::fs::read_dir(d)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| {
                            if e.path().is_dir() {
                                walk(&e.path())
                            } else {
                                usize::from(e.path().extension().is_some_and(|x| x == "png"))
                            }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(dir)
    };
    let out = run(&[
        "seed",
        "--zoom",
        "14-17",
        "--plan",
        &bp.to_string(),
        "--quiet",
    ]);
    let metas: u64 = out
        .split(": ")
        .nth(2)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(out.contains("(0 already cached)"), "{out}");
    let n = count(cache.path());
    assert!(n >= metas as usize, "{n} tiles for {metas} metatiles");
    // the tile of zoom 17 in the plan's middle is there
    let s = Server::start_with_env(
        &url,
        &[("XPLAN_TILE_CACHE_DIR", cache.path().to_str().unwrap())],
    );
    let (lon, lat) = plan_center(&s, bp);
    let (x, y) = tile_at(lon, lat, 17);
    let f = cache
        .path()
        .join(format!("vektordaten/WebMercatorQuad/17/{x}/{y}.png"));
    assert!(std::fs::metadata(&f).unwrap().len() > 100);
    // the server serves the seeded file as it is
    assert_eq!(
        s.get(&format!(
            "/tiles/vektordaten/WebMercatorQuad/17/{x}/{y}.png"
        ))
        .body,
        std::fs::read(&f).unwrap()
    );
    // Tiles farther from every plan than its drawing reaches (labels up to
    // 16 × 36 px, plus 64 px: 2.5 tile widths here) are neither drawn nor
    // stored; the server answers them with the empty tile. Drawn directly,
    // the metatiles at and beyond the plan's east edge show nothing beyond
    // 2.5 tile widths, so the rule loses no pixels.
    let store = xplanserver::store::Store::connect_url(&url, 2, 25832, 0.05)
        .await
        .unwrap();
    let maps = Arc::new(xplanserver::render::MapData::new(
        xplanserver::render::Styles::builtin().unwrap(),
        25832,
    ));
    store.sync_all(&maps).await.unwrap();
    let tms = TileMatrixSet::web_mercator_quad();
    let layers: Vec<u32> = maps.styles().layers_named("vektordaten").unwrap();
    let b = plan_bbox(&s, bp);
    let (mut far, mut far_drawn, mut near_drawn) = (0, 0, 0);
    for z in 14..=17u8 {
        let (x0, y0) = tile_xy(b[0], b[3], z);
        let (x1, y1) = tile_xy(b[2], b[1], z);
        // seeded metatiles: no file for a far tile
        for x in (x0 as u32 / 4 * 4)..(x1 as u32 / 4 * 4 + 4) {
            for y in (y0 as u32 / 4 * 4)..(y1 as u32 / 4 * 4 + 4) {
                if tiles_from_box(&b, z, x, y) <= 2.6 {
                    continue;
                }
                far += 1;
                let f = cache
                    .path()
                    .join(format!("vektordaten/WebMercatorQuad/{z}/{x}/{y}.png"));
                assert!(!f.exists(), "{} stored", f.display());
            }
        }
        // the metatile at the plan's east edge and the next one, drawn whole
        let (mx, my) = (x1 as u32 / 4 * 4, (y0 + y1) as u32 / 8 * 4);
        for mx in [mx, mx + 4] {
            let mt = MetaTile::containing(&tms, z, mx, my, 4);
            let tiles = render_metatile(
                &maps,
                &tms,
                &mt,
                &layers,
                &xplanserver::render::PlanFilter::All,
                32,
            )
            .unwrap();
            for ((x, y), png) in tiles {
                let d = tiles_from_box(&b, z, x, y);
                if d > 2.6 {
                    assert!(
                        png.is_none(),
                        "tile {z}/{x}/{y}, {d:.2} tiles away, drawn on"
                    );
                    far_drawn += 1;
                } else if png.is_some() {
                    near_drawn += 1;
                }
            }
        }
    }
    assert!(
        far_drawn > 0 && near_drawn > 0,
        "{far_drawn} far, {near_drawn} near"
    );
    // a tile far east of the plan: empty, and nothing is stored
    let (x1, y0) = tile_xy(b[2], b[3], 17);
    let (x, y) = (x1 as u32 + 10, y0 as u32);
    let r = s.get(&format!(
        "/tiles/vektordaten/WebMercatorQuad/17/{x}/{y}.png"
    ));
    assert_eq!(r.status, 200);
    assert_eq!(non_transparent(&r.body), 0);
    let f = cache
        .path()
        .join(format!("vektordaten/WebMercatorQuad/17/{x}/{y}.png"));
    assert!(!f.exists(), "{} stored", f.display());
    assert!(far > 0, "no far tile in the seeded metatiles");
    drop(s);
    // resumed: nothing left to draw
    let out = run(&[
        "seed",
        "--zoom",
        "14-17",
        "--plan",
        &bp.to_string(),
        "--quiet",
    ]);
    assert!(out.contains(&format!("({metas} already cached)")), "{out}");
    assert_eq!(count(cache.path()), n);
    let out = run(&["cache", "purge"]);
    assert!(out.starts_with(&format!("{n} tiles deleted")), "{out}");
    assert_eq!(count(cache.path()), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_tiles_carry_every_drawn_feature_with_attributes() {
    let (url, bp, _cache, s) = server_with_plan("BPlan001_5-4.zip").await;
    // the plan's features with a geometry, from the database
    let expected: std::collections::BTreeSet<String> = {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(
            "SELECT gml_id FROM features WHERE plan_id = $1 AND geom_lin IS NOT NULL",
        )
        .bind(bp)
        .fetch_all(&mut c)
        .await
        .unwrap()
        .into_iter()
        .collect()
    };
    // all zoom-18 tiles over the plan, read by GDAL's MVT driver
    let b = plan_bbox(&s, bp);
    let (x0, y0) = tile_at(b[0], b[3], 18);
    let (x1, y1) = tile_at(b[2], b[1], 18);
    let dir = tempfile::tempdir().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut layers = std::collections::BTreeSet::new();
    let mut checked_codes = false;
    for x in x0..=x1 {
        for y in y0..=y1 {
            let path = format!("/tiles/vektordaten/WebMercatorQuad/18/{x}/{y}.mvt");
            let r = s.send("GET", &path, &[("Accept-Encoding", "gzip, deflate")], None);
            assert_eq!(r.status, 200);
            assert_eq!(
                r.header("Content-Type").as_deref(),
                Some("application/vnd.mapbox-vector-tile")
            );
            assert_eq!(r.header("Content-Encoding").as_deref(), Some("gzip"));
            let raw = xplanserver::tiles::service::gunzip(&r.body).unwrap();
            // without gzip: the same tile uncompressed
            assert_eq!(s.get(&path).body, raw);
            let f = dir.path().join(format!("{x}_{y}.mvt"));
            std::fs::write(&f, &raw).unwrap();
            let (out, _) = common::ogr(&[
                "ogrinfo",
                "-ro",
                "-al",
                "-oo",
                &format!("X={x}"),
                "-oo",
                &format!("Y={y}"),
                "-oo",
                "Z=18",
                f.to_str().unwrap(),
            ]);
            let mut layer = String::new();
            for line in out.lines() {
                let l = line.trim();
                if let Some(n) = l.strip_prefix("Layer name: ") {
                    layer = n.to_string();
                    layers.insert(layer.clone());
                }
                if let Some(id) = l.strip_prefix("gml_id (String) = ") {
                    seen.insert(id.to_string());
                }
                if layer == "bp_baugebteilfl" && l.contains("ArtDerBaulNutzung (") {
                    checked_codes = true;
                }
            }
            assert!(out.contains("class (String) = BP_"), "{out}");
            assert!(out.contains("style (String) = "), "{out}");
        }
    }
    assert_eq!(
        seen, expected,
        "features in the tiles vs. the plan's features"
    );
    assert!(
        layers.contains("bp_baugebteilfl") && layers.contains("bp_plan"),
        "{layers:?}"
    );
    assert!(
        checked_codes,
        "the code of the building areas' style is missing"
    );
    // a tile without plans: empty; the same in OGC API Tiles
    let r = s.get("/tiles/vektordaten/WebMercatorQuad/5/1/1.mvt");
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = s.get(&format!("/ogcapi/tiles/WebMercatorQuad/18/{y0}/{x0}"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        s.get(&format!(
            "/tiles/vektordaten/WebMercatorQuad/18/{x0}/{y0}.mvt"
        ))
        .body
    );
    // the MapLibre style: valid (the style spec's own validator, from npm),
    // its layers refer to the tiles' layers, with the raster maps' colours
    let style = s.get("/tiles/style.json");
    assert_eq!(style.status, 200);
    let sf = dir.path().join("style.json");
    std::fs::write(&sf, &style.body).unwrap();
    let validator = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("web/node_modules/@maplibre/maplibre-gl-style-spec/dist/gl-style-validate.mjs");
    assert!(
        validator.is_file(),
        "{} missing: run `make deps` (scripts/web-deps.sh)",
        validator.display()
    );
    let out = std::process::Command::new("node")
        .arg(&validator)
        .arg(&sf)
        .output()
        .expect("node (make deps installs it)");
    assert!(
        out.status.success(),
        "style.json invalid: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let style: Value = serde_json::from_slice(&style.body).unwrap();
    let source_layers: std::collections::BTreeSet<&str> = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["source-layer"].as_str())
        .collect();
    assert!(
        source_layers.is_superset(&layers.iter().map(|l| l.as_str()).collect()),
        "{source_layers:?} vs {layers:?}"
    );
    let text = serde_json::to_string(&style).unwrap();
    // Wohnbaufläche #CF9377, Gemischte Baufläche #D5A744 (styles/xplanung.toml)
    assert!(
        text.contains("rgba(207, 147, 119, 1.000)") && text.contains("rgba(213, 167, 68, 1.000)")
    );

    // at zoom 12 the plan is a few pixels: small tiles, the points left out
    let (x, y) = tile_at((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, 12);
    let r = s.get(&format!(
        "/tiles/vektordaten/WebMercatorQuad/12/{x}/{y}.mvt"
    ));
    assert!(r.body.len() < 20_000, "{} bytes at zoom 12", r.body.len());
}
