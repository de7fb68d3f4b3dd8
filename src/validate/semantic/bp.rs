//! Chapter 4 of the Konformitätsbedingungen: BPlan, for XPlanGML 4.1 and
//! 5.0 to 6.0, from the rule texts of each version.
//!
//! Relation rules are rows of [`RELATIONS`]; the other rules are rows of
//! [`RULES`], mostly declarative ([`Check`] on the instances of a class or
//! its derived classes, on every BPlan feature for the attribute groups of
//! 4.2 and 4.3, or on a data type): attribute combinations, code list
//! implications, flaechenschluss by ebene and Raumbezug, the dimension of
//! `position`. A class's rules also hold for the classes derived from it
//! (the text's "Zusätzlich müssen die Bedingungen der Klasse ... erfüllt
//! sein" follows the schema's substitution groups).
//!
//! Not checked here: 4.1.5.3 (5.0 to 5.2, no mixed geometry in
//! `position`: the GML reader accepts no gml:MultiGeometry, so a parsed
//! `position` is never mixed) and 4.5.2.4 (6.0, attributes of
//! geometrically overlapping objects: a geometric check of its own).

use super::*;
use crate::gml::{Geometry, Segment};
use crate::xplan::{Feature, Reference};
use serde_json::{Map, Value};

/// Relation rules of chapter 4 (BPlan).
pub(super) const RELATIONS: &[RelationRule] = &[
    r!(
        "4.1.1.1",
        "Einschränkung der Relation bereich",
        "BP_Plan",
        "bereich",
        "BP_Bereich",
        ALL
    ),
    r!(
        "4.1.2.1",
        "Einschränkung der Relation inhaltBPlan",
        "BP_Bereich",
        "inhaltBPlan",
        "BP_Objekt",
        &[V4_1]
    ),
    r!(
        "4.1.2.2",
        "Einschränkung der Relation rasterAenderung",
        "BP_Bereich",
        "rasterAenderung",
        "BP_RasterplanAenderung",
        &[V4_1]
    ),
    r!(
        "4.1.3.1",
        "Einschränkung der Relation wirdAusgeglichenDurchFlaeche",
        "BP_Objekt",
        "wirdAusgeglichenDurchFlaeche",
        "BP_AusgleichsFlaeche",
        ALL
    ),
    r!(
        "4.1.3.2",
        "Einschränkung der Relation wirdAusgeglichenDurchMassnahme",
        "BP_Objekt",
        "wirdAusgeglichenDurchMassnahme",
        "BP_AusgleichsMassnahme",
        ALL
    ),
    r!(
        "4.1.3.3",
        "Einschränkung der Relation wirdAusgeglichenDurchSPEMassnahme",
        "BP_Objekt",
        "wirdAusgeglichenDurchSPEMassnahme",
        "BP_SchutzPflegeEntwicklungsMassnahme",
        ALL
    ),
    r!(
        "4.1.3.4",
        "Einschränkung der Relation wirdAusgeglichenDurchSPEFlaeche",
        "BP_Objekt",
        "wirdAusgeglichenDurchSPEFlaeche",
        "BP_SchutzPflegeEntwicklungsFlaeche",
        ALL
    ),
    r!(
        "4.1.3.7",
        "Einschränkung der Relation wirdAusgeglichenDurchABE",
        "BP_Objekt",
        "wirdAusgeglichenDurchABE",
        "BP_AnpflanzungBindungErhaltung",
        ALL
    ),
    r!(
        "4.1.3.8",
        "Einschränkung der Relation refTextinhalt",
        "BP_Objekt",
        "refTextInhalt",
        "BP_TextAbschnitt",
        &[V5_0, V5_1, V5_2]
    ),
    r!(
        "4.1.3.8",
        "Einschränkung der Relation refTextinhalt",
        "BP_Objekt",
        "refTextInhalt",
        "XP_TextAbschnitt",
        &[V5_3, V5_4]
    ),
    r!(
        "4.5.1.1",
        "Relation abweichungText",
        "BP_BaugebietsTeilFlaeche",
        "abweichungText",
        "XP_TextAbschnitt",
        &[V4_1, V6_0]
    ),
    r!(
        "4.5.1.1",
        "Relation abweichungText",
        "BP_BaugebietsTeilFlaeche",
        "abweichungText",
        "BP_TextAbschnitt",
        &[V5_0, V5_1, V5_2, V5_3, V5_4]
    ),
    r!(
        "4.5.2.1",
        "Relation baugrenze",
        "BP_UeberbaubareGrundstuecksFlaeche",
        "baugrenze",
        "BP_BauGrenze",
        ALL
    ),
    r!(
        "4.5.2.2",
        "Relation baulinie",
        "BP_UeberbaubareGrundstuecksFlaeche",
        "baulinie",
        "BP_BauLinie",
        ALL
    ),
    r!(
        "4.5.10.2",
        "Einschränkung der Relation wegerecht",
        "BP_*",
        "wegerecht",
        "BP_Wegerecht",
        &[V5_1, V5_2, V5_3, V5_4, V6_0]
    ),
    r!(
        "4.5.14.3",
        "Einschränkung der Relation eigentümer",
        "BP_*",
        "eigentuemer",
        "BP_BaugebietsTeilFlaeche",
        ALL
    ),
    r!(
        "4.5.20.1",
        "Relation abweichungText",
        "BP_WohngebaeudeFlaeche",
        "abweichungText",
        "BP_TextAbschnitt",
        &[V5_4]
    ),
    r!(
        "4.5.20.1",
        "Relation abweichungText",
        "BP_WohngebaeudeFlaeche",
        "abweichungText",
        "XP_TextAbschnitt",
        &[V6_0]
    ),
    r!(
        "4.5.1.1",
        "Relation abweichungText",
        "BP_Baugebiet",
        "abweichungText",
        "XP_TextAbschnitt",
        &[V4_1]
    ),
    r!(
        "4.12.1.1",
        "Einschränkung der Relation begrenzungslinie",
        "BP_StrassenVerkehrsFlaeche",
        "begrenzungslinie",
        "BP_StrassenbegrenzungsLinie",
        V4_5
    ),
    r!(
        "4.12.2.1",
        "Einschränkung der Relation begrenzungslinie",
        "BP_VerkehrsflaecheBesondererZweckbestimmung",
        "begrenzungslinie",
        "BP_StrassenbegrenzungsLinie",
        V4_5
    ),
];

const V41: &[Version] = &[V4_1];
const V60: &[Version] = &[V6_0];
const V41_50: &[Version] = &[V4_1, V5_0];
const V41_51: &[Version] = &[V4_1, V5_0, V5_1];
const V50_53: &[Version] = &[V5_0, V5_1, V5_2, V5_3];
const V51_54: &[Version] = &[V5_1, V5_2, V5_3, V5_4];
const V51_60: &[Version] = &[V5_1, V5_2, V5_3, V5_4, V6_0];
const V52_54: &[Version] = &[V5_2, V5_3, V5_4];
const V52_60: &[Version] = &[V5_2, V5_3, V5_4, V6_0];
const V53_54: &[Version] = &[V5_3, V5_4];
const V54_60: &[Version] = &[V5_4, V6_0];

/// Where a declarative rule looks.
#[derive(Clone, Copy)]
enum On {
    /// Instances of these classes or of classes derived from them.
    Classes(&'static [&'static str]),
    /// Every BPlan feature: the rules of 4.2 (Maß der baulichen Nutzung)
    /// and 4.3 (Gestaltung des Baugebiets) hold for every class that has
    /// their attributes.
    AllBp,
    /// The values of a data type anywhere in a BPlan feature.
    Data(&'static str),
}

/// Whether a flaechenschluss rule needs an area `position`.
#[derive(Clone, Copy, PartialEq)]
enum Raumbezug {
    Any,
    Area,
}

/// The condition on `ebene` (unset is 0, the XSD default).
#[derive(Clone, Copy)]
enum Ebene {
    Any,
    Zero,
    NotZero,
}

/// If `.0` has one of the values `.1` (any value when empty), `.2` must be
/// unset or have one of the values `.3`. Attributes may be paths into data
/// types ("sondernutzung/allgemein").
type Implication = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
);

