//! REST API end to end: a real server on a fresh PostGIS database, users
//! and tokens made with the CLI, uploads of real fixture plans.

mod common;

use common::{cli, fixtures, Response, Server};
use serde_json::Value;
use std::io::Write;

fn json(r: &Response) -> Value {
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", r.status, r.text()))
}

fn basic(user: &str, password: &str) -> String {
    use base64ct::Encoding;
    format!(
        "Basic {}",
        base64ct::Base64::encode_string(format!("{user}:{password}").as_bytes())
    )
}

fn plan_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("plans").join(name)).unwrap()
}

fn upload(s: &Server, path: &str, auth: Option<&str>, ct: &str, body: &[u8]) -> Response {
    let mut h = vec![("X-Filename", "plan.zip")];
    if let Some(a) = auth {
        h.push(("Authorization", a));
    }
    s.send("POST", path, &h, Some((ct, body)))
}

fn problem(r: &Response, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(
        r.header("Content-Type").as_deref(),
        Some("application/problem+json"),
        "{}",
        r.text()
    );
    let v = json(r);
    assert_eq!(v["status"], status);
    assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
    v
}

async fn plan_count(url: &str) -> i64 {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT (SELECT count(*) FROM plans) + (SELECT count(*) FROM features) + (SELECT count(*) FROM attachments)")
        .fetch_one(&mut c)
        .await
        .unwrap()
}

/// An admin made with the CLI; its Basic credentials.
fn add_admin(url: &str) -> String {
    cli(
        url,
        &["user", "add", "chef", "--role", "admin", "--password-stdin"],
        Some("admin-passwort\n"),
    );
    basic("chef", "admin-passwort")
}

/// Users of every role, made with the CLI.
struct Users {
    admin: String,
    editor_hh: String,
    editor_other: String,
    viewer: String,
}

