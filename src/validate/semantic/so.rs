//! Chapter 6.1 of the Konformitätsbedingungen: SOPlan Basisschema.
//!
//! Not implemented: 6.1.5.3 (5.0 to 5.2, no mixed point, line and area
//! geometry in one position): the GML profile of these versions has no
//! gml:MultiGeometry, so the schema already excludes it.

use super::checks::*;
use super::*;

/// Relation rules of chapter 6.1.
pub(super) const RELATIONS: &[RelationRule] = &[
    r!(
        "6.1.1.1",
        "Einschränkung der Relation bereich",
        "SO_Plan",
        "bereich",
        "SO_Bereich",
        ALL
    ),
    r!(
        "6.1.2.1",
        "Einschränkung der Relation inhaltSoPlan",
        "SO_Bereich",
        "inhaltSoPlan",
        "SO_Objekt",
        &[V4_1]
    ),
    r!(
        "6.1.2.2",
        "Einschränkung der Relation rasterAenderung",
        "SO_Bereich",
        "rasterAenderung",
        "SO_RasterplanAenderung",
        &[V4_1]
    ),
];

/// 6.1.3.4 to 6.1.3.16 (6.0.2): a relation or attribute of SO_Objekt that
/// may only be used when the object is part of a plan of `plan` class.
macro_rules! only_in {
    ($n:expr, $t:expr, $prop:expr, $plan:expr) => {
        CheckedRule {
            number: $n,
            title: $t,
            versions: &[V6_0],
            check: |c| only_in_plan(c, $n, $prop, $plan),
        }
    };
}

/// Rules of chapter 6.1 implemented as checks.
#[rustfmt::skip]
pub(super) const RULES: &[CheckedRule] = &[
    CheckedRule { number: "6.1.2.3", title: T_GEHOERT_ZU_PLAN, versions: ALL, check: |c| gehoert_zu_plan(c, "6.1.2.3", "SO_Bereich", "SO_Plan", true) },
    CheckedRule { number: "6.1.3.1", title: T_BACK_REFS, versions: &[V4_1], check: |c| back_refs(c, "6.1.3.1", "SO_Bereich", "inhaltSoPlan", "gehoertZuSO_Bereich", true) },
    rule!(PerProblem, "6.1.3.2", "SOPlan-Inhalte dürfen nicht gleichzeitig als originärer Planinhalt und nachrichtliche Übernahme in den Plan integriert werden.", &[V4_1], "SO_Objekt", [Exclusive(&["gehoertNachrichtlichZuBereich"], &["gehoertZuSO_Bereich"])]),
    only_in!("6.1.3.4", "Verwendung von wirdAusgeglichenDurchBPMassnahme nur in Bebauungsplänen", "wirdAusgeglichenDurchBPMassnahme", "BP_Plan"),
    only_in!("6.1.3.5", "Verwendung von wirdAusgeglichenDurchBPSPEMassnahme nur in Bebauungsplänen", "wirdAusgeglichenDurchBPSPEMassnahme", "BP_Plan"),
    only_in!("6.1.3.6", "Verwendung von wirdAusgeglichenDurchBPABE nur in Bebauungsplänen", "wirdAusgeglichenDurchBPABE", "BP_Plan"),
    only_in!("6.1.3.7", "Verwendung von wirdAusgeglichenDurchBPSPEFlaeche nur in Bebauungsplänen", "wirdAusgeglichenDurchBPSPEFlaeche", "BP_Plan"),
    only_in!("6.1.3.8", "Verwendung von wirdAusgeglichenDurchBPFlaeche nur in Bebauungsplänen", "wirdAusgeglichenDurchBPFlaeche", "BP_Plan"),
    only_in!("6.1.3.9", "Verwendung von wirdAusgeglichenDurchFPSPE nur in Flächennutzungsplänen", "wirdAusgeglichenDurchFPSPE", "FP_Plan"),
    only_in!("6.1.3.10", "Verwendung von wirdAusgeglichenDurchFPFlaeche nur in Flächennutzungsplänen", "wirdAusgeglichenDurchFPFlaeche", "FP_Plan"),
    only_in!("6.1.3.11", "Verwendung von zusatzkontingent nur in Bebauungsplänen", "zusatzkontingent", "BP_Plan"),
    only_in!("6.1.3.12", "Verwendung von richtungssektorGrenze nur in Bebauungsplänen", "richtungssektorGrenze", "BP_Plan"),
    only_in!("6.1.3.13", "Verwendung von zusatzkontingentFlaeche nur in Bebauungsplänen", "zusatzkontingentFlaeche", "BP_Plan"),
    only_in!("6.1.3.14", "Verwendung von laermkontingent nur in Bebauungsplänen", "laermkontingent", "BP_Plan"),
    only_in!("6.1.3.15", "Verwendung von laermkontingentGebiet nur in Bebauungsplänen", "laermkontingentGebiet", "BP_Plan"),
    only_in!("6.1.3.16", "Verwendung von vonGenehmigungAusgenommen nur in Flächennutzungsplänen", "vonGenehmigungAusgenommen", "FP_Plan"),
    rule!(PerProblem, "6.1.4.1", T_BASISEBENE, ALL, "SO_Flaechenobjekt", [flaechenschluss(false, Ebene::NotZero, FALSE)]),
    rule!(PerProblem, "6.1.4.2", T_FLAECHE, ALL, "SO_Flaechenobjekt", [Position(&[2], "an area geometry")]),
    rule!(PerProblem, "6.1.5.1", T_BASISEBENE, ALL, "SO_Geometrieobjekt", [flaechenschluss(true, Ebene::NotZero, FALSE)]),
    rule!(PerProblem, "6.1.5.2", T_FS_ANGABE, ALL, "SO_Geometrieobjekt", [flaechenschluss(true, Ebene::Any, Want::Set)]),
    rule!(PerProblem, "6.1.6.1", T_LINIE, ALL, "SO_Linienobjekt", [Position(&[1], "a line geometry")]),
    rule!(PerProblem, "6.1.7.1", T_PUNKT, ALL, "SO_Punktobjekt", [Position(&[0], "a point geometry")]),
];