/// A declarative check of one object (a feature, or a data type value).
#[derive(Clone, Copy)]
enum Check {
    /// The attributes may only be set in one of these combinations (or
    /// none of them).
    Combos(&'static [&'static [&'static str]]),
    /// No attribute of the first group together with one of the second.
    Exclusive(&'static [&'static str], &'static [&'static str]),
    /// If the attribute is set, one of the others must be set too.
    Requires(&'static str, &'static [&'static str]),
    /// The second attribute is set at least as often as the first.
    AsOften(&'static str, &'static str),
    /// Code list combinations.
    Codes(&'static [Implication]),
    /// If the attribute `.0` is set more than once, all values of its
    /// sub-attribute `.1` lie in the same one of the groups `.2`.
    OneGroup(
        &'static str,
        &'static str,
        &'static [&'static [&'static str]],
    ),
    /// flaechenschluss must be `.2` (when `position` is an area, for
    /// `Raumbezug::Area`, and `ebene` meets the condition).
    Flaechenschluss(Raumbezug, Ebene, bool),
    /// flaechenschluss must be set when `position` is an area.
    FlaechenschlussSet,
    /// `position` must not be an area.
    NoArea,
    /// A check of its own: the problem, if any.
    Custom(fn(&Ctx, &Feature) -> Option<String>),
    /// All of these checks.
    All(&'static [Check]),
    /// XPlanGML 4.1's numbered attributes `.1` besides `.0` ("Verwendung
    /// der Attribute zur Spezifikation mehrerer ..."): a single value is
    /// given in `.0`; `.1` are not used when `.0` is set several times;
    /// `.1` are used in ascending order.
    Weitere(&'static str, &'static [&'static str]),
    /// If `.0` is set, one of `.1` is set exactly as often.
    SameCount(&'static str, &'static [&'static str]),
    /// 4.1's "ABCDE" codes: for each value of `.0`, `.1` is unset or has
    /// the value's first four digits; when `.0` is set at least `.2` times,
    /// `.1` is unset or set as often.
    Prefix(&'static str, &'static str, usize),
    /// If `.0` is set, `.1` is set exactly once.
    Once(&'static str, &'static str),
    /// If `.0` is set more than once, none of `.1` is set.
    IfMany(&'static str, &'static [&'static str]),
}

macro_rules! rule {
    ($n:expr, $t:expr, $v:expr, $on:expr, $check:expr) => {
        CheckedRule {
            number: $n,
            title: $t,
            versions: $v,
            check: |c| run(c, $n, $on, $check),
        }
    };
}

const BAUGEBIET_41: &[&str] = &["BP_Baugebiet", "BP_BaugebietsTeilFlaeche"];
const DN_FEATURE: &[&[&str]] = &[&["DNmin"], &["DNmin", "DNmax"], &["DN"], &["DNZwingend"]];
const BAUWEISE: Check = Check::Codes(&[("abweichendeBauweise", &[], "bauweise", &["3000"])]);
const ZWECK_AS_OFTEN: Check = Check::AsOften("detaillierteZweckbestimmung", "zweckbestimmung");
const ZWECK_SET: Check = Check::Requires("detaillierteZweckbestimmung", &["zweckbestimmung"]);
/// "Überlagerungsobjekt bei flächenhaftem Raumbezug".
const UEBERLAGERUNG: Check = Check::Flaechenschluss(Raumbezug::Area, Ebene::Any, false);
/// "Flächenschlussobjekt bei flächenhaftem Raumbezug".
const FLAECHENSCHLUSS: Check = Check::Flaechenschluss(Raumbezug::Area, Ebene::Zero, true);
const WZ1: &[&str] = &["weitereZweckbestimmung1"];
const WZ2: &[&str] = &["weitereZweckbestimmung1", "weitereZweckbestimmung2"];
const WZ3: &[&str] = &[
    "weitereZweckbestimmung1",
    "weitereZweckbestimmung2",
    "weitereZweckbestimmung3",
];
const WZ4: &[&str] = &[
    "weitereZweckbestimmung1",
    "weitereZweckbestimmung2",
    "weitereZweckbestimmung3",
    "weitereZweckbestimmung4",
];
const WD1: &[&str] = &["weitereDetailZweckbestimmung1"];
const WD2: &[&str] = &[
    "weitereDetailZweckbestimmung1",
    "weitereDetailZweckbestimmung2",
];
const WD3: &[&str] = &[
    "weitereDetailZweckbestimmung1",
    "weitereDetailZweckbestimmung2",
    "weitereDetailZweckbestimmung3",
];
const WD4: &[&str] = &[
    "weitereDetailZweckbestimmung1",
    "weitereDetailZweckbestimmung2",
    "weitereDetailZweckbestimmung3",
    "weitereDetailZweckbestimmung4",
];
const WB3: &[&str] = &[
    "weitereBesondZweckbestimmung1",
    "weitereBesondZweckbestimmung2",
    "weitereBesondZweckbestimmung3",
];
const WB4: &[&str] = &[
    "weitereBesondZweckbestimmung1",
    "weitereBesondZweckbestimmung2",
    "weitereBesondZweckbestimmung3",
    "weitereBesondZweckbestimmung4",
];
const Z: &str = "zweckbestimmung";
const DZ: &str = "detaillierteZweckbestimmung";
const BZ: &str = "besondereZweckbestimmung";
/// 4.1's "Konsistenz der Attribute für detaillierte Zweckbestimmung und
/// Zweckbestimmung" with i numbered attributes.
const fn detail_41(n: usize) -> Check {
    const R: [Check; 4] = [
        Check::Requires(
            "weitereDetailZweckbestimmung1",
            &["weitereZweckbestimmung1"],
        ),
        Check::Requires(
            "weitereDetailZweckbestimmung2",
            &["weitereZweckbestimmung2"],
        ),
        Check::Requires(
            "weitereDetailZweckbestimmung3",
            &["weitereZweckbestimmung3"],
        ),
        Check::Requires(
            "weitereDetailZweckbestimmung4",
            &["weitereZweckbestimmung4"],
        ),
    ];
    match n {
        1 => Check::All(&[Check::SameCount(DZ, &[Z]), R[0]]),
        2 => Check::All(&[Check::SameCount(DZ, &[Z]), R[0], R[1]]),
        3 => Check::All(&[Check::SameCount(DZ, &[Z]), R[0], R[1], R[2]]),
        _ => Check::All(&[Check::SameCount(DZ, &[Z]), R[0], R[1], R[2], R[3]]),
    }
}
/// The same "bzw. besondere Zweckbestimmung".
const fn detail_besond_41(n: usize) -> Check {
    const R: [Check; 4] = [
        Check::Requires(
            "weitereDetailZweckbestimmung1",
            &["weitereZweckbestimmung1", "weitereBesondZweckbestimmung1"],
        ),
        Check::Requires(
            "weitereDetailZweckbestimmung2",
            &["weitereZweckbestimmung2", "weitereBesondZweckbestimmung2"],
        ),
        Check::Requires(
            "weitereDetailZweckbestimmung3",
            &["weitereZweckbestimmung3", "weitereBesondZweckbestimmung3"],
        ),
        Check::Requires(
            "weitereDetailZweckbestimmung4",
            &["weitereZweckbestimmung4", "weitereBesondZweckbestimmung4"],
        ),
    ];
    match n {
        3 => Check::All(&[Check::SameCount(DZ, &[Z, BZ]), R[0], R[1], R[2]]),
        _ => Check::All(&[Check::SameCount(DZ, &[Z, BZ]), R[0], R[1], R[2], R[3]]),
    }
}
/// 4.1's "Konsistenz der Attribute weitereBesondZweckbestimmungi und
/// weitereZweckbestimmungi".
const fn weitere_besond_41(n: usize) -> Check {
    const P: [Check; 4] = [
        Check::Prefix(
            "weitereBesondZweckbestimmung1",
            "weitereZweckbestimmung1",
            usize::MAX,
        ),
        Check::Prefix(
            "weitereBesondZweckbestimmung2",
            "weitereZweckbestimmung2",
            usize::MAX,
        ),
        Check::Prefix(
            "weitereBesondZweckbestimmung3",
            "weitereZweckbestimmung3",
            usize::MAX,
        ),
        Check::Prefix(
            "weitereBesondZweckbestimmung4",
            "weitereZweckbestimmung4",
            usize::MAX,
        ),
    ];
    match n {
        3 => Check::All(&[P[0], P[1], P[2]]),
        _ => Check::All(&[P[0], P[1], P[2], P[3]]),
    }
}
/// sondernutzung values that need besondereArtDerBaulNutzung 2000 (5.1 on).
const SO_2000: &[&str] = &["1000", "1100", "1200", "1300", "1400"];
/// sondernutzung values that need besondereArtDerBaulNutzung 2100.
const SO_2100_41: &[&str] = &[
    "1500", "1600", "16000", "16001", "16002", "1700", "1800", "1900", "2000", "2100", "2200",
    "2300", "2400", "2500", "2600", "2700", "2800", "2900", "9999",
];
const SO_2100_52: &[&str] = &[
    "1500", "1600", "16000", "16001", "16002", "1700", "1800", "1900", "2000", "2100", "2200",
    "2300", "23000", "2400", "2500", "2600", "2700", "2720", "2800", "2900", "9999",
];
const SO_2100_60: &[&str] = &[
    "1500", "1600", "16000", "16001", "16002", "1650", "1700", "1800", "1900", "2000", "2100",
    "2200", "2300", "23000", "2400", "2500", "2600", "2700", "2720", "2800", "2900", "9999",
];

/// Rules of chapter 4 implemented as checks: most are rows of declarative
/// checks on the attributes of a class (see [`Check`]); the rest are
/// functions of one object.
pub(super) const RULES: &[CheckedRule] = &[
    rule!(
        "4.1.2.3",
        "Einschränkung der Relation gehoertZuPlan",
        ALL,
        On::Classes(&["BP_Bereich"]),
        Check::Custom(bereich_gehoert_zu_plan)
    ),
    CheckedRule {
        number: "4.1.3.5",
        title: "Rückwärts-Referenzen auf Plan-Bereiche",
        versions: V41,
        check: |c| back_refs(c, "4.1.3.5", "BP_Bereich", "inhaltBPlan", "gehoertZuBP_Bereich", true),
    },
    rule!(
        "4.1.3.6",
        "BPlan-Inhalte dürfen nicht gleichzeitig als originärer Planinhalt und nachrichtliche Übernahme in den Plan integriert werden",
        V41,
        On::Classes(&["BP_Objekt"]),
        Check::Exclusive(&["gehoertNachrichtlichZuBereich"], &["gehoertZuBP_Bereich"])
    ),
    rule!(
        "4.1.3.9",
        "Konsistenz der Attribute laermkontingent und laermkontingentGebiet",
        V52_60,
        On::Classes(&["BP_Objekt"]),
        Check::Exclusive(&["laermkontingent"], &["laermkontingentGebiet"])
    ),
    rule!(
        "4.1.4.1",
        "Nur Flächenobjekte der Basisebene gehören zum Flächenschluss",
        ALL,
        On::Classes(&["BP_Flaechenobjekt"]),
        Check::Flaechenschluss(Raumbezug::Any, Ebene::NotZero, false)
    ),
    CheckedRule {
        number: "4.1.4.2",
        title: "Einschränkung auf Flächengeometrie",
        versions: ALL,
        check: |c| position_dimension(c, "4.1.4.2", "BP_Flaechenobjekt", 2, "an area geometry"),
    },
    rule!(
        "4.1.5.1",
        "Nur Flächenobjekte der Basisebene gehören zum Flächenschluss",
        ALL,
        On::Classes(&["BP_Geometrieobjekt"]),
        Check::Flaechenschluss(Raumbezug::Area, Ebene::NotZero, false)
    ),
    rule!(
        "4.1.5.2",
        "Angabe des Attributs flaechenschluss bei flächenhaftem Raumbezug",
        ALL,
        On::Classes(&["BP_Geometrieobjekt"]),
        Check::FlaechenschlussSet
    ),
    rule!(
        "4.1.6.1",
        "Überlagerungsobjekte gehören nie zum Flächenschluss",
        ALL,
        On::Classes(&["BP_Ueberlagerungsobjekt"]),
        Check::Flaechenschluss(Raumbezug::Any, Ebene::Any, false)
    ),
    rule!(
        "4.1.7.1",
        "Flächenschlussobjekte auf Ebene 0 gehören immer zum Flächenschluss",
        ALL,
        On::Classes(&["BP_Flaechenschlussobjekt"]),
        Check::Flaechenschluss(Raumbezug::Any, Ebene::Zero, true)
    ),
    CheckedRule {
        number: "4.1.8.1",
        title: "Einschränkung auf Liniengeometrie",
        versions: ALL,
        check: |c| position_dimension(c, "4.1.8.1", "BP_Linienobjekt", 1, "a line geometry"),
    },
    CheckedRule {
        number: "4.1.9.1",
        title: "Einschränkung auf Punktgeometrie",
        versions: ALL,
        check: |c| position_dimension(c, "4.1.9.1", "BP_Punktobjekt", 0, "a point geometry"),
    },
    // 4.2: Maß der baulichen Nutzung, for every class that has the
    // attributes (the rule text assigns 4.2 to those classes).
    rule!(
        "4.2.1",
        "Konsistenz der Angaben zur GFZ",
        ALL,
        On::AllBp,
        Check::Combos(&[&["GFZmin", "GFZmax"], &["GFZ"]])
    ),
    rule!(
        "4.2.2",
        "Konsistenz der Angaben zur GF",
        ALL,
        On::AllBp,
        Check::Combos(&[&["GFmin", "GFmax"], &["GF"]])
    ),
    rule!(
        "4.2.3",
        "Konsistenz der Angaben zur GFZ und GF",
        ALL,
        On::AllBp,
        Check::Exclusive(&["GFmin", "GFmax", "GF"], &["GFZmin", "GFZmax", "GFZ"])
    ),
    rule!(
        "4.2.4",
        "Konsistenz der Angaben zur BMZ",
        V41,
        On::AllBp,
        Check::Combos(&[&["BMZmin", "BMZmax"], &["BMZ"]])
    ),
    rule!(
        "4.2.5",
        "Konsistenz der Angaben zur BM",
        V41,
        On::AllBp,
        Check::Combos(&[&["BMmin", "BMmax"], &["BM"]])
    ),
    rule!(
        "4.2.6",
        "Konsistenz der Angaben zur BMZ und BM",
        V41,
        On::AllBp,
        Check::Exclusive(&["BMZmin", "BMZmax", "BMZ"], &["BMmin", "BMmax", "BM"])
    ),
    rule!(
        "4.2.6",
        "Konsistenz der Angaben zur BMZ und BM",
        V5_6,
        On::AllBp,
        Check::Exclusive(&["BMZ"], &["BM"])
    ),
    rule!(
        "4.2.7",
        "Konsistenz der Angaben zur GRZ",
        ALL,
        On::AllBp,
        Check::Combos(&[&["GRZmin", "GRZmax"], &["GRZ"]])
    ),
    rule!(
        "4.2.8",
        "Konsistenz der Angaben zur GR",
        ALL,
        On::AllBp,
        Check::Combos(&[&["GRmin", "GRmax"], &["GR"]])
    ),
    rule!(
        "4.2.9",
        "Konsistenz der Angaben zur GRZ und GR",
        ALL,
        On::AllBp,
        Check::Exclusive(&["GRZmin", "GRZmax", "GRZ"], &["GRmin", "GRmax", "GR"])
    ),
    rule!(
        "4.2.10",
        "Konsistenz der Angaben zu Z",
        ALL,
        On::AllBp,
        Check::Combos(&[&["Zmin", "Zmax"], &["Z"], &["Zzwingend"]])
    ),
    rule!(
        "4.2.11",
        "Konsistenz der Angaben zu ZU",
        ALL,
        On::AllBp,
        Check::Combos(&[&["ZUmin", "ZUmax"], &["ZU"], &["ZUzwingend"]])
    ),
    // 4.3: Gestaltung des Baugebiets.
    rule!(
        "4.3.1",
        "Konsistenz der Angaben zur Dachneigung",
        V4_5,
        On::AllBp,
        Check::Combos(DN_FEATURE)
    ),
    rule!(
        "4.3.2",
        "Konsistenz der Attribute dachform und detaillierteDachform",
        V41,
        On::AllBp,
        Check::Requires("detaillierteDachform", &["dachform"])
    ),
    rule!(
        "4.3.2",
        "Konsistenz der Attribute dachform und detaillierteDachform",
        V50_54,
        On::AllBp,
        Check::AsOften("detaillierteDachform", "dachform")
    ),
    rule!(
        "4.3.1.1",
        "Konsistenz der Angaben zur Dachneigung (BP_Dachgestaltung)",
        V51_60,
        On::Data("BP_Dachgestaltung"),
        Check::Combos(&[&["DNmin"], &["DNmin", "DNmax"], &["DN"], &["DNzwingend"]])
    ),
    rule!(
        "4.3.1.2",
        "Konsistenz der Attribute dachform und detaillierteDachform (BP_Dachgestaltung)",
        V51_60,
        On::Data("BP_Dachgestaltung"),
        Check::Requires("detaillierteDachform", &["dachform"])
    ),
    // 4.5: Baugebiete.
    rule!(
        "4.5.1.2",
        "Konsistenz der Attribute allgArtDerBaulNutzung und besondereArtDerBaulNutzung",
        V41,
        On::Classes(BAUGEBIET_41),
        Check::Codes(&[
            ("besondereArtDerBaulNutzung", &["1000", "1100", "1200", "1300"], "allgArtDerBaulNutzung", &["1000"]),
            ("besondereArtDerBaulNutzung", &["1400", "1500", "1600"], "allgArtDerBaulNutzung", &["2000"]),
            ("besondereArtDerBaulNutzung", &["1700", "1800"], "allgArtDerBaulNutzung", &["3000"]),
            ("besondereArtDerBaulNutzung", &["2000", "2100", "3000", "4000"], "allgArtDerBaulNutzung", &["4000"]),
        ])
    ),
    rule!(
        "4.5.1.2",
        "Konsistenz der Attribute allgArtDerBaulNutzung und besondereArtDerBaulNutzung",
        V50_53,
        On::Classes(&["BP_BaugebietsTeilFlaeche"]),
        Check::Codes(&[
            ("besondereArtDerBaulNutzung", &["1000", "1100", "1200", "1300"], "allgArtDerBaulNutzung", &["1000"]),
            ("besondereArtDerBaulNutzung", &["1400", "1500", "1550", "1600"], "allgArtDerBaulNutzung", &["2000"]),
            ("besondereArtDerBaulNutzung", &["1700", "1800"], "allgArtDerBaulNutzung", &["3000"]),
            ("besondereArtDerBaulNutzung", &["2000", "2100", "3000", "4000"], "allgArtDerBaulNutzung", &["4000"]),
        ])
    ),
    rule!(
        "4.5.1.2",
        "Konsistenz der Attribute allgArtDerBaulNutzung und besondereArtDerBaulNutzung",
        V54_60,
        On::Classes(&["BP_BaugebietsTeilFlaeche"]),
        Check::Codes(&[
            ("besondereArtDerBaulNutzung", &["1000", "1100", "1200", "1300"], "allgArtDerBaulNutzung", &["1000"]),
            ("besondereArtDerBaulNutzung", &["1400", "1450", "1500", "1550", "1600"], "allgArtDerBaulNutzung", &["2000"]),
            ("besondereArtDerBaulNutzung", &["1700", "1800"], "allgArtDerBaulNutzung", &["3000"]),
            ("besondereArtDerBaulNutzung", &["2000", "2100", "3000", "4000"], "allgArtDerBaulNutzung", &["4000"]),
        ])
    ),
    rule!(
        "4.5.1.3",
        "Konsistenz der Attribute besondereArtDerBaulNutzung und sondernutzung",
        V41_50,
        On::Classes(BAUGEBIET_41),
        Check::Codes(&[
            ("sondernutzung", &["1000"], "besondereArtDerBaulNutzung", &["3000"]),
            ("sondernutzung", &["1100", "1200", "1300", "1400"], "besondereArtDerBaulNutzung", &["2000"]),
            ("sondernutzung", SO_2100_41, "besondereArtDerBaulNutzung", &["2100"]),
        ])
    ),
    rule!(
        "4.5.1.3",
        "Konsistenz der Attribute besondereArtDerBaulNutzung und sondernutzung",
        &[V5_1],
        On::Classes(&["BP_BaugebietsTeilFlaeche"]),
        Check::Codes(&[
            ("sondernutzung", SO_2000, "besondereArtDerBaulNutzung", &["2000"]),
            ("sondernutzung", SO_2100_41, "besondereArtDerBaulNutzung", &["2100"]),
        ])
    ),
    rule!(
        "4.5.1.3",
        "Konsistenz der Attribute besondereArtDerBaulNutzung und sondernutzung",
        V52_54,
        On::Classes(&["BP_BaugebietsTeilFlaeche"]),
        Check::Codes(&[
            ("sondernutzung", SO_2000, "besondereArtDerBaulNutzung", &["2000"]),
            ("sondernutzung", SO_2100_52, "besondereArtDerBaulNutzung", &["2100"]),
        ])
    ),
    rule!(
        "4.5.1.3",
        "Konsistenz der Attribute besondereArtDerBaulNutzung und sondernutzung",
        V60,
        On::Classes(&["BP_BaugebietsTeilFlaeche"]),
        Check::Codes(&[
            ("sondernutzung/allgemein", SO_2000, "besondereArtDerBaulNutzung", &["2000"]),
            ("sondernutzung/allgemein", SO_2100_60, "besondereArtDerBaulNutzung", &["2100"]),
        ])
    ),
    rule!(
        "4.5.1.4",
        "Konsistenz der Attribute bauweise und abweichendeBauweise",
        ALL,
        On::Classes(BAUGEBIET_41),
        BAUWEISE
    ),
    rule!(
        "4.5.1.5",
        "Konsistenz der Attribute detaillierteArtDerBaulNutzung, allgArtDerBaulNutzung, besondereArtDerBaulNutzung und sondernutzung",
        V4_5,
        On::Classes(BAUGEBIET_41),
        Check::Requires(
            "detaillierteArtDerBaulNutzung",
            &["allgArtDerBaulNutzung", "besondereArtDerBaulNutzung", "sondernutzung"]
        )
    ),
    rule!(
        "4.5.1.5",
        "Konsistenz der Attribute detaillierteArtDerBaulNutzung, allgArtDerBaulNutzung und besondereArtDerBaulNutzung",
        V60,
        On::Classes(&["BP_BaugebietsTeilFlaeche"]),
        Check::Requires(
            "detaillierteArtDerBaulNutzung",
            &["allgArtDerBaulNutzung", "besondereArtDerBaulNutzung"]
        )
    ),
    rule!(
        "4.5.1.6",
        "Konsistenz der Attribute detaillierteSondernutzung und sondernutzung",
        V53_54,
        On::Classes(&["BP_BaugebietsTeilFlaeche"]),
        Check::Requires("detaillierteSondernutzung", &["sondernutzung"])
    ),
    rule!(
        "4.5.1.7",
        "Konsistenz mehrfach belegter Attribute sondernutzung",
        V60,
        On::Classes(&["BP_BaugebietsTeilFlaeche"]),
        Check::OneGroup("sondernutzung", "allgemein", &[SO_2000, SO_2100_60])
    ),
    rule!(
        "4.5.2.3",
        "Konsistenz der Attribute bauweise und abweichendeBauweise",
        V5_6,
        On::Classes(&["BP_UeberbaubareGrundstuecksFlaeche"]),
        BAUWEISE
    ),
    rule!(
        "4.5.3.1",
        "Konsistenz der Attribute bauweise und abweichendeBauweise",
        V52_60,
        On::Classes(&["BP_BesondererNutzungszweckFlaeche"]),
        BAUWEISE
    ),
    rule!(
        "4.5.10.1",
        "Konsistenz der Attribute typ und sonstTyp",
        ALL,
        On::Classes(&["BP_SpezielleBauweise"]),
        Check::Codes(&[("sonstTyp", &[], "typ", &["9999"])])
    ),
    rule!(
        "4.5.13.3",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V50_54,
        On::Classes(&["BP_NebenanlagenFlaeche"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.5.14.4",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V50_54,
        On::Classes(&["BP_GemeinschaftsanlagenFlaeche"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.5.15.1",
        "Überlagerungsobjekt bei flächenhaftem Raumbezug",
        ALL,
        On::Classes(&["BP_GemeinschaftsanlagenZuordnung"]),
        UEBERLAGERUNG
    ),
    rule!(
        "4.5.20.2",
        "Konsistenz der Attribute bauweise und abweichendeBauweise",
        V54_60,
        On::Classes(&["BP_WohngebaeudeFlaeche"]),
        BAUWEISE
    ),
    rule!(
        "4.5.20.3",
        "Konsistenz zur Planart",
        V54_60,
        On::Classes(&["BP_WohngebaeudeFlaeche"]),
        Check::Custom(wohngebaeude_planart)
    ),
    // 4.6 to 4.14.
    rule!(
        "4.6.3.1",
        "Überlagerungsobjekt bei flächenhaftem Raumbezug",
        V41,
        On::Classes(&["BP_DenkmalschutzEinzelanlage"]),
        UEBERLAGERUNG
    ),
    rule!(
        "4.7.1.6",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V50_54,
        On::Classes(&["BP_GemeinbedarfsFlaeche"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.7.1.7",
        "Konsistenz der Attribute bauweise und abweichendeBauweise",
        V52_60,
        On::Classes(&["BP_GemeinbedarfsFlaeche"]),
        BAUWEISE
    ),
    rule!(
        "4.7.2.3",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V50_54,
        On::Classes(&["BP_SpielSportanlagenFlaeche"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.8.1.3",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V50_54,
        On::Classes(&["BP_WaldFlaeche"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.8.2.3",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V50_54,
        On::Classes(&["BP_Landwirtschaft"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.8.2.4",
        "Flächenschlussobjekt bei flächenhaftem Raumbezug",
        V4_5,
        On::Classes(&["BP_Landwirtschaft"]),
        FLAECHENSCHLUSS
    ),
    rule!(
        "4.8.3.6",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V50_54,
        On::Classes(&["BP_GruenFlaeche"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.8.4.1",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V51_54,
        On::Classes(&["BP_LandwirtschaftsFlaeche"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.9.5.4",
        "Überlagerungsobjekt bei flächenhaftem Raumbezug",
        ALL,
        On::Classes(&["BP_AusgleichsMassnahme"]),
        UEBERLAGERUNG
    ),
    rule!(
        "4.9.6.1",
        "Überlagerungsobjekt bei flächenhaftem Raumbezug",
        V41_50,
        On::Classes(&["BP_AnpflanzungBindungErhaltung"]),
        UEBERLAGERUNG
    ),
    rule!(
        "4.10.2.1",
        "Überlagerungsobjekt bei flächenhaftem Raumbezug",
        V4_5,
        On::Classes(&["BP_Immissionsschutz"]),
        UEBERLAGERUNG
    ),
    rule!(
        "4.10.2.2",
        "Konsistenz der Attribute für detaillierte technische Vorkehrung und technische Vorkehrung",
        V52_60,
        On::Classes(&["BP_Immissionsschutz"]),
        Check::Requires("detaillierteTechnVorkehrung", &["technVorkehrung"])
    ),
    rule!(
        "4.10.2.3",
        "Konsistenz der Attribute für laermpegelbereich / sonstLaermpegelbereich und massgeblAussenLaermpegelTag / massgeblAussenLaermpegelNacht",
        V60,
        On::Classes(&["BP_Immissionsschutz"]),
        Check::Exclusive(
            &["laermpegelbereich", "sonstLaermpegelbereich"],
            &["massgeblAussenLaermpegelTag", "massgeblAussenLaermpegelNacht"]
        )
    ),
    rule!(
        "4.10.2.4",
        "Konsistenz der Attribute für laermpegelbereich und sonstLaermpegelbereich",
        V60,
        On::Classes(&["BP_Immissionsschutz"]),
        Check::Codes(&[("sonstLaermpegelbereich", &[], "laermpegelbereich", &["1700"])])
    ),
    rule!(
        "4.11.1.6",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V50_54,
        On::Classes(&["BP_VerEntsorgung"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.11.1.7",
        "Flächenschlussobjekt bei flächenhaftem Raumbezug",
        ALL,
        On::Classes(&["BP_VerEntsorgung"]),
        FLAECHENSCHLUSS
    ),
    rule!(
        "4.12.2.2",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V41_51,
        On::Classes(&["BP_VerkehrsflaecheBesondererZweckbestimmung"]),
        ZWECK_SET
    ),
    rule!(
        "4.12.2.2",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V52_54,
        On::Classes(&["BP_VerkehrsflaecheBesondererZweckbestimmung"]),
        ZWECK_AS_OFTEN
    ),
    rule!(
        "4.12.2.3",
        "Flächenschlussobjekt bei flächenhaftem Raumbezug",
        V51_54,
        On::Classes(&["BP_VerkehrsflaecheBesondererZweckbestimmung"]),
        FLAECHENSCHLUSS
    ),
    rule!(
        "4.12.3.1",
        "Überlagerungsobjekt bei flächenhaftem Raumbezug",
        ALL,
        On::Classes(&["BP_Strassenkoerper"]),
        UEBERLAGERUNG
    ),
    rule!(
        "4.13.1.1",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V4_5,
        On::Classes(&["BP_GewaesserFlaeche"]),
        ZWECK_SET
    ),
    rule!(
        "4.13.2.1",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V4_5,
        On::Classes(&["BP_WasserwirtschaftsFlaeche"]),
        ZWECK_SET
    ),
    rule!(
        "4.14.2.1",
        "Überlagerungsobjekt bei flächenhaftem Raumbezug",
        ALL,
        On::Classes(&["BP_UnverbindlicheVormerkung", "BP_Wegerecht"]),
        UEBERLAGERUNG
    ),
    rule!(
        "4.14.3.1",
        "Konsistenz der Attribute startWinkel und endWinkel",
        ALL,
        On::Classes(&["BP_AbstandsMass"]),
        Check::Combos(&[&["startWinkel", "endWinkel"]])
    ),
    rule!(
        "4.14.3.2",
        "Kein flächenhafter Raumbezug",
        V4_5,
        On::Classes(&["BP_AbstandsMass"]),
        Check::NoArea
    ),
    rule!(
        "4.14.3.3",
        "Geometrie-Restriktion für Abstandsmaße",
        V60,
        On::Classes(&["BP_AbstandsMass"]),
        Check::Custom(abstandsmass_linestring)
    ),
    rule!(
        "4.14.3.4",
        "Geometrie-Restriktion für Winkelmaße",
        V60,
        On::Classes(&["BP_AbstandsMass"]),
        Check::Custom(winkelmass_arc)
    ),
    rule!(
        "4.14.6.1",
        "Notwendige Spezifikation einer Textlichen Darstellung",
        V4_5,
        On::Classes(&["BP_TextlicheFestsetzungsFlaeche"]),
        Check::Custom(ref_text_inhalt)
    ),
    rule!(
        "4.14.7.1",
        "Verwendung der Relation hoehenangabe",
        V41_50,
        On::Classes(&["BP_HoehenMass"]),
        Check::Custom(hoehenangabe_41)
    ),
    rule!(
        "4.14.7.1",
        "Verwendung der Relation hoehenangabe",
        V51_60,
        On::Classes(&["BP_HoehenMass"]),
        Check::Custom(hoehenangabe)
    ),
    rule!(
        "4.14.7.2",
        "Kein flächenhafter Raumbezug",
        ALL,
        On::Classes(&["BP_HoehenMass"]),
        Check::NoArea
    ),
    // Printed as "4.14.124.14.6.1" in the 6.0 text: the rule of the new
    // section 4.14.12 (like 5.10.10.1 and 6.5.3.1), replacing 4.14.6.1.
    rule!(
        "4.14.12.1",
        "Notwendige Spezifikation einer Textlichen Darstellung",
        V60,
        On::Classes(&["BP_TextAbschnittFlaeche"]),
        Check::Custom(ref_text_inhalt)
    ),
    // XPlanGML 4.1 only: the numbered attributes weitere...i besides the
    // repeated ones, and the "ABCDE" codes of besondereZweckbestimmung.
    rule!(
        "4.5.13.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_NebenanlagenFlaeche"]),
        Check::Weitere(Z, WZ4)
    ),
    rule!(
        "4.5.13.2",
        "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen",
        V41,
        On::Classes(&["BP_NebenanlagenFlaeche"]),
        Check::Weitere(DZ, WD4)
    ),
    rule!(
        "4.5.13.3",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V41,
        On::Classes(&["BP_NebenanlagenFlaeche"]),
        detail_41(4)
    ),
    rule!(
        "4.5.14.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GemeinschaftsanlagenFlaeche"]),
        Check::Weitere(Z, WZ4)
    ),
    rule!(
        "4.5.14.2",
        "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GemeinschaftsanlagenFlaeche"]),
        Check::Weitere(DZ, WD4)
    ),
    rule!(
        "4.5.14.4",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V41,
        On::Classes(&["BP_GemeinschaftsanlagenFlaeche"]),
        detail_41(4)
    ),
    rule!(
        "4.7.1.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GemeinbedarfsFlaeche"]),
        Check::Weitere(Z, WZ4)
    ),
    rule!(
        "4.7.1.2",
        "Verwendung der Attribute zur Spezifikation mehrerer besonderer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GemeinbedarfsFlaeche"]),
        Check::Weitere(BZ, WB4)
    ),
    rule!(
        "4.7.1.3",
        "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GemeinbedarfsFlaeche"]),
        Check::Weitere(DZ, WD4)
    ),
    rule!(
        "4.7.1.4",
        "Konsistenz der Attribute zweckbestimmung und besondereZweckbestimmung",
        V41,
        On::Classes(&["BP_GemeinbedarfsFlaeche"]),
        Check::Prefix(BZ, Z, 1)
    ),
    rule!(
        "4.7.1.5",
        "Konsistenz der Attribute weitereBesondZweckbestimmungi und weitereZweckbestimmungi",
        V41,
        On::Classes(&["BP_GemeinbedarfsFlaeche"]),
        weitere_besond_41(4)
    ),
    rule!(
        "4.7.1.6",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung bzw. besondere Zweckbestimmung",
        V41,
        On::Classes(&["BP_GemeinbedarfsFlaeche"]),
        detail_besond_41(4)
    ),
    rule!(
        "4.7.2.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_SpielSportanlagenFlaeche"]),
        Check::Weitere(Z, WZ1)
    ),
    rule!(
        "4.7.2.2",
        "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen",
        V41,
        On::Classes(&["BP_SpielSportanlagenFlaeche"]),
        Check::Weitere(DZ, WD1)
    ),
    rule!(
        "4.7.2.3",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V41,
        On::Classes(&["BP_SpielSportanlagenFlaeche"]),
        detail_41(1)
    ),
    rule!(
        "4.8.1.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_WaldFlaeche"]),
        Check::Weitere(Z, WZ2)
    ),
    rule!(
        "4.8.1.2",
        "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen",
        V41,
        On::Classes(&["BP_WaldFlaeche"]),
        Check::Weitere(DZ, WD2)
    ),
    rule!(
        "4.8.1.3",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V41,
        On::Classes(&["BP_WaldFlaeche"]),
        detail_41(2)
    ),
    rule!(
        "4.8.2.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_Landwirtschaft"]),
        Check::Weitere(Z, WZ3)
    ),
    rule!(
        "4.8.2.2",
        "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen",
        V41,
        On::Classes(&["BP_Landwirtschaft"]),
        Check::Weitere(DZ, WD3)
    ),
    rule!(
        "4.8.2.3",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung",
        V41,
        On::Classes(&["BP_Landwirtschaft"]),
        detail_41(3)
    ),
    rule!(
        "4.8.3.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GruenFlaeche"]),
        Check::Weitere(Z, WZ4)
    ),
    rule!(
        "4.8.3.2",
        "Verwendung der Attribute zur Spezifikation mehrerer besonderer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GruenFlaeche"]),
        Check::Weitere(BZ, WB4)
    ),
    rule!(
        "4.8.3.3",
        "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GruenFlaeche"]),
        Check::Weitere(DZ, WD4)
    ),
    rule!(
        "4.8.3.4",
        "Konsistenz der Attribute zweckbestimmung und besondereZweckbestimmung",
        V41,
        On::Classes(&["BP_GruenFlaeche"]),
        Check::Prefix(BZ, Z, 2)
    ),
    rule!(
        "4.8.3.5",
        "Konsistenz der Attribute weitereBesondZweckbestimmungi und weitereZweckbestimmungi",
        V41,
        On::Classes(&["BP_GruenFlaeche"]),
        weitere_besond_41(4)
    ),
    rule!(
        "4.8.3.6",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung bzw. besondere Zweckbestimmung",
        V41,
        On::Classes(&["BP_GruenFlaeche"]),
        detail_besond_41(4)
    ),
    rule!(
        "4.9.2.1",
        "Konsistenz der Attribute massnahme und weitereMassnahme1",
        V41,
        On::Classes(&["BP_SchutzPflegeEntwicklungsMassnahme"]),
        Check::Once("weitereMassnahme1", "massnahme")
    ),
    rule!(
        "4.9.2.2",
        "Konsistenz der Attribute weitereMassnahme2 und weitereMassnahme1",
        V41,
        On::Classes(&["BP_SchutzPflegeEntwicklungsMassnahme"]),
        Check::Requires("weitereMassnahme2", &["weitereMassnahme1"])
    ),
    rule!(
        "4.9.2.3",
        "Verwendung der Attribute zur Spezifikation mehrerer Maßnahmen",
        V41,
        On::Classes(&["BP_SchutzPflegeEntwicklungsMassnahme"]),
        Check::IfMany("massnahme", &["weitereMassnahme1", "weitereMassnahme2"])
    ),
    rule!(
        "4.9.3.1",
        "Konsistenz der Attribute massnahme und weitereMassnahme1",
        V41,
        On::Classes(&["BP_SchutzPflegeEntwicklungsFlaeche", "BP_AusgleichsFlaeche"]),
        Check::Once("weitereMassnahme1", "massnahme")
    ),
    rule!(
        "4.9.3.2",
        "Konsistenz der Attribute weitereMassnahme2 und weitereMassnahme1",
        V41,
        On::Classes(&["BP_SchutzPflegeEntwicklungsFlaeche", "BP_AusgleichsFlaeche"]),
        Check::Requires("weitereMassnahme2", &["weitereMassnahme1"])
    ),
    rule!(
        "4.9.3.3",
        "Verwendung der Attribute zur Spezifikation mehrerer Maßnahmen",
        V41,
        On::Classes(&["BP_SchutzPflegeEntwicklungsFlaeche", "BP_AusgleichsFlaeche"]),
        Check::IfMany("massnahme", &["weitereMassnahme1", "weitereMassnahme2"])
    ),
    rule!(
        "4.9.5.1",
        "Konsistenz der Attribute massnahme und weitereMassnahme1",
        V41,
        On::Classes(&["BP_AusgleichsMassnahme"]),
        Check::Once("weitereMassnahme1", "massnahme")
    ),
    rule!(
        "4.9.5.2",
        "Konsistenz der Attribute weitereMassnahme2 und weitereMassnahme1",
        V41,
        On::Classes(&["BP_AusgleichsMassnahme"]),
        Check::Requires("weitereMassnahme2", &["weitereMassnahme1"])
    ),
    rule!(
        "4.9.5.3",
        "Verwendung der Attribute zur Spezifikation mehrerer Maßnahmen",
        V41,
        On::Classes(&["BP_AusgleichsMassnahme"]),
        Check::IfMany("massnahme", &["weitereMassnahme1", "weitereMassnahme2"])
    ),
    rule!(
        "4.11.1.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_VerEntsorgung"]),
        Check::Weitere(Z, WZ3)
    ),
    rule!(
        "4.11.1.2",
        "Verwendung der Attribute zur Spezifikation mehrerer besonderer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_VerEntsorgung"]),
        Check::Weitere(BZ, WB3)
    ),
    rule!(
        "4.11.1.3",
        "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen",
        V41,
        On::Classes(&["BP_VerEntsorgung"]),
        Check::Weitere(DZ, WD3)
    ),
    rule!(
        "4.11.1.4",
        "Konsistenz der Attribute zweckbestimmung und besondereZweckbestimmung",
        V41,
        On::Classes(&["BP_VerEntsorgung"]),
        Check::Prefix(BZ, Z, 2)
    ),
    rule!(
        "4.11.1.5",
        "Konsistenz der Attribute weitereBesondZweckbestimmungi und weitereZweckbestimmungi",
        V41,
        On::Classes(&["BP_VerEntsorgung"]),
        weitere_besond_41(3)
    ),
    rule!(
        "4.11.1.6",
        "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung bzw. besondere Zweckbestimmung",
        V41,
        On::Classes(&["BP_VerEntsorgung"]),
        detail_besond_41(3)
    ),
    rule!(
        "4.14.1.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_GenerischesObjekt"]),
        Check::Weitere(Z, WZ4)
    ),
    rule!(
        "4.14.4.1",
        "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen",
        V41,
        On::Classes(&["BP_KennzeichnungsFlaeche"]),
        Check::Weitere(Z, &["weitereZweckbestimmung"])
    ),
];

