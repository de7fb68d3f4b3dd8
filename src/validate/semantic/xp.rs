//! Chapters 2.1 and 3 of the Konformitätsbedingungen: general rules and
//! Basisschema (rules beyond those in the parent module).
//!
//! Not implemented here: 2.1.4 (Datumsangaben) has no rule number in any
//! version (a recommendation up to 5.4, unnumbered in 6.0); 2.1.1 and 2.1.5
//! are enforced by the schema (GML profile) and the parser.

use super::checks::T_BACK_REFS;
use super::*;

type Obj = Map;

const HOEHE_TYPE: &[&str] = &["XP_Hoehenangabe"];
/// The values of XP_Hoehenangabe anywhere.
const HOEHE: On = On::Data("*", HOEHE_TYPE);
const BEZUGSPUNKT: &str = "Konsistenz der Attribute bezugspunkt und abweichenderBezugspunkt";
const EXT_REF: &[&str] = &["XP_ExterneReferenz", "XP_SpezExterneReferenz"];
const VERBUNDEN: &[&str] = &["XP_VerbundenerPlan", "XP_VerbundenerPlanBereich"];
const GENER_ATTRIBUT: &[&str] = &[
    "XP_GenerAttribut",
    "XP_StringAttribut",
    "XP_DoubleAttribut",
    "XP_IntegerAttribut",
    "XP_URLAttribut",
    "XP_DatumAttribut",
];

const V41_52: &[Version] = &[V4_1, V5_0, V5_1, V5_2];
const V53_60: &[Version] = &[V5_3, V5_4, V6_0];

/// Rules of chapters 2.1 and 3 implemented as checks (the versions whose
/// text has the rule under this number with this content).
#[rustfmt::skip]
pub(super) const RULES: &[CheckedRule] = &[
    CheckedRule { number: "2.1.2.1", title: "Verwendung vorgegebenen URNs für das uom-Attribut von GML-MeasureType", versions: &[V4_1, V5_0, V5_1], check: |c| uom(c, false) },
    CheckedRule { number: "2.1.2.1", title: "Verwendung vorgegebenen URNs für das uom-Attribut von GML-MeasureType", versions: &[V5_2, V5_3, V5_4, V6_0], check: |c| uom(c, true) },
    CheckedRule { number: "2.1.3.1", title: "Angabe eines Standard CRS", versions: V41_52, check: |c| crs(c, false) },
    CheckedRule { number: "2.1.3.1", title: "Angabe eines Standard CRS", versions: V53_60, check: |c| crs(c, true) },
    CheckedRule { number: "3.1.3.3", title: T_BACK_REFS, versions: &[V4_1], check: |c| back_refs(c, "3.1.3.3", "XP_Bereich", "nachrichtlich", "gehoertNachrichtlichZuBereich", true) },
    CheckedRule { number: "3.2.1.2", title: "Relationen von Plan- und Bereichsobjekten auf textliche Planinhalte", versions: &[V6_0], check: texte_plan_and_bereich },
    CheckedRule { number: "3.2.3.1", title: "Konsistenz der verschiedenen Höhenangaben", versions: V41_52, check: |c| hoehe_combination(c, false) },
    CheckedRule { number: "3.2.3.1", title: "Konsistenz der verschiedenen Höhenangaben", versions: V53_60, check: |c| hoehe_combination(c, true) },
    CheckedRule { number: "3.2.3.2", title: "Verwendung von Höhenangaben, die sich auf eine Bezugshöhe beziehen, die auf Planebene definiert ist", versions: ALL, check: hoehe_bezugshoehe },
    rule!(PerProblem, "3.2.3.3", "Konsistenz der Attribute hoehenbezug und abweichenderHoehenbezug", ALL, HOEHE, [OneOf(&["hoehenbezug", "abweichenderHoehenbezug"])]),
    rule!(PerProblem, "3.2.3.4", BEZUGSPUNKT, &[V5_0], HOEHE, [OneOf(&["bezugspunkt", "abweichenderBezugspunkt"])]),
    rule!(PerProblem, "3.2.3.4", BEZUGSPUNKT, &[V5_1, V5_2, V5_3, V5_4, V6_0], HOEHE, [Exclusive(&["bezugspunkt"], &["abweichenderBezugspunkt"])]),
    rule!(PerProblem, "3.2.3.5", "Konsistenz der Attribute bezugspunkt und bezugspunktText", &[V6_0], HOEHE, [Requires("bezugspunktText", &["bezugspunkt"])]),
    CheckedRule { number: "3.2.4.1", title: "Verweis auf Dokumente", versions: V4_5, check: |c| dokument_ohne_georef(c, &["georefURL", "georefMimeType"]) },
    CheckedRule { number: "3.2.4.1", title: "Verweis auf Dokumente", versions: &[V6_0], check: |c| dokument_ohne_georef(c, &["georefURL"]) },
    CheckedRule { number: "3.2.6.1", title: "Gültiger Teststring im Attribut planName", versions: V5_6, check: |c| data_check(c, "3.2.6.1", VERBUNDEN, |_, o| empty_string(o, "planName")) },
    rule!(PerProblem, "3.2.6.3", "Spezifikation des verbundenen Plans", V5_6, On::Data("*", VERBUNDEN), [OneOf(&["verbundenerPlan", "planName"])]),
    CheckedRule { number: "3.2.7.1", title: "Gültiger Teststring im Attribut name", versions: V5_6, check: |c| data_check(c, "3.2.7.1", GENER_ATTRIBUT, |_, o| empty_string(o, "name")) },
    CheckedRule { number: "3.3.1.1", title: "Spezifikation des Fachobjekt-Attributs bei nicht-freien Präsentationsobjekten", versions: &[V4_1], check: praesentation_art },
    CheckedRule { number: "3.3.1.2", title: "Konsistenz der Attribute art und index", versions: V4_5, check: praesentation_index },
];

