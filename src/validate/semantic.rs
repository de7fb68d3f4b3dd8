//! Semantic conformance rules (Konformitätsbedingungen), as a registry
//! keyed by XPlanGML version and rule number, implemented from the rule
//! texts in the official documents (../shared/spec).
//!
//! The registry holds
//! - the relation rules of the form "Die Relation R darf nur auf Instanzen
//!   der Klasse K verweisen" of chapters 3 to 8: every document-local
//!   reference of relation R from an instance of the rule's class must
//!   point to an instance of K or of a class derived from it (substitution
//!   groups of the version's schema); references to other documents are
//!   not followed (XLink integrity reports what is missing);
//! - the other rules of each chapter ([`CheckedRule`]), most of them rows
//!   of declarative checks (module `checks`), the rest functions of the
//!   document; chapter 3 (Basisschema) here, 2.1 and more of 3 in `xp`,
//!   4 (BPlan) in `bp`, 5 (FPlan) in `fp`, 6.1 (SOPlan) in `so`.

use super::{Finding, Level};
use crate::xplan::codelists::CodeLists;
use crate::xplan::props::{Map, Value};
use crate::xplan::{Document, Feature, Version};
use checks::Check::*;
use checks::On;
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

#[macro_use]
mod checks;

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
#[rustfmt::skip]
const CHECKED_RULES: &[CheckedRule] = &[
    rule!(PerProblem, "3.1.2.4", "Konsistenz der Attribute bedeutung und detaillierteBedeutung", V5_6, "XP_Bereich", [Requires("detaillierteBedeutung", &["bedeutung"])]),
    CheckedRule { number: "3.1.3.3", title: "Rückwärts-Referenzen auf Bereiche", versions: V50_54, check: |c| back_refs(c, "3.1.3.3", "XP_Bereich", "planinhalt", "gehoertZuBereich", true) },
    CheckedRule { number: "3.1.3.4", title: "Rückwärts-Referenzen auf Präsentationsobjekte", versions: V4_5, check: |c| back_refs(c, "3.1.3.4", "XP_AbstraktesPraesentationsobjekt", "dientZurDarstellungVon", "wirdDargestelltDurch", false) },
    rule!(PerProblem, "3.2.1.1", "Spezifikation des Textinhalts (XP_TextAbschnitt)", ALL, "XP_TextAbschnitt", [OneOf(&["text", "refText"])]),
    rule!(PerProblem, "3.2.2.1", "Spezifikation des Textinhalts (XP_BegruendungAbschnitt)", ALL, "XP_BegruendungAbschnitt", [OneOf(&["text", "refText"])]),
    rule!(PerProblem, "3.2.4.2", "Belegung der Attribute referenzName und referenzURL", &[V5_3, V5_4], On::Data("*", &["XP_ExterneReferenz", "XP_SpezExterneReferenz"]), [Required(&["referenzName", "referenzURL"])]),
    rule!(PerProblem, "3.2.5.1", "Konsistenz der Attribute ags und rs", ALL, On::Data("*", &["XP_Gemeinde"]), [Required(&["ags", "rs"])]),
    CheckedRule { number: "3.3.1.3", title: "Rückwärts-Referenzen auf Bereiche (Präsentationsobjekte)", versions: V4_5, check: |c| back_refs(c, "3.3.1.3", "XP_Bereich", "praesentationsobjekt", "gehoertZuBereich", true) },
    rule!(PerProblem, "3.3.2.1", "Einschränkung des Raumbezugs auf Punktgeometrie", ALL, "XP_PPO", [Position(&[0], "a point geometry")]),
    rule!(PerProblem, "3.3.3.1", "Einschränkung des Raumbezugs auf Liniengeometrie", ALL, "XP_LPO", [Position(&[1], "a line geometry")]),
    rule!(PerProblem, "3.3.4.1", "Einschränkung des Raumbezugs auf Flächengeometrie", ALL, "XP_FPO", [Position(&[2], "an area geometry")]),
];

