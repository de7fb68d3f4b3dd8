//! The validator: schema validation offline and thread-safe, reports, the
//! validate CLI and validation before import.

mod common;

use std::process::Command;
use xplanserver::validate::{validate, Level, Options, Status};
use xplanserver::xplan::archive::read_input_bytes;
use xplanserver::xplan::Limits;

use common::{bin, fixture_input as fixture};

#[test]
fn schema_errors_name_line_column_and_element() {
    let r = validate(
        &fixture("validation/syntax/BP_6.0_syntaxErrors.gml"),
        &Options::default(),
    )
    .unwrap();
    assert!(!r.valid);
    let s = &r.result.syntaktisch;
    assert_eq!(s.valid, Some(false));
    assert!(s.errors() > 0);
    for f in &s.findings {
        assert!(f.line.unwrap() > 1, "{f:?}");
        assert!(
            f.message.contains("line ") && f.message.contains("xplan:"),
            "{}",
            f.message
        );
    }
    // the other checks do not guess on a syntactically invalid plan
    assert_eq!(r.result.geometrisch.status, Status::NotRunSyntaxErrors);
    assert_eq!(r.result.semantisch.status, Status::NotRunSyntaxErrors);
}

#[test]
fn every_valid_version_passes_the_schema() {
    for f in [
        "plans/Eidelstedt_4_V4.zip",
        "plans/BP2135.zip",
        "plans/BPlan001_5-1.gml",
        "plans/BPlan004_5-2.zip",
        "plans/BP_5.3.zip",
        "plans/BPlan002_5-4.gml",
        "plans/BPlan004_6-0.zip",
        "plans/FNP_Test_60.zip",
        "plans/LP-Test_60.zip",
    ] {
        let r = validate(&fixture(f), &Options::default()).unwrap();
        assert_eq!(
            r.result.syntaktisch.valid,
            Some(true),
            "{f}: {:?}",
            r.result.syntaktisch.findings
        );
    }
}

#[test]
fn wfs_feature_collection_root_validates_offline() {
    // the WFS 2.0 import of XPlanung-Operationen.xsd resolves locally
    let gml = fixture("plans/BPlan001_6-0.zip").gml;
    let start = gml.find("<xplan:XPlanAuszug").unwrap();
    let open_end = start + gml[start..].find('>').unwrap();
    let open = &gml[start..open_end];
    let wfs = format!(
        "{}<wfs:FeatureCollection xmlns:wfs=\"http://www.opengis.net/wfs/2.0\"{} timeStamp=\"2026-01-01T00:00:00\" numberMatched=\"unknown\" numberReturned=\"0\">{}</wfs:FeatureCollection>",
        &gml[..start],
        open.trim_start_matches("<xplan:XPlanAuszug").replace(" gml:id=\"GML_c0490d13-8f76-4583-b348-56957aad0813\"", "").replace("xmlns:wfs=\"http://www.opengis.net/wfs\"", ""),
        gml[open_end + 1..gml.rfind("</xplan:XPlanAuszug>").unwrap()]
            .replacen("<gml:boundedBy>", "<wfs:boundedBy>", 1)
            .replacen("</gml:boundedBy>", "</wfs:boundedBy>", 1)
            .replace("<gml:featureMember>", "<wfs:member>")
            .replace("</gml:featureMember>", "</wfs:member>")
    );
    let input = read_input_bytes("wfs.gml".into(), wfs.into_bytes(), &Limits::default()).unwrap();
    let r = validate(&input, &Options::default()).unwrap();
    assert_eq!(
        r.result.syntaktisch.valid,
        Some(true),
        "{:?}",
        r.result.syntaktisch.findings
    );
}

#[test]
fn entities_never_reach_the_schema_validator() {
    let r = validate(
        &fixture("validation/rejected/BP_5.0_Entity.zip"),
        &Options::default(),
    )
    .unwrap();
    assert!(!r.valid);
    assert_eq!(r.result.syntaktisch.findings.len(), 1);
    assert!(r.result.syntaktisch.findings[0].message.contains("DOCTYPE"));
}

