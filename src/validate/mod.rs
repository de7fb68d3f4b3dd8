//! Validation of XPlanGML documents: syntactic (XSD), geometric (2.2.2.1,
//! 2.2.3.1 Geltungsbereich, XLink integrity) and the report. If the syntax is invalid, the other
//! checks are reported as not run.

pub mod flaechenschluss;
pub mod geltungsbereich;
pub mod geometry;
pub mod report;
pub mod semantic;
pub mod xsd;

use crate::xplan::{InputFile, Version, XplanError};
use serde::Serialize;

/// Which checks to skip.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub skip_geometric: bool,
    pub skip_semantic: bool,
    pub skip_flaechenschluss: bool,
    pub skip_geltungsbereich: bool,
    pub skip_laufrichtung: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

/// One finding: rule number, level, message, offending gml:ids, line and
/// coordinate (in the plan CRS) where it happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub level: Level,
    pub message: String,
    #[serde(rename = "gmlIds")]
    pub gml_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<[f64; 2]>,
}

/// Whether a part of the validation ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Executed,
    Skipped,
    /// Not run because the document is syntactically invalid.
    NotRunSyntaxErrors,
    /// This server does not implement the checks yet.
    NotImplemented,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub status: Status,
    /// `None` when the section did not run.
    pub valid: Option<bool>,
    pub findings: Vec<Finding>,
    /// The rules checked (semantic section).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<semantic::RuleResult>,
}

impl Section {
    fn not_run(status: Status) -> Section {
        Section {
            status,
            valid: None,
            findings: Vec::new(),
            rules: Vec::new(),
        }
    }
    fn executed(findings: Vec<Finding>) -> Section {
        Section {
            status: Status::Executed,
            valid: Some(findings.iter().all(|f| f.level != Level::Error)),
            findings,
            rules: Vec::new(),
        }
    }
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == Level::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == Level::Warning)
            .count()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanSummary {
    pub name: String,
    #[serde(rename = "type")]
    pub plan_type: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExternalReference {
    pub name: String,
    /// AVAILABLE (in the archive), MISSING, UNCHECKED (absolute URL).
    pub status: &'static str,
}

/// The validation report (structured like xPlanBox's ValidationReport).
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    pub filename: String,
    pub version: Option<Version>,
    pub valid: bool,
    #[serde(rename = "documentSummary")]
    pub document_summary: Vec<PlanSummary>,
    /// [min_x, min_y, max_x, max_y] in the plan CRS, and the CRS.
    pub bbox: Option<[f64; 4]>,
    pub crs: Option<String>,
    #[serde(rename = "externalReferences")]
    pub external_references: Vec<ExternalReference>,
    #[serde(rename = "validationResult")]
    pub result: ValidationResult,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidationResult {
    pub syntaktisch: Section,
    pub geometrisch: Section,
    pub semantisch: Section,
}

/// Validates a plan file.
pub fn validate(input: &InputFile, opts: &Options) -> Result<ValidationReport, XplanError> {
    validate_text(
        &input.source_name,
        input.gml.clone().into(),
        &input.attachments,
        opts,
    )
    .map(|(r, _)| r)
}

/// Validates a document given as text, and returns the parsed document
/// too (None when it could not be parsed), so that an import can reuse it.
pub fn validate_text(
    source_name: &str,
    gml: crate::xplan::Source,
    attachments: &[crate::xplan::Attachment],
    opts: &Options,
) -> Result<(ValidationReport, Option<crate::xplan::Document>), XplanError> {
    let mut report = ValidationReport {
        filename: source_name.to_string(),
        version: None,
        valid: false,
        document_summary: Vec::new(),
        bbox: None,
        crs: None,
        external_references: Vec::new(),
        result: ValidationResult {
            syntaktisch: Section::not_run(Status::Executed),
            geometrisch: Section::not_run(Status::NotRunSyntaxErrors),
            semantisch: Section::not_run(Status::NotRunSyntaxErrors),
        },
    };
    let schemas = xsd::schemas().map_err(|e| XplanError::Structure(e.to_string()))?;
    let source = std::sync::Arc::new(gml);
    // The schema validation (one thread, libxml2) starts at once on the
    // text, next to the parse and the other checks on the rayon pool.
    let early = crate::xplan::sniff_version(&source).map(|v| {
        let text = source.clone();
        (
            v,
            std::thread::spawn(move || {
                timed("schema validation", || {
                    // a mapped text is handed back as the schema check reads it
                    schemas.validate_with(v, text.as_bytes(), 1000, &|read| text.release(read))
                })
            }),
        )
    });
    let started = std::time::Instant::now();
    let doc = match crate::xplan::parse_shared(source) {
        Ok(d) => d,
        Err(e) => {
            if let Some((_, h)) = early {
                let _ = h.join();
            }
            return match e {
                XplanError::Xml(e) => {
                    report.result.syntaktisch = Section::executed(vec![Finding {
                        rule: "XML".into(),
                        level: Level::Error,
                        message: e.message.clone(),
                        gml_ids: vec![],
                        line: Some(e.line),
                        location: None,
                    }]);
                    Ok((report, None))
                }
                e => Err(e),
            };
        }
    };
    report.version = Some(doc.version);
    report.crs = doc.srs_name.clone();
    tracing::debug!(
        "validation: parsed in {:?} (rss {} MiB)",
        started.elapsed(),
        rss_mib()
    );
    let (geometric, semantic) = rayon::join(
        || {
            if opts.skip_geometric {
                None
            } else {
                Some(geometric_checks(&doc, opts))
            }
        },
        // the rules run before the syntax is known to be valid: the
        // results are dropped when it is not
        || (!opts.skip_semantic).then(|| timed("conformance rules", || semantic::check(&doc))),
    );
    tracing::debug!("validation: checks done after {:?}", started.elapsed());
    let xsd_result = match early {
        Some((v, h)) if v == doc.version => h.join().unwrap_or(Err(xsd::XsdError::Panicked)),
        other => {
            if let Some((_, h)) = other {
                let _ = h.join();
            }
            schemas.validate(doc.version, doc.source.as_bytes(), 1000)
        }
    };
    tracing::debug!("validation: schema done after {:?}", started.elapsed());
    let xsd_messages = xsd_result.map_err(|e| XplanError::Structure(e.to_string()))?;
    report.result.syntaktisch = Section::executed(
        xsd_messages
            .into_iter()
            .map(|m| Finding {
                rule: "XSD".into(),
                level: if m.warning {
                    Level::Warning
                } else {
                    Level::Error
                },
                message: format!("{} (line {}, column {})", m.message, m.line, m.column),
                gml_ids: vec![],
                line: Some(m.line),
                location: None,
            })
            .collect(),
    );
    // Plans, bbox, external references: available whenever the document parsed.
    for f in doc.features.iter().filter(|f| f.is_plan()) {
        report.document_summary.push(PlanSummary {
            name: f.text("name").unwrap_or("").to_string(),
            plan_type: f.feature_type.clone(),
        });
    }
    let mut bbox = crate::gml::Bbox::empty();
    for f in &doc.features {
        for g in &f.geometries {
            if let Some(b) = g.geometry.geometry.bbox() {
                bbox.merge(&b);
            }
        }
    }
    report.bbox = bbox
        .is_valid()
        .then_some([bbox.min_x, bbox.min_y, bbox.max_x, bbox.max_y]);
    report.external_references = external_references(&doc, attachments);

    if report.result.syntaktisch.valid != Some(true) {
        return Ok((report, Some(doc)));
    }
    report.result.geometrisch = match geometric {
        Some(f) => Section::executed(f),
        None => Section::not_run(Status::Skipped),
    };
    report.result.semantisch = match semantic {
        None => Section::not_run(Status::Skipped),
        Some((findings, rules)) => Section {
            rules,
            ..Section::executed(findings)
        },
    };
    report.valid = [
        &report.result.syntaktisch,
        &report.result.geometrisch,
        &report.result.semantisch,
    ]
    .iter()
    .all(|s| s.valid != Some(false));
    Ok((report, Some(doc)))
}

/// The resident memory of the process (0 where /proc has no VmRSS).
fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let kb = s.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
            kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
        })
        .unwrap_or(0)
        / 1024
}

