//! Semantic conformance rules (Konformitätsbedingungen), as a registry
//! keyed by XPlanGML version and rule number, implemented from the rule
//! texts in the official documents (../shared/spec).
//!
//! So far the registry holds
//! - the relation rules of the form "Die Relation R darf nur auf Instanzen
//!   der Klasse K verweisen" of chapters 3 to 8: every document-local
//!   reference of relation R from an instance of the rule's class must
//!   point to an instance of K or of a class derived from it (substitution
//!   groups of the version's schema); references to other documents are
//!   not followed (XLink integrity reports what is missing);
//! - rules of chapter 3 (Basisschema) on attributes and back references:
//!   3.1.2.4, 3.1.3.3, 3.1.3.4, 3.2.1.1, 3.2.2.1, 3.2.4.2, 3.2.5.1,
//!   3.3.1.3, 3.3.2.1, 3.3.3.1, 3.3.4.1 (see `CHECKED_RULES`).

use super::{Finding, Level};
use crate::xplan::codelists::CodeLists;
use crate::xplan::{Document, Version};
use serde::Serialize;
use std::collections::HashMap;

/// A relation rule: `relation` of instances of `class` (a class name, or
/// "BP_*" for every class of a plan type where the rule text's section
/// names no class) may only point to instances of `target`.
struct RelationRule {
    number: &'static str,
    title: &'static str,
    class: &'static str,
    relation: &'static str,
    target: &'static str,
    versions: &'static [Version],
}

use Version::{V4_1, V5_0, V5_1, V5_2, V5_3, V5_4, V6_0};

const ALL: &[Version] = &[V4_1, V5_0, V5_1, V5_2, V5_3, V5_4, V6_0];
const V5_6: &[Version] = &[V5_0, V5_1, V5_2, V5_3, V5_4, V6_0];

macro_rules! r {
    ($n:expr, $t:expr, $c:expr, $r:expr, $k:expr, $v:expr) => {
        RelationRule {
            number: $n,
            title: $t,
            class: $c,
            relation: $r,
            target: $k,
            versions: $v,
        }
    };
}

mod bp;
mod fp;
mod overlap;
mod so;
mod xp;

/// Every relation rule of every chapter.
fn relation_rules() -> impl Iterator<Item = &'static RelationRule> {
    RELATION_RULES
        .iter()
        .chain(bp::RELATIONS)
        .chain(fp::RELATIONS)
        .chain(so::RELATIONS)
}

/// Every checked rule of every chapter.
fn checked_rules() -> impl Iterator<Item = &'static CheckedRule> {
    CHECKED_RULES
        .iter()
        .chain(xp::RULES)
        .chain(bp::RULES)
        .chain(fp::RULES)
        .chain(so::RULES)
        .chain(overlap::RULES)
}

