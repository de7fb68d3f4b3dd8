//! Conformance harness: every case of fixtures/validation/expectations.toml
//! in a scope this server implements is checked against our outcome; the
//! cases of scopes not implemented yet are listed, not counted as passed.

mod common;

use serde::Deserialize;
use xplanserver::gml::reader::{read_geometry, Ev, XmlCursor};
use xplanserver::validate::geometry::{check_geometries, check_geometry, check_xlinks};
use xplanserver::validate::{validate, Finding, Level, Options};
use xplanserver::xplan::archive::read_input_bytes;
use xplanserver::xplan::{parse_document, read_input, Limits};

#[derive(Deserialize)]
struct Expectations {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    file: String,
    scope: String,
    valid: bool,
    errors: Option<usize>,
    warnings: Option<usize>,
    our_errors: Option<usize>,
    our_warnings: Option<usize>,
    /// Our answer where it differs from xPlanBox's, explained in `note`.
    our_valid: Option<bool>,
    #[serde(default)]
    skip_laufrichtung: bool,
    note: Option<String>,
    /// Scope "semantic": the violated rules named in the fixture, as
    /// "rule gml:id"; the semantic errors must be exactly these.
    rules: Option<Vec<String>>,
}

/// Our outcome in a case's scope.
struct Outcome {
    valid: bool,
    errors: usize,
    warnings: usize,
    /// The findings (scope "semantic").
    findings: Vec<Finding>,
}

impl Outcome {
    fn counts((valid, errors, warnings): (bool, usize, usize)) -> Outcome {
        Outcome {
            valid,
            errors,
            warnings,
            findings: Vec::new(),
        }
    }
}

/// Differences between the semantic errors and the expected "rule gml:id"
/// entries: an entry is met by an error of that rule naming that gml:id.
fn rule_differences(findings: &[Finding], expected: &[String]) -> Vec<String> {
    let expected: Vec<(&str, &str)> = expected
        .iter()
        .map(|e| {
            e.split_once(' ')
                .expect("rules entries are \"rule gml:id\"")
        })
        .collect();
    let meets =
        |f: &Finding, (rule, id): (&str, &str)| f.rule == rule && f.gml_ids.iter().any(|g| g == id);
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .collect();
    let mut out = Vec::new();
    for &e in &expected {
        if !errors.iter().any(|f| meets(f, e)) {
            out.push(format!("missing {} {}", e.0, e.1));
        }
    }
    for f in &errors {
        if !expected.iter().any(|&e| meets(f, e)) {
            out.push(format!(
                "unexpected {} {:?}: {}",
                f.rule, f.gml_ids, f.message
            ));
        }
    }
    out
}

/// Our validation in the case's scope, or None when the scope is not
/// implemented.
fn outcome(case: &Case) -> Option<Outcome> {
    if case.scope != "semantic" {
        return counts(case).map(Outcome::counts);
    }
    // the semantic section of the whole validation
    let path = common::fixtures().join(&case.file);
    let input = read_input(&path, &Limits::default()).unwrap();
    let r = validate(&input, &Options::default()).unwrap();
    let s = &r.result.semantisch;
    assert!(
        s.valid.is_some(),
        "{}: the semantic validation ran",
        case.file
    );
    for f in s.findings.iter().take(10) {
        eprintln!("  {}: {} {:?} {}", case.file, f.rule, f.level, f.message);
    }
    Some(Outcome {
        valid: s.valid == Some(true),
        errors: s.errors(),
        warnings: s.warnings(),
        findings: s.findings.clone(),
    })
}