#[test]
fn concurrent_validations_share_the_compiled_schemas() {
    let good = fixture("plans/BPlan001_6-0.zip");
    let bad = fixture("validation/syntax/BP_6.0_syntaxErrors.gml");
    let expected_bad = validate(&bad, &Options::default())
        .unwrap()
        .result
        .syntaktisch
        .errors();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (good, bad) = (&good, &bad);
            s.spawn(move || {
                for i in 0..10 {
                    let (input, valid) = if (t + i) % 2 == 0 {
                        (good, true)
                    } else {
                        (bad, false)
                    };
                    let r = validate(input, &Options::default()).unwrap();
                    assert_eq!(r.result.syntaktisch.valid, Some(valid));
                    if !valid {
                        assert_eq!(r.result.syntaktisch.errors(), expected_bad);
                    }
                }
            });
        }
    });
}

#[test]
fn report_has_the_xplanbox_shape_and_geojson_of_findings() {
    let r = validate(&fixture("plans/BP2070.zip"), &Options::default()).unwrap();
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["valid"], false);
    assert_eq!(j["version"], "5.0");
    assert_eq!(j["documentSummary"][0]["type"], "BP_Plan");
    assert_eq!(j["validationResult"]["syntaktisch"]["valid"], true);
    assert_eq!(j["validationResult"]["geometrisch"]["valid"], false);
    assert_eq!(j["validationResult"]["semantisch"]["status"], "executed");
    // rule 2.1.2.1: the plan writes uom="deg" on ten drehwinkel values,
    // the rule allows "grad" or "urn:adv:uom:grad"; rule 4.11.1.7: ten
    // BP_VerEntsorgung areas of ebene 0 have flaechenschluss false
    assert_eq!(j["validationResult"]["semantisch"]["valid"], false);
    let sem = j["validationResult"]["semantisch"]["findings"]
        .as_array()
        .unwrap();
    let count = |rule: &str| sem.iter().filter(|f| f["rule"] == rule).count();
    assert_eq!(
        (count("2.1.2.1"), count("4.11.1.7"), sem.len()),
        (10, 10, 20),
        "{sem:?}"
    );
    assert!(sem
        .iter()
        .filter(|f| f["rule"] == "2.1.2.1")
        .all(|f| f["message"].as_str().unwrap().contains("deg")));
    let rules = j["validationResult"]["semantisch"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["number"] == "3.1.2.2"), "{rules:?}");
    let f = &j["validationResult"]["geometrisch"]["findings"][0];
    assert_eq!(f["rule"], "2.2.2.1");
    assert!(f["gmlIds"][0].as_str().unwrap().starts_with("GML_"));
    assert!(f["line"].as_u64().unwrap() > 0);
    let gj = xplanserver::validate::report::findings_geojson(&r);
    let located = r
        .result
        .geometrisch
        .findings
        .iter()
        .filter(|f| f.location.is_some())
        .count();
    assert!(located >= r.result.geometrisch.errors());
    assert_eq!(gj["features"].as_array().unwrap().len(), located);
    let html = xplanserver::validate::report::to_html(&r);
    assert!(html.contains("Regel 2.2.2.1") && html.contains("nicht valide"));
    // skipping the orientation check changes nothing here, skipping geometry
    // and the semantic rules does
    let r2 = validate(
        &fixture("plans/BP2070.zip"),
        &Options {
            skip_geometric: true,
            skip_semantic: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(r2.result.geometrisch.status, Status::Skipped);
    assert!(r2.valid);
    assert!(r
        .result
        .geometrisch
        .findings
        .iter()
        .any(|f| f.level == Level::Error));
}

#[test]
fn validate_cli_exit_codes_and_formats() {
    let run = |args: &[&str]| Command::new(bin()).args(args).output().unwrap();
    let plans = common::fixtures().join("plans");
    let ok = run(&["validate", plans.join("BPlan003_6-0.zip").to_str().unwrap()]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("VALID"));
    let bad = run(&[
        "validate",
        "--format",
        "json",
        plans.join("LA67.zip").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(j["validationResult"]["geometrisch"]["valid"], false);
    let html = run(&[
        "validate",
        "--format",
        "html",
        plans.join("LA67.zip").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&html.stdout).starts_with("<!DOCTYPE html>"));
    let missing = run(&["validate", "/nonexistent/plan.gml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).starts_with("error: "));
    // the rule registry: 4.5.2.4 is new in 6.0, 3.1.3.3 was dropped in 6.0
    let rules = run(&["rules", "--format", "json"]);
    assert_eq!(rules.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&rules.stdout).unwrap();
    let has = |v: &str, n: &str| {
        j[v].as_array()
            .unwrap()
            .iter()
            .any(|r| r["number"] == n && !r["title"].as_str().unwrap().is_empty())
    };
    assert!(has("6.0", "4.5.2.4") && !has("5.4", "4.5.2.4"));
    assert!(has("5.0", "3.1.3.3") && !has("6.0", "3.1.3.3"));
    assert_eq!(j.as_object().unwrap().len(), 7);
    let text = run(&["rules", "--version", "5.4"]);
    assert!(String::from_utf8_lossy(&text.stdout).starts_with("XPlanGML 5.4: "));
    let unknown = run(&["rules", "--version", "5.5"]);
    assert_ne!(unknown.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown XPlanGML version"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_refuses_invalid_plans_unless_told_otherwise() {
    let url = common::fresh_database().await;
    let la67 = common::fixtures().join("plans/LA67.zip");
    let out = Command::new(bin())
        .args(["--database-url", &url, "import"])
        .arg(&la67)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid") && stderr.contains("2.2.2.1"),
        "{stderr}"
    );
    let store = xplanserver::store::Store::connect_url(&url, 1, 25832, 0.05)
        .await
        .unwrap();
    assert!(store.list().await.unwrap().is_empty());
    common::cli_import(&url, &["--skip-validation"], &la67, true);
    assert_eq!(store.list().await.unwrap().len(), 1);
}

#[test]
fn relation_rules_name_the_rule_and_both_features() {
    // BPlan001_5-1: the Bereich's first planinhalt made to point at the
    // plan itself, which is no XP_Objekt (rule 3.1.2.2)
    let gml = std::fs::read_to_string(common::fixtures().join("plans/BPlan001_5-1.gml")).unwrap();
    let plan = "GML_6f05d9de-abeb-4e9c-b0ec-286cf3f8d3bb";
    let first = "<xplan:planinhalt xlink:href=\"#GML_7315776b-801d-4eec-8d73-a0f97ad6b0b7\" />";
    assert!(gml.contains(first) && gml.contains(plan));
    let bad = gml.replacen(
        first,
        &format!("<xplan:planinhalt xlink:href=\"#{plan}\" />"),
        1,
    );
    let input = read_input_bytes("bad.gml".into(), bad.into_bytes(), &Limits::default()).unwrap();
    let r = validate(&input, &Options::default()).unwrap();
    assert_eq!(r.result.syntaktisch.valid, Some(true));
    assert_eq!(r.result.semantisch.valid, Some(false));
    assert!(!r.valid);
    let f: Vec<_> = r
        .result
        .semantisch
        .findings
        .iter()
        .filter(|f| f.rule == "3.1.2.2")
        .collect();
    assert_eq!(f.len(), 1, "{:?}", r.result.semantisch.findings);
    assert_eq!(f[0].gml_ids[1], plan);
    assert_eq!(f[0].level, Level::Error);
    assert!(f[0].line.unwrap() > 0);
    assert!(r
        .result
        .semantisch
        .rules
        .iter()
        .any(|x| x.number == "3.1.2.2" && !x.valid));
    let html = xplanserver::validate::report::to_html(&r);
    assert!(html.contains("3.1.2.2 Relation auf Fachobjekte: <span class=\"bad\">verletzt</span>"));
    // the unchanged plan is valid, also semantically
    let ok = validate(&fixture("plans/BPlan001_5-1.gml"), &Options::default()).unwrap();
    assert_eq!(ok.result.semantisch.valid, Some(true));
    // skipped on request
    let skipped = validate(
        &input,
        &Options {
            skip_semantic: true,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(skipped.result.semantisch.status, Status::Skipped);
}

#[test]
fn basisschema_rules_on_attributes_and_back_references() {
    // Eidelstedt (4.1): its XP_PPO is a presentation object of the Bereich
    // and shows a BP_BaugebietsTeilFlaeche, but neither refers back
    // (3.3.1.3: gehoertZuBereich, 3.1.3.4: wirdDargestelltDurch)
    let r = validate(&fixture("plans/Eidelstedt_4_V4.zip"), &Options::default()).unwrap();
    let by_rule = |n: &str| -> Vec<&xplanserver::validate::Finding> {
        r.result
            .semantisch
            .findings
            .iter()
            .filter(|f| f.rule == n)
            .collect()
    };
    let ppo = "GML_1F108B1E-A2B9-4EEE-ADA3-0CAAD9E85AF6";
    let f = by_rule("3.3.1.3");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].gml_ids,
        [ppo, "GML_1C210013-14A8-491F-AD56-024BDFE3F111"]
    );
    let f = by_rule("3.1.3.4");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].gml_ids,
        ["GML_76DB7973-30CE-4669-B1FD-2DAC4750AAB1", ppo]
    );
    // BPlan001_5-1 with a Gemeinde without ags and rs (3.2.5.1): still
    // schema-valid, semantically not
    let gml = std::fs::read_to_string(common::fixtures().join("plans/BPlan001_5-1.gml")).unwrap();
    let bad = gml.replacen("<xplan:ags>02000000</xplan:ags>", "", 1);
    let input = read_input_bytes("bad.gml".into(), bad.into_bytes(), &Limits::default()).unwrap();
    let r = validate(&input, &Options::default()).unwrap();
    assert_eq!(r.result.syntaktisch.valid, Some(true));
    let f: Vec<_> = r
        .result
        .semantisch
        .findings
        .iter()
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(f, ["3.2.5.1"]);
    assert!(!r.valid);
}

#[test]
fn a_mapped_file_validates_like_its_text() {
    // ~10 MB: several parse chunks and schema-reader reports, each handing
    // its part of the mapping back while the other reader still needs it
    let plan = std::fs::read_to_string(common::fixtures().join("plans/BPlan001_5-1.gml")).unwrap();
    let mut text = xplanserver::synth::tile_plan(&plan, 8).unwrap();
    // a schema error and a wrong code near the end, after most releases
    let at = text.rfind("<xplan:rechtscharakter>1000<").unwrap();
    text.replace_range(at..at + 28, "<xplan:rechtscharakter>1o00<");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.gml");
    std::fs::write(&path, &text).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let mapped = xplanserver::xplan::source::Mapped::open(&file)
        .unwrap()
        .expect("a UTF-8 file is mapped");
    let opts = Options::default();
    let run = |src: xplanserver::xplan::Source| {
        let mapped = src.is_mapped();
        let (report, doc) =
            xplanserver::validate::validate_text("big.gml", src, &[], &opts).unwrap();
        let doc = doc.unwrap_or_else(|| panic!("not parsed: {report:?}"));
        assert_eq!(doc.source.is_mapped(), mapped);
        serde_json::to_value(&report).unwrap()
    };
    let from_map = run(xplanserver::xplan::Source::Mapped(mapped));
    let from_text = run(text.clone().into());
    assert_eq!(from_map, from_text);
    // the late error was found, with its line
    let line = text[..at].matches('\n').count() + 1;
    let syntax = &from_map["validationResult"]["syntaktisch"]["findings"];
    assert!(
        syntax.as_array().unwrap().iter().any(|f| f["line"] == line),
        "no schema error at line {line}: {syntax}"
    );
}