/// From the "Nummer / Bezeichnung / Inhalt" tables of the
/// Konformitätsbedingungen 4.1 to 6.0.
const RELATION_RULES: &[RelationRule] = &[
    r!(
        "3.1.1.1",
        "Relationen auf Text-Abschnitte",
        "XP_Plan",
        "texte",
        "XP_TextAbschnitt",
        ALL
    ),
    r!(
        "3.1.1.2",
        "Relationen auf Begründungs-Abschnitte",
        "XP_Plan",
        "begruendungsTexte",
        "XP_BegruendungAbschnitt",
        ALL
    ),
    r!(
        "3.1.2.1",
        "Relation auf Präsentationsobjekte",
        "XP_Bereich",
        "praesentationsobjekt",
        "XP_AbstraktesPraesentationsobjekt",
        ALL
    ),
    r!(
        "3.1.2.2",
        "Relation auf Fachobjekte",
        "XP_Bereich",
        "nachrichtlich",
        "XP_Objekt",
        &[V4_1]
    ),
    r!(
        "3.1.2.2",
        "Relation auf Fachobjekte",
        "XP_Bereich",
        "planinhalt",
        "XP_Objekt",
        V5_6
    ),
    r!(
        "3.1.2.3",
        "Relation auf Basis-Rasterplan",
        "XP_Bereich",
        "rasterBasis",
        "XP_RasterplanBasis",
        &[V4_1]
    ),
    r!(
        "3.1.2.3",
        "Relation auf Basis-Rasterplan",
        "XP_Bereich",
        "rasterBasis",
        "XP_Rasterdarstellung",
        &[V5_0, V5_1, V5_2, V5_3, V5_4]
    ),
    r!(
        "3.1.3.1",
        "Relationen auf Text-Abschnitte",
        "XP_Objekt",
        "refTextInhalt",
        "XP_TextAbschnitt",
        &[V4_1]
    ),
    r!(
        "3.1.3.2",
        "Relationen auf Begründungs-Abschnitte",
        "XP_Objekt",
        "refBegruendungInhalt",
        "XP_BegruendungAbschnitt",
        // 4.1's text misspells the relation as "reBegruendungInhalt"
        ALL
    ),
    r!(
        "3.1.3.5",
        "Relationen auf textliche Planinhalte",
        "XP_Objekt",
        "refTextInhalt",
        "XP_TextAbschnitt",
        &[V6_0]
    ),
    r!(
        "3.2.6.2",
        "Einschränkung der Relation verbundenerPlan",
        "*",
        "verbundenerPlan",
        "XP_Plan",
        V5_6
    ),
    r!(
        "6.1.3.3",
        "Einschränkung der Relation refTextinhalt",
        "SO_Objekt",
        "refTextInhalt",
        "SO_TextAbschnitt",
        &[V5_0, V5_1, V5_2]
    ),
    r!(
        "6.1.3.3",
        "Einschränkung der Relation refTextinhalt",
        "SO_Objekt",
        "refTextInhalt",
        "XP_TextAbschnitt",
        &[V5_3, V5_4]
    ),
    r!(
        "7.1.4.1",
        "Einschränkung der Relation refTextinhalt",
        "RP_Objekt",
        "refTextInhalt",
        "RP_TextAbschnitt",
        &[V5_0, V5_1, V5_2]
    ),
    r!(
        "7.1.4.1",
        "Einschränkung der Relation refTextinhalt",
        "RP_Objekt",
        "refTextInhalt",
        "XP_TextAbschnitt",
        &[V5_3, V5_4]
    ),
    r!(
        "8.1.3.1",
        "Einschränkung der Relation refTextinhalt",
        "LP_Objekt",
        "refTextInhalt",
        "LP_TextAbschnitt",
        &[V5_0, V5_1, V5_2]
    ),
    r!(
        "8.1.3.1",
        "Einschränkung der Relation refTextinhalt",
        "LP_Objekt",
        "refTextInhalt",
        "XP_TextAbschnitt",
        &[V5_3, V5_4]
    ),
];

/// A rule implemented as a function over the document.
struct CheckedRule {
    number: &'static str,
    title: &'static str,
    versions: &'static [Version],
    check: fn(&Ctx) -> Vec<Finding>,
}

const V4_5: &[Version] = &[V4_1, V5_0, V5_1, V5_2, V5_3, V5_4];
const V50_54: &[Version] = &[V5_0, V5_1, V5_2, V5_3, V5_4];

/// From the rule texts of chapter 3 (the versions whose text has the rule
/// under this number with this content).
const CHECKED_RULES: &[CheckedRule] = &[
    CheckedRule {
        number: "3.1.2.4",
        title: "Konsistenz der Attribute bedeutung und detaillierteBedeutung",
        versions: V5_6,
        check: bereich_bedeutung,
    },
    CheckedRule {
        number: "3.1.3.3",
        title: "Rückwärts-Referenzen auf Bereiche",
        versions: V50_54,
        check: back_refs_bereich,
    },
    CheckedRule {
        number: "3.1.3.4",
        title: "Rückwärts-Referenzen auf Präsentationsobjekte",
        versions: V4_5,
        check: back_refs_praesentation,
    },
    CheckedRule {
        number: "3.2.1.1",
        title: "Spezifikation des Textinhalts (XP_TextAbschnitt)",
        versions: ALL,
        check: text_abschnitt,
    },
    CheckedRule {
        number: "3.2.2.1",
        title: "Spezifikation des Textinhalts (XP_BegruendungAbschnitt)",
        versions: ALL,
        check: begruendung_abschnitt,
    },
    CheckedRule {
        number: "3.2.4.2",
        title: "Belegung der Attribute referenzName und referenzURL",
        versions: &[V5_3, V5_4],
        check: externe_referenz,
    },
    CheckedRule {
        number: "3.2.5.1",
        title: "Konsistenz der Attribute ags und rs",
        versions: ALL,
        check: gemeinde_ags_rs,
    },
    CheckedRule {
        number: "3.3.1.3",
        title: "Rückwärts-Referenzen auf Bereiche (Präsentationsobjekte)",
        versions: V4_5,
        check: back_refs_praesentationsobjekt,
    },
    CheckedRule {
        number: "3.3.2.1",
        title: "Einschränkung des Raumbezugs auf Punktgeometrie",
        versions: ALL,
        check: ppo_point,
    },
    CheckedRule {
        number: "3.3.3.1",
        title: "Einschränkung des Raumbezugs auf Liniengeometrie",
        versions: ALL,
        check: lpo_line,
    },
    CheckedRule {
        number: "3.3.4.1",
        title: "Einschränkung des Raumbezugs auf Flächengeometrie",
        versions: ALL,
        check: fpo_area,
    },
];