/// Runs a declarative rule over the document.
fn run(c: &Ctx, number: &str, on: On, check: Check) -> Vec<Finding> {
    let mut out = Vec::new();
    let applies = match on {
        On::Classes(classes) => c.type_mask(|t| classes.iter().any(|k| is_a(c.codes, t, k))),
        On::AllBp | On::Data(_) => c.type_mask(|t| t.starts_with("BP_")),
    };
    for (f, &t) in c.doc.features.iter().zip(&c.type_of) {
        if !applies[t] {
            continue;
        }
        let mut problems = Vec::new();
        if let On::Data(t) = on {
            let mut vals = Vec::new();
            for v in f.properties.values() {
                data_values(v, &mut vals);
            }
            for o in vals {
                if o.get("@type").and_then(Value::as_str) == Some(t) {
                    problems.extend(check.attributes(o).map(|p| format!("{t}: {p}")));
                }
            }
        } else {
            problems.extend(check.test(c, f));
        }
        for p in problems {
            out.push(finding(
                number,
                format!("{} {}: {p}", f.feature_type, f.gml_id),
                vec![f.gml_id.clone()],
                f.line,
            ));
        }
    }
    out
}

impl Check {
    /// The problem of a feature, if any.
    fn test(self, c: &Ctx, f: &Feature) -> Option<String> {
        let area = f
            .geometries
            .iter()
            .find(|g| g.property == "position" && g.geometry.geometry.dimension() == 2)
            .map(|g| g.geometry.geometry.kind());
        match self {
            Check::Flaechenschluss(raumbezug, ebene, want) => {
                if raumbezug == Raumbezug::Area && area.is_none() {
                    return None;
                }
                let e = f.int("ebene").unwrap_or(0);
                let mut why = Vec::new();
                if let Some(kind) = area.filter(|_| raumbezug == Raumbezug::Area) {
                    why.push(format!("position is an area ({kind})"));
                }
                match ebene {
                    Ebene::Zero if e != 0 => return None,
                    Ebene::NotZero if e == 0 => return None,
                    Ebene::Zero if !present(&f.properties, "ebene") => {
                        why.push("ebene is not set (0)".into())
                    }
                    Ebene::Zero | Ebene::NotZero => why.push(format!("ebene is {e}")),
                    Ebene::Any => {}
                }
                // BP_Geometrieobjekt: flaechenschluss is optional, default false.
                let default = is_a(c.codes, &f.feature_type, "BP_Geometrieobjekt").then_some(false);
                let actual = f.bool("flaechenschluss").or(default);
                if actual == Some(want) {
                    return None;
                }
                let seen = match f.bool("flaechenschluss") {
                    Some(b) => format!("flaechenschluss is {b}"),
                    None => "flaechenschluss is not set".to_string(),
                };
                why.push(seen);
                Some(format!("{}; it must be {want}", why.join(", ")))
            }
            Check::FlaechenschlussSet => match area {
                Some(kind) if !present(&f.properties, "flaechenschluss") => Some(format!(
                    "position is an area ({kind}) but flaechenschluss is not set"
                )),
                _ => None,
            },
            Check::NoArea => area.map(|kind| {
                format!("position is an area ({kind}); only point or line geometry is allowed")
            }),
            Check::Custom(check) => check(c, f),
            _ => self.attributes(&f.properties),
        }
    }

