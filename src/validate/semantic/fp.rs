//! Chapter 5 of the Konformitätsbedingungen: FPlan.

use super::*;

/// Relation rules of chapter 5 (FPlan).
pub(super) const RELATIONS: &[RelationRule] = &[
    r!(
        "5.1.3.1",
        "Einschränkung der Relation wirdAusgeglichenDurchFlaeche",
        "FP_*",
        "wirdAusgeglichenDurchFlaeche",
        "FP_AusgleichsFlaeche",
        ALL
    ),
    r!(
        "5.1.3.2",
        "Einschränkung der Relation wirdAusgeglichenDurchSPE",
        "FP_*",
        "wirdAusgeglichenDurchSPE",
        "FP_SchutzPflegeEntwicklung",
        ALL
    ),
    r!(
        "5.1.3.5",
        "Einschränkung der Relation refTextinhalt",
        "FP_*",
        "refTextInhalt",
        "FP_TextAbschnitt",
        &[V5_0, V5_1, V5_2]
    ),
    r!(
        "5.1.3.5",
        "Einschränkung der Relation refTextinhalt",
        "FP_*",
        "refTextInhalt",
        "XP_TextAbschnitt",
        &[V5_3, V5_4]
    ),
];

/// Rules of chapter 5 implemented as checks.
pub(super) const RULES: &[CheckedRule] = &[];