/// What the rule functions look at.
struct Ctx<'a> {
    doc: &'a Document,
    codes: &'a CodeLists,
    by_id: HashMap<&'a str, &'a crate::xplan::Feature>,
    /// The document's distinct feature types, and per feature the index of
    /// its type: class tests are made once per type, not per feature.
    types: Vec<&'a str>,
    type_of: Vec<usize>,
}

impl<'a> Ctx<'a> {
    fn new(doc: &'a Document, codes: &'a CodeLists) -> Ctx<'a> {
        let mut types: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let type_of = doc
            .features
            .iter()
            .map(|f| {
                *index.entry(f.feature_type.as_str()).or_insert_with(|| {
                    types.push(f.feature_type.as_str());
                    types.len() - 1
                })
            })
            .collect();
        Ctx {
            doc,
            codes,
            by_id: doc
                .features
                .iter()
                .map(|f| (f.gml_id.as_str(), f))
                .collect(),
            types,
            type_of,
        }
    }

    /// Per distinct type (as in `types`): whether it passes `test`.
    fn type_mask(&self, test: impl Fn(&str) -> bool) -> Vec<bool> {
        self.types.iter().map(|t| test(t)).collect()
    }

    /// The instances of a class or of classes derived from it, in
    /// document order.
    fn instances<'b>(
        &'b self,
        class: &'b str,
    ) -> impl Iterator<Item = &'b crate::xplan::Feature> + 'b {
        let ok = self.type_mask(|t| is_a(self.codes, t, class));
        self.doc
            .features
            .iter()
            .zip(&self.type_of)
            .filter(move |(_, &t)| ok[t])
            .map(|(f, _)| f)
    }
}

fn finding(rule: &str, message: String, ids: Vec<String>, line: usize) -> Finding {
    Finding {
        rule: rule.to_string(),
        level: Level::Error,
        message,
        gml_ids: ids,
        line: Some(line),
        location: None,
    }
}