    /// The problem of an object's attributes, if any.
    fn attributes(self, o: &Map<String, Value>) -> Option<String> {
        let problems: Vec<String> = match self {
            Check::Combos(combos) => {
                let mut names: Vec<&str> = combos.iter().flat_map(|c| c.iter().copied()).collect();
                names.sort_unstable();
                names.dedup();
                let used: Vec<&str> = names.into_iter().filter(|n| present(o, n)).collect();
                let allowed =
                    |c: &&[&str]| c.len() == used.len() && c.iter().all(|n| used.contains(n));
                if used.is_empty() || combos.iter().any(allowed) {
                    vec![]
                } else {
                    vec![format!(
                        "{} {} set; allowed are only {}",
                        show_all(o, &used),
                        if used.len() == 1 { "is" } else { "are" },
                        combos
                            .iter()
                            .map(|c| c.join(" and "))
                            .collect::<Vec<_>>()
                            .join(", or ")
                    )]
                }
            }
            Check::Exclusive(a, b) => {
                let sa: Vec<&str> = a.iter().copied().filter(|n| present(o, n)).collect();
                let sb: Vec<&str> = b.iter().copied().filter(|n| present(o, n)).collect();
                if sa.is_empty() || sb.is_empty() {
                    vec![]
                } else {
                    vec![format!(
                        "{} must not be set together with {}",
                        show_all(o, &sa),
                        show_all(o, &sb)
                    )]
                }
            }
            Check::Requires(attr, needs) => {
                if present(o, attr) && !needs.iter().any(|n| present(o, n)) {
                    vec![format!(
                        "{} is set but {} is not",
                        show(o, attr),
                        needs.join(" or ")
                    )]
                } else {
                    vec![]
                }
            }
            Check::AsOften(attr, other) => {
                let (n, m) = (values(o, attr).len(), values(o, other).len());
                if n > m {
                    vec![format!(
                        "{} is set {n} time{} but {other} {}",
                        show(o, attr),
                        if n == 1 { "" } else { "s" },
                        match m {
                            0 => "is not set".to_string(),
                            _ => format!("only {m} time{}", if m == 1 { "" } else { "s" }),
                        }
                    )]
                } else {
                    vec![]
                }
            }
            Check::Codes(rows) => {
                let mut out = Vec::new();
                for (attr, when, other, allowed) in rows {
                    for v in values(o, attr) {
                        if !when.is_empty() && !when.contains(&v.as_str()) {
                            continue;
                        }
                        for w in values(o, other) {
                            if !allowed.contains(&w.as_str()) {
                                out.push(format!(
                                    "{attr} is {v} but {other} is {w} (must be unset or {})",
                                    allowed.join(" or ")
                                ));
                            }
                        }
                    }
                }
                out
            }
            Check::All(checks) => checks.iter().filter_map(|c| c.attributes(o)).collect(),
            Check::Weitere(base, weitere) => {
                let n = values(o, base).len();
                let used: Vec<&str> = weitere.iter().copied().filter(|w| present(o, w)).collect();
                let mut out = Vec::new();
                if n == 0 && used.len() == 1 {
                    out.push(format!(
                        "only {} is set; a single value must be given in {base}",
                        show(o, used[0])
                    ));
                }
                if n > 1 && !used.is_empty() {
                    out.push(format!(
                        "{base} is set {n} times, so {} must not be set",
                        show_all(o, &used)
                    ));
                }
                for pair in weitere.windows(2) {
                    if present(o, pair[1]) && !present(o, pair[0]) {
                        out.push(format!(
                            "{} is set but {} is not (they are used in ascending order)",
                            show(o, pair[1]),
                            pair[0]
                        ));
                    }
                }
                out
            }
            Check::SameCount(attr, others) => {
                let n = values(o, attr).len();
                if n > 0 && !others.iter().any(|x| values(o, x).len() == n) {
                    vec![format!(
                        "{} is set {n} time{} but {}",
                        show(o, attr),
                        if n == 1 { "" } else { "s" },
                        others
                            .iter()
                            .map(|x| format!("{x} {} times", values(o, x).len()))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    )]
                } else {
                    vec![]
                }
            }
            Check::Prefix(attr, other, count_from) => {
                let (vs, ws) = (values(o, attr), values(o, other));
                let mut out = Vec::new();
                if !ws.is_empty() {
                    for v in &vs {
                        let head = v.get(..4).unwrap_or(v);
                        if !ws.iter().any(|w| w == head) {
                            out.push(format!(
                                "{attr} is {v} but {other} is {} (must be unset or {head})",
                                ws.join(", ")
                            ));
                        }
                    }
                    if vs.len() >= count_from && ws.len() != vs.len() {
                        out.push(format!(
                            "{attr} is set {} times but {other} {} times (as often or not at all)",
                            vs.len(),
                            ws.len()
                        ));
                    }
                }
                out
            }
            Check::Once(attr, other) => {
                let n = values(o, other).len();
                if present(o, attr) && n != 1 {
                    vec![format!(
                        "{} is set, so {other} must be set exactly once, not {n} times",
                        show(o, attr)
                    )]
                } else {
                    vec![]
                }
            }
            Check::IfMany(attr, forbidden) => {
                let n = values(o, attr).len();
                let used: Vec<&str> = forbidden
                    .iter()
                    .copied()
                    .filter(|w| present(o, w))
                    .collect();
                if n > 1 && !used.is_empty() {
                    vec![format!(
                        "{attr} is set {n} times, so {} must not be set",
                        show_all(o, &used)
                    )]
                } else {
                    vec![]
                }
            }
            Check::OneGroup(attr, sub, groups) => {
                let path = format!("{attr}/{sub}");
                let vs = values(o, &path);
                let n = items(o.get(attr)).len();
                let same = |g: &&[&str]| vs.iter().all(|v| g.contains(&v.as_str()));
                if n > 1 && !groups.iter().any(same) {
                    vec![format!(
                        "{attr} is set {n} times with {path} {}, which are not all in the same one of the value ranges {}",
                        vs.join(", "),
                        groups.iter().map(|g| format!("({})", g.join(", "))).collect::<Vec<_>>().join(" and ")
                    )]
                } else {
                    vec![]
                }
            }
            _ => vec![],
        };
        (!problems.is_empty()).then(|| problems.join("; "))
    }
}

/// The items of a property value (a repeated property is an array).
fn items(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    }
}

