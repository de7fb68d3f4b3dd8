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

use super::checks::*;
use super::*;
use crate::gml::{Geometry, Segment};

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

/// A row of chapter 4: `bp!(number, title, versions, on, check)`; one
/// finding per object, its problems joined.
macro_rules! bp {
    ($n:expr, $t:expr, $v:expr, $on:expr, $check:expr) => {
        rule!(PerObject, $n, $t, $v, $on, [$check])
    };
}

/// flaechenschluss false: optional with default false in
/// BP_Geometrieobjekt, to be given elsewhere.
const BP_FALSE: Want = Want::False("BP_Geometrieobjekt");
/// "Überlagerungsobjekt bei flächenhaftem Raumbezug".
const UEBERLAGERUNG: Check = flaechenschluss(true, Ebene::Any, BP_FALSE);
const BAUGEBIET_41: &[&str] = &["BP_Baugebiet", "BP_BaugebietsTeilFlaeche"];
const BTF: &str = "BP_BaugebietsTeilFlaeche";
const GB: &str = "BP_GemeinbedarfsFlaeche";
const GRUEN: &str = "BP_GruenFlaeche";
const VE: &str = "BP_VerEntsorgung";
const MASSNAHMEN_41: &[&str] = &["BP_SchutzPflegeEntwicklungsFlaeche", "BP_AusgleichsFlaeche"];
const BAUWEISE: Check = Code("abweichendeBauweise", &[], "bauweise", &["3000"]);
const ZWECK_SET: Check = Requires("detaillierteZweckbestimmung", &["zweckbestimmung"]);
const SONDER: &str = "sondernutzung";
const BES: &str = "besondereArtDerBaulNutzung";
const T_BAUWEISE: &str = "Konsistenz der Attribute bauweise und abweichendeBauweise";
const T_KEINE_FLAECHE: &str = "Kein flächenhafter Raumbezug";
const T_HOEHENANGABE: &str = "Verwendung der Relation hoehenangabe";
const T_MASSN_1: &str = "Konsistenz der Attribute massnahme und weitereMassnahme1";
const T_MASSN_2: &str = "Konsistenz der Attribute weitereMassnahme2 und weitereMassnahme1";
const T_WEITERE_BES: &str =
    "Konsistenz der Attribute weitereBesondZweckbestimmungi und weitereZweckbestimmungi";
const T_BES_SONDER: &str = "Konsistenz der Attribute besondereArtDerBaulNutzung und sondernutzung";