/// A property is set: present and not an empty string or list.
fn set(v: Option<&serde_json::Value>) -> bool {
    match v {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
        Some(serde_json::Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

fn refs<'a>(f: &'a crate::xplan::Feature, relation: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    f.references
        .iter()
        .filter(move |r| r.property == relation)
        .filter_map(|r| r.local_target())
}

fn bereich_bedeutung(c: &Ctx) -> Vec<Finding> {
    c.instances("XP_Bereich")
        .filter(|f| {
            set(f.properties.get("detaillierteBedeutung")) && !set(f.properties.get("bedeutung"))
        })
        .map(|f| {
            finding(
                "3.1.2.4",
                format!(
                    "{} {}: detaillierteBedeutung is set, bedeutung is not",
                    f.feature_type, f.gml_id
                ),
                vec![f.gml_id.clone()],
                f.line,
            )
        })
        .collect()
}

/// Objects referred to by `forward` from instances of `from` must refer
/// back by `back` (exactly once when `once`).
fn back_refs(
    c: &Ctx,
    rule: &str,
    from: &str,
    forward: &str,
    back: &str,
    once: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for src in c.instances(from) {
        for target in refs(src, forward) {
            let Some(t) = c.by_id.get(target) else {
                continue;
            };
            let n = refs(t, back).filter(|id| *id == src.gml_id).count();
            let ok = if once { n == 1 } else { n >= 1 };
            if !ok {
                out.push(finding(
                    rule,
                    format!(
                        "{} {} is referred to by {} of {} {}, but its {} refers back {n} times (expected {})",
                        t.feature_type, t.gml_id, forward, src.feature_type, src.gml_id, back,
                        if once { "exactly once" } else { "at least once" }
                    ),
                    vec![t.gml_id.clone(), src.gml_id.clone()],
                    t.line,
                ));
            }
        }
    }
    out
}

fn back_refs_bereich(c: &Ctx) -> Vec<Finding> {
    back_refs(
        c,
        "3.1.3.3",
        "XP_Bereich",
        "planinhalt",
        "gehoertZuBereich",
        true,
    )
}

fn back_refs_praesentationsobjekt(c: &Ctx) -> Vec<Finding> {
    back_refs(
        c,
        "3.3.1.3",
        "XP_Bereich",
        "praesentationsobjekt",
        "gehoertZuBereich",
        true,
    )
}

fn back_refs_praesentation(c: &Ctx) -> Vec<Finding> {
    back_refs(
        c,
        "3.1.3.4",
        "XP_AbstraktesPraesentationsobjekt",
        "dientZurDarstellungVon",
        "wirdDargestelltDurch",
        false,
    )
}

/// `text` or `refText`, not both.
fn text_xor_ref(c: &Ctx, rule: &str, class: &str) -> Vec<Finding> {
    c.instances(class)
        .filter_map(|f| {
            let text = set(f.properties.get("text"));
            let reference = set(f.properties.get("refText"));
            (text == reference).then(|| {
                finding(
                    rule,
                    format!(
                        "{} {}: {}",
                        f.feature_type,
                        f.gml_id,
                        if text {
                            "text and refText are both set"
                        } else {
                            "neither text nor refText is set"
                        }
                    ),
                    vec![f.gml_id.clone()],
                    f.line,
                )
            })
        })
        .collect()
}

fn text_abschnitt(c: &Ctx) -> Vec<Finding> {
    text_xor_ref(c, "3.2.1.1", "XP_TextAbschnitt")
}

fn begruendung_abschnitt(c: &Ctx) -> Vec<Finding> {
    text_xor_ref(c, "3.2.2.1", "XP_BegruendungAbschnitt")
}

/// Data type values (objects with "@type") anywhere in a feature's
/// properties, with the property they are in.
fn data_values<'a>(
    v: &'a serde_json::Value,
    out: &mut Vec<&'a serde_json::Map<String, serde_json::Value>>,
) {
    match v {
        serde_json::Value::Object(o) => {
            if o.contains_key("@type") {
                out.push(o);
            }
            for x in o.values() {
                data_values(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| data_values(x, out)),
        _ => {}
    }
}

/// Data type values of `types` that fail `ok`.
fn data_rule(
    c: &Ctx,
    rule: &str,
    types: &[&str],
    ok: impl Fn(&serde_json::Map<String, serde_json::Value>) -> bool,
    what: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for f in &c.doc.features {
        let mut vals = Vec::new();
        for v in f.properties.values() {
            data_values(v, &mut vals);
        }
        for o in vals {
            let t = o.get("@type").and_then(|t| t.as_str()).unwrap_or("");
            if types.contains(&t) && !ok(o) {
                out.push(finding(
                    rule,
                    format!("{} {}: {t} {what}", f.feature_type, f.gml_id),
                    vec![f.gml_id.clone()],
                    f.line,
                ));
            }
        }
    }
    out
}

fn externe_referenz(c: &Ctx) -> Vec<Finding> {
    data_rule(
        c,
        "3.2.4.2",
        &["XP_ExterneReferenz", "XP_SpezExterneReferenz"],
        |o| set(o.get("referenzName")) || set(o.get("referenzURL")),
        "has neither referenzName nor referenzURL",
    )
}

fn gemeinde_ags_rs(c: &Ctx) -> Vec<Finding> {
    data_rule(
        c,
        "3.2.5.1",
        &["XP_Gemeinde"],
        |o| set(o.get("ags")) || set(o.get("rs")),
        "has neither ags nor rs",
    )
}

/// The `position` of instances of `class` must have dimension `dim`.
fn position_dimension(c: &Ctx, rule: &str, class: &str, dim: u8, what: &str) -> Vec<Finding> {
    c.instances(class)
        .flat_map(|f| {
            f.geometries
                .iter()
                .filter(|g| g.property == "position" && g.geometry.geometry.dimension() != dim)
                .map(move |g| {
                    finding(
                        rule,
                        format!(
                            "{} {}: position is a {}, only {what} is allowed",
                            f.feature_type,
                            f.gml_id,
                            g.geometry.geometry.kind()
                        ),
                        vec![f.gml_id.clone()],
                        g.geometry.line,
                    )
                })
        })
        .collect()
}

fn ppo_point(c: &Ctx) -> Vec<Finding> {
    position_dimension(c, "3.3.2.1", "XP_PPO", 0, "a point geometry")
}

fn lpo_line(c: &Ctx) -> Vec<Finding> {
    position_dimension(c, "3.3.3.1", "XP_LPO", 1, "a line geometry")
}

fn fpo_area(c: &Ctx) -> Vec<Finding> {
    position_dimension(c, "3.3.4.1", "XP_FPO", 2, "an area geometry")
}

/// A rule checked on a document, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    pub number: String,
    pub title: String,
    pub valid: bool,
}

/// Whether `name` is `class` or derived from it (substitution groups).
fn is_a(codes: &CodeLists, name: &str, class: &str) -> bool {
    name == class || codes.derives_from(name, class)
}

fn applies(codes: &CodeLists, rule: &RelationRule, feature_type: &str) -> bool {
    match rule.class {
        "*" => true,
        c if c.ends_with("_*") => feature_type.starts_with(&c[..c.len() - 1]),
        c => is_a(codes, feature_type, c),
    }
}

/// The rules of a version, in number order (several table rows may make
/// one rule).
pub fn rules_of(version: Version) -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&str, &str)> = relation_rules()
        .filter(|r| r.versions.contains(&version))
        .map(|r| (r.number, r.title))
        .chain(
            checked_rules()
                .filter(|r| r.versions.contains(&version))
                .map(|r| (r.number, r.title)),
        )
        .collect();
    v.sort_by_key(|a| number_key(a.0));
    v.dedup();
    v
}

