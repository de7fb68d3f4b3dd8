//! Chapter 4 of the Konformitätsbedingungen: BPlan.

use super::*;

/// Relation rules of chapter 4 (BPlan).
pub(super) const RELATIONS: &[RelationRule] = &[
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
        "BP_*",
        "abweichungText",
        "BP_TextAbschnitt",
        &[V5_4]
    ),
    r!(
        "4.5.20.1",
        "Relation abweichungText",
        "BP_*",
        "abweichungText",
        "XP_TextAbschnitt",
        &[V6_0]
    ),
];

/// Rules of chapter 4 implemented as checks.
pub(super) const RULES: &[CheckedRule] = &[];