/// What the rule functions look at.
struct Ctx<'a> {
    doc: &'a Document,
    codes: &'a CodeLists,
    by_id: HashMap<&'a str, &'a Feature>,
    /// The document's distinct feature types, and per feature the index of
    /// its type: class tests are made once per type, not per feature.
    types: Vec<&'a str>,
    type_of: Vec<usize>,
    /// Per feature: the data type values anywhere in its properties (walked
    /// once for all rules on data types).
    data: Vec<Vec<&'a Map>>,
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
            data: {
                use rayon::prelude::*;
                doc.features
                    .par_iter()
                    .map(|f| {
                        let mut out = Vec::new();
                        for v in f.properties.values() {
                            data_values(v, &mut out);
                        }
                        out
                    })
                    .collect()
            },
        }
    }

    /// Per distinct type (as in `types`): whether it passes `test`.
    fn type_mask(&self, test: impl Fn(&str) -> bool) -> Vec<bool> {
        self.types.iter().map(|t| test(t)).collect()
    }

    /// The instances of a class or of classes derived from it, in
    /// document order.
    fn instances<'b>(&'b self, class: &'b str) -> impl Iterator<Item = &'b Feature> + 'b {
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

/// A finding on one feature: "{type} {gml:id}: {what}".
fn on_feature(rule: &str, f: &Feature, what: String) -> Finding {
    finding(
        rule,
        format!("{} {}: {what}", f.feature_type, f.gml_id),
        vec![f.gml_id.clone()],
        f.line,
    )
}