fn number_key(n: &str) -> Vec<u32> {
    n.split('.').filter_map(|p| p.parse().ok()).collect()
}

/// Checks the semantic rules of the document's version: the findings and
/// the rules checked.
pub fn check(doc: &Document) -> (Vec<Finding>, Vec<RuleResult>) {
    use rayon::prelude::*;
    let codes = CodeLists::of(doc.version);
    let ctx = Ctx::new(doc, &codes);
    let relations: Vec<&RelationRule> = relation_rules()
        .filter(|r| r.versions.contains(&doc.version))
        .collect();
    // per rule and feature type: whether the rule applies to the type, and
    // whether the type is an allowed target
    let applies_to: Vec<Vec<bool>> = relations
        .iter()
        .map(|r| ctx.type_mask(|t| applies(&codes, r, t)))
        .collect();
    let target_ok: Vec<Vec<bool>> = relations
        .iter()
        .map(|r| ctx.type_mask(|t| is_a(&codes, t, r.target)))
        .collect();
    let index: HashMap<&str, usize> = doc
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| (f.gml_id.as_str(), i))
        .collect();
    let mut relation_findings: Vec<(usize, Finding)> = doc
        .features
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, f)| {
            let t = ctx.type_of[i];
            let mut out = Vec::new();
            for (k, rule) in relations.iter().enumerate() {
                if !applies_to[k][t] {
                    continue;
                }
                for r in &f.references {
                    let last = r.property.rsplit('/').next().unwrap_or(&r.property);
                    if !last.eq_ignore_ascii_case(rule.relation) {
                        continue;
                    }
                    let Some(target_id) = r.local_target() else {
                        continue;
                    };
                    let Some(&j) = index.get(target_id) else {
                        continue;
                    };
                    if target_ok[k][ctx.type_of[j]] {
                        continue;
                    }
                    let target_type = &doc.features[j].feature_type;
                    out.push((
                        k,
                        Finding {
                            rule: rule.number.to_string(),
                            level: Level::Error,
                            message: format!(
                                "{} ({}): {} {} refers by {} to {} {}, which is not an instance of {}",
                                rule.title,
                                rule.number,
                                f.feature_type,
                                f.gml_id,
                                r.property,
                                target_type,
                                target_id,
                                rule.target
                            ),
                            gml_ids: vec![f.gml_id.clone(), target_id.to_string()],
                            line: Some(f.line),
                            location: None,
                        },
                    ));
                }
            }
            out
        })
        .collect();
    // rule by rule, each in document order
    relation_findings.sort_by_key(|(k, _)| *k);
    let mut failed: std::collections::HashSet<&str> = relation_findings
        .iter()
        .map(|(k, _)| relations[*k].number)
        .collect();
    let mut findings: Vec<Finding> = relation_findings.into_iter().map(|(_, f)| f).collect();
    let checked: Vec<&CheckedRule> = checked_rules()
        .filter(|r| r.versions.contains(&doc.version))
        .collect();
    let found: Vec<Vec<Finding>> = checked.par_iter().map(|r| (r.check)(&ctx)).collect();
    for (rule, found) in checked.iter().zip(found) {
        if !found.is_empty() {
            failed.insert(rule.number);
        }
        findings.extend(found);
    }
    let results = rules_of(doc.version)
        .into_iter()
        .map(|(n, t)| RuleResult {
            number: n.to_string(),
            title: t.to_string(),
            valid: !failed.contains(n),
        })
        .collect();
    (findings, results)
}