fn make_users(url: &str) -> Users {
    let admin = add_admin(url);
    cli(
        url,
        &[
            "user",
            "add",
            "hamburg",
            "--role",
            "editor",
            "--ags",
            "02000000",
            "--password-stdin",
        ],
        Some("editor-passwort\n"),
    );
    cli(
        url,
        &[
            "user",
            "add",
            "anderswo",
            "--role",
            "editor",
            "--ags",
            "00000000",
            "--password-stdin",
        ],
        Some("anderswo-passwort\n"),
    );
    // a generated password is printed once
    let pw = cli(url, &["user", "add", "leser", "--role", "viewer"], None);
    let pw = pw.trim().to_string();
    assert!(pw.len() >= 16, "{pw}");
    Users {
        admin,
        editor_hh: basic("hamburg", "editor-passwort"),
        editor_other: basic("anderswo", "anderswo-passwort"),
        viewer: basic("leser", &pw),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_api_with_roles_municipalities_and_audit() {
    let url = common::fresh_database().await;
    let u = make_users(&url);
    let s = Server::start(&url);
    let zip = plan_bytes("BPlan001_5-4.zip");

    // identity
    problem(&s.get("/api/v1/me"), 401);
    let r = s.send(
        "GET",
        "/api/v1/me",
        &[("Authorization", &u.editor_hh)],
        None,
    );
    assert_eq!(json(&r)["role"], "editor");
    assert_eq!(json(&r)["ags"][0], "02000000");
    let wrong = basic("hamburg", "falsch-falsch");
    let r = s.send("GET", "/api/v1/plans", &[("Authorization", &wrong)], None);
    problem(&r, 401);
    assert!(r
        .header("WWW-Authenticate")
        .is_some_and(|h| h.contains("Basic")));
    // the web page's scripts get no challenge (no browser login dialog)
    let r = s.send(
        "GET",
        "/api/v1/me",
        &[("X-Requested-With", "XMLHttpRequest")],
        None,
    );
    problem(&r, 401);
    assert!(r.header("WWW-Authenticate").is_none());

    // import: anonymous 401, viewer 403, editor of another municipality
    // 403, editor of the plan's municipality 201; nothing stored before
    let before = plan_count(&url).await;
    problem(
        &upload(&s, "/api/v1/plans", None, "application/zip", &zip),
        401,
    );
    problem(
        &upload(
            &s,
            "/api/v1/plans",
            Some(&u.viewer),
            "application/zip",
            &zip,
        ),
        403,
    );
    let r = upload(
        &s,
        "/api/v1/plans",
        Some(&u.editor_other),
        "application/zip",
        &zip,
    );
    assert!(problem(&r, 403)["detail"]
        .as_str()
        .unwrap()
        .contains("02000000"));
    assert_eq!(plan_count(&url).await, before);
    let r = upload(
        &s,
        "/api/v1/plans?planStatus=IN_AUFSTELLUNG&internalId=V-42",
        Some(&u.editor_hh),
        "application/zip",
        &zip,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let infos = json(&r);
    let p = &infos[0];
    let id = p["id"].as_i64().unwrap();
    assert_eq!(
        r.header("Location").unwrap(),
        s.url(&format!("/api/v1/plans/{id}"))
    );
    assert_eq!(p["name"], "BPlan001_5-4");
    assert_eq!(p["status"], "in_aufstellung");
    assert_eq!(p["planStatus"], "IN_AUFSTELLUNG");
    assert_eq!(p["internalId"], "V-42");
    assert_eq!(p["version"], "5.4");
    assert_eq!(p["featureCount"], 13);
    let b = p["bbox4326"].as_array().unwrap();
    assert!((9.9..10.0).contains(&b[0].as_f64().unwrap()), "{b:?}");
    assert!((53.6..53.7).contains(&b[1].as_f64().unwrap()), "{b:?}");
    let rels: Vec<&str> = p["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    assert_eq!(rels, ["self", "archive", "wms", "wfs", "map"]);

    // the maps show the plan as soon as the import answers
    let r = s.get(&format!(
        "/wms/plan/{id}?SERVICE=WMS&REQUEST=GetCapabilities"
    ));
    assert_eq!(r.status, 200, "{}", r.text());

    // read: public
    let r = s.get(&format!("/api/v1/plans/{id}"));
    assert_eq!(json(&r)["id"], id);
    problem(&s.get("/api/v1/plans/999999"), 404);
    problem(&s.get("/api/v1/plans/abc"), 404);

    // search: filters and paging (FNP_Test_60 breaks conformance rule
    // 3.2.3.1 once, an FP_Gemeinbedarf with h but no bezugspunkt: imported
    // with xPlanBox's skipSemantisch)
    let second = upload(
        &s,
        "/api/v1/plans?skipSemantisch=true",
        Some(&u.admin),
        "application/zip",
        &plan_bytes("FNP_Test_60.zip"),
    );
    assert_eq!(second.status, 201, "{}", second.text());
    let fnp = json(&second)[0]["id"].as_i64().unwrap();
    let bad_flag = upload(
        &s,
        "/api/v1/plans?skipSemantisch=maybe",
        Some(&u.admin),
        "application/zip",
        &plan_bytes("FNP_Test_60.zip"),
    );
    assert!(problem(&bad_flag, 400)["detail"]
        .as_str()
        .unwrap()
        .contains("neither true nor false"));
    let r = json(&s.get("/api/v1/plans"));
    assert_eq!(r["numberMatched"], 2);
    assert_eq!(r["plans"][0]["id"], fnp, "newest first");
    let r = json(&s.get("/api/v1/plans?type=FP"));
    assert_eq!(r["numberMatched"], 1);
    assert_eq!(r["plans"][0]["id"], fnp);
    let r = json(&s.get("/api/v1/plans?name=bplan001"));
    assert_eq!(r["plans"][0]["id"], id);
    assert_eq!(r["numberMatched"], 1);
    let r = json(&s.get("/api/v1/plans?status=in_aufstellung&version=54&ags=02000000"));
    assert_eq!(r["numberMatched"], 1);
    assert_eq!(r["plans"][0]["id"], id);
    // AGS by prefix: Land Hamburg (02), not Bavaria (09)
    let r = json(&s.get("/api/v1/plans?ags=02&type=BP"));
    assert_eq!(r["numberMatched"], 1);
    let r = json(&s.get("/api/v1/plans?ags=09"));
    assert_eq!(r["numberMatched"], 0);
    let r = json(&s.get("/api/v1/plans?status=archiviert&type=BP"));
    assert_eq!(r["numberMatched"], 0);
    let r = json(&s.get("/api/v1/plans?internalId=V-42"));
    assert_eq!(r["plans"][0]["id"], id);
    // the plan lies in Hamburg: a box around it finds it, one in Bavaria not
    let r = json(&s.get("/api/v1/plans?bbox=9.9,53.5,10.1,53.7&type=BP"));
    assert_eq!(r["numberMatched"], 1);
    let r = json(&s.get("/api/v1/plans?bbox=11,48,12,49"));
    assert_eq!(r["numberMatched"], 0);
    let r = json(&s.get("/api/v1/plans?limit=1"));
    assert_eq!(r["numberReturned"], 1);
    let next = r["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "next")
        .expect("next link")["href"]
        .as_str()
        .unwrap()
        .to_string();
    let r2 = json(&s.get(next.strip_prefix(&s.url("")).unwrap()));
    assert_eq!(r2["plans"][0]["id"], id);
    assert!(r2["links"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["rel"] != "next"));
    let r = json(&s.get(&format!("/api/v1/plans?planId={id}&planId={fnp}")));
    assert_eq!(r["numberMatched"], 2);
    for bad in [
        "/api/v1/plans?type=XX",
        "/api/v1/plans?status=gueltig",
        "/api/v1/plans?bbox=1,2,3",
        "/api/v1/plans?limit=0",
        "/api/v1/plans?version=9.9",
        "/api/v1/plans?ags=02%25",
    ] {
        problem(&s.get(bad), 400);
    }

    // status: editor of the municipality; maps and WFS scopes follow
    let set = |auth: &str, st: &str| {
        s.send(
            "PUT",
            &format!("/api/v1/plans/{id}/status"),
            &[("Authorization", auth)],
            Some((
                "application/json",
                format!("{{\"status\":\"{st}\"}}").as_bytes(),
            )),
        )
    };
    problem(&set(&u.viewer, "festgestellt"), 403);
    problem(&set(&u.editor_other, "festgestellt"), 403);
    problem(&set(&u.editor_hh, "gueltig"), 400);
    let r = set(&u.editor_hh, "festgestellt");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["status"], "festgestellt");
    let hits = |path: &str| -> u64 {
        let r = s.get(&format!(
            "{path}?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=xplan:BP_Plan&RESULTTYPE=hits"
        ));
        assert_eq!(r.status, 200, "{}", r.text());
        let t = r.text();
        let i = t.find("numberMatched=\"").unwrap() + 15;
        t[i..].split('"').next().unwrap().parse().unwrap()
    };
    assert_eq!(hits("/wfs/54/festgestellt"), 1);
    assert_eq!(hits("/wfs/54/in_aufstellung"), 0);

    // Basisdaten: changed in the stored XPlanGML (which stays schema-valid),
    // the plan row and the audit log
    let r = json(&s.get(&format!("/api/v1/plans/{id}/basisdaten")));
    assert_eq!(r["name"], "BPlan001_5-4");
    let put = |auth: &str, body: &str| {
        s.send(
            "PUT",
            &format!("/api/v1/plans/{id}/basisdaten"),
            &[("Authorization", auth)],
            Some(("application/json", body.as_bytes())),
        )
    };
    problem(&put(&u.editor_other, r#"{"name":"X"}"#), 403);
    problem(&put(&u.editor_hh, r#"{"untergangsDatum":"1.1.2030"}"#), 400);
    problem(&put(&u.editor_hh, r#"{"planArt":"1000"}"#), 400);
    let r = put(
        &u.editor_hh,
        r#"{"name":"Baakenhafen Nord & Süd","beschreibung":"geändert","untergangsDatum":"2040-12-31"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json(&r)["untergangsDatum"], "2040-12-31");
    let r = json(&s.get("/api/v1/plans?name=Baakenhafen"));
    assert_eq!(r["plans"][0]["id"], id);
    let exported = s.get(&format!("/api/v1/plans/{id}/archive")).body;
    let r = upload(&s, "/api/v1/validate", None, "application/zip", &exported);
    let v = json(&r);
    assert_eq!(v["valid"], true, "{}", r.text());
    assert_eq!(v["documentSummary"][0]["name"], "Baakenhafen Nord & Süd");
    let gf = s
        .get("/wfs/54?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=xplan:BP_Plan")
        .text();
    assert!(
        gf.contains("<xplan:untergangsDatum>2040-12-31</xplan:untergangsDatum>"),
        "{gf}"
    );
    // GeoJSON writes the properties flattened at import: the edit rewrote them
    let gj = json(&s.get(
        "/wfs/54?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=xplan:BP_Plan&OUTPUTFORMAT=application/geo%2Bjson",
    ));
    let p = &gj["features"][0]["properties"];
    assert_eq!(p["untergangsDatum"], "2040-12-31", "{gj}");
    assert_eq!(p["beschreibung"], "geändert", "{gj}");
    assert_eq!(p["name"], "Baakenhafen Nord & Süd", "{gj}");
    assert!(p["rechtsstand_label"].is_string(), "{gj}");

    // documents and archive
    // BPlan001_5-4 comes without attachments
    let r = json(&s.get(&format!("/api/v1/plans/{id}/documents")));
    assert_eq!(r, serde_json::json!([]));
    let r = s.get(&format!("/api/v1/plans/{id}/archive"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type").as_deref(), Some("application/zip"));
    let mut a = zip::ZipArchive::new(std::io::Cursor::new(r.body.clone())).unwrap();
    let mut gml = String::new();
    std::io::Read::read_to_string(&mut a.by_name("xplan.gml").unwrap(), &mut gml).unwrap();
    assert!(gml.contains("Baakenhafen Nord &amp; Süd"));
    let r = s.get_accept(&format!("/api/v1/plans/{id}"), "application/zip");
    assert_eq!(r.body, s.get(&format!("/api/v1/plans/{id}/archive")).body);

    // delete: viewer 403, other municipality 403, editor 200; WFS and
    // the plan's WMS forget it
    let del = |auth: &str| {
        s.send(
            "DELETE",
            &format!("/api/v1/plans/{id}"),
            &[("Authorization", auth)],
            None,
        )
    };
    problem(&del(&u.viewer), 403);
    problem(&del(&u.editor_other), 403);
    let r = del(&u.editor_hh);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(hits("/wfs/54"), 0);
    problem(&s.get(&format!("/api/v1/plans/{id}")), 404);
    let t0 = std::time::Instant::now();
    while s
        .get(&format!(
            "/wms/plan/{id}?SERVICE=WMS&REQUEST=GetCapabilities"
        ))
        .status
        != 404
    {
        assert!(t0.elapsed().as_secs() < 10, "the plan's WMS stayed");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    problem(&del(&u.editor_hh), 404);

    // audit log: admins only; every change with who and what
    problem(
        &s.send(
            "GET",
            "/api/v1/audit",
            &[("Authorization", &u.editor_hh)],
            None,
        ),
        403,
    );
    let r = json(&s.send("GET", "/api/v1/audit", &[("Authorization", &u.admin)], None));
    let entries: Vec<(String, String, i64)> = r["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
                e["planId"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("hamburg".to_string(), "delete".to_string(), id),
            ("hamburg".into(), "basisdaten".into(), id),
            ("hamburg".into(), "status".into(), id),
            ("chef".into(), "import".into(), fnp),
            ("hamburg".into(), "import".into(), id),
        ]
    );
    let cli_log = cli(&url, &["audit", "--plan", &id.to_string()], None);
    assert_eq!(cli_log.lines().count(), 4, "{cli_log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_work_until_revoked() {
    let url = common::fresh_database().await;
    cli(
        &url,
        &[
            "user",
            "add",
            "fachverfahren",
            "--role",
            "editor",
            "--ags",
            "02000000",
        ],
        None,
    );
    let token = cli(
        &url,
        &[
            "token",
            "create",
            "fachverfahren",
            "--label",
            "Fachverfahren",
        ],
        None,
    );
    let token = token.trim();
    assert!(token.starts_with("xps_"), "{token}");
    // no credential cache, so the revocation shows at once
    let s = Server::start_with_env(&url, &[("XPLAN_AUTH_CACHE_SECONDS", "0")]);
    let bearer = format!("Bearer {token}");
    let r = s.send("GET", "/api/v1/me", &[("Authorization", &bearer)], None);
    assert_eq!(json(&r)["user"], "fachverfahren");
    // a browser sends a non-ASCII file name percent-encoded
    let r = s.send(
        "POST",
        "/api/v1/plans",
        &[
            ("Authorization", &bearer),
            (
                "X-Filename",
                "C%3A%5Cakten%5CBebauungsplan_Gr%C3%BCn%203.zip",
            ),
        ],
        Some(("application/zip", &plan_bytes("BPlan001_5-4.zip"))),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(json(&r)[0]["sourceFile"], "Bebauungsplan_Grün 3.zip");
    let list = cli(&url, &["token", "list", "fachverfahren"], None);
    assert!(list.contains("Fachverfahren"), "{list}");
    let id = token.split('_').nth(1).unwrap();
    cli(&url, &["token", "revoke", id], None);
    problem(
        &s.send("GET", "/api/v1/me", &[("Authorization", &bearer)], None),
        401,
    );
    // a forged token with the same id is refused
    let forged = format!("Bearer xps_{id}_{}", "A".repeat(40));
    problem(
        &s.send("GET", "/api/v1/me", &[("Authorization", &forged)], None),
        401,
    );
}

/// An archive with the given members.
fn make_zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_uploads_are_refused_and_store_nothing() {
    let url = common::fresh_database().await;
    let admin = add_admin(&url);
    let s = Server::start_with_env(&url, &[("XPLAN_MAX_UPLOAD_BYTES", "3000000")]);
    let gml = std::fs::read(fixtures().join("plans/BPlan001_5-1.gml")).unwrap();
    let bomb = make_zip(&[("xplan.gml", &vec![b' '; 300 << 20])]);
    assert!(bomb.len() < 3_000_000);
    let traversal = make_zip(&[("xplan.gml", &gml), ("../../etc/evil.txt", b"x")]);
    let no_plan = make_zip(&[("readme.txt", b"kein Plan")]);
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        (
            "not a zip",
            "application/zip",
            b"PK\x03\x04 broken".to_vec(),
            422,
        ),
        ("text as zip", "application/zip", b"hello".to_vec(), 422),
        ("zip bomb", "application/zip", bomb, 413),
        ("path traversal", "application/zip", traversal, 422),
        ("archive without plan", "application/zip", no_plan, 422),
        ("wrong content type", "text/plain", gml.clone(), 415),
        (
            "form upload",
            "application/x-www-form-urlencoded",
            gml.clone(),
            415,
        ),
        (
            "oversized",
            "application/gml+xml",
            vec![b' '; 3_000_001],
            413,
        ),
        ("empty", "application/gml+xml", Vec::new(), 400),
        (
            "not XPlanGML",
            "application/xml",
            b"<?xml version=\"1.0\"?><html/>".to_vec(),
            422,
        ),
    ];
    for (what, ct, body, status) in &cases {
        let r = upload(&s, "/api/v1/plans", Some(&admin), ct, body);
        assert_eq!(r.status, *status, "{what}: {}", r.text());
        problem(&r, *status);
        // the validator refuses the same input the same way
        if *status != 400 {
            let r = upload(&s, "/api/v1/validate", None, ct, body);
            assert_eq!(r.status, *status, "validate {what}: {}", r.text());
        }
    }
    // an invalid plan: 400 with the validation report, nothing stored
    let broken = String::from_utf8(gml.clone())
        .unwrap()
        .replacen("<xplan:name>", "<xplan:nameX>", 1)
        .replacen("</xplan:name>", "</xplan:nameX>", 1);
    let r = upload(
        &s,
        "/api/v1/plans",
        Some(&admin),
        "application/gml+xml",
        broken.as_bytes(),
    );
    let v = problem(&r, 400);
    assert_eq!(v["validationReport"]["valid"], false);
    assert_eq!(
        v["validationReport"]["validationResult"]["syntaktisch"]["valid"],
        false
    );
    assert_eq!(plan_count(&url).await, 0);
    // invalid query parameter
    problem(
        &upload(
            &s,
            "/api/v1/plans?skipFlaechenschluss=vielleicht",
            Some(&admin),
            "application/gml+xml",
            &gml,
        ),
        400,
    );
    assert_eq!(plan_count(&url).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_reports_json_and_html_with_findings_on_the_map() {
    let url = common::fresh_database().await;
    let s = Server::start(&url);
    let r = upload(
        &s,
        "/api/v1/validate",
        None,
        "application/zip",
        &plan_bytes("BPlan001_5-4.zip"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = json(&r);
    assert_eq!(v["valid"], true);
    assert_eq!(v["documentSummary"][0]["name"], "BPlan001_5-4");
    assert_eq!(v["findingsGeoJson"]["type"], "FeatureCollection");
    // a plan with geometry errors: findings located in lon/lat
    let path = fixtures().join("validation/geometry");
    let mut located = None;
    let mut files: Vec<_> = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for p in files {
        if p.extension().is_some_and(|x| x == "zip" || x == "gml") {
            let ct = if p.extension().unwrap() == "zip" {
                "application/zip"
            } else {
                "application/gml+xml"
            };
            let r = upload(
                &s,
                "/api/v1/validate",
                None,
                ct,
                &std::fs::read(&p).unwrap(),
            );
            if r.status != 200 {
                continue;
            }
            let v = json(&r);
            if let Some(f) = v["findingsGeoJson"]["features"]
                .as_array()
                .and_then(|a| a.first())
            {
                located = Some((p.clone(), f.clone(), v["bbox4326"].clone()));
                break;
            }
        }
    }
    let (p, f, bbox) = located.expect("a validation fixture with a located geometric finding");
    let c = f["geometry"]["coordinates"].as_array().unwrap();
    let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
    assert!(
        (5.0..16.0).contains(&lon) && (47.0..56.0).contains(&lat),
        "{}: {lon} {lat} not in Germany",
        p.display()
    );
    let b: Vec<f64> = bbox
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(b[0] - 0.01 <= lon && lon <= b[2] + 0.01 && b[1] - 0.01 <= lat && lat <= b[3] + 0.01);
    assert!(f["properties"]["rule"]
        .as_str()
        .is_some_and(|r| r.starts_with("2.")));
    // HTML when asked for
    let r = s.send(
        "POST",
        "/api/v1/validate",
        &[("Accept", "text/html")],
        Some(("application/zip", &plan_bytes("BPlan001_5-4.zip"))),
    );
    assert_eq!(r.status, 200);
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    assert!(r.text().contains("BPlan001_5-4"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_imports_and_duplicates() {
    let url = common::fresh_database().await;
    let admin = add_admin(&url);
    let s = std::sync::Arc::new(Server::start_with_env(
        &url,
        &[("XPLAN_UNIQUE", "ags_name")],
    ));
    let files = [
        "BPlan001_5-4.zip",
        "BPlan004_5-2.zip",
        "LP-Test_60.zip",
        "SO_5.3.zip",
        "FNP_Test_60.zip",
    ];
    let threads: Vec<_> = files
        .iter()
        .map(|f| {
            let (s, admin, f) = (s.clone(), admin.clone(), f.to_string());
            std::thread::spawn(move || {
                // FNP_Test_60 breaks rule 3.2.3.1 (see above)
                let path = if f == "FNP_Test_60.zip" {
                    "/api/v1/plans?skipSemantisch=true"
                } else {
                    "/api/v1/plans"
                };
                let r = upload(&s, path, Some(&admin), "application/zip", &plan_bytes(&f));
                (f, r.status, r.text())
            })
        })
        .collect();
    for t in threads {
        let (f, status, text) = t.join().unwrap();
        assert_eq!(status, 201, "{f}: {text}");
    }
    let list = json(&s.get("/api/v1/plans"));
    assert_eq!(list["numberMatched"], files.len());
    // documents of the plan with a scan: listed, and served with their
    // media type, sandboxed
    let with_docs = list["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sourceFile"] == "plan.zip" && p["name"] == "BPlan004_5-2")
        .expect("BPlan004_5-2 imported")["id"]
        .as_i64()
        .unwrap();
    let docs = json(&s.get(&format!("/api/v1/plans/{with_docs}/documents")));
    let docs = docs.as_array().unwrap();
    let png = docs
        .iter()
        .find(|d| d["mediaType"] == "image/png")
        .unwrap_or_else(|| panic!("no PNG scan in {docs:?}"));
    let href = png["href"].as_str().unwrap();
    let r = s.get(href.strip_prefix(&s.url("")).unwrap());
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type").as_deref(), Some("image/png"));
    assert_eq!(
        r.header("Content-Security-Policy").as_deref(),
        Some("sandbox")
    );
    assert_eq!(r.body.len() as i64, png["size"].as_i64().unwrap());
    assert!(r.body.starts_with(b"\x89PNG"));
    problem(
        &s.get(&format!("/api/v1/plans/{with_docs}/documents/fehlt.pdf")),
        404,
    );
    // server facts
    let info = json(&s.get("/api/v1/info"));
    assert_eq!(info["uniqueness"], "ags_name");
    assert_eq!(
        info["supportedXPlanGmlVersions"].as_array().unwrap().len(),
        7
    );
    // the same plan again: 409 (same name, same municipality), nothing added
    let before = plan_count(&url).await;
    let r = upload(
        &s,
        "/api/v1/plans",
        Some(&admin),
        "application/zip",
        &plan_bytes("BPlan001_5-4.zip"),
    );
    let v = problem(&r, 409);
    assert!(v["existingPlanId"].as_i64().is_some());
    assert_eq!(plan_count(&url).await, before);
    // two concurrent imports of one new plan: exactly one wins
    let a = plan_bytes("BPlan002_5-4.gml");
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (s, admin, a) = (s.clone(), admin.clone(), a.clone());
            std::thread::spawn(move || {
                upload(&s, "/api/v1/plans", Some(&admin), "application/gml+xml", &a).status
            })
        })
        .collect();
    let mut codes: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    codes.sort();
    assert_eq!(codes, [201, 409]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_reading_metrics_request_ids_and_openapi() {
    let url = common::fresh_database().await;
    cli(
        &url,
        &[
            "user",
            "add",
            "leser",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        Some("leser-passwort\n"),
    );
    let viewer = basic("leser", "leser-passwort");
    let s = Server::start_with_env(&url, &[("XPLAN_PUBLIC_READ", "false")]);
    // closed: plan list, WMS, WFS, metrics need credentials; health and
    // the web page do not
    for path in [
        "/api/v1/plans",
        "/wms?SERVICE=WMS&REQUEST=GetCapabilities",
        "/wfs/54?SERVICE=WFS&REQUEST=GetCapabilities",
        "/ogcapi/collections",
        "/metrics",
    ] {
        assert_eq!(s.get(path).status, 401, "{path}");
        let r = s.send("GET", path, &[("Authorization", &viewer)], None);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
    }
    assert_eq!(s.get("/health/live").status, 200);
    assert_eq!(s.get("/health/ready").status, 200);
    // request ids: the client's when sane, else a new one
    let r = s.send("GET", "/health/live", &[("X-Request-Id", "abc-123")], None);
    assert_eq!(r.header("X-Request-Id").as_deref(), Some("abc-123"));
    let r = s.send("GET", "/health/live", &[("X-Request-Id", "bad id\"")], None);
    let id = r.header("X-Request-Id").unwrap();
    assert_eq!(id.len(), 16);
    // unknown resources: problem+json
    problem(
        &s.send("GET", "/api/v1/nichts", &[("Authorization", &viewer)], None),
        404,
    );
    // metrics count what was asked
    let m = s
        .send("GET", "/metrics", &[("Authorization", &viewer)], None)
        .text();
    assert!(
        m.contains(
            "xplan_http_requests_total{route=\"/api/v1/plans\",method=\"GET\",status=\"200\"} 1"
        ),
        "{m}"
    );
    assert!(
        m.contains(
            "xplan_http_requests_total{route=\"/api/v1/plans\",method=\"GET\",status=\"401\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("# TYPE xplan_http_request_duration_seconds histogram"));
    // the OpenAPI document is valid OpenAPI 3 (openapi-spec-validator from PyPI)
    let r = s.send(
        "GET",
        "/api/v1/openapi.json",
        &[("Authorization", &viewer)],
        None,
    );
    assert_eq!(r.status, 200);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("openapi.json");
    std::fs::write(&f, &r.body).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&f)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "OpenAPI document invalid: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&r);
    for p in [
        "/api/v1/validate",
        "/api/v1/plans",
        "/api/v1/plans/{id}",
        "/api/v1/plans/{id}/status",
        "/api/v1/plans/{id}/archive",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing");
    }
}
