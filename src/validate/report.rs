//! Report renderings for people: plain text and HTML (summary first, then
//! findings grouped by rule).

use super::{Finding, Level, Section, Status, ValidationReport};
use std::collections::BTreeMap;
use std::fmt::Write;

fn status_text(s: &Section) -> &'static str {
    match (s.status, s.valid) {
        (Status::Executed, Some(true)) if s.warnings() > 0 => "valid, with warnings",
        (Status::Executed, Some(true)) => "valid",
        (Status::Executed, _) => "invalid",
        (Status::Skipped, _) => "skipped",
        (Status::NotRunSyntaxErrors, _) => "not run (syntax errors)",
        (Status::NotImplemented, _) => "not run (not implemented yet)",
    }
}

fn sections(r: &ValidationReport) -> [(&'static str, &Section); 3] {
    [
        ("syntactic (XML schema)", &r.result.syntaktisch),
        ("geometric", &r.result.geometrisch),
        ("semantic", &r.result.semantisch),
    ]
}

fn by_rule(findings: &[Finding]) -> BTreeMap<&str, Vec<&Finding>> {
    let mut m: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        m.entry(f.rule.as_str()).or_default().push(f);
    }
    m
}

pub fn to_text(r: &ValidationReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} (XPlanGML {})",
        r.filename,
        if r.valid { "VALID" } else { "INVALID" },
        r.version.map(|v| v.as_str()).unwrap_or("?")
    );
    for p in &r.document_summary {
        let _ = writeln!(s, "  plan: {} ({})", p.name, p.plan_type);
    }
    for (name, sec) in sections(r) {
        let _ = writeln!(
            s,
            "  {name}: {} ({} errors, {} warnings)",
            status_text(sec),
            sec.errors(),
            sec.warnings()
        );
        for (rule, fs) in by_rule(&sec.findings) {
            let _ = writeln!(s, "    rule {rule}:");
            for f in fs {
                let lvl = if f.level == Level::Error {
                    "error"
                } else {
                    "warning"
                };
                let line = f.line.map(|l| format!(" [line {l}]")).unwrap_or_default();
                let _ = writeln!(s, "      {lvl}: {}{line}", f.message);
            }
        }
    }
    for e in &r.external_references {
        let _ = writeln!(s, "  reference {}: {}", e.name, e.status);
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn to_html(r: &ValidationReport) -> String {
    let mut s = String::new();
    let verdict = if r.valid { "valide" } else { "nicht valide" };
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Validierungsbericht {}</title><style>body{{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#222}}\
.ok{{color:#0a5d0a}}.bad{{color:#a40000}}table{{border-collapse:collapse}}td,th{{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}}\
code{{font-size:90%}}</style></head><body>\n<h1>Validierungsbericht: {}</h1>\n<p class=\"{}\"><strong>Ergebnis: {verdict}</strong> (XPlanGML {})</p>\n",
        esc(&r.filename),
        esc(&r.filename),
        if r.valid { "ok" } else { "bad" },
        r.version.map(|v| v.as_str()).unwrap_or("?")
    );
    s.push_str(
        "<table><tr><th>Prüfung</th><th>Ergebnis</th><th>Fehler</th><th>Warnungen</th></tr>\n",
    );
    for (name, sec) in sections(r) {
        let _ = writeln!(
            s,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            status_text(sec),
            sec.errors(),
            sec.warnings()
        );
    }
    s.push_str("</table>\n");
    let rules = &r.result.semantisch.rules;
    if !rules.is_empty() {
        let _ = writeln!(
            s,
            "<h2>Geprüfte Konformitätsbedingungen ({})</h2><p>Weitere semantische Regeln sind noch nicht umgesetzt.</p><ul>",
            rules.len()
        );
        for x in rules {
            let _ = writeln!(
                s,
                "<li>{} {}: <span class=\"{}\">{}</span></li>",
                esc(&x.number),
                esc(&x.title),
                if x.valid { "ok" } else { "bad" },
                if x.valid { "erfüllt" } else { "verletzt" }
            );
        }
        s.push_str("</ul>\n");
    }
    if !r.document_summary.is_empty() {
        s.push_str("<h2>Pläne</h2><ul>");
        for p in &r.document_summary {
            let _ = write!(s, "<li>{} ({})</li>", esc(&p.name), esc(&p.plan_type));
        }
        s.push_str("</ul>\n");
    }
    for (name, sec) in sections(r) {
        if sec.findings.is_empty() {
            continue;
        }
        let _ = writeln!(s, "<h2>{name}</h2>");
        for (rule, fs) in by_rule(&sec.findings) {
            let _ = writeln!(s, "<h3>Regel {}</h3><ul>", esc(rule));
            for f in fs {
                let lvl = if f.level == Level::Error {
                    "Fehler"
                } else {
                    "Warnung"
                };
                let line = f.line.map(|l| format!(", Zeile {l}")).unwrap_or_default();
                let at = f
                    .location
                    .map(|c| format!(", bei {:.3} {:.3}", c[0], c[1]))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "<li><strong>{lvl}</strong>: {}{line}{at}</li>",
                    esc(&f.message)
                );
            }
            s.push_str("</ul>\n");
        }
    }
    if !r.external_references.is_empty() {
        s.push_str("<h2>Externe Referenzen</h2><ul>");
        for e in &r.external_references {
            let _ = write!(s, "<li><code>{}</code>: {}</li>", esc(&e.name), e.status);
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</body></html>\n");
    s
}

/// Geometric findings with a location as a GeoJSON FeatureCollection (in
/// the plan CRS), for maps.
pub fn findings_geojson(r: &ValidationReport) -> serde_json::Value {
    let features: Vec<serde_json::Value> = r
        .result
        .geometrisch
        .findings
        .iter()
        .filter_map(|f| {
            let c = f.location?;
            Some(serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": c},
                "properties": {"rule": f.rule, "level": f.level, "message": f.message, "gmlIds": f.gml_ids},
            }))
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}