/// A document of `version` with the given features (XML elements with the
/// prefix `xplan`), for the rule tests.
#[cfg(test)]
fn test_doc(version: Version, features: &[&str]) -> Document {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<xplan:XPlanAuszug xmlns:xplan="{}" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink" gml:id="Auszug">
<gml:boundedBy><gml:Envelope srsName="EPSG:25832"><gml:lowerCorner>0 0</gml:lowerCorner><gml:upperCorner>100 100</gml:upperCorner></gml:Envelope></gml:boundedBy>
"#,
        version.namespace()
    );
    for f in features {
        xml.push_str("<gml:featureMember>");
        xml.push_str(f);
        xml.push_str("</gml:featureMember>\n");
    }
    xml.push_str("</xplan:XPlanAuszug>\n");
    crate::xplan::parse_document(xml).expect("test document parses")
}

/// The findings of rule `number` on a test document, as (level, gml:ids).
#[cfg(test)]
fn test_findings(version: Version, number: &str, features: &[&str]) -> Vec<(Level, Vec<String>)> {
    let (findings, results) = check(&test_doc(version, features));
    assert!(
        results.iter().any(|r| r.number == number),
        "rule {number} is not registered for {version}"
    );
    findings
        .into_iter()
        .filter(|f| f.rule == number)
        .map(|f| (f.level, f.gml_ids))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_names_classes_of_its_versions() {
        for r in relation_rules() {
            for &v in r.versions {
                let codes = CodeLists::of(v);
                assert!(
                    codes.is_feature(r.target) || r.target == "XP_AbstraktesPraesentationsobjekt",
                    "{} {v}: target {} is not a feature class",
                    r.number,
                    r.target
                );
                if !r.class.contains('*') {
                    assert!(
                        codes.is_feature(r.class) || codes.derives_from(r.class, "AbstractFeature"),
                        "{} {v}: class {} unknown",
                        r.number,
                        r.class
                    );
                }
            }
        }
        assert!(rules_of(Version::V5_4).len() >= 20);
    }

    #[test]
    fn test_documents_reach_the_rules() {
        let bereich = r#"<xplan:BP_Bereich gml:id="b1"><xplan:nummer>0</xplan:nummer><xplan:bedeutung>1800</xplan:bedeutung></xplan:BP_Bereich>"#;
        assert!(test_findings(Version::V5_4, "3.1.2.4", &[bereich]).is_empty());
        let text = r#"<xplan:XP_TextAbschnitt gml:id="t1"><xplan:rechtscharakter>1</xplan:rechtscharakter></xplan:XP_TextAbschnitt>"#;
        assert_eq!(
            test_findings(Version::V5_4, "3.2.1.1", &[text]),
            [(Level::Error, vec!["t1".to_string()])]
        );
    }

    #[test]
    fn derived_classes_count_as_their_base() {
        let c = CodeLists::of(Version::V5_4);
        assert!(is_a(&c, "BP_TextAbschnitt", "XP_TextAbschnitt"));
        assert!(is_a(&c, "BP_BaugebietsTeilFlaeche", "XP_Objekt"));
        assert!(is_a(&c, "XP_PTO", "XP_AbstraktesPraesentationsobjekt"));
        assert!(!is_a(&c, "BP_BauLinie", "BP_BauGrenze"));
        assert!(!is_a(&c, "XP_TextAbschnitt", "BP_TextAbschnitt"));
    }
}