/// The non-empty values of an attribute (a path "a/b" goes into data
/// types): texts and codes, measures' numbers, references' hrefs, data
/// types' type names.
fn values(o: &Map<String, Value>, path: &str) -> Vec<String> {
    let (head, rest) = match path.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let mut out = Vec::new();
    for v in items(o.get(head)) {
        match (rest, v) {
            (Some(r), Value::Object(inner)) => out.extend(values(inner, r)),
            (Some(_), _) => {}
            (None, Value::String(s)) => out.push(s.trim().to_string()),
            (None, Value::Object(inner)) => {
                let s = ["value", "href", "@type"]
                    .iter()
                    .find_map(|k| inner.get(*k).and_then(Value::as_str));
                out.push(s.unwrap_or("").trim().to_string());
            }
            (None, other) => out.push(other.to_string()),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn present(o: &Map<String, Value>, name: &str) -> bool {
    !values(o, name).is_empty()
}

/// "name = value" (values of repeated attributes joined).
fn show(o: &Map<String, Value>, name: &str) -> String {
    format!("{name} = {}", values(o, name).join(", "))
}

fn show_all(o: &Map<String, Value>, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| show(o, n))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// 4.1.2.3: gehoertZuPlan refers to exactly one BP_Plan, which refers back
/// by `bereich`. References to other documents are not followed, dangling
/// ones are XLink integrity's.
fn bereich_gehoert_zu_plan(c: &Ctx, f: &Feature) -> Option<String> {
    let targets: Vec<&Reference> = f
        .references
        .iter()
        .filter(|r| r.property == "gehoertZuPlan")
        .collect();
    if targets.len() != 1 {
        return Some(format!(
            "gehoertZuPlan refers to {} objects; exactly one BP_Plan is required",
            targets.len()
        ));
    }
    let id = targets[0].local_target()?;
    let p = c.by_id.get(id)?;
    if !is_a(c.codes, &p.feature_type, "BP_Plan") {
        return Some(format!(
            "gehoertZuPlan refers to {} {id}, which is not a BP_Plan",
            p.feature_type
        ));
    }
    (!refs(p, "bereich").any(|b| b == f.gml_id)).then(|| {
        format!("gehoertZuPlan refers to BP_Plan {id}, whose relation bereich does not refer to this Bereich")
    })
}

/// 4.5.20.3: the plan of a BP_WohngebaeudeFlaeche (through its Bereiche;
/// every BP_Plan of the document when the object names none) has planArt
/// 10002.
fn wohngebaeude_planart(c: &Ctx, f: &Feature) -> Option<String> {
    let mut bereiche: Vec<&str> = refs(f, "gehoertZuBereich").collect();
    bereiche.extend(
        c.instances("BP_Bereich")
            .filter(|b| refs(b, "planinhalt").any(|x| x == f.gml_id))
            .map(|b| b.gml_id.as_str()),
    );
    let mut plans: Vec<&Feature> = Vec::new();
    for b in bereiche {
        let from_bereich = c
            .by_id
            .get(b)
            .into_iter()
            .flat_map(|bf| refs(bf, "gehoertZuPlan"));
        let to_bereich = c
            .instances("BP_Plan")
            .filter(|p| refs(p, "bereich").any(|x| x == b))
            .map(|p| p.gml_id.as_str());
        for id in from_bereich.chain(to_bereich) {
            if let Some(p) = c
                .by_id
                .get(id)
                .filter(|p| is_a(c.codes, &p.feature_type, "BP_Plan"))
            {
                if !plans.iter().any(|q| q.gml_id == p.gml_id) {
                    plans.push(p);
                }
            }
        }
    }
    if plans.is_empty() {
        plans = c.instances("BP_Plan").collect();
    }
    let wrong: Vec<String> = plans
        .iter()
        .filter(|p| {
            !values(&p.properties, "planArt")
                .iter()
                .any(|a| a == "10002")
        })
        .map(|p| {
            let art = values(&p.properties, "planArt");
            format!(
                "BP_Plan {} has planArt {}",
                p.gml_id,
                if art.is_empty() {
                    "unset".to_string()
                } else {
                    art.join(", ")
                }
            )
        })
        .collect();
    (!wrong.is_empty()).then(|| format!("{}; 10002 is required", wrong.join(", ")))
}

/// 4.14.6.1, 4.14.12.1: refTextInhalt is set at least once.
fn ref_text_inhalt(_: &Ctx, f: &Feature) -> Option<String> {
    (!f.references.iter().any(|r| r.property == "refTextInhalt")
        && !present(&f.properties, "refTextInhalt"))
    .then(|| "refTextInhalt is not set; it must refer to at least one text".to_string())
}

/// 4.14.7.1: exactly one hoehenangabe, without the `forbidden` attributes,
/// with h.
fn hoehenangabe_once(f: &Feature, forbidden: &[&str]) -> Option<String> {
    let all = items(f.properties.get("hoehenangabe"));
    let mut problems = Vec::new();
    if all.len() != 1 {
        problems.push(format!(
            "hoehenangabe is set {} times; exactly once is required",
            all.len()
        ));
    }
    for o in all.iter().filter_map(|v| v.as_object()) {
        for a in forbidden {
            if present(o, a) {
                problems.push(format!(
                    "XP_Hoehenangabe has {}, which must not be set",
                    show(o, a)
                ));
            }
        }
        if !present(o, "h") {
            problems.push("XP_Hoehenangabe has no h (the height must be given in h)".into());
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn hoehenangabe_41(_: &Ctx, f: &Feature) -> Option<String> {
    hoehenangabe_once(f, &["bezugspunkt"])
}

fn hoehenangabe(_: &Ctx, f: &Feature) -> Option<String> {
    hoehenangabe_once(f, &["bezugspunkt", "abweichenderBezugspunkt"])
}

/// The local names of the GML elements inside a feature's `position`
/// (coordinate elements left out), e.g. ["Curve", "segments", "Arc"].
fn position_elements(c: &Ctx, f: &Feature) -> Vec<String> {
    use quick_xml::events::Event;
    let Some(xml) = c.doc.source.get(f.xml.clone()) else {
        return vec![];
    };
    let mut r = quick_xml::Reader::from_str(xml);
    let (mut depth, mut inside, mut out) = (0usize, None, Vec::new());
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                let name = local_name(&e);
                if inside.is_some() {
                    if !matches!(name.as_str(), "pos" | "posList" | "coordinates") {
                        out.push(name);
                    }
                } else if depth == 2 && name == "position" {
                    inside = Some(depth);
                }
            }
            Ok(Event::Empty(e)) if inside.is_some() => out.push(local_name(&e)),
            Ok(Event::End(_)) => {
                if inside == Some(depth) {
                    break;
                }
                depth = depth.saturating_sub(1);
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

fn local_name(e: &quick_xml::events::BytesStart) -> String {
    let ln = e.local_name();
    let name: &str = ln.as_ref();
    name.to_string()
}

/// 4.14.3.3: an Abstandsmaß (typ 1000) is a gml:LineString of 2 points.
fn abstandsmass_linestring(c: &Ctx, f: &Feature) -> Option<String> {
    if f.text("typ").map(str::trim) != Some("1000") {
        return None;
    }
    let g = f.geometry("position")?;
    let points = match &g.geometry.geometry {
        Geometry::Curve(cv) => match cv.segments.as_slice() {
            [Segment::Line(p)] => p.len(),
            _ => 0,
        },
        _ => 0,
    };
    let names = position_elements(c, f);
    (names != ["LineString"] || points != 2).then(|| {
        format!(
            "typ is 1000 (Abstandsmaß) but position is a gml:{}{}; only a gml:LineString with 2 points is allowed",
            names.first().map_or("?", String::as_str),
            if points > 0 { format!(" with {points} points") } else { String::new() }
        )
    })
}

/// 4.14.3.4: a Winkelmaß (typ 2000) is a gml:Curve of exactly one gml:Arc.
fn winkelmass_arc(c: &Ctx, f: &Feature) -> Option<String> {
    if f.text("typ").map(str::trim) != Some("2000") {
        return None;
    }
    let names = position_elements(c, f);
    (names != ["Curve", "segments", "Arc"]).then(|| {
        format!(
            "typ is 2000 (Winkelmaß) but position is gml:{}; only a gml:Curve with exactly one gml:Arc is allowed",
            names.join("/")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XPlanGML from a shorthand without the xplan prefix: `<GFZ>` becomes
    /// `<xplan:GFZ>`; gml elements stay as they are.
    fn xp(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('<') {
            out.push_str(&rest[..=i]);
            rest = &rest[i + 1..];
            if let Some(r) = rest.strip_prefix('/') {
                out.push('/');
                rest = r;
            }
            if !rest.starts_with("gml:") {
                out.push_str("xplan:");
            }
        }
        out.push_str(rest);
        out
    }

    /// An object of `class` with the shorthand body.
    fn obj(class: &str, id: &str, body: &str) -> String {
        xp(&format!(r#"<{class} gml:id="{id}">{body}</{class}>"#))
    }

    /// The gml:ids of the findings of rule `n` (errors only).
    fn ids(v: Version, n: &str, features: &[String]) -> Vec<String> {
        let f: Vec<&str> = features.iter().map(String::as_str).collect();
        test_findings(v, n, &f)
            .into_iter()
            .map(|(level, ids)| {
                assert_eq!(level, Level::Error);
                ids.join(" ")
            })
            .collect()
    }

    /// Rule `n` of `v` reports a `class` object with body `bad` and not one
    /// with body `good`.
    fn case(v: Version, n: &str, class: &str, bad: &str, good: &str) {
        assert_eq!(
            ids(v, n, &[obj(class, "bad", bad)]),
            ["bad"],
            "{n} {v} {class}: {bad}"
        );
        assert_eq!(
            ids(v, n, &[obj(class, "good", good)]),
            Vec::<String>::new(),
            "{n} {v} {class}: {good}"
        );
    }

    const AREA: &str = "<position><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>0 0 10 0 10 10 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></position>";
    const LINE: &str =
        "<position><gml:LineString><gml:posList>0 0 10 10</gml:posList></gml:LineString></position>";
    const POINT: &str = "<position><gml:Point><gml:pos>5 5</gml:pos></gml:Point></position>";

    fn fs(v: bool) -> String {
        format!("<flaechenschluss>{v}</flaechenschluss>")
    }

    #[test]
    fn versions_of_the_rules() {
        // Every rule number of chapter 4 in each version's text that is not
        // "aufgehoben", except those that cannot be checked here: 4.1.5.3
        // (5.0-5.2, mixed geometry: the GML reader admits no
        // gml:MultiGeometry) and 4.5.2.4 (6.0, overlapping objects: a
        // geometric check of its own, not in this file).
        let want: &[(Version, &[&str])] = &[
            (
                V4_1,
                &[
                    "4.1.1.1", "4.1.2.1", "4.1.2.2", "4.1.2.3", "4.1.3.1", "4.1.3.2", "4.1.3.3",
                    "4.1.3.4", "4.1.3.5", "4.1.3.6", "4.1.3.7", "4.1.4.1", "4.1.4.2", "4.1.5.1",
                    "4.1.5.2", "4.1.6.1", "4.1.7.1", "4.1.8.1", "4.1.9.1", "4.2.1", "4.2.2",
                    "4.2.3", "4.2.4", "4.2.5", "4.2.6", "4.2.7", "4.2.8", "4.2.9", "4.2.10",
                    "4.2.11", "4.3.1", "4.3.2", "4.5.1.1", "4.5.1.2", "4.5.1.3", "4.5.1.4",
                    "4.5.1.5", "4.5.2.1", "4.5.2.2", "4.5.10.1", "4.5.13.1", "4.5.13.2",
                    "4.5.13.3", "4.5.14.1", "4.5.14.2", "4.5.14.3", "4.5.14.4", "4.5.15.1",
                    "4.6.3.1", "4.7.1.1", "4.7.1.2", "4.7.1.3", "4.7.1.4", "4.7.1.5", "4.7.1.6",
                    "4.7.2.1", "4.7.2.2", "4.7.2.3", "4.8.1.1", "4.8.1.2", "4.8.1.3", "4.8.2.1",
                    "4.8.2.2", "4.8.2.3", "4.8.2.4", "4.8.3.1", "4.8.3.2", "4.8.3.3", "4.8.3.4",
                    "4.8.3.5", "4.8.3.6", "4.9.2.1", "4.9.2.2", "4.9.2.3", "4.9.3.1", "4.9.3.2",
                    "4.9.3.3", "4.9.5.1", "4.9.5.2", "4.9.5.3", "4.9.5.4", "4.9.6.1", "4.10.2.1",
                    "4.11.1.1", "4.11.1.2", "4.11.1.3", "4.11.1.4", "4.11.1.5", "4.11.1.6",
                    "4.11.1.7", "4.12.1.1", "4.12.2.1", "4.12.2.2", "4.12.3.1", "4.13.1.1",
                    "4.13.2.1", "4.14.1.1", "4.14.2.1", "4.14.3.1", "4.14.3.2", "4.14.4.1",
                    "4.14.6.1", "4.14.7.1", "4.14.7.2",
                ],
            ),
            (
                V5_0,
                &[
                    "4.1.1.1", "4.1.2.3", "4.1.3.1", "4.1.3.2", "4.1.3.3", "4.1.3.4", "4.1.3.7",
                    "4.1.3.8", "4.1.4.1", "4.1.4.2", "4.1.5.1", "4.1.5.2", "4.1.6.1", "4.1.7.1",
                    "4.1.8.1", "4.1.9.1", "4.2.1", "4.2.2", "4.2.3", "4.2.6", "4.2.7", "4.2.8",
                    "4.2.9", "4.2.10", "4.2.11", "4.3.1", "4.3.2", "4.5.1.1", "4.5.1.2", "4.5.1.3",
                    "4.5.1.4", "4.5.1.5", "4.5.2.1", "4.5.2.2", "4.5.2.3", "4.5.10.1", "4.5.13.3",
                    "4.5.14.3", "4.5.14.4", "4.5.15.1", "4.7.1.6", "4.7.2.3", "4.8.1.3", "4.8.2.3",
                    "4.8.2.4", "4.8.3.6", "4.9.5.4", "4.9.6.1", "4.10.2.1", "4.11.1.6", "4.11.1.7",
                    "4.12.1.1", "4.12.2.1", "4.12.2.2", "4.12.3.1", "4.13.1.1", "4.13.2.1",
                    "4.14.2.1", "4.14.3.1", "4.14.3.2", "4.14.6.1", "4.14.7.1", "4.14.7.2",
                ],
            ),
            (
                V5_1,
                &[
                    "4.1.1.1", "4.1.2.3", "4.1.3.1", "4.1.3.2", "4.1.3.3", "4.1.3.4", "4.1.3.7",
                    "4.1.3.8", "4.1.4.1", "4.1.4.2", "4.1.5.1", "4.1.5.2", "4.1.6.1", "4.1.7.1",
                    "4.1.8.1", "4.1.9.1", "4.2.1", "4.2.2", "4.2.3", "4.2.6", "4.2.7", "4.2.8",
                    "4.2.9", "4.2.10", "4.2.11", "4.3.1", "4.3.1.1", "4.3.1.2", "4.3.2", "4.5.1.1",
                    "4.5.1.2", "4.5.1.3", "4.5.1.4", "4.5.1.5", "4.5.2.1", "4.5.2.2", "4.5.2.3",
                    "4.5.10.1", "4.5.10.2", "4.5.13.3", "4.5.14.3", "4.5.14.4", "4.5.15.1",
                    "4.7.1.6", "4.7.2.3", "4.8.1.3", "4.8.2.3", "4.8.2.4", "4.8.3.6", "4.8.4.1",
                    "4.9.5.4", "4.10.2.1", "4.11.1.6", "4.11.1.7", "4.12.1.1", "4.12.2.1",
                    "4.12.2.2", "4.12.2.3", "4.12.3.1", "4.13.1.1", "4.13.2.1", "4.14.2.1",
                    "4.14.3.1", "4.14.3.2", "4.14.6.1", "4.14.7.1", "4.14.7.2",
                ],
            ),
            (
                V5_2,
                &[
                    "4.1.1.1", "4.1.2.3", "4.1.3.1", "4.1.3.2", "4.1.3.3", "4.1.3.4", "4.1.3.7",
                    "4.1.3.8", "4.1.3.9", "4.1.4.1", "4.1.4.2", "4.1.5.1", "4.1.5.2", "4.1.6.1",
                    "4.1.7.1", "4.1.8.1", "4.1.9.1", "4.2.1", "4.2.2", "4.2.3", "4.2.6", "4.2.7",
                    "4.2.8", "4.2.9", "4.2.10", "4.2.11", "4.3.1", "4.3.1.1", "4.3.1.2", "4.3.2",
                    "4.5.1.1", "4.5.1.2", "4.5.1.3", "4.5.1.4", "4.5.1.5", "4.5.2.1", "4.5.2.2",
                    "4.5.2.3", "4.5.3.1", "4.5.10.1", "4.5.10.2", "4.5.13.3", "4.5.14.3",
                    "4.5.14.4", "4.5.15.1", "4.7.1.6", "4.7.1.7", "4.7.2.3", "4.8.1.3", "4.8.2.3",
                    "4.8.2.4", "4.8.3.6", "4.8.4.1", "4.9.5.4", "4.10.2.1", "4.10.2.2", "4.11.1.6",
                    "4.11.1.7", "4.12.1.1", "4.12.2.1", "4.12.2.2", "4.12.2.3", "4.12.3.1",
                    "4.13.1.1", "4.13.2.1", "4.14.2.1", "4.14.3.1", "4.14.3.2", "4.14.6.1",
                    "4.14.7.1", "4.14.7.2",
                ],
            ),
            (
                V5_3,
                &[
                    "4.1.1.1", "4.1.2.3", "4.1.3.1", "4.1.3.2", "4.1.3.3", "4.1.3.4", "4.1.3.7",
                    "4.1.3.8", "4.1.3.9", "4.1.4.1", "4.1.4.2", "4.1.5.1", "4.1.5.2", "4.1.6.1",
                    "4.1.7.1", "4.1.8.1", "4.1.9.1", "4.2.1", "4.2.2", "4.2.3", "4.2.6", "4.2.7",
                    "4.2.8", "4.2.9", "4.2.10", "4.2.11", "4.3.1", "4.3.1.1", "4.3.1.2", "4.3.2",
                    "4.5.1.1", "4.5.1.2", "4.5.1.3", "4.5.1.4", "4.5.1.5", "4.5.1.6", "4.5.2.1",
                    "4.5.2.2", "4.5.2.3", "4.5.3.1", "4.5.10.1", "4.5.10.2", "4.5.13.3",
                    "4.5.14.3", "4.5.14.4", "4.5.15.1", "4.7.1.6", "4.7.1.7", "4.7.2.3", "4.8.1.3",
                    "4.8.2.3", "4.8.2.4", "4.8.3.6", "4.8.4.1", "4.9.5.4", "4.10.2.1", "4.10.2.2",
                    "4.11.1.6", "4.11.1.7", "4.12.1.1", "4.12.2.1", "4.12.2.2", "4.12.2.3",
                    "4.12.3.1", "4.13.1.1", "4.13.2.1", "4.14.2.1", "4.14.3.1", "4.14.3.2",
                    "4.14.6.1", "4.14.7.1", "4.14.7.2",
                ],
            ),
            (
                V5_4,
                &[
                    "4.1.1.1", "4.1.2.3", "4.1.3.1", "4.1.3.2", "4.1.3.3", "4.1.3.4", "4.1.3.7",
                    "4.1.3.8", "4.1.3.9", "4.1.4.1", "4.1.4.2", "4.1.5.1", "4.1.5.2", "4.1.6.1",
                    "4.1.7.1", "4.1.8.1", "4.1.9.1", "4.2.1", "4.2.2", "4.2.3", "4.2.6", "4.2.7",
                    "4.2.8", "4.2.9", "4.2.10", "4.2.11", "4.3.1", "4.3.1.1", "4.3.1.2", "4.3.2",
                    "4.5.1.1", "4.5.1.2", "4.5.1.3", "4.5.1.4", "4.5.1.5", "4.5.1.6", "4.5.2.1",
                    "4.5.2.2", "4.5.2.3", "4.5.3.1", "4.5.10.1", "4.5.10.2", "4.5.13.3",
                    "4.5.14.3", "4.5.14.4", "4.5.15.1", "4.5.20.1", "4.5.20.2", "4.5.20.3",
                    "4.7.1.6", "4.7.1.7", "4.7.2.3", "4.8.1.3", "4.8.2.3", "4.8.2.4", "4.8.3.6",
                    "4.8.4.1", "4.9.5.4", "4.10.2.1", "4.10.2.2", "4.11.1.6", "4.11.1.7",
                    "4.12.1.1", "4.12.2.1", "4.12.2.2", "4.12.2.3", "4.12.3.1", "4.13.1.1",
                    "4.13.2.1", "4.14.2.1", "4.14.3.1", "4.14.3.2", "4.14.6.1", "4.14.7.1",
                    "4.14.7.2",
                ],
            ),
            (
                V6_0,
                &[
                    "4.1.1.1",
                    "4.1.2.3",
                    "4.1.3.1",
                    "4.1.3.2",
                    "4.1.3.3",
                    "4.1.3.4",
                    "4.1.3.7",
                    "4.1.3.9",
                    "4.1.4.1",
                    "4.1.4.2",
                    "4.1.5.1",
                    "4.1.5.2",
                    "4.1.6.1",
                    "4.1.7.1",
                    "4.1.8.1",
                    "4.1.9.1",
                    "4.2.1",
                    "4.2.2",
                    "4.2.3",
                    "4.2.6",
                    "4.2.7",
                    "4.2.8",
                    "4.2.9",
                    "4.2.10",
                    "4.2.11",
                    "4.3.1.1",
                    "4.3.1.2",
                    "4.5.1.1",
                    "4.5.1.2",
                    "4.5.1.3",
                    "4.5.1.4",
                    "4.5.1.5",
                    "4.5.1.7",
                    "4.5.2.1",
                    "4.5.2.2",
                    "4.5.2.3",
                    "4.5.3.1",
                    "4.5.10.1",
                    "4.5.10.2",
                    "4.5.14.3",
                    "4.5.15.1",
                    "4.5.20.1",
                    "4.5.20.2",
                    "4.5.20.3",
                    "4.7.1.7",
                    "4.9.5.4",
                    "4.10.2.2",
                    "4.10.2.3",
                    "4.10.2.4",
                    "4.11.1.7",
                    "4.12.3.1",
                    "4.14.2.1",
                    "4.14.3.1",
                    "4.14.3.3",
                    "4.14.3.4",
                    "4.14.7.1",
                    "4.14.7.2",
                    "4.14.12.1",
                ],
            ),
        ];
        for (v, numbers) in want {
            let mut have: Vec<&str> = RELATIONS
                .iter()
                .filter(|r| r.versions.contains(v))
                .map(|r| r.number)
                .chain(
                    RULES
                        .iter()
                        .filter(|r| r.versions.contains(v))
                        .map(|r| r.number),
                )
                .collect();
            have.sort_by_key(|n| number_key(n));
            have.dedup();
            assert_eq!(have, *numbers, "{v}");
        }
    }

    #[test]
    fn relations() {
        let plan = obj(
            "BP_Plan",
            "p",
            r##"<bereich xlink:href="#b"/><bereich xlink:href="#f"/>"##,
        );
        let b = obj("BP_Bereich", "b", r##"<gehoertZuPlan xlink:href="#p"/>"##);
        let f = obj("FP_Bereich", "f", "");
        assert_eq!(ids(V5_4, "4.1.1.1", &[plan, b, f.clone()]), ["p f"]);
        let strasse = r##"<begrenzungslinie xlink:href="#l"/><begrenzungslinie xlink:href="#g"/>"##;
        let linie = obj("BP_StrassenbegrenzungsLinie", "l", "");
        let grenze = obj("BP_BauGrenze", "g", "");
        for (n, class) in [
            ("4.12.1.1", "BP_StrassenVerkehrsFlaeche"),
            ("4.12.2.1", "BP_VerkehrsflaecheBesondererZweckbestimmung"),
        ] {
            let s = obj(class, "s", strasse);
            assert_eq!(ids(V5_0, n, &[s, linie.clone(), grenze.clone()]), ["s g"]);
        }
        // 4.5.20.1 is BP_WohngebaeudeFlaeche's: BP_NebenanlagenAusschlussFlaeche
        // may refer to an XP_TextAbschnitt in 5.4 as far as it is concerned.
        let text = obj("XP_TextAbschnitt", "t", "");
        let abw = r##"<abweichungText xlink:href="#t"/>"##;
        let w = obj("BP_WohngebaeudeFlaeche", "w", abw);
        let n = obj("BP_NebenanlagenAusschlussFlaeche", "n", abw);
        assert_eq!(
            ids(V5_4, "4.5.20.1", &[w.clone(), n.clone(), text.clone()]),
            ["w t"]
        );
        assert_eq!(ids(V6_0, "4.5.20.1", &[w, n, text]), Vec::<String>::new());
        // 4.1: inhaltBPlan only to BPlan objects; abweichungText of BP_Baugebiet.
        let b41 = obj(
            "BP_Bereich",
            "b",
            r##"<inhaltBPlan xlink:href="#x"/><inhaltBPlan xlink:href="#y"/>"##,
        );
        let x = obj("BP_BaugebietsTeilFlaeche", "x", "");
        let y = obj("FP_BebauungsFlaeche", "y", "");
        assert_eq!(ids(V4_1, "4.1.2.1", &[b41, x, y]), ["b y"]);
        let gebiet = obj(
            "BP_Baugebiet",
            "g",
            r##"<abweichungText xlink:href="#x"/>"##,
        );
        let x = obj("BP_BaugebietsTeilFlaeche", "x", "");
        assert_eq!(ids(V4_1, "4.5.1.1", &[gebiet, x]), ["g x"]);
    }

    #[test]
    fn bereich_and_plan() {
        let plan = obj(
            "BP_Plan",
            "p",
            r##"<bereich xlink:href="#b1"/><bereich xlink:href="#b5"/>"##,
        );
        let text = obj("XP_TextAbschnitt", "t", "");
        let bereiche = [
            ("b1", r##"<gehoertZuPlan xlink:href="#p"/>"##),
            ("b2", r##"<gehoertZuPlan xlink:href="#p"/>"##),
            ("b3", r##"<gehoertZuPlan xlink:href="#t"/>"##),
            ("b4", ""),
            (
                "b5",
                r##"<gehoertZuPlan xlink:href="#p"/><gehoertZuPlan xlink:href="#p"/>"##,
            ),
            ("b6", r##"<gehoertZuPlan xlink:href="other.gml#p"/>"##),
        ];
        for v in [V4_1, V5_2, V6_0] {
            let mut doc = vec![plan.clone(), text.clone()];
            doc.extend(
                bereiche
                    .iter()
                    .map(|(id, body)| obj("BP_Bereich", id, body)),
            );
            assert_eq!(ids(v, "4.1.2.3", &doc), ["b2", "b3", "b4", "b5"], "{v}");
        }
        // 4.1.3.5 (4.1): objects of inhaltBPlan refer back exactly once.
        let b = obj(
            "BP_Bereich",
            "b",
            r##"<inhaltBPlan xlink:href="#o1"/><inhaltBPlan xlink:href="#o2"/>"##,
        );
        let o1 = obj(
            "BP_BauGrenze",
            "o1",
            r##"<gehoertZuBP_Bereich xlink:href="#b"/>"##,
        );
        let o2 = obj("BP_BauGrenze", "o2", "");
        assert_eq!(ids(V4_1, "4.1.3.5", &[b, o1, o2]), ["o2 b"]);
        case(
            V4_1,
            "4.1.3.6",
            "BP_BauGrenze",
            r##"<gehoertNachrichtlichZuBereich xlink:href="#b"/><gehoertZuBP_Bereich xlink:href="#b"/>"##,
            r##"<gehoertNachrichtlichZuBereich xlink:href="#b"/>"##,
        );
    }

    #[test]
    fn flaechenschluss_and_geometry() {
        let with = |parts: &[&str]| parts.concat();
        let (t, f) = (fs(true), fs(false));
        // (version, rule, class, violating body, conforming body)
        let rows: &[(Version, &str, &str, String, String)] = &[
            (
                V5_4,
                "4.1.4.1",
                "BP_BaugebietsTeilFlaeche",
                with(&["<ebene>1</ebene>", AREA, &t]),
                with(&["<ebene>1</ebene>", AREA, &f]),
            ),
            (
                V4_1,
                "4.1.4.1",
                "BP_AusgleichsFlaeche",
                with(&["<ebene>-1</ebene>", AREA, &t]),
                with(&["<ebene>0</ebene>", AREA, &t]),
            ),
            (
                V6_0,
                "4.1.4.2",
                "BP_UeberbaubareGrundstuecksFlaeche",
                with(&[LINE, &f]),
                with(&[AREA, &f]),
            ),
            (
                V5_4,
                "4.1.5.1",
                "BP_GenerischesObjekt",
                with(&["<ebene>2</ebene>", AREA, &t]),
                with(&["<ebene>2</ebene>", LINE, &t]),
            ),
            (
                V5_0,
                "4.1.5.1",
                "BP_VerEntsorgung",
                with(&["<ebene>2</ebene>", AREA, &t]),
                with(&["<ebene>2</ebene>", AREA, &f]),
            ),
            (
                V5_4,
                "4.1.5.2",
                "BP_GenerischesObjekt",
                AREA.to_string(),
                POINT.to_string(),
            ),
            (
                V6_0,
                "4.1.5.2",
                "BP_AnpflanzungBindungErhaltung",
                AREA.to_string(),
                with(&[AREA, &f]),
            ),
            (
                V5_4,
                "4.1.6.1",
                "BP_UeberbaubareGrundstuecksFlaeche",
                with(&[AREA, &t]),
                with(&[AREA, &f]),
            ),
            (
                V6_0,
                "4.1.6.1",
                "BP_TextAbschnittFlaeche",
                AREA.to_string(),
                with(&[AREA, &f]),
            ),
            (
                V5_4,
                "4.1.7.1",
                "BP_BaugebietsTeilFlaeche",
                with(&[AREA, &f]),
                with(&["<ebene>1</ebene>", AREA, &f]),
            ),
            (
                V4_1,
                "4.1.7.1",
                "BP_GruenFlaeche",
                with(&["<ebene>0</ebene>", AREA, &f]),
                with(&["<ebene>0</ebene>", AREA, &t]),
            ),
            (
                V5_4,
                "4.1.8.1",
                "BP_BauGrenze",
                AREA.to_string(),
                LINE.to_string(),
            ),
            (
                V6_0,
                "4.1.9.1",
                "BP_EinfahrtPunkt",
                LINE.to_string(),
                POINT.to_string(),
            ),
            (
                V5_4,
                "4.14.3.2",
                "BP_AbstandsMass",
                AREA.to_string(),
                LINE.to_string(),
            ),
            (
                V6_0,
                "4.14.7.2",
                "BP_HoehenMass",
                AREA.to_string(),
                POINT.to_string(),
            ),
        ];
        for (v, n, class, bad, good) in rows {
            case(*v, n, class, bad, good);
        }
        // "Überlagerungsobjekt bei flächenhaftem Raumbezug": an area is
        // never part of the Flächenschluss (unset is the default false).
        let overlays: &[(Version, &str, &str)] = &[
            (V5_4, "4.5.15.1", "BP_GemeinschaftsanlagenZuordnung"),
            (V4_1, "4.6.3.1", "BP_DenkmalschutzEinzelanlage"),
            (V6_0, "4.9.5.4", "BP_AusgleichsMassnahme"),
            (V5_0, "4.9.6.1", "BP_AnpflanzungBindungErhaltung"),
            (V5_4, "4.10.2.1", "BP_Immissionsschutz"),
            (V6_0, "4.12.3.1", "BP_Strassenkoerper"),
            (V5_2, "4.14.2.1", "BP_Wegerecht"),
            (V6_0, "4.14.2.1", "BP_UnverbindlicheVormerkung"),
        ];
        for (v, n, class) in overlays {
            case(*v, n, class, &with(&[AREA, &t]), AREA);
            case(*v, n, class, &with(&[AREA, &t]), &with(&[LINE, &t]));
        }
        // "Flächenschlussobjekt bei flächenhaftem Raumbezug": an area on
        // ebene 0 (or none) is part of it.
        let schluss: &[(Version, &str, &str)] = &[
            (V5_4, "4.8.2.4", "BP_Landwirtschaft"),
            (V6_0, "4.11.1.7", "BP_VerEntsorgung"),
            (
                V5_1,
                "4.12.2.3",
                "BP_VerkehrsflaecheBesondererZweckbestimmung",
            ),
        ];
        for (v, n, class) in schluss {
            case(*v, n, class, &with(&[AREA, &f]), &with(&[AREA, &t]));
            case(*v, n, class, AREA, &with(&["<ebene>1</ebene>", AREA, &f]));
        }
    }

    #[test]
    fn mass_der_baulichen_nutzung() {
        let m = |pairs: &[(&str, &str)]| -> String {
            pairs
                .iter()
                .map(|(k, v)| format!("<{k}>{v}</{k}>"))
                .collect()
        };
        // (version, rule, violating attributes, conforming attributes)
        let rows: &[(Version, &str, String, String)] = &[
            (
                V5_4,
                "4.2.1",
                m(&[("GFZ", "1"), ("GFZmax", "1.2")]),
                m(&[("GFZmin", "0.8"), ("GFZmax", "1.2")]),
            ),
            (V6_0, "4.2.1", m(&[("GFZmin", "0.8")]), m(&[("GFZ", "1")])),
            (V5_0, "4.2.2", m(&[("GFmax", "100")]), m(&[("GF", "100")])),
            (
                V5_4,
                "4.2.3",
                m(&[("GFZ", "1"), ("GF", "100")]),
                m(&[("GFZ", "1"), ("GRZ", "0.4")]),
            ),
            (
                V4_1,
                "4.2.4",
                m(&[("BMZ", "3"), ("BMZmin", "2")]),
                m(&[("BMZmin", "2"), ("BMZmax", "3")]),
            ),
            (V4_1, "4.2.5", m(&[("BMmin", "2")]), m(&[("BM", "2")])),
            (
                V4_1,
                "4.2.6",
                m(&[("BMZmax", "3"), ("BMmin", "2")]),
                m(&[("BMZmin", "2"), ("BMZmax", "3")]),
            ),
            (
                V5_3,
                "4.2.6",
                m(&[("BMZ", "3"), ("BM", "2")]),
                m(&[("BM", "2"), ("GFZ", "1")]),
            ),
            (
                V5_4,
                "4.2.7",
                m(&[("GRZ", "0.4"), ("GRZmin", "0.2"), ("GRZmax", "0.4")]),
                m(&[("GRZ", "0.4")]),
            ),
            (
                V5_1,
                "4.2.8",
                m(&[("GR", "100"), ("GRmin", "50")]),
                m(&[("GRmin", "50"), ("GRmax", "100")]),
            ),
            (
                V6_0,
                "4.2.9",
                m(&[("GRZ", "0.4"), ("GRmax", "100")]),
                m(&[("GRZ", "0.4"), ("GFZ", "1")]),
            ),
            (
                V5_4,
                "4.2.10",
                m(&[("Z", "2"), ("Zzwingend", "2")]),
                m(&[("Zmin", "1"), ("Zmax", "3")]),
            ),
            (
                V5_2,
                "4.2.11",
                m(&[("ZUmin", "1")]),
                m(&[("ZUzwingend", "1")]),
            ),
            (V5_4, "4.3.1", m(&[("DNmax", "45")]), m(&[("DNmin", "30")])),
            (
                V4_1,
                "4.3.1",
                m(&[("DN", "30"), ("DNZwingend", "30")]),
                m(&[("DNmin", "30"), ("DNmax", "45")]),
            ),
            (
                V5_4,
                "4.3.2",
                m(&[
                    ("dachform", "1000"),
                    ("detaillierteDachform", "a"),
                    ("detaillierteDachform", "b"),
                ]),
                m(&[
                    ("dachform", "1000"),
                    ("dachform", "2100"),
                    ("detaillierteDachform", "a"),
                ]),
            ),
            (
                V4_1,
                "4.3.2",
                m(&[("detaillierteDachform", "a")]),
                m(&[("dachform", "1000"), ("detaillierteDachform", "a")]),
            ),
        ];
        for (v, n, bad, good) in rows {
            case(*v, n, "BP_BaugebietsTeilFlaeche", bad, good);
        }
        // Every class with the attributes, e.g. BP_GemeinbedarfsFlaeche.
        case(
            V5_4,
            "4.2.1",
            "BP_GemeinbedarfsFlaeche",
            &m(&[("GFZmax", "1")]),
            "",
        );
        // 4.3.1.1, 4.3.1.2: the data type BP_Dachgestaltung.
        let dach = |inner: &str| {
            format!(
                "<dachgestaltung><BP_Dachgestaltung>{inner}</BP_Dachgestaltung></dachgestaltung>"
            )
        };
        for v in [V5_1, V6_0] {
            case(
                v,
                "4.3.1.1",
                "BP_BaugebietsTeilFlaeche",
                &dach(&m(&[("DN", "30"), ("DNmax", "40")])),
                &(dach(&m(&[("DN", "30")])) + &dach(&m(&[("DNzwingend", "35")]))),
            );
            case(
                v,
                "4.3.1.2",
                "BP_UeberbaubareGrundstuecksFlaeche",
                &dach(&m(&[("detaillierteDachform", "x")])),
                &dach(&m(&[("dachform", "1000"), ("detaillierteDachform", "x")])),
            );
        }
    }

    #[test]
    fn art_der_baulichen_nutzung() {
        let m = |pairs: &[(&str, &str)]| -> String {
            pairs
                .iter()
                .map(|(k, v)| format!("<{k}>{v}</{k}>"))
                .collect()
        };
        let btf = "BP_BaugebietsTeilFlaeche";
        let art = |b: &str, a: &str| {
            m(&[
                ("besondereArtDerBaulNutzung", b),
                ("allgArtDerBaulNutzung", a),
            ])
        };
        case(
            V5_4,
            "4.5.1.2",
            btf,
            &art("1450", "1000"),
            &art("1450", "2000"),
        );
        case(
            V6_0,
            "4.5.1.2",
            btf,
            &art("1200", "2000"),
            &m(&[("besondereArtDerBaulNutzung", "1200")]),
        );
        // 1450 joined the second group in 5.4; before, 1550 did in 5.0.
        case(
            V5_3,
            "4.5.1.2",
            btf,
            &art("1550", "1000"),
            &art("1450", "1000"),
        );
        case(
            V4_1,
            "4.5.1.2",
            "BP_Baugebiet",
            &art("1400", "1000"),
            &art("1550", "1000"),
        );
        let sn = |s: &str, b: &str| m(&[("sondernutzung", s), ("besondereArtDerBaulNutzung", b)]);
        case(
            V5_0,
            "4.5.1.3",
            btf,
            &sn("1000", "2000"),
            &sn("1000", "3000"),
        );
        case(
            V5_1,
            "4.5.1.3",
            btf,
            &sn("1000", "3000"),
            &sn("1000", "2000"),
        );
        case(
            V5_1,
            "4.5.1.3",
            btf,
            &sn("1500", "2000"),
            &sn("2720", "2000"),
        );
        case(
            V5_4,
            "4.5.1.3",
            btf,
            &(sn("1100", "2000") + &m(&[("sondernutzung", "2720")])),
            &sn("2720", "2100"),
        );
        let komplex = |s: &str| {
            format!("<sondernutzung><BP_KomplexeSondernutzung><allgemein>{s}</allgemein></BP_KomplexeSondernutzung></sondernutzung>")
        };
        case(
            V6_0,
            "4.5.1.3",
            btf,
            &(komplex("1650") + &m(&[("besondereArtDerBaulNutzung", "2000")])),
            &(komplex("1650") + &m(&[("besondereArtDerBaulNutzung", "2100")])),
        );
        case(
            V6_0,
            "4.5.1.7",
            btf,
            &(komplex("1000") + &komplex("1500")),
            &(komplex("1000") + &komplex("1400")),
        );
        case(
            V6_0,
            "4.5.1.7",
            btf,
            &(komplex("1650") + &komplex("1100")),
            &komplex("1650"),
        );
        let detail = m(&[("detaillierteArtDerBaulNutzung", "x")]);
        case(
            V5_4,
            "4.5.1.5",
            btf,
            &detail,
            &(detail.clone() + &m(&[("sondernutzung", "1000")])),
        );
        case(
            V6_0,
            "4.5.1.5",
            btf,
            &(detail.clone() + &komplex("1000")),
            &(detail + &m(&[("allgArtDerBaulNutzung", "1000")])),
        );
        case(
            V5_3,
            "4.5.1.6",
            btf,
            &m(&[("detaillierteSondernutzung", "x")]),
            &m(&[
                ("detaillierteSondernutzung", "x"),
                ("sondernutzung", "1000"),
            ]),
        );
        // bauweise and abweichendeBauweise, in every class with a rule.
        let bauweise: &[(Version, &str, &str)] = &[
            (V4_1, "4.5.1.4", "BP_Baugebiet"),
            (V6_0, "4.5.1.4", btf),
            (V5_0, "4.5.2.3", "BP_UeberbaubareGrundstuecksFlaeche"),
            (V5_2, "4.5.3.1", "BP_BesondererNutzungszweckFlaeche"),
            (V5_4, "4.5.20.2", "BP_WohngebaeudeFlaeche"),
            (V6_0, "4.7.1.7", "BP_GemeinbedarfsFlaeche"),
        ];
        for (v, n, class) in bauweise {
            let abw = r#"<abweichendeBauweise codeSpace="x">1</abweichendeBauweise>"#;
            case(
                *v,
                n,
                class,
                &format!("<bauweise>1000</bauweise>{abw}"),
                &format!("<bauweise>3000</bauweise>{abw}"),
            );
            case(
                *v,
                n,
                class,
                &format!("<bauweise>2000</bauweise>{abw}"),
                abw,
            );
        }
        let typ = |t: &str| format!(r#"<typ>{t}</typ><sonstTyp codeSpace="x">1</sonstTyp>"#);
        case(
            V5_4,
            "4.5.10.1",
            "BP_SpezielleBauweise",
            &typ("1000"),
            &typ("9999"),
        );
        case(V6_0, "4.1.3.9", "BP_GruenFlaeche", "<laermkontingent><BP_EmissionskontingentLaerm><ekwertTag>60</ekwertTag></BP_EmissionskontingentLaerm></laermkontingent><laermkontingentGebiet><BP_EmissionskontingentLaermGebiet><ekwertTag>60</ekwertTag></BP_EmissionskontingentLaermGebiet></laermkontingentGebiet>", "<laermkontingentGebiet><BP_EmissionskontingentLaermGebiet><ekwertTag>60</ekwertTag></BP_EmissionskontingentLaermGebiet></laermkontingentGebiet>");
        let imm = "BP_Immissionsschutz";
        case(
            V5_2,
            "4.10.2.2",
            imm,
            &m(&[("detaillierteTechnVorkehrung", "x")]),
            &m(&[
                ("detaillierteTechnVorkehrung", "x"),
                ("technVorkehrung", "1000"),
            ]),
        );
        case(
            V6_0,
            "4.10.2.3",
            imm,
            r#"<sonstLaermpegelbereich codeSpace="x">1</sonstLaermpegelbereich><massgeblAussenLaermpegelNacht uom="dB">50</massgeblAussenLaermpegelNacht>"#,
            r#"<massgeblAussenLaermpegelTag uom="dB">60</massgeblAussenLaermpegelTag><massgeblAussenLaermpegelNacht uom="dB">50</massgeblAussenLaermpegelNacht>"#,
        );
        let lpb = |l: &str| {
            format!(
                r#"<laermpegelbereich>{l}</laermpegelbereich><sonstLaermpegelbereich codeSpace="x">1</sonstLaermpegelbereich>"#
            )
        };
        case(V6_0, "4.10.2.4", imm, &lpb("1300"), &lpb("1700"));
        case(
            V5_4,
            "4.14.3.1",
            "BP_AbstandsMass",
            r#"<startWinkel uom="grad">10</startWinkel>"#,
            r#"<startWinkel uom="grad">10</startWinkel><endWinkel uom="grad">80</endWinkel>"#,
        );
    }

    #[test]
    fn zweckbestimmung() {
        let z = |zweck: usize, detail: usize| {
            "<zweckbestimmung>1000</zweckbestimmung>".repeat(zweck)
                + &r#"<detaillierteZweckbestimmung codeSpace="x">1</detaillierteZweckbestimmung>"#
                    .repeat(detail)
        };
        // At least as often (5.0 to 5.4).
        let as_often: &[(Version, &str, &str)] = &[
            (V5_4, "4.5.13.3", "BP_NebenanlagenFlaeche"),
            (V5_0, "4.5.14.4", "BP_GemeinschaftsanlagenFlaeche"),
            (V5_3, "4.7.1.6", "BP_GemeinbedarfsFlaeche"),
            (V5_1, "4.7.2.3", "BP_SpielSportanlagenFlaeche"),
            (V5_2, "4.8.1.3", "BP_WaldFlaeche"),
            (V5_4, "4.8.2.3", "BP_Landwirtschaft"),
            (V5_0, "4.8.3.6", "BP_GruenFlaeche"),
            (V5_1, "4.8.4.1", "BP_LandwirtschaftsFlaeche"),
            (V5_4, "4.11.1.6", "BP_VerEntsorgung"),
            (
                V5_2,
                "4.12.2.2",
                "BP_VerkehrsflaecheBesondererZweckbestimmung",
            ),
        ];
        for (v, n, class) in as_often {
            case(*v, n, class, &z(1, 2), &z(2, 2));
            case(*v, n, class, &z(0, 1), &z(2, 1));
        }
        // Only "set" (once at most in these classes).
        let set: &[(Version, &str, &str)] = &[
            (
                V5_1,
                "4.12.2.2",
                "BP_VerkehrsflaecheBesondererZweckbestimmung",
            ),
            (V4_1, "4.13.1.1", "BP_GewaesserFlaeche"),
            (V5_4, "4.13.2.1", "BP_WasserwirtschaftsFlaeche"),
        ];
        for (v, n, class) in set {
            case(*v, n, class, &z(0, 1), &z(1, 1));
        }
    }

    #[test]
    fn objects_with_rules_of_their_own() {
        // 4.5.20.3: the plan of a BP_WohngebaeudeFlaeche has planArt 10002.
        for v in [V5_4, V6_0] {
            let doc = |art: &str| {
                vec![
                    obj(
                        "BP_Plan",
                        "p",
                        &format!(
                            r##"<planArt>10000</planArt><planArt>{art}</planArt><bereich xlink:href="#b"/>"##
                        ),
                    ),
                    obj(
                        "BP_Bereich",
                        "b",
                        r##"<gehoertZuPlan xlink:href="#p"/><planinhalt xlink:href="#w"/>"##,
                    ),
                    obj(
                        "BP_WohngebaeudeFlaeche",
                        "w",
                        r##"<gehoertZuBereich xlink:href="#b"/>"##,
                    ),
                    obj("BP_Plan", "q", "<planArt>1000</planArt>"),
                ]
            };
            assert_eq!(ids(v, "4.5.20.3", &doc("10001")), ["w"], "{v}");
            assert_eq!(
                ids(v, "4.5.20.3", &doc("10002")),
                Vec::<String>::new(),
                "{v}"
            );
            // Without Bereich relations: the document's plans.
            let alone = [
                obj("BP_Plan", "p", "<planArt>10001</planArt>"),
                obj("BP_WohngebaeudeFlaeche", "w", ""),
            ];
            assert_eq!(ids(v, "4.5.20.3", &alone), ["w"], "{v}");
        }
        // 4.14.6.1, 4.14.12.1: at least one refTextInhalt.
        let text = r##"<refTextInhalt xlink:href="#t"/>"##;
        case(
            V5_4,
            "4.14.6.1",
            "BP_TextlicheFestsetzungsFlaeche",
            AREA,
            text,
        );
        case(V6_0, "4.14.12.1", "BP_TextAbschnittFlaeche", AREA, text);
        // 4.14.7.1: exactly one hoehenangabe, with h, without bezugspunkt.
        let h = |inner: &str| {
            format!("<hoehenangabe><XP_Hoehenangabe>{inner}</XP_Hoehenangabe></hoehenangabe>")
        };
        let ok = h(r#"<hoehenbezug>1000</hoehenbezug><h uom="m">12</h>"#);
        let hm = "BP_HoehenMass";
        for v in [V4_1, V5_0, V5_4, V6_0] {
            case(v, "4.14.7.1", hm, &(ok.clone() + &ok), &ok);
            case(v, "4.14.7.1", hm, "", &ok);
            case(v, "4.14.7.1", hm, &h(r#"<hMax uom="m">12</hMax>"#), &ok);
            case(
                v,
                "4.14.7.1",
                hm,
                &h(r#"<bezugspunkt>1000</bezugspunkt><h uom="m">12</h>"#),
                &ok,
            );
        }
        let abweichend =
            h(r#"<abweichenderBezugspunkt>Traufe</abweichenderBezugspunkt><h uom="m">12</h>"#);
        case(V5_1, "4.14.7.1", hm, &abweichend, &ok);
        case(V5_0, "4.14.7.1", hm, "", &abweichend);
        // 4.14.3.3, 4.14.3.4 (6.0): the geometry of Abstands- and Winkelmaße.
        let am = "BP_AbstandsMass";
        let line3 = "<position><gml:LineString><gml:posList>0 0 5 5 10 10</gml:posList></gml:LineString></position>";
        let segment = "<position><gml:Curve><gml:segments><gml:LineStringSegment><gml:posList>0 0 10 10</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve></position>";
        let arc = "<position><gml:Curve><gml:segments><gml:Arc><gml:posList>0 0 5 5 10 0</gml:posList></gml:Arc></gml:segments></gml:Curve></position>";
        let arcs = "<position><gml:Curve><gml:segments><gml:ArcString><gml:posList>0 0 5 5 10 0</gml:posList></gml:ArcString></gml:segments></gml:Curve></position>";
        case(
            V6_0,
            "4.14.3.3",
            am,
            &format!("<typ>1000</typ>{line3}"),
            &format!("<typ>1000</typ>{LINE}"),
        );
        case(
            V6_0,
            "4.14.3.3",
            am,
            &format!("<typ>1000</typ>{segment}"),
            &format!("<typ>2000</typ>{segment}"),
        );
        case(
            V6_0,
            "4.14.3.4",
            am,
            &format!("<typ>2000</typ>{LINE}"),
            &format!("<typ>2000</typ>{arc}"),
        );
        case(
            V6_0,
            "4.14.3.4",
            am,
            &format!("<typ>2000</typ>{arcs}"),
            &format!("<typ>1000</typ>{arcs}"),
        );
    }

    #[test]
    fn numbered_attributes_of_4_1() {
        let m = |pairs: &[(&str, &str)]| -> String {
            pairs
                .iter()
                .map(|(k, v)| format!("<{k}>{v}</{k}>"))
                .collect()
        };
        // "Verwendung der Attribute zur Spezifikation mehrerer ...".
        let rows: &[(&str, &str, &str, &str)] = &[
            (
                "4.5.13.1",
                "BP_NebenanlagenFlaeche",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
            (
                "4.5.13.2",
                "BP_NebenanlagenFlaeche",
                "detaillierteZweckbestimmung",
                "weitereDetailZweckbestimmung",
            ),
            (
                "4.5.14.1",
                "BP_GemeinschaftsanlagenFlaeche",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
            (
                "4.5.14.2",
                "BP_GemeinschaftsanlagenFlaeche",
                "detaillierteZweckbestimmung",
                "weitereDetailZweckbestimmung",
            ),
            (
                "4.7.1.1",
                "BP_GemeinbedarfsFlaeche",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
            (
                "4.7.1.2",
                "BP_GemeinbedarfsFlaeche",
                "besondereZweckbestimmung",
                "weitereBesondZweckbestimmung",
            ),
            (
                "4.7.1.3",
                "BP_GemeinbedarfsFlaeche",
                "detaillierteZweckbestimmung",
                "weitereDetailZweckbestimmung",
            ),
            (
                "4.7.2.1",
                "BP_SpielSportanlagenFlaeche",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
            (
                "4.7.2.2",
                "BP_SpielSportanlagenFlaeche",
                "detaillierteZweckbestimmung",
                "weitereDetailZweckbestimmung",
            ),
            (
                "4.8.1.1",
                "BP_WaldFlaeche",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
            (
                "4.8.1.2",
                "BP_WaldFlaeche",
                "detaillierteZweckbestimmung",
                "weitereDetailZweckbestimmung",
            ),
            (
                "4.8.2.1",
                "BP_Landwirtschaft",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
            (
                "4.8.2.2",
                "BP_Landwirtschaft",
                "detaillierteZweckbestimmung",
                "weitereDetailZweckbestimmung",
            ),
            (
                "4.8.3.1",
                "BP_GruenFlaeche",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
            (
                "4.8.3.2",
                "BP_GruenFlaeche",
                "besondereZweckbestimmung",
                "weitereBesondZweckbestimmung",
            ),
            (
                "4.8.3.3",
                "BP_GruenFlaeche",
                "detaillierteZweckbestimmung",
                "weitereDetailZweckbestimmung",
            ),
            (
                "4.11.1.1",
                "BP_VerEntsorgung",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
            (
                "4.11.1.2",
                "BP_VerEntsorgung",
                "besondereZweckbestimmung",
                "weitereBesondZweckbestimmung",
            ),
            (
                "4.11.1.3",
                "BP_VerEntsorgung",
                "detaillierteZweckbestimmung",
                "weitereDetailZweckbestimmung",
            ),
            (
                "4.14.1.1",
                "BP_GenerischesObjekt",
                "zweckbestimmung",
                "weitereZweckbestimmung",
            ),
        ];
        for (n, class, base, weitere) in rows {
            let w1 = format!("{weitere}1");
            // A single value belongs in the base attribute.
            case(V4_1, n, class, &m(&[(&w1, "1000")]), &m(&[(base, "1000")]));
            // No numbered attributes besides a repeated base attribute.
            case(
                V4_1,
                n,
                class,
                &m(&[(base, "1000"), (base, "1100"), (&w1, "1200")]),
                &m(&[(base, "1000"), (&w1, "1200")]),
            );
        }
        // Ascending order.
        let gruen = "BP_GruenFlaeche";
        case(
            V4_1,
            "4.8.3.1",
            gruen,
            &m(&[
                ("zweckbestimmung", "1000"),
                ("weitereZweckbestimmung2", "1100"),
            ]),
            &m(&[
                ("zweckbestimmung", "1000"),
                ("weitereZweckbestimmung1", "1100"),
                ("weitereZweckbestimmung2", "1200"),
            ]),
        );
        case(
            V4_1,
            "4.14.4.1",
            "BP_KennzeichnungsFlaeche",
            &m(&[
                ("zweckbestimmung", "1000"),
                ("zweckbestimmung", "2000"),
                ("weitereZweckbestimmung", "3000"),
            ]),
            &m(&[
                ("zweckbestimmung", "1000"),
                ("weitereZweckbestimmung", "3000"),
            ]),
        );
        // Detaillierte Zweckbestimmung: as often, and numbered pairs.
        let detail: &[(&str, &str)] = &[
            ("4.5.13.3", "BP_NebenanlagenFlaeche"),
            ("4.5.14.4", "BP_GemeinschaftsanlagenFlaeche"),
            ("4.7.2.3", "BP_SpielSportanlagenFlaeche"),
            ("4.8.1.3", "BP_WaldFlaeche"),
            ("4.8.2.3", "BP_Landwirtschaft"),
        ];
        for (n, class) in detail {
            let z = |zweck: usize, det: usize| {
                "<zweckbestimmung>1000</zweckbestimmung>".repeat(zweck)
                    + &"<detaillierteZweckbestimmung>x</detaillierteZweckbestimmung>".repeat(det)
            };
            case(V4_1, n, class, &z(2, 1), &z(1, 1));
            case(
                V4_1,
                n,
                class,
                &m(&[("weitereDetailZweckbestimmung1", "x")]),
                &m(&[
                    ("weitereDetailZweckbestimmung1", "x"),
                    ("weitereZweckbestimmung1", "1000"),
                ]),
            );
        }
        for (n, class) in [
            ("4.7.1.6", "BP_GemeinbedarfsFlaeche"),
            ("4.8.3.6", gruen),
            ("4.11.1.6", "BP_VerEntsorgung"),
        ] {
            let det = m(&[("detaillierteZweckbestimmung", "x")]);
            case(
                V4_1,
                n,
                class,
                &det,
                &(det.clone() + &m(&[("besondereZweckbestimmung", "10000")])),
            );
            case(
                V4_1,
                n,
                class,
                &m(&[
                    ("weitereDetailZweckbestimmung3", "x"),
                    ("weitereZweckbestimmung2", "1000"),
                ]),
                &m(&[
                    ("weitereDetailZweckbestimmung3", "x"),
                    ("weitereBesondZweckbestimmung3", "10000"),
                ]),
            );
        }
        // "ABCDE" codes.
        let zb = |z: &[&str], b: &[&str]| {
            z.iter()
                .map(|v| format!("<zweckbestimmung>{v}</zweckbestimmung>"))
                .collect::<String>()
                + &b.iter()
                    .map(|v| format!("<besondereZweckbestimmung>{v}</besondereZweckbestimmung>"))
                    .collect::<String>()
        };
        case(
            V4_1,
            "4.7.1.4",
            "BP_GemeinbedarfsFlaeche",
            &zb(&["1200"], &["10000"]),
            &zb(&["1000"], &["10000"]),
        );
        case(
            V4_1,
            "4.7.1.4",
            "BP_GemeinbedarfsFlaeche",
            &zb(&["1000", "1200"], &["10000"]),
            &zb(&[], &["10000", "12000"]),
        );
        case(
            V4_1,
            "4.8.3.4",
            gruen,
            &zb(&["1000"], &["10000", "10001"]),
            &zb(&["1000", "1000"], &["10000", "10001"]),
        );
        case(
            V4_1,
            "4.11.1.4",
            "BP_VerEntsorgung",
            &zb(&["1300"], &["10000"]),
            &zb(&["1000", "1300"], &["10000"]),
        );
        for (n, class) in [
            ("4.7.1.5", "BP_GemeinbedarfsFlaeche"),
            ("4.8.3.5", gruen),
            ("4.11.1.5", "BP_VerEntsorgung"),
        ] {
            case(
                V4_1,
                n,
                class,
                &m(&[
                    ("weitereBesondZweckbestimmung2", "10000"),
                    ("weitereZweckbestimmung2", "1200"),
                ]),
                &m(&[
                    ("weitereBesondZweckbestimmung2", "10000"),
                    ("weitereZweckbestimmung1", "1200"),
                ]),
            );
        }
        // Maßnahmen of 4.9.
        let massnahme = "<massnahme><XP_SPEMassnahmenDaten><klassifizMassnahme>1000</klassifizMassnahme></XP_SPEMassnahmenDaten></massnahme>";
        let weitere = |i: u8| {
            format!("<weitereMassnahme{i}><XP_SPEMassnahmenDaten><klassifizMassnahme>1000</klassifizMassnahme></XP_SPEMassnahmenDaten></weitereMassnahme{i}>")
        };
        for (sec, class) in [
            ("4.9.2", "BP_SchutzPflegeEntwicklungsMassnahme"),
            ("4.9.3", "BP_SchutzPflegeEntwicklungsFlaeche"),
            ("4.9.3", "BP_AusgleichsFlaeche"),
            ("4.9.5", "BP_AusgleichsMassnahme"),
        ] {
            case(
                V4_1,
                &format!("{sec}.1"),
                class,
                &weitere(1),
                &(massnahme.to_string() + &weitere(1)),
            );
            case(
                V4_1,
                &format!("{sec}.2"),
                class,
                &(massnahme.to_string() + &weitere(2)),
                &(massnahme.to_string() + &weitere(1) + &weitere(2)),
            );
            case(
                V4_1,
                &format!("{sec}.3"),
                class,
                &(massnahme.repeat(2) + &weitere(1)),
                &massnahme.repeat(2),
            );
        }
    }
}