/// Features for messages: "{type} {gml:id}, ...".
fn named(features: &[&Feature]) -> String {
    features
        .iter()
        .map(|p| format!("{} {}", p.feature_type, p.gml_id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The items of a property value (a repeated property is an array).
fn items(v: Option<&Value>) -> &[Value] {
    match v {
        None => &[],
        Some(Value::Array(a)) => a,
        Some(v) => std::slice::from_ref(v),
    }
}

/// The text of one value: a text, a code's or measure's value, a
/// reference's href, a data type value's type name.
fn value_text(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => ["value", "href", "@type"]
            .iter()
            .find_map(|k| o.get(k).and_then(Value::as_str)),
        _ => None,
    }
}

/// The non-empty values of an attribute (a path "a/b" goes into data
/// types), trimmed: texts and codes, measures' numbers, references'
/// hrefs, data types' type names.
fn values(o: &Map, path: &str) -> Vec<String> {
    let (head, rest) = match path.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let mut out = Vec::new();
    for v in items(o.get(head)) {
        match (rest, v) {
            (Some(r), Value::Object(inner)) => out.extend(values(inner, r)),
            (Some(_), _) => {}
            (None, v) => match value_text(v) {
                Some(s) => out.push(s.trim().to_string()),
                None if !v.is_object() => out.push(v.to_string()),
                None => {}
            },
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// An attribute (a path "a/b" goes into data types) is set: it has a
/// non-empty value (see [`values`]); an empty element, with attributes
/// such as nilReason or without, is not.
fn set(o: &Map, path: &str) -> bool {
    let (head, rest) = match path.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    items(o.get(head)).iter().any(|v| match (rest, v) {
        (Some(r), Value::Object(inner)) => set(inner, r),
        (Some(_), _) => false,
        (None, v) => match value_text(v) {
            Some(s) => !s.trim().is_empty(),
            None => !v.is_object(),
        },
    })
}

/// Data type values (objects with "@type") anywhere in a value.
fn data_values<'a>(v: &'a Value, out: &mut Vec<&'a Map>) {
    match v {
        Value::Object(o) => {
            if o.contains_key("@type") {
                out.push(o);
            }
            for x in o.values() {
                data_values(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| data_values(x, out)),
        _ => {}
    }
}

/// Findings for the data type values of `types` anywhere in a feature on
/// which `wrong` says what is wrong: "{type} {gml:id}: {data type} {what}".
fn data_check(
    c: &Ctx,
    rule: &str,
    types: &[&str],
    wrong: impl Fn(&Feature, &Map) -> Option<String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (f, data) in c.doc.features.iter().zip(&c.data) {
        for o in data {
            let t = o.get("@type").and_then(Value::as_str).unwrap_or("");
            if !types.contains(&t) {
                continue;
            }
            if let Some(what) = wrong(f, o) {
                out.push(on_feature(rule, f, format!("{t} {what}")));
            }
        }
    }
    out
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
        for target in src.refs(forward) {
            let Some(t) = c.by_id.get(target) else {
                continue;
            };
            let n = t.refs(back).filter(|id| *id == src.gml_id).count();
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

/// 4.1.2.3, 5.1.2.3, 6.1.2.3: an instance of `bereich` refers by
/// gehoertZuPlan to exactly one instance of `plan`, which refers back to it
/// by `bereich`. References to other documents are not followed (XLink
/// integrity reports dangling ones). With `name_plan` (chapters 5 and 6.1)
/// the finding on a plan that does not refer back names the plan too.
fn gehoert_zu_plan(
    c: &Ctx,
    rule: &str,
    bereich: &str,
    plan: &str,
    name_plan: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for b in c.instances(bereich) {
        let targets: Vec<&crate::xplan::Reference> = b
            .references
            .iter()
            .filter(|r| r.property == "gehoertZuPlan")
            .collect();
        if targets.len() != 1 {
            out.push(on_feature(
                rule,
                b,
                format!(
                    "gehoertZuPlan is given {} times, exactly one {plan} expected",
                    targets.len()
                ),
            ));
            continue;
        }
        let Some(p) = targets[0].local_target().and_then(|id| c.by_id.get(id)) else {
            continue;
        };
        if !is_a(c.codes, &p.feature_type, plan) {
            out.push(on_feature(
                rule,
                b,
                format!(
                    "gehoertZuPlan refers to {} {}, not to an instance of {plan}",
                    p.feature_type, p.gml_id
                ),
            ));
        } else if !p.refs("bereich").any(|id| id == b.gml_id) {
            let mut f = on_feature(
                rule,
                b,
                format!(
                    "gehoertZuPlan refers to {} {}, whose relation bereich does not refer back",
                    p.feature_type, p.gml_id
                ),
            );
            if name_plan {
                f.gml_ids.push(p.gml_id.clone());
            }
            out.push(f);
        }
    }
    out
}

/// The instances of `plan` a feature belongs to: those linked (by a
/// document-local reference in either direction) to a Bereich (XP_Bereich)
/// linked to the feature, or to the feature itself if it is a Bereich;
/// the feature itself if it is a plan; when none is found, every instance
/// of `plan` in the document.
fn plans_of<'c>(c: &'c Ctx, f: &Feature, plan: &'c str) -> Vec<&'c Feature> {
    fn linked(a: &Feature, b: &Feature) -> bool {
        let to = |x: &Feature, y: &Feature| {
            x.references
                .iter()
                .any(|r| r.local_target() == Some(y.gml_id.as_str()))
        };
        to(a, b) || to(b, a)
    }
    let bereiche: Vec<&Feature> = c
        .instances("XP_Bereich")
        .filter(|b| b.gml_id == f.gml_id || linked(b, f))
        .collect();
    let plans: Vec<&Feature> = c
        .instances(plan)
        .filter(|p| p.gml_id == f.gml_id || bereiche.iter().any(|b| linked(p, b)))
        .collect();
    if plans.is_empty() {
        c.instances(plan).collect()
    } else {
        plans
    }
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

/// Whether `feature_type` is an instance of `class`: `class` or derived
/// from it, every class for "*", every class of a plan type for "BP_*".
fn matches(codes: &CodeLists, class: &str, feature_type: &str) -> bool {
    match class {
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
        .map(|r| ctx.type_mask(|t| matches(&codes, r.class, t)))
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