/// 6.1.3.4 to 6.1.3.16: `prop` of an SO_Objekt only when the object is
/// part of a plan of class `plan` (found through its Bereich).
fn only_in_plan(c: &Ctx, rule: &str, prop: &str, plan: &str) -> Vec<Finding> {
    c.instances("SO_Objekt")
        .filter(|f| set(&f.properties, prop))
        .filter_map(|f| {
            let plans = plans_of(c, f, "XP_Plan");
            (!plans.is_empty() && !plans.iter().any(|p| is_a(c.codes, &p.feature_type, plan))).then(
                || {
                    on_feature(
                        rule,
                        f,
                        format!(
                            "{prop} is used, but the object belongs to {}, not to a {plan}",
                            named(&plans)
                        ),
                    )
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: Vec<(Level, Vec<String>)>) -> Vec<String> {
        v.into_iter().map(|(_, ids)| ids.join(" ")).collect()
    }

    const POLYGON: &str = r#"<xplan:position><gml:Polygon gml:id="g"><gml:exterior><gml:LinearRing><gml:posList>0 0 10 0 10 10 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></xplan:position>"#;
    const LINE: &str = r#"<xplan:position><gml:LineString gml:id="g"><gml:posList>0 0 10 0</gml:posList></gml:LineString></xplan:position>"#;
    const POINT: &str = r#"<xplan:position><gml:Point gml:id="g"><gml:pos>1 1</gml:pos></gml:Point></xplan:position>"#;

    fn so(class: &str, id: &str, inner: &str) -> String {
        format!(r#"<xplan:{class} gml:id="{id}">{inner}</xplan:{class}>"#)
    }

    fn run(v: Version, rule: &str, features: &[String]) -> Vec<String> {
        let f: Vec<&str> = features.iter().map(String::as_str).collect();
        ids(test_findings(v, rule, &f))
    }

    #[test]
    fn so_plan_and_bereich_relations() {
        let f = [
            so(
                "SO_Plan",
                "p",
                r##"<xplan:name>P</xplan:name><xplan:bereich xlink:href="#b1"/><xplan:bereich xlink:href="#x"/>"##,
            ),
            so(
                "SO_Bereich",
                "b1",
                r##"<xplan:nummer>0</xplan:nummer><xplan:gehoertZuPlan xlink:href="#p"/>"##,
            ),
            so("BP_Bereich", "x", r##"<xplan:nummer>1</xplan:nummer>"##),
            // not listed by the plan
            so(
                "SO_Bereich",
                "b2",
                r##"<xplan:nummer>2</xplan:nummer><xplan:gehoertZuPlan xlink:href="#p"/>"##,
            ),
            // no plan
            so("SO_Bereich", "b3", r##"<xplan:nummer>3</xplan:nummer>"##),
            // a plan of another class
            so(
                "SO_Bereich",
                "b4",
                r##"<xplan:nummer>4</xplan:nummer><xplan:gehoertZuPlan xlink:href="#x"/>"##,
            ),
        ];
        assert_eq!(run(Version::V5_4, "6.1.1.1", &f), ["p x"]);
        assert_eq!(run(Version::V6_0, "6.1.2.3", &f), ["b2 p", "b3", "b4"]);
    }

    #[test]
    fn so_4_1_inhalt_relations() {
        let f = [
            so(
                "SO_Bereich",
                "b",
                r##"<xplan:nummer>0</xplan:nummer><xplan:inhaltSoPlan xlink:href="#o1"/><xplan:inhaltSoPlan xlink:href="#o2"/><xplan:inhaltSoPlan xlink:href="#t"/>"##,
            ),
            so(
                "SO_Denkmalschutzrecht",
                "o1",
                r##"<xplan:gehoertZuSO_Bereich xlink:href="#b"/>"##,
            ),
            so(
                "SO_Denkmalschutzrecht",
                "o2",
                r##"<xplan:gehoertZuSO_Bereich xlink:href="#b"/><xplan:gehoertNachrichtlichZuBereich xlink:href="#b"/>"##,
            ),
            so("XP_TextAbschnitt", "t", "<xplan:text>x</xplan:text>"),
        ];
        assert_eq!(run(Version::V4_1, "6.1.2.1", &f), ["b t"]);
        assert_eq!(run(Version::V4_1, "6.1.3.1", &f), ["t b"]);
        assert_eq!(run(Version::V4_1, "6.1.3.2", &f), ["o2"]);
    }

    #[test]
    fn so_relations_only_in_their_plan_class() {
        let plan = |class: &str| {
            vec![
                so(
                    class,
                    "p",
                    r##"<xplan:name>P</xplan:name><xplan:bereich xlink:href="#b"/>"##,
                ),
                so(
                    &class.replace("Plan", "Bereich"),
                    "b",
                    r##"<xplan:nummer>0</xplan:nummer><xplan:gehoertZuPlan xlink:href="#p"/>"##,
                ),
                so(
                    "SO_Strassenverkehr",
                    "bp_ref",
                    r##"<xplan:gehoertZuBereich xlink:href="#b"/><xplan:wirdAusgeglichenDurchBPFlaeche xlink:href="#a"/>"##,
                ),
                so(
                    "SO_Strassenverkehr",
                    "fp_attr",
                    r##"<xplan:gehoertZuBereich xlink:href="#b"/><xplan:vonGenehmigungAusgenommen>false</xplan:vonGenehmigungAusgenommen>"##,
                ),
                so(
                    "SO_Strassenverkehr",
                    "laerm",
                    r##"<xplan:gehoertZuBereich xlink:href="#b"/><xplan:laermkontingent><xplan:BP_EmissionskontingentLaerm><xplan:ekwertTag uom="db">50</xplan:ekwertTag><xplan:ekwertNacht uom="db">40</xplan:ekwertNacht></xplan:BP_EmissionskontingentLaerm></xplan:laermkontingent>"##,
                ),
            ]
        };
        let v = Version::V6_0;
        assert!(run(v, "6.1.3.8", &plan("BP_Plan")).is_empty());
        assert_eq!(run(v, "6.1.3.8", &plan("FP_Plan")), ["bp_ref"]);
        assert_eq!(run(v, "6.1.3.14", &plan("FP_Plan")), ["laerm"]);
        assert_eq!(run(v, "6.1.3.16", &plan("BP_Plan")), ["fp_attr"]);
        assert!(run(v, "6.1.3.16", &plan("FP_Plan")).is_empty());
        // an object listed by the Bereich's planinhalt only
        let mut f = plan("FP_Plan");
        f[1] = so(
            "FP_Bereich",
            "b",
            r##"<xplan:nummer>0</xplan:nummer><xplan:gehoertZuPlan xlink:href="#p"/><xplan:planinhalt xlink:href="#loose"/>"##,
        );
        f.push(so(
            "SO_Strassenverkehr",
            "loose",
            r##"<xplan:richtungssektorGrenze xlink:href="#r"/>"##,
        ));
        assert_eq!(run(v, "6.1.3.12", &f), ["loose"]);
    }

    #[test]
    fn so_flaechenschluss_and_geometry_types() {
        let v = Version::V5_4;
        let f = [
            so("SO_Denkmalschutzrecht", "fs", &format!("<xplan:ebene>1</xplan:ebene>{POLYGON}<xplan:flaechenschluss>true</xplan:flaechenschluss>")),
            so("SO_Denkmalschutzrecht", "base", &format!("{POLYGON}<xplan:flaechenschluss>true</xplan:flaechenschluss>")),
            so("SO_Denkmalschutzrecht", "nofs", POLYGON),
            so("SO_Denkmalschutzrecht", "line", LINE),
            so("SO_Gebiet", "gebiet", &format!("<xplan:ebene>2</xplan:ebene>{POLYGON}<xplan:flaechenschluss>true</xplan:flaechenschluss>")),
            so("SO_Gebiet", "gebiet_line", &format!("<xplan:ebene>1</xplan:ebene>{LINE}<xplan:flaechenschluss>true</xplan:flaechenschluss>")),
            so("SO_Denkmalschutzrecht", "line_fs", &format!("<xplan:ebene>1</xplan:ebene>{LINE}<xplan:flaechenschluss>true</xplan:flaechenschluss>")),
            so("SO_Punktobjekt", "pkt_ok", POINT),
            so("SO_Punktobjekt", "pkt_area", POLYGON),
            so("SO_Linienobjekt", "lin_ok", LINE),
            so("SO_Linienobjekt", "lin_pt", POINT),
        ];
        assert_eq!(run(v, "6.1.5.1", &f), ["fs"]);
        assert_eq!(run(v, "6.1.5.2", &f), ["nofs"]);
        assert_eq!(run(v, "6.1.4.1", &f), ["gebiet", "gebiet_line"]);
        assert_eq!(run(v, "6.1.4.2", &f), ["gebiet_line"]);
        assert_eq!(run(v, "6.1.6.1", &f), ["lin_pt"]);
        assert_eq!(run(v, "6.1.7.1", &f), ["pkt_area"]);
    }
}