/// The text of a simple value (a string, or the value of a measure or
/// code with attributes).
fn text(v: Option<&Value>) -> Option<&str> {
    match v? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("value").and_then(Value::as_str),
        _ => None,
    }
}

/// A property value for messages: text, a reference, or a list.
fn show(v: Option<&Value>) -> String {
    match v {
        None => "unset".into(),
        Some(Value::String(s)) => format!("\"{}\"", s.trim()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| show(Some(x)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::Object(o)) => match (o.get("href"), o.get("value"), o.get("uom")) {
            (Some(h), _, _) => format!("-> {}", h.as_str().unwrap_or("")),
            (_, Some(v), Some(u)) => format!("{} {}", show(Some(v)), u.as_str().unwrap_or("")),
            (_, Some(v), None) => show(Some(v)),
            _ => o
                .get("@type")
                .and_then(Value::as_str)
                .unwrap_or("a value")
                .to_string(),
        },
    }
}

/// An attribute given as an empty string.
fn empty_string(o: &Obj, name: &str) -> Option<String> {
    match o.get(name) {
        Some(Value::String(s)) if s.trim().is_empty() => Some(format!("has an empty {name}")),
        Some(Value::Array(a))
            if a.iter()
                .any(|v| v.as_str().is_some_and(|s| s.trim().is_empty())) =>
        {
            Some(format!("has an empty {name}"))
        }
        _ => None,
    }
}

/// The allowed uom values of a measure property of XSD type `ty` (None:
/// not a measure the rule regulates).
fn allowed_uoms(
    ty: &str,
    property: &str,
    with_measure_type: bool,
) -> Option<&'static [&'static str]> {
    // gml:MeasureType properties whose unit the schema documents as decibel
    const DEZIBEL: &[&str] = &[
        "ekwertTag",
        "ekwertNacht",
        "zkWertTag",
        "zkWertNacht",
        "massgeblAussenLaermpegelTag",
        "massgeblAussenLaermpegelNacht",
    ];
    match ty {
        "LengthType" => Some(&["m", "urn:adv:uom:m"]),
        "AreaType" => Some(&["m2", "urn:adv:uom:m2"]),
        "VolumeType" => Some(&["m3", "urn:adv:uom:m3"]),
        "AngleType" => Some(&["grad", "urn:adv:uom:grad"]),
        "MeasureType" if with_measure_type && DEZIBEL.contains(&property) => Some(&["db"]),
        "MeasureType" if with_measure_type && property == "geschwindigkeit" => {
            Some(&["km/h", "m/sec"])
        }
        _ => None,
    }
}