/// (valid, errors, warnings) of our validation in the case's scope, or
/// None when the scope is not implemented.
fn counts(case: &Case) -> Option<(bool, usize, usize)> {
    let path = common::fixtures().join(&case.file);
    let opts = Options {
        skip_laufrichtung: case.skip_laufrichtung,
        ..Options::default()
    };
    match case.scope.as_str() {
        "geometry" => {
            let mut text = std::fs::read_to_string(&path).unwrap();
            // A bare ring is inspected as the exterior of a polygon.
            let body = match text.find("?>") {
                Some(p) if text.starts_with("<?xml") => text[p + 2..].to_string(),
                _ => text.clone(),
            };
            let first = body.trim_start();
            if first.starts_with("<gml:LinearRing") || first.starts_with("<gml:Ring") {
                text = format!(
                    r#"<gml:Polygon xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="wrapper"><gml:exterior>{body}</gml:exterior></gml:Polygon>"#
                );
            }
            let mut cur = XmlCursor::new(&text);
            let root = loop {
                match cur.next_event().unwrap() {
                    Ev::Start(e) => break e,
                    _ => continue,
                }
            };
            let g = read_geometry(&mut cur, &root, None).unwrap();
            let problems = check_geometry(&g, case.skip_laufrichtung);
            for p in &problems {
                eprintln!("  {}: {:?} {}", case.file, p.0, p.1);
            }
            let errors = problems.iter().filter(|p| p.0 == Level::Error).count();
            let warnings = problems.len() - errors;
            Some((errors == 0, errors, warnings))
        }
        "geometric" => {
            // xPlanBox's GeometricValidatorImpl scope: the geometric checks
            // on the document, whatever its schema validity
            let input = read_input(&path, &Limits::default()).unwrap();
            let doc = parse_document(input.gml).unwrap();
            let mut findings = check_geometries(&doc, case.skip_laufrichtung);
            findings.extend(check_xlinks(&doc));
            for f in findings.iter().take(5) {
                eprintln!("  {}: {:?} {}", case.file, f.level, f.message);
            }
            let errors = findings.iter().filter(|f| f.level == Level::Error).count();
            Some((errors == 0, errors, findings.len() - errors))
        }
        "geltungsbereich" | "flaechenschluss" => {
            // GeltungsbereichInspector / FlaechenschlussInspector scope: one rule
            let input = read_input(&path, &Limits::default()).unwrap();
            let doc = parse_document(input.gml).unwrap();
            let plans = xplanserver::xplan::split_plans(&doc).unwrap();
            let findings = if case.scope == "geltungsbereich" {
                xplanserver::validate::geltungsbereich::check(&doc, &plans)
            } else {
                xplanserver::validate::flaechenschluss::check(&doc, &plans)
            };
            for f in findings.iter().take(5) {
                eprintln!("  {}: {:?} {}", case.file, f.level, f.message);
            }
            let errors = findings.iter().filter(|f| f.level == Level::Error).count();
            Some((errors == 0, errors, findings.len() - errors))
        }
        "full" => {
            // everything we implement (of the semantic rules, the relation rules): the plan's verdict
            let input = read_input(&path, &Limits::default()).unwrap();
            let r = validate(&input, &opts).unwrap();
            for f in r.result.geometrisch.findings.iter().take(5) {
                eprintln!("  {}: {:?} {}", case.file, f.level, f.message);
            }
            let s = &r.result.geometrisch;
            Some((
                r.valid,
                r.result.syntaktisch.errors() + s.errors(),
                s.warnings(),
            ))
        }
        "syntactic" => {
            let input = read_input(&path, &Limits::default()).unwrap();
            let r = validate(
                &input,
                &Options {
                    skip_geometric: true,
                    ..opts
                },
            )
            .unwrap();
            let s = &r.result.syntaktisch;
            assert!(
                s.valid.is_some(),
                "{}: the syntactic validation ran",
                case.file
            );
            Some((s.valid == Some(true), s.errors(), s.warnings()))
        }
        "rejected" => {
            let bytes = std::fs::read(&path).unwrap();
            let rejected = match read_input_bytes(case.file.clone(), bytes, &Limits::default()) {
                Err(_) => true,
                Ok(input) => {
                    let r = validate(&input, &opts).unwrap();
                    !r.valid && r.result.syntaktisch.valid == Some(false)
                }
            };
            Some((!rejected, usize::from(rejected), 0))
        }
        _ => None,
    }
}

#[test]
fn fixtures_validate_as_expected() {
    let text =
        std::fs::read_to_string(common::fixtures().join("validation/expectations.toml")).unwrap();
    let exp: Expectations = toml::from_str(&text).unwrap();
    let (mut checked, mut not_covered) = (0, Vec::new());
    let mut failures = Vec::new();
    for case in &exp.case {
        let Some(Outcome {
            valid,
            errors,
            warnings,
            findings,
        }) = outcome(case)
        else {
            not_covered.push(format!("{} ({})", case.file, case.scope));
            continue;
        };
        checked += 1;
        let mut why = Vec::new();
        let expected_valid = case.our_valid.unwrap_or(case.valid);
        if valid != expected_valid {
            why.push(format!("valid={valid}, expected {expected_valid}"));
        }
        if case.our_valid.is_some() || case.our_errors.is_some() || case.our_warnings.is_some() {
            assert!(
                case.note.is_some(),
                "{}: a deviation from xPlanBox needs a note",
                case.file
            );
        }
        if let Some(e) = case.our_errors.or(case.errors) {
            if errors != e {
                why.push(format!("{errors} errors, expected {e}"));
            }
        }
        if let Some(w) = case.our_warnings.or(case.warnings) {
            if warnings != w {
                why.push(format!("{warnings} warnings, expected {w}"));
            }
        }
        if let Some(rules) = &case.rules {
            assert_eq!(
                case.scope, "semantic",
                "{}: rules need scope semantic",
                case.file
            );
            why.extend(rule_differences(&findings, rules));
        }
        if !why.is_empty() {
            failures.push(format!(
                "{} [{}]: {}",
                case.file,
                case.scope,
                why.join("; ")
            ));
        }
    }
    eprintln!(
        "{checked} cases checked; {} not covered yet:",
        not_covered.len()
    );
    for n in &not_covered {
        eprintln!("  not covered: {n}");
    }
    assert!(
        checked >= 30,
        "the implemented scopes cover the syntax, geometry and plan cases"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_entries_must_match_the_semantic_errors_exactly() {
    let f = |rule: &str, id: &str| Finding {
        rule: rule.into(),
        level: Level::Error,
        message: "m".into(),
        gml_ids: vec![id.into(), "other".into()],
        line: None,
        location: None,
    };
    let found = [f("6.1.3.9", "a"), f("6.1.3.10", "b")];
    let expected = ["6.1.3.9 a".to_string(), "6.1.3.10 b".to_string()];
    assert!(rule_differences(&found, &expected).is_empty());
    assert_eq!(
        rule_differences(&found, &expected[..1]),
        [r#"unexpected 6.1.3.10 ["b", "other"]: m"#]
    );
    assert_eq!(
        rule_differences(&found[..1], &expected),
        ["missing 6.1.3.10 b"]
    );
    // the right rule naming another object does not count
    assert_eq!(
        rule_differences(&[f("6.1.3.9", "c")], &expected[..1]),
        [
            "missing 6.1.3.9 a",
            r#"unexpected 6.1.3.9 ["c", "other"]: m"#
        ]
    );
}
