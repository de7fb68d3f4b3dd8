//! Chapters 2.1 and 3 of the Konformitätsbedingungen: general rules and
//! Basisschema (rules beyond those in the parent module).

use super::*;

/// Rules of chapters 2.1 and 3 implemented as checks.
pub(super) const RULES: &[CheckedRule] = &[];