/// 2.1.2.1: the uom of every measure (in features and their data types)
/// is one of the rule's values for the measure's XSD type.
fn uom(c: &Ctx, with_measure_type: bool) -> Vec<Finding> {
    type Props = HashMap<String, String>;
    fn walk(
        c: &Ctx,
        types: &mut HashMap<String, Props>,
        owner: &str,
        props: &Obj,
        with_measure_type: bool,
        out: &mut Vec<String>,
    ) {
        for (name, v) in props {
            let items = match v {
                Value::Array(a) => a.iter().collect::<Vec<_>>(),
                v => vec![v],
            };
            for item in items {
                let Value::Object(o) = item else { continue };
                if let Some(t) = o.get("@type").and_then(Value::as_str) {
                    walk(c, types, t, o, with_measure_type, out);
                    continue;
                }
                let Some(u) = o.get("uom").and_then(Value::as_str) else {
                    continue;
                };
                let ty = types
                    .entry(owner.to_string())
                    .or_insert_with(|| {
                        c.codes
                            .properties(owner)
                            .into_iter()
                            .map(|(n, t, _)| (n, t))
                            .collect()
                    })
                    .get(name)
                    .cloned()
                    .unwrap_or_default();
                if let Some(allowed) = allowed_uoms(&ty, name, with_measure_type) {
                    if !allowed.contains(&u) {
                        out.push(format!(
                            "{owner}.{name} (gml:{ty}) has uom \"{u}\", allowed: {}",
                            allowed.join(", ")
                        ));
                    }
                }
            }
        }
    }
    let mut types = HashMap::new();
    let mut findings = Vec::new();
    for f in &c.doc.features {
        let mut out = Vec::new();
        walk(
            c,
            &mut types,
            &f.feature_type,
            &f.properties,
            with_measure_type,
            &mut out,
        );
        if !out.is_empty() {
            findings.push(on_feature("2.1.2.1", f, out.join("; ")));
        }
    }
    findings
}

/// One of the two srsName forms of 2.1.3.1: an AdV URN
/// ("urn:adv:crs:kurzbezeichnung") or an EPSG code. The text gives
/// "EPSG:31467" as its example of an EPSG code; the OGC spellings of the
/// same code reference ("urn:ogc:def:crs:EPSG::31467",
/// "http://www.opengis.net/def/crs/EPSG/0/31467", which GML 3.2 and WFS 2.0
/// clients write) count as EPSG codes too. The reader refuses srsNames it
/// cannot resolve, so a document that gets here names its CRSs in one of
/// these forms; the check stays for documents built otherwise.
fn crs_form_ok(name: &str) -> bool {
    crate::gml::parse_srs_name(name).is_some()
}