/// Runs `f`, logging its time at debug level.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = std::time::Instant::now();
    let r = f();
    tracing::debug!(
        "validation: {what} in {:?} (rss {} MiB)",
        t.elapsed(),
        rss_mib()
    );
    r
}

/// The geometric checks, side by side: 2.2.2.1 and the XLinks, 2.2.3.1
/// and 2.2.1.1.
fn geometric_checks(doc: &crate::xplan::Document, opts: &Options) -> Vec<Finding> {
    let (mut f, per_plan) = rayon::join(
        || {
            timed("2.2.2.1 and XLinks", || {
                let mut f = geometry::check_geometries(doc, opts.skip_laufrichtung);
                f.extend(geometry::check_xlinks(doc));
                f
            })
        },
        || {
            if opts.skip_geltungsbereich && opts.skip_flaechenschluss {
                return Vec::new();
            }
            match crate::xplan::split_plans(doc) {
                Ok(plans) => {
                    let (mut g, fs) = rayon::join(
                        || {
                            if opts.skip_geltungsbereich {
                                Vec::new()
                            } else {
                                timed("2.2.3.1", || geltungsbereich::check(doc, &plans))
                            }
                        },
                        || {
                            if opts.skip_flaechenschluss {
                                Vec::new()
                            } else {
                                timed("2.2.1.1", || flaechenschluss::check(doc, &plans))
                            }
                        },
                    );
                    g.extend(fs);
                    g
                }
                Err(e) => vec![Finding {
                    rule: "Struktur".into(),
                    level: Level::Error,
                    message: e.to_string(),
                    gml_ids: vec![],
                    line: None,
                    location: None,
                }],
            }
        },
    );
    f.extend(per_plan);
    f
}

/// All referenzURL / georefURL values; relative ones are looked up in the
/// archive.
fn external_references(
    doc: &crate::xplan::Document,
    attachments: &[crate::xplan::Attachment],
) -> Vec<ExternalReference> {
    use crate::xplan::props::Value;
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, v) in o {
                    if k == "referenzURL" || k == "georefURL" {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_string());
                        }
                    }
                    walk(v, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    for f in &doc.features {
        for v in f.properties.values() {
            walk(v, &mut names);
        }
    }
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let absolute = name.contains("://") || name.starts_with("www.");
            let status = if absolute {
                "UNCHECKED"
            } else if attachments.iter().any(|a| a.name == name) {
                "AVAILABLE"
            } else {
                "MISSING"
            };
            ExternalReference { name, status }
        })
        .collect()
}

/// The parsed fixture plans (those that parse), for tests that compare a
/// fast path with the exact answer on real data.
#[cfg(test)]
pub(crate) fn fixture_documents() -> Vec<(std::path::PathBuf, crate::xplan::Document)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plans");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let input = crate::xplan::read_input(&path, &crate::xplan::Limits::default()).unwrap();
        if let Ok(doc) = crate::xplan::parse_document(input.gml) {
            out.push((path, doc));
        }
    }
    out
}