/// Rules of chapter 4 implemented as checks: most are rows of declarative
/// checks on a class (see [`Check`]), a few functions of the document.
#[rustfmt::skip]
pub(super) const RULES: &[CheckedRule] = &[
    CheckedRule { number: "4.1.2.3", title: T_GEHOERT_ZU_PLAN, versions: ALL, check: |c| gehoert_zu_plan(c, "4.1.2.3", "BP_Bereich", "BP_Plan", false) },
    CheckedRule { number: "4.1.3.5", title: T_BACK_REFS, versions: V41, check: |c| back_refs(c, "4.1.3.5", "BP_Bereich", "inhaltBPlan", "gehoertZuBP_Bereich", true) },
    bp!("4.1.3.6", "BPlan-Inhalte dürfen nicht gleichzeitig als originärer Planinhalt und nachrichtliche Übernahme in den Plan integriert werden", V41, "BP_Objekt", Exclusive(&["gehoertNachrichtlichZuBereich"], &["gehoertZuBP_Bereich"])),
    bp!("4.1.3.9", "Konsistenz der Attribute laermkontingent und laermkontingentGebiet", V52_60, "BP_Objekt", Exclusive(&["laermkontingent"], &["laermkontingentGebiet"])),
    bp!("4.1.4.1", T_BASISEBENE, ALL, "BP_Flaechenobjekt", flaechenschluss(false, Ebene::NotZero, BP_FALSE)),
    bp!("4.1.4.2", T_FLAECHE, ALL, "BP_Flaechenobjekt", Position(&[2], "an area geometry")),
    bp!("4.1.5.1", T_BASISEBENE, ALL, "BP_Geometrieobjekt", flaechenschluss(true, Ebene::NotZero, BP_FALSE)),
    bp!("4.1.5.2", T_FS_ANGABE, ALL, "BP_Geometrieobjekt", flaechenschluss(true, Ebene::Any, Want::Set)),
    bp!("4.1.6.1", T_UEBERLAGERUNGSOBJEKTE, ALL, "BP_Ueberlagerungsobjekt", flaechenschluss(false, Ebene::Any, BP_FALSE)),
    bp!("4.1.7.1", "Flächenschlussobjekte auf Ebene 0 gehören immer zum Flächenschluss", ALL, "BP_Flaechenschlussobjekt", flaechenschluss(false, Ebene::Zero, Want::True)),
    bp!("4.1.8.1", T_LINIE, ALL, "BP_Linienobjekt", Position(&[1], "a line geometry")),
    bp!("4.1.9.1", T_PUNKT, ALL, "BP_Punktobjekt", Position(&[0], "a point geometry")),
    // 4.2: Maß der baulichen Nutzung, for every class that has the
    // attributes (the rule text assigns 4.2 to those classes).
    bp!("4.2.1", T_GFZ, ALL, "BP_*", Combos(GFZ)),
    bp!("4.2.2", "Konsistenz der Angaben zur GF", ALL, "BP_*", Combos(&[&["GFmin", "GFmax"], &["GF"]])),
    bp!("4.2.3", "Konsistenz der Angaben zur GFZ und GF", ALL, "BP_*", Exclusive(&["GFmin", "GFmax", "GF"], &["GFZmin", "GFZmax", "GFZ"])),
    bp!("4.2.4", "Konsistenz der Angaben zur BMZ", V41, "BP_*", Combos(&[&["BMZmin", "BMZmax"], &["BMZ"]])),
    bp!("4.2.5", "Konsistenz der Angaben zur BM", V41, "BP_*", Combos(&[&["BMmin", "BMmax"], &["BM"]])),
    bp!("4.2.6", "Konsistenz der Angaben zur BMZ und BM", V41, "BP_*", Exclusive(&["BMZmin", "BMZmax", "BMZ"], &["BMmin", "BMmax", "BM"])),
    bp!("4.2.6", "Konsistenz der Angaben zur BMZ und BM", V5_6, "BP_*", Exclusive(&["BMZ"], &["BM"])),
    bp!("4.2.7", "Konsistenz der Angaben zur GRZ", ALL, "BP_*", Combos(&[&["GRZmin", "GRZmax"], &["GRZ"]])),
    bp!("4.2.8", "Konsistenz der Angaben zur GR", ALL, "BP_*", Combos(&[&["GRmin", "GRmax"], &["GR"]])),
    bp!("4.2.9", "Konsistenz der Angaben zur GRZ und GR", ALL, "BP_*", Exclusive(&["GRZmin", "GRZmax", "GRZ"], &["GRmin", "GRmax", "GR"])),
    bp!("4.2.10", "Konsistenz der Angaben zu Z", ALL, "BP_*", Combos(&[&["Zmin", "Zmax"], &["Z"], &["Zzwingend"]])),
    bp!("4.2.11", "Konsistenz der Angaben zu ZU", ALL, "BP_*", Combos(&[&["ZUmin", "ZUmax"], &["ZU"], &["ZUzwingend"]])),
    // 4.3: Gestaltung des Baugebiets.
    bp!("4.3.1", "Konsistenz der Angaben zur Dachneigung", V4_5, "BP_*", Combos(&[&["DNmin"], &["DNmin", "DNmax"], &["DN"], &["DNZwingend"]])),
    bp!("4.3.2", "Konsistenz der Attribute dachform und detaillierteDachform", V41, "BP_*", Requires("detaillierteDachform", &["dachform"])),
    bp!("4.3.2", "Konsistenz der Attribute dachform und detaillierteDachform", V50_54, "BP_*", AsOften("detaillierteDachform", "dachform")),
    bp!("4.3.1.1", "Konsistenz der Angaben zur Dachneigung (BP_Dachgestaltung)", V51_60, On::Data("BP_*", &["BP_Dachgestaltung"]), Combos(&[&["DNmin"], &["DNmin", "DNmax"], &["DN"], &["DNzwingend"]])),
    bp!("4.3.1.2", "Konsistenz der Attribute dachform und detaillierteDachform (BP_Dachgestaltung)", V51_60, On::Data("BP_*", &["BP_Dachgestaltung"]), Requires("detaillierteDachform", &["dachform"])),
    // 4.5: Baugebiete.
    bp!("4.5.1.2", T_ALLG_BES, V41, BAUGEBIET_41, All(ALLG_BES_41)),
    bp!("4.5.1.2", T_ALLG_BES, V50_53, BTF, All(ALLG_BES_50)),
    bp!("4.5.1.2", T_ALLG_BES, V54_60, BTF, All(ALLG_BES_54)),
    bp!("4.5.1.3", T_BES_SONDER, V41_50, BAUGEBIET_41, All(&[Code(SONDER, &["1000"], BES, &["3000"]), Code(SONDER, &["1100", "1200", "1300", "1400"], BES, &["2000"]), Code(SONDER, SONDER_2100_41, BES, &["2100"])])),
    bp!("4.5.1.3", T_BES_SONDER, &[V5_1], BTF, All(&[Code(SONDER, SONDER_2000, BES, &["2000"]), Code(SONDER, SONDER_2100_41, BES, &["2100"])])),
    bp!("4.5.1.3", T_BES_SONDER, V52_54, BTF, All(&[Code(SONDER, SONDER_2000, BES, &["2000"]), Code(SONDER, SONDER_2100_52, BES, &["2100"])])),
    bp!("4.5.1.3", T_BES_SONDER, V60, BTF, All(&[Code(SONDER_60, SONDER_2000, BES, &["2000"]), Code(SONDER_60, SONDER_2100_60, BES, &["2100"])])),
    bp!("4.5.1.4", T_BAUWEISE, ALL, BAUGEBIET_41, BAUWEISE),
    bp!("4.5.1.5", "Konsistenz der Attribute detaillierteArtDerBaulNutzung, allgArtDerBaulNutzung, besondereArtDerBaulNutzung und sondernutzung", V4_5, BAUGEBIET_41, Requires("detaillierteArtDerBaulNutzung", &["allgArtDerBaulNutzung", BES, SONDER])),
    bp!("4.5.1.5", T_DETAIL_ART_60, V60, BTF, Requires("detaillierteArtDerBaulNutzung", &["allgArtDerBaulNutzung", BES])),
    bp!("4.5.1.6", "Konsistenz der Attribute detaillierteSondernutzung und sondernutzung", V53_54, BTF, Requires("detaillierteSondernutzung", &[SONDER])),
    bp!("4.5.1.7", T_SONDER_MEHRFACH, V60, BTF, OneGroup(SONDER_60, &[SONDER_2000, SONDER_2100_60])),
    bp!("4.5.2.3", T_BAUWEISE, V5_6, "BP_UeberbaubareGrundstuecksFlaeche", BAUWEISE),
    bp!("4.5.3.1", T_BAUWEISE, V52_60, "BP_BesondererNutzungszweckFlaeche", BAUWEISE),
    bp!("4.5.10.1", "Konsistenz der Attribute typ und sonstTyp", ALL, "BP_SpezielleBauweise", Code("sonstTyp", &[], "typ", &["9999"])),
    bp!("4.5.13.3", T_DET_ZW, V50_54, "BP_NebenanlagenFlaeche", DETAIL_AS_OFTEN),
    bp!("4.5.14.4", T_DET_ZW, V50_54, "BP_GemeinschaftsanlagenFlaeche", DETAIL_AS_OFTEN),
    bp!("4.5.15.1", T_UEBERLAGERUNG, ALL, "BP_GemeinschaftsanlagenZuordnung", UEBERLAGERUNG),
    bp!("4.5.20.2", T_BAUWEISE, V54_60, "BP_WohngebaeudeFlaeche", BAUWEISE),
    bp!("4.5.20.3", "Konsistenz zur Planart", V54_60, "BP_WohngebaeudeFlaeche", Custom(wohngebaeude_planart)),
    // 4.6 to 4.14.
    bp!("4.6.3.1", T_UEBERLAGERUNG, V41, "BP_DenkmalschutzEinzelanlage", UEBERLAGERUNG),
    bp!("4.7.1.6", T_DET_ZW, V50_54, GB, DETAIL_AS_OFTEN),
    bp!("4.7.1.7", T_BAUWEISE, V52_60, GB, BAUWEISE),
    bp!("4.7.2.3", T_DET_ZW, V50_54, "BP_SpielSportanlagenFlaeche", DETAIL_AS_OFTEN),
    bp!("4.8.1.3", T_DET_ZW, V50_54, "BP_WaldFlaeche", DETAIL_AS_OFTEN),
    bp!("4.8.2.3", T_DET_ZW, V50_54, "BP_Landwirtschaft", DETAIL_AS_OFTEN),
    bp!("4.8.2.4", T_FS_AREA, V4_5, "BP_Landwirtschaft", FLAECHENSCHLUSSOBJEKT),
    bp!("4.8.3.6", T_DET_ZW, V50_54, GRUEN, DETAIL_AS_OFTEN),
    bp!("4.8.4.1", T_DET_ZW, V51_54, "BP_LandwirtschaftsFlaeche", DETAIL_AS_OFTEN),
    bp!("4.9.5.4", T_UEBERLAGERUNG, ALL, "BP_AusgleichsMassnahme", UEBERLAGERUNG),
    bp!("4.9.6.1", T_UEBERLAGERUNG, V41_50, "BP_AnpflanzungBindungErhaltung", UEBERLAGERUNG),
    bp!("4.10.2.1", T_UEBERLAGERUNG, V4_5, "BP_Immissionsschutz", UEBERLAGERUNG),
    bp!("4.10.2.2", T_TECHN, V52_60, "BP_Immissionsschutz", Requires("detaillierteTechnVorkehrung", &["technVorkehrung"])),
    bp!("4.10.2.3", "Konsistenz der Attribute für laermpegelbereich / sonstLaermpegelbereich und massgeblAussenLaermpegelTag / massgeblAussenLaermpegelNacht", V60, "BP_Immissionsschutz", Exclusive(&["laermpegelbereich", "sonstLaermpegelbereich"], &["massgeblAussenLaermpegelTag", "massgeblAussenLaermpegelNacht"])),
    bp!("4.10.2.4", "Konsistenz der Attribute für laermpegelbereich und sonstLaermpegelbereich", V60, "BP_Immissionsschutz", Code("sonstLaermpegelbereich", &[], "laermpegelbereich", &["1700"])),
    bp!("4.11.1.6", T_DET_ZW, V50_54, VE, DETAIL_AS_OFTEN),
    bp!("4.11.1.7", T_FS_AREA, ALL, VE, FLAECHENSCHLUSSOBJEKT),
    bp!("4.12.2.2", T_DET_ZW, V41_51, "BP_VerkehrsflaecheBesondererZweckbestimmung", ZWECK_SET),
    bp!("4.12.2.2", T_DET_ZW, V52_54, "BP_VerkehrsflaecheBesondererZweckbestimmung", DETAIL_AS_OFTEN),
    bp!("4.12.2.3", T_FS_AREA, V51_54, "BP_VerkehrsflaecheBesondererZweckbestimmung", FLAECHENSCHLUSSOBJEKT),
    bp!("4.12.3.1", T_UEBERLAGERUNG, ALL, "BP_Strassenkoerper", UEBERLAGERUNG),
    bp!("4.13.1.1", T_DET_ZW, V4_5, "BP_GewaesserFlaeche", ZWECK_SET),
    bp!("4.13.2.1", T_DET_ZW, V4_5, "BP_WasserwirtschaftsFlaeche", ZWECK_SET),
    bp!("4.14.2.1", T_UEBERLAGERUNG, ALL, &["BP_UnverbindlicheVormerkung", "BP_Wegerecht"], UEBERLAGERUNG),
    bp!("4.14.3.1", "Konsistenz der Attribute startWinkel und endWinkel", ALL, "BP_AbstandsMass", Combos(&[&["startWinkel", "endWinkel"]])),
    bp!("4.14.3.2", T_KEINE_FLAECHE, V4_5, "BP_AbstandsMass", NoArea),
    bp!("4.14.3.3", "Geometrie-Restriktion für Abstandsmaße", V60, "BP_AbstandsMass", Custom(abstandsmass_linestring)),
    bp!("4.14.3.4", "Geometrie-Restriktion für Winkelmaße", V60, "BP_AbstandsMass", Custom(winkelmass_arc)),
    bp!("4.14.6.1", T_TEXT_DARST, V4_5, "BP_TextlicheFestsetzungsFlaeche", Required(&["refTextInhalt"])),
    bp!("4.14.7.1", T_HOEHENANGABE, V41_50, "BP_HoehenMass", Custom(hoehenangabe_41)),
    bp!("4.14.7.1", T_HOEHENANGABE, V51_60, "BP_HoehenMass", Custom(hoehenangabe)),
    bp!("4.14.7.2", T_KEINE_FLAECHE, ALL, "BP_HoehenMass", NoArea),
    // Printed as "4.14.124.14.6.1" in the 6.0 text: the rule of the new
    // section 4.14.12 (like 5.10.10.1 and 6.5.3.1), replacing 4.14.6.1.
    bp!("4.14.12.1", T_TEXT_DARST, V60, "BP_TextAbschnittFlaeche", Required(&["refTextInhalt"])),
    // XPlanGML 4.1 only: the numbered attributes weitere...i besides the
    // repeated ones, and the "ABCDE" codes of besondereZweckbestimmung.
    bp!("4.5.13.1", T_MEHR_ZW, V41, "BP_NebenanlagenFlaeche", Weitere(upto(ZWECK, 4))),
    bp!("4.5.13.2", T_MEHR_DET, V41, "BP_NebenanlagenFlaeche", Weitere(upto(DETAIL, 4))),
    bp!("4.5.13.3", T_DET_ZW, V41, "BP_NebenanlagenFlaeche", Detail41(4, false)),
    bp!("4.5.14.1", T_MEHR_ZW, V41, "BP_GemeinschaftsanlagenFlaeche", Weitere(upto(ZWECK, 4))),
    bp!("4.5.14.2", T_MEHR_DET, V41, "BP_GemeinschaftsanlagenFlaeche", Weitere(upto(DETAIL, 4))),
    bp!("4.5.14.4", T_DET_ZW, V41, "BP_GemeinschaftsanlagenFlaeche", Detail41(4, false)),
    bp!("4.7.1.1", T_MEHR_ZW, V41, GB, Weitere(upto(ZWECK, 4))),
    bp!("4.7.1.2", T_MEHR_BES, V41, GB, Weitere(upto(BESOND, 4))),
    bp!("4.7.1.3", T_MEHR_DET, V41, GB, Weitere(upto(DETAIL, 4))),
    bp!("4.7.1.4", T_ZW_BES, V41, GB, Prefix(&["besondereZweckbestimmung"], &["zweckbestimmung"], 1)),
    bp!("4.7.1.5", T_WEITERE_BES, V41, GB, Prefix(numbered(BESOND, 4), numbered(ZWECK, 4), usize::MAX)),
    bp!("4.7.1.6", T_DET_ZW_B, V41, GB, Detail41(4, true)),
    bp!("4.7.2.1", T_MEHR_ZW, V41, "BP_SpielSportanlagenFlaeche", Weitere(upto(ZWECK, 1))),
    bp!("4.7.2.2", T_MEHR_DET, V41, "BP_SpielSportanlagenFlaeche", Weitere(upto(DETAIL, 1))),
    bp!("4.7.2.3", T_DET_ZW, V41, "BP_SpielSportanlagenFlaeche", Detail41(1, false)),
    bp!("4.8.1.1", T_MEHR_ZW, V41, "BP_WaldFlaeche", Weitere(upto(ZWECK, 2))),
    bp!("4.8.1.2", T_MEHR_DET, V41, "BP_WaldFlaeche", Weitere(upto(DETAIL, 2))),
    bp!("4.8.1.3", T_DET_ZW, V41, "BP_WaldFlaeche", Detail41(2, false)),
    bp!("4.8.2.1", T_MEHR_ZW, V41, "BP_Landwirtschaft", Weitere(upto(ZWECK, 3))),
    bp!("4.8.2.2", T_MEHR_DET, V41, "BP_Landwirtschaft", Weitere(upto(DETAIL, 3))),
    bp!("4.8.2.3", T_DET_ZW, V41, "BP_Landwirtschaft", Detail41(3, false)),
    bp!("4.8.3.1", T_MEHR_ZW, V41, GRUEN, Weitere(upto(ZWECK, 4))),
    bp!("4.8.3.2", T_MEHR_BES, V41, GRUEN, Weitere(upto(BESOND, 4))),
    bp!("4.8.3.3", T_MEHR_DET, V41, GRUEN, Weitere(upto(DETAIL, 4))),
    bp!("4.8.3.4", T_ZW_BES, V41, GRUEN, Prefix(&["besondereZweckbestimmung"], &["zweckbestimmung"], 2)),
    bp!("4.8.3.5", T_WEITERE_BES, V41, GRUEN, Prefix(numbered(BESOND, 4), numbered(ZWECK, 4), usize::MAX)),
    bp!("4.8.3.6", T_DET_ZW_B, V41, GRUEN, Detail41(4, true)),
    bp!("4.9.2.1", T_MASSN_1, V41, "BP_SchutzPflegeEntwicklungsMassnahme", Once("weitereMassnahme1", "massnahme")),
    bp!("4.9.2.2", T_MASSN_2, V41, "BP_SchutzPflegeEntwicklungsMassnahme", Requires("weitereMassnahme2", &["weitereMassnahme1"])),
    bp!("4.9.2.3", T_MEHR_MASSN, V41, "BP_SchutzPflegeEntwicklungsMassnahme", IfMany(MASSNAHME)),
    bp!("4.9.3.1", T_MASSN_1, V41, MASSNAHMEN_41, Once("weitereMassnahme1", "massnahme")),
    bp!("4.9.3.2", T_MASSN_2, V41, MASSNAHMEN_41, Requires("weitereMassnahme2", &["weitereMassnahme1"])),
    bp!("4.9.3.3", T_MEHR_MASSN, V41, MASSNAHMEN_41, IfMany(MASSNAHME)),
    bp!("4.9.5.1", T_MASSN_1, V41, "BP_AusgleichsMassnahme", Once("weitereMassnahme1", "massnahme")),
    bp!("4.9.5.2", T_MASSN_2, V41, "BP_AusgleichsMassnahme", Requires("weitereMassnahme2", &["weitereMassnahme1"])),
    bp!("4.9.5.3", T_MEHR_MASSN, V41, "BP_AusgleichsMassnahme", IfMany(MASSNAHME)),
    bp!("4.11.1.1", T_MEHR_ZW, V41, VE, Weitere(upto(ZWECK, 3))),
    bp!("4.11.1.2", T_MEHR_BES, V41, VE, Weitere(upto(BESOND, 3))),
    bp!("4.11.1.3", T_MEHR_DET, V41, VE, Weitere(upto(DETAIL, 3))),
    bp!("4.11.1.4", T_ZW_BES, V41, VE, Prefix(&["besondereZweckbestimmung"], &["zweckbestimmung"], 2)),
    bp!("4.11.1.5", T_WEITERE_BES, V41, VE, Prefix(numbered(BESOND, 3), numbered(ZWECK, 3), usize::MAX)),
    bp!("4.11.1.6", T_DET_ZW_B, V41, VE, Detail41(3, true)),
    bp!("4.14.1.1", T_MEHR_ZW, V41, "BP_GenerischesObjekt", Weitere(upto(ZWECK, 4))),
    bp!("4.14.4.1", T_MEHR_ZW, V41, "BP_KennzeichnungsFlaeche", Weitere(&["zweckbestimmung", "weitereZweckbestimmung"])),
];

/// 4.5.20.3: the plans of a BP_WohngebaeudeFlaeche (see [`plans_of`])
/// have planArt 10002.
fn wohngebaeude_planart(c: &Ctx, f: &Feature) -> Option<String> {
    let wrong: Vec<String> = plans_of(c, f, "BP_Plan")
        .iter()
        .filter_map(|p| {
            let art = values(&p.properties, "planArt");
            (!art.iter().any(|a| a == "10002")).then(|| {
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
        })
        .collect();
    (!wrong.is_empty()).then(|| format!("{}; 10002 is required", wrong.join(", ")))
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
            if set(o, a) {
                problems.push(format!(
                    "XP_Hoehenangabe has {}, which must not be set",
                    show(o, a)
                ));
            }
        }
        if !set(o, "h") {
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