/// 1-based line of a byte offset.
fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 2.1.3.1: the standard CRS is the srsName of the root envelope (in a
/// wfs:FeatureCollection the top-level geometries may carry it instead),
/// written in one of the two allowed forms; with `single` (5.3 and later)
/// every geometry is in that CRS.
fn crs(c: &Ctx, single: bool) -> Vec<Finding> {
    const RULE: &str = "2.1.3.1";
    let doc = c.doc;
    let root_ids: Vec<String> = doc.root_gml_id.iter().cloned().collect();
    let root_line = doc
        .bounded_by
        .as_ref()
        .map_or(1, |r| line_of(&doc.source, r.start));
    let collection = doc.root_element == "FeatureCollection";
    let standard = doc.srs_name.as_deref().map(str::trim);
    let mut out = Vec::new();
    match standard {
        Some(s) if !crs_form_ok(s) => out.push(finding(
            RULE,
            format!(
                "the srsName \"{s}\" of the {}'s gml:Envelope is neither an AdV URN (urn:adv:crs:...) nor an EPSG code (EPSG:n, urn:ogc:def:crs:EPSG::n)",
                doc.root_element
            ),
            root_ids.clone(),
            root_line,
        )),
        None if !collection => out.push(finding(
            RULE,
            format!(
                "the {} has no gml:Envelope with srsName, so the dataset has no standard CRS",
                doc.root_element
            ),
            root_ids.clone(),
            root_line,
        )),
        _ => {}
    }
    // The dataset's CRS: the envelope's, else the first geometry's.
    let mut first: Option<(u32, String)> =
        standard.and_then(|s| crate::gml::parse_srs_name(s).map(|code| (code, s.to_string())));
    for f in &c.doc.features {
        for g in &f.geometries {
            let what = format!("{} {}: {}", f.feature_type, f.gml_id, g.property);
            match g.geometry.srs_name.as_deref().map(str::trim) {
                None => {
                    if collection && standard.is_none() {
                        out.push(finding(
                            RULE,
                            format!(
                                "{what} has no srsName, and the collection's envelope gives none"
                            ),
                            vec![f.gml_id.clone()],
                            g.geometry.line,
                        ));
                    }
                }
                Some(n) => {
                    if Some(n) != standard && !crs_form_ok(n) {
                        out.push(finding(
                            RULE,
                            format!("{what} has srsName \"{n}\", neither an AdV URN (urn:adv:crs:...) nor an EPSG code (EPSG:n, urn:ogc:def:crs:EPSG::n)"),
                            vec![f.gml_id.clone()],
                            g.geometry.line,
                        ));
                    }
                    let Some(code) = g.geometry.srid.filter(|_| single) else {
                        continue;
                    };
                    match &first {
                        None => first = Some((code, n.to_string())),
                        Some((c0, name)) if *c0 != code => out.push(finding(
                            RULE,
                            format!("{what} is in CRS \"{n}\", the dataset's CRS is \"{name}\": different CRS in one dataset are not allowed"),
                            vec![f.gml_id.clone()],
                            g.geometry.line,
                        )),
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

/// 3.2.1.2: no XP_TextAbschnitt is referred to by `texte` of both a plan
/// and a Bereich.
fn texte_plan_and_bereich(c: &Ctx) -> Vec<Finding> {
    let by = |class: &'static str, t: &Feature| -> Vec<&Feature> {
        c.instances(class)
            .filter(|x| x.refs("texte").any(|id| id == t.gml_id))
            .collect()
    };
    c.instances("XP_TextAbschnitt")
        .filter_map(|t| {
            let (plans, bereiche) = (by("XP_Plan", t), by("XP_Bereich", t));
            (!plans.is_empty() && !bereiche.is_empty()).then(|| {
                let mut gml_ids = vec![t.gml_id.clone()];
                gml_ids.extend(plans.iter().chain(&bereiche).map(|x| x.gml_id.clone()));
                finding(
                    "3.2.1.2",
                    format!(
                        "{} {} is referred to by texte of the plan ({}) and of the Bereich ({})",
                        t.feature_type,
                        t.gml_id,
                        named(&plans),
                        named(&bereiche)
                    ),
                    gml_ids,
                    t.line,
                )
            })
        })
        .collect()
}

/// 3.2.3.1: the allowed combinations of h, hMin, hMax, hZwingend; `new`
/// (5.3 and later): abweichenderBezugspunkt counts like bezugspunkt, and
/// at least one height is given.
fn hoehe_combination(c: &Ctx, new: bool) -> Vec<Finding> {
    const H: [&str; 4] = ["h", "hMin", "hMax", "hZwingend"];
    data_check(c, "3.2.3.1", HOEHE_TYPE, |f, o| {
        let given: Vec<&str> = H.iter().copied().filter(|k| set(o, k)).collect();
        if given.is_empty() {
            return new.then(|| "has none of h, hMin, hMax, hZwingend".to_string());
        }
        let bezug = set(o, "bezugspunkt") || (new && set(o, "abweichenderBezugspunkt"));
        let (context, allowed): (&str, &[&[&str]]) = if bezug {
            (
                "with a Bezugspunkt",
                &[&["h"], &["hMin"], &["hMin", "hMax"], &["hZwingend"]],
            )
        } else if is_a(c.codes, &f.feature_type, "BP_HoehenMass") {
            ("without a Bezugspunkt in BP_HoehenMass", &[&["h"]])
        } else {
            (
                "without a Bezugspunkt",
                &[&["hMin"], &["hMax"], &["hMin", "hMax"]],
            )
        };
        (!allowed.contains(&given.as_slice())).then(|| {
            format!(
                "gives {}; allowed {context}: {}",
                given
                    .iter()
                    .map(|k| format!("{k} ({})", show(o.get(k))))
                    .collect::<Vec<_>>()
                    .join(" and "),
                allowed
                    .iter()
                    .map(|a| a.join(" and "))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    })
}

/// 3.2.3.2: a height relative to the Bezugshöhe (hoehenbezug 3000) needs
/// the plan's bezugshoehe.
fn hoehe_bezugshoehe(c: &Ctx) -> Vec<Finding> {
    data_check(c, "3.2.3.2", HOEHE_TYPE, |f, o| {
        if text(o.get("hoehenbezug")).map(str::trim) != Some("3000") {
            return None;
        }
        let plans = plans_of(c, f, "XP_Plan");
        (!plans.is_empty() && plans.iter().all(|p| !set(&p.properties, "bezugshoehe"))).then(|| {
            format!(
                "has hoehenbezug 3000 (relativBezugshoehe), but the plan ({}) has no bezugshoehe",
                named(&plans)
            )
        })
    })
}

/// 3.2.4.1: a reference of art "Dokument" has none of `georef`.
fn dokument_ohne_georef(c: &Ctx, georef: &'static [&'static str]) -> Vec<Finding> {
    data_check(c, "3.2.4.1", EXT_REF, |_, o| {
        if text(o.get("art")).map(str::trim) != Some("Dokument") {
            return None;
        }
        let given: Vec<String> = georef
            .iter()
            .filter(|k| set(o, k))
            .map(|k| format!("{k} ({})", show(o.get(k))))
            .collect();
        (!given.is_empty()).then(|| format!("has art \"Dokument\" but {}", given.join(" and ")))
    })
}

/// 3.3.1.1 (4.1): a presentation object that shows a Fachobjekt (in this
/// document) names the attribute (art).
fn praesentation_art(c: &Ctx) -> Vec<Finding> {
    c.instances("XP_AbstraktesPraesentationsobjekt")
        .filter(|f| f.refs("dientZurDarstellungVon").next().is_some() && !set(&f.properties, "art"))
        .map(|f| {
            on_feature(
                "3.3.1.1",
                f,
                "dientZurDarstellungVon is set, art is not".into(),
            )
        })
        .collect()
}

/// 3.3.1.2: art given more than once needs as many index values.
fn praesentation_index(c: &Ctx) -> Vec<Finding> {
    c.instances("XP_AbstraktesPraesentationsobjekt")
        .filter_map(|f| {
            let art = items(f.properties.get("art")).len();
            let index = items(f.properties.get("index")).len();
            (art > 1 && index != art).then(|| {
                on_feature(
                    "3.3.1.2",
                    f,
                    format!("art is given {art} times, index {index} times"),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[(Level, Vec<String>)]) -> Vec<String> {
        v.iter().map(|(_, ids)| ids.join(" ")).collect()
    }

    /// A BP_BaugebietsTeilFlaeche `id` with the given XML inside.
    fn flaeche(id: &str, inner: &str) -> String {
        format!(
            r#"<xplan:BP_BaugebietsTeilFlaeche gml:id="{id}">{inner}</xplan:BP_BaugebietsTeilFlaeche>"#
        )
    }

    fn hoehe(id: &str, inner: &str) -> String {
        flaeche(
            id,
            &format!("<xplan:hoehenangabe><xplan:XP_Hoehenangabe>{inner}</xplan:XP_Hoehenangabe></xplan:hoehenangabe>"),
        )
    }

    fn check(v: Version, rule: &str, features: &[String]) -> Vec<String> {
        let f: Vec<&str> = features.iter().map(String::as_str).collect();
        ids(&test_findings(v, rule, &f))
    }

    #[test]
    fn uom_values_by_measure_type() {
        let f = [
            flaeche("ok", r#"<xplan:GFmax uom="m2">100</xplan:GFmax><xplan:DNmax uom="urn:adv:uom:grad">30</xplan:DNmax><xplan:hoehenangabe><xplan:XP_Hoehenangabe><xplan:h uom="m">3</xplan:h></xplan:XP_Hoehenangabe></xplan:hoehenangabe>"#),
            flaeche("angle", r#"<xplan:DNmax uom="deg">30</xplan:DNmax>"#),
            hoehe("nested", r#"<xplan:h uom="cm">300</xplan:h>"#),
            r#"<xplan:BP_Sichtflaeche gml:id="speed"><xplan:geschwindigkeit uom="kmh">50</xplan:geschwindigkeit></xplan:BP_Sichtflaeche>"#.to_string(),
        ];
        assert_eq!(
            check(Version::V5_4, "2.1.2.1", &f),
            ["angle", "nested", "speed"]
        );
        // before 5.2 the rule does not regulate gml:MeasureType
        assert_eq!(
            check(Version::V5_1, "2.1.2.1", &f[..3]),
            ["angle", "nested"]
        );
        let msg = check_messages(
            Version::V5_4,
            "2.1.2.1",
            &[flaeche("a", r#"<xplan:DNmax uom="deg">30</xplan:DNmax>"#)],
        );
        assert!(
            msg[0].contains("DNmax (gml:AngleType) has uom \"deg\""),
            "{msg:?}"
        );
    }

    fn check_messages(v: Version, rule: &str, features: &[String]) -> Vec<String> {
        let f: Vec<&str> = features.iter().map(String::as_str).collect();
        check_doc(&test_doc(v, &f))
            .into_iter()
            .filter(|x| x.rule == rule)
            .map(|x| x.message)
            .collect()
    }

    fn check_doc(doc: &Document) -> Vec<Finding> {
        super::super::check(doc).0
    }

    fn doc_with_envelope(version: Version, envelope: &str, geom_srs: &str) -> Document {
        let xml = format!(
            r#"<xplan:XPlanAuszug xmlns:xplan="{}" xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="root">{envelope}
<gml:featureMember><xplan:BP_BaugebietsTeilFlaeche gml:id="f1"><xplan:position><gml:Point gml:id="p1"{geom_srs}><gml:pos>1 2</gml:pos></gml:Point></xplan:position></xplan:BP_BaugebietsTeilFlaeche></gml:featureMember>
</xplan:XPlanAuszug>"#,
            version.namespace()
        );
        crate::xplan::parse_document(xml).unwrap()
    }

    fn crs_ids(doc: &Document) -> Vec<String> {
        check_doc(doc)
            .into_iter()
            .filter(|f| f.rule == "2.1.3.1")
            .map(|f| f.gml_ids.join(" "))
            .collect()
    }

    #[test]
    fn standard_crs() {
        let env = |s: &str| {
            format!(
                r#"<gml:boundedBy><gml:Envelope srsName="{s}"><gml:lowerCorner>0 0</gml:lowerCorner><gml:upperCorner>1 1</gml:upperCorner></gml:Envelope></gml:boundedBy>"#
            )
        };
        let v = Version::V5_4;
        assert!(crs_ids(&doc_with_envelope(v, &env("EPSG:25832"), "")).is_empty());
        assert!(crs_ids(&doc_with_envelope(
            v,
            &env("urn:adv:crs:ETRS89_UTM32"),
            r#" srsName="EPSG:25832""#
        ))
        .is_empty());
        // no envelope: no standard CRS
        assert_eq!(
            crs_ids(&doc_with_envelope(v, "", r#" srsName="EPSG:25832""#)),
            ["root"]
        );
        // the OGC spellings of an EPSG code are EPSG codes
        for s in [
            "urn:ogc:def:crs:EPSG::25832",
            "http://www.opengis.net/def/crs/EPSG/0/25832",
        ] {
            assert!(
                crs_ids(&doc_with_envelope(v, &env(s), "")).is_empty(),
                "{s}"
            );
        }
        // different CRS in one dataset: not allowed from 5.3 on
        let mixed = doc_with_envelope(v, &env("EPSG:25832"), r#" srsName="EPSG:25833""#);
        assert_eq!(crs_ids(&mixed), ["f1"]);
        let mixed = doc_with_envelope(
            Version::V5_2,
            &env("EPSG:25832"),
            r#" srsName="EPSG:25833""#,
        );
        assert!(crs_ids(&mixed).is_empty());
        assert!(test_findings(Version::V4_1, "2.1.3.1", &[]).is_empty());
        // a wfs:FeatureCollection without envelope: each geometry names its CRS
        let wfs = |geom_srs: &str| {
            let xml = format!(
                r#"<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:xplan="{}" xmlns:gml="http://www.opengis.net/gml/3.2">
<wfs:member><xplan:BP_BaugebietsTeilFlaeche gml:id="f1"><xplan:position><gml:Point gml:id="p1"{geom_srs}><gml:pos>1 2</gml:pos></gml:Point></xplan:position></xplan:BP_BaugebietsTeilFlaeche></wfs:member>
</wfs:FeatureCollection>"#,
                v.namespace()
            );
            crs_ids(&crate::xplan::parse_document(xml).unwrap())
        };
        assert!(wfs(r#" srsName="EPSG:25832""#).is_empty());
        assert_eq!(wfs(""), ["f1"]);
    }

    #[test]
    fn nachrichtlich_back_references_in_4_1() {
        let b = r##"<xplan:BP_Bereich gml:id="b"><xplan:nummer>0</xplan:nummer><xplan:nachrichtlich xlink:href="#o1"/><xplan:nachrichtlich xlink:href="#o2"/></xplan:BP_Bereich>"##;
        let o1 = r##"<xplan:SO_Denkmalschutzrecht gml:id="o1"><xplan:gehoertNachrichtlichZuBereich xlink:href="#b"/></xplan:SO_Denkmalschutzrecht>"##;
        let o2 = r##"<xplan:SO_Denkmalschutzrecht gml:id="o2"></xplan:SO_Denkmalschutzrecht>"##;
        assert_eq!(
            ids(&test_findings(Version::V4_1, "3.1.3.3", &[b, o1, o2])),
            ["o2 b"]
        );
    }

    #[test]
    fn text_from_plan_and_bereich() {
        let plan = r##"<xplan:BP_Plan gml:id="p"><xplan:name>P</xplan:name><xplan:texte xlink:href="#t1"/><xplan:texte xlink:href="#t2"/></xplan:BP_Plan>"##;
        let bereich = r##"<xplan:BP_Bereich gml:id="b"><xplan:nummer>0</xplan:nummer><xplan:texte xlink:href="#t2"/><xplan:texte xlink:href="#t3"/></xplan:BP_Bereich>"##;
        let t = |id: &str| {
            format!(
                r#"<xplan:XP_TextAbschnitt gml:id="{id}"><xplan:text>x</xplan:text><xplan:rechtscharakter>1000</xplan:rechtscharakter></xplan:XP_TextAbschnitt>"#
            )
        };
        let (t1, t2, t3) = (t("t1"), t("t2"), t("t3"));
        let r = test_findings(Version::V6_0, "3.2.1.2", &[plan, bereich, &t1, &t2, &t3]);
        assert_eq!(ids(&r), ["t2 p b"]);
    }

    #[test]
    fn height_combinations() {
        let f = [
            hoehe("ok1", r#"<xplan:bezugspunkt>1000</xplan:bezugspunkt><xplan:hMin uom="m">1</xplan:hMin><xplan:hMax uom="m">2</xplan:hMax>"#),
            hoehe("ok2", r#"<xplan:hMax uom="m">2</xplan:hMax>"#),
            hoehe("h_without_bezug", r#"<xplan:h uom="m">2</xplan:h>"#),
            hoehe("hmax_with_bezug", r#"<xplan:bezugspunkt>1000</xplan:bezugspunkt><xplan:hMax uom="m">2</xplan:hMax>"#),
            hoehe("abw_bezug", r#"<xplan:abweichenderBezugspunkt>x</xplan:abweichenderBezugspunkt><xplan:h uom="m">2</xplan:h>"#),
            hoehe("none", r#"<xplan:hoehenbezug>1000</xplan:hoehenbezug>"#),
            r#"<xplan:BP_HoehenMass gml:id="mass"><xplan:hoehenangabe><xplan:XP_Hoehenangabe><xplan:h uom="m">2</xplan:h></xplan:XP_Hoehenangabe></xplan:hoehenangabe></xplan:BP_HoehenMass>"#.to_string(),
        ];
        assert_eq!(
            check(Version::V5_4, "3.2.3.1", &f),
            ["h_without_bezug", "hmax_with_bezug", "none"]
        );
        // up to 5.2 abweichenderBezugspunkt does not count and no height is needed
        assert_eq!(
            check(Version::V5_2, "3.2.3.1", &f),
            ["h_without_bezug", "hmax_with_bezug", "abw_bezug"]
        );
    }

    #[test]
    fn relative_height_needs_the_plans_bezugshoehe() {
        let plan = |id: &str, b: &str, inner: &str| {
            format!(
                r##"<xplan:BP_Plan gml:id="{id}"><xplan:name>P</xplan:name>{inner}<xplan:bereich xlink:href="#{b}"/></xplan:BP_Plan>"##
            )
        };
        let bereich = |id: &str, p: &str| {
            format!(
                r##"<xplan:BP_Bereich gml:id="{id}"><xplan:nummer>0</xplan:nummer><xplan:gehoertZuPlan xlink:href="#{p}"/></xplan:BP_Bereich>"##
            )
        };
        let obj = |id: &str, b: &str| {
            flaeche(
                id,
                &format!(
                    r##"<xplan:hoehenangabe><xplan:XP_Hoehenangabe><xplan:hoehenbezug>3000</xplan:hoehenbezug><xplan:hMin uom="m">1</xplan:hMin></xplan:XP_Hoehenangabe></xplan:hoehenangabe><xplan:gehoertZuBereich xlink:href="#{b}"/>"##
                ),
            )
        };
        let f = [
            plan(
                "p1",
                "b1",
                r#"<xplan:bezugshoehe uom="m">10</xplan:bezugshoehe>"#,
            ),
            bereich("b1", "p1"),
            plan("p2", "b2", ""),
            bereich("b2", "p2"),
            obj("in_p1", "b1"),
            obj("in_p2", "b2"),
        ];
        assert_eq!(check(Version::V6_0, "3.2.3.2", &f), ["in_p2"]);
    }

    #[test]
    fn height_attribute_pairs() {
        let f = [
            hoehe(
                "both",
                r#"<xplan:hoehenbezug>1000</xplan:hoehenbezug><xplan:abweichenderHoehenbezug>x</xplan:abweichenderHoehenbezug><xplan:hMin uom="m">1</xplan:hMin>"#,
            ),
            hoehe("neither", r#"<xplan:hMin uom="m">1</xplan:hMin>"#),
            hoehe(
                "ok",
                r#"<xplan:hoehenbezug>1000</xplan:hoehenbezug><xplan:hMin uom="m">1</xplan:hMin>"#,
            ),
        ];
        assert_eq!(check(Version::V4_1, "3.2.3.3", &f), ["both", "neither"]);
        let f = [
            hoehe(
                "both",
                r#"<xplan:abweichenderBezugspunkt>x</xplan:abweichenderBezugspunkt><xplan:bezugspunkt>1000</xplan:bezugspunkt><xplan:h uom="m">1</xplan:h>"#,
            ),
            hoehe("neither", r#"<xplan:hMin uom="m">1</xplan:hMin>"#),
            hoehe(
                "ok",
                r#"<xplan:bezugspunkt>1000</xplan:bezugspunkt><xplan:h uom="m">1</xplan:h>"#,
            ),
        ];
        assert_eq!(check(Version::V5_0, "3.2.3.4", &f), ["both", "neither"]);
        assert_eq!(check(Version::V5_1, "3.2.3.4", &f), ["both"]);
        let f = [
            hoehe(
                "text_only",
                r#"<xplan:bezugspunktText>Traufe</xplan:bezugspunktText><xplan:hMin uom="m">1</xplan:hMin>"#,
            ),
            hoehe(
                "ok",
                r#"<xplan:bezugspunkt>1000</xplan:bezugspunkt><xplan:bezugspunktText>Traufe</xplan:bezugspunktText><xplan:h uom="m">1</xplan:h>"#,
            ),
        ];
        assert_eq!(check(Version::V6_0, "3.2.3.5", &f), ["text_only"]);
    }

    fn plan_with(id: &str, inner: &str) -> String {
        format!(r#"<xplan:BP_Plan gml:id="{id}"><xplan:name>P</xplan:name>{inner}</xplan:BP_Plan>"#)
    }

    #[test]
    fn documents_without_georeference() {
        let ext = |id: &str, inner: &str| {
            plan_with(id, &format!("<xplan:externeReferenz><xplan:XP_SpezExterneReferenz>{inner}<xplan:typ>1000</xplan:typ></xplan:XP_SpezExterneReferenz></xplan:externeReferenz>"))
        };
        let f = [
            ext("doc_georef", "<xplan:georefURL>a.pgw</xplan:georefURL><xplan:art>Dokument</xplan:art><xplan:referenzURL>a.png</xplan:referenzURL>"),
            ext("doc_mime", "<xplan:georefMimeType>text/plain</xplan:georefMimeType><xplan:art>Dokument</xplan:art><xplan:referenzURL>a.png</xplan:referenzURL>"),
            ext("plan_georef", "<xplan:georefURL>a.pgw</xplan:georefURL><xplan:art>PlanMitGeoreferenz</xplan:art><xplan:referenzURL>a.png</xplan:referenzURL>"),
            ext("doc", "<xplan:art>Dokument</xplan:art><xplan:referenzURL>a.pdf</xplan:referenzURL>"),
        ];
        assert_eq!(
            check(Version::V5_4, "3.2.4.1", &f),
            ["doc_georef", "doc_mime"]
        );
        assert_eq!(check(Version::V6_0, "3.2.4.1", &f[..1]), ["doc_georef"]);
        assert!(check(Version::V6_0, "3.2.4.1", &f[2..]).is_empty());
    }

    #[test]
    fn verbundener_plan_and_generic_attributes() {
        let aendert = |id: &str, inner: &str| {
            plan_with(id, &format!("<xplan:aendert><xplan:XP_VerbundenerPlan>{inner}<xplan:rechtscharakter>1000</xplan:rechtscharakter></xplan:XP_VerbundenerPlan></xplan:aendert>"))
        };
        let f = [
            aendert("empty", "<xplan:planName> </xplan:planName>"),
            aendert(
                "both",
                r##"<xplan:planName>A</xplan:planName><xplan:verbundenerPlan xlink:href="#empty"/>"##,
            ),
            aendert("ref", r##"<xplan:verbundenerPlan xlink:href="#empty"/>"##),
            aendert("name", "<xplan:planName>A</xplan:planName>"),
        ];
        assert_eq!(check(Version::V5_4, "3.2.6.1", &f), ["empty"]);
        assert_eq!(check(Version::V5_4, "3.2.6.3", &f), ["empty", "both"]);
        let attr = |id: &str, name: &str| {
            plan_with(id, &format!("<xplan:hatGenerAttribut><xplan:XP_StringAttribut><xplan:name>{name}</xplan:name><xplan:wert>w</xplan:wert></xplan:XP_StringAttribut></xplan:hatGenerAttribut>"))
        };
        let f = [attr("empty", ""), attr("ok", "n")];
        assert_eq!(check(Version::V6_0, "3.2.7.1", &f), ["empty"]);
    }

    #[test]
    fn presentation_objects_art_and_index() {
        let pto = |id: &str, inner: &str| {
            format!(r#"<xplan:XP_PTO gml:id="{id}">{inner}</xplan:XP_PTO>"#)
        };
        let f = [
            pto("two_one", "<xplan:art>a</xplan:art><xplan:art>b</xplan:art><xplan:index>0</xplan:index>"),
            pto("two_two", "<xplan:art>a</xplan:art><xplan:art>b</xplan:art><xplan:index>0</xplan:index><xplan:index>1</xplan:index>"),
            pto("one", "<xplan:art>a</xplan:art>"),
        ];
        assert_eq!(check(Version::V5_4, "3.3.1.2", &f), ["two_one"]);
        let f = [
            pto(
                "no_art",
                r##"<xplan:dientZurDarstellungVon xlink:href="#x"/>"##,
            ),
            pto(
                "art",
                r##"<xplan:art>a</xplan:art><xplan:dientZurDarstellungVon xlink:href="#x"/>"##,
            ),
            pto("free", ""),
        ];
        assert_eq!(check(Version::V4_1, "3.3.1.1", &f), ["no_art"]);
    }
}
