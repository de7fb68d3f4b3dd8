//! Plans in a document: which features belong to which plan, plan type,
//! status and the metadata the store keeps per plan.

use super::document::{Document, Feature};
use super::props::{Map, Value};
use super::XplanError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};

/// The five plan families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PlanType {
    BP,
    FP,
    RP,
    LP,
    SO,
}

impl PlanType {
    pub fn from_feature_type(t: &str) -> Option<PlanType> {
        match t.get(..3)? {
            "BP_" => Some(PlanType::BP),
            "FP_" => Some(PlanType::FP),
            "RP_" => Some(PlanType::RP),
            "LP_" => Some(PlanType::LP),
            "SO_" => Some(PlanType::SO),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PlanType::BP => "BP",
            PlanType::FP => "FP",
            PlanType::RP => "RP",
            PlanType::LP => "LP",
            PlanType::SO => "SO",
        }
    }
    pub fn parse(s: &str) -> Option<PlanType> {
        Self::from_feature_type(&format!("{}_", s.to_ascii_uppercase()))
    }
}

/// Publication status of a plan (each served by its own endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    InAufstellung,
    Festgestellt,
    Archiviert,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::InAufstellung => "in_aufstellung",
            PlanStatus::Festgestellt => "festgestellt",
            PlanStatus::Archiviert => "archiviert",
        }
    }

    /// Accepts "in_aufstellung", "IN_AUFSTELLUNG", "in-aufstellung", ...
    pub fn parse(s: &str) -> Option<PlanStatus> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "in_aufstellung" | "inaufstellung" => Some(PlanStatus::InAufstellung),
            "festgestellt" => Some(PlanStatus::Festgestellt),
            "archiviert" => Some(PlanStatus::Archiviert),
            _ => None,
        }
    }

    /// The status a plan gets from its rechtsstand code (as xPlanBox
    /// derives it): no code means festgestellt.
    pub fn from_rechtsstand(plan_type: PlanType, rechtsstand: Option<i32>) -> PlanStatus {
        let Some(code) = rechtsstand.filter(|c| *c >= 0) else {
            return PlanStatus::Festgestellt;
        };
        use PlanStatus::*;
        match plan_type {
            PlanType::BP => match code {
                45000 | 45001 => Festgestellt,
                3000..=4999 => Festgestellt,
                c if c >= 5000 => Archiviert,
                _ => InAufstellung,
            },
            PlanType::FP => match code {
                4000..=4999 => Festgestellt,
                c if c >= 5000 => Archiviert,
                _ => InAufstellung,
            },
            PlanType::LP => match code {
                4000 | 6000 => Festgestellt,
                5000 => Archiviert,
                _ => InAufstellung,
            },
            PlanType::RP => match code {
                4000..=5999 => Festgestellt,
                c if c >= 6000 => Archiviert,
                _ => InAufstellung,
            },
            PlanType::SO => Festgestellt,
        }
    }
}

impl std::fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One plan of a document: its plan feature, Bereiche and members.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanData {
    /// Index of the plan feature in [`Document::features`].
    pub plan: usize,
    pub plan_type: PlanType,
    /// Indices of the features of this plan in document order (the plan
    /// and its Bereiche included).
    pub members: Vec<usize>,
    /// Indices of the Bereiche.
    pub bereiche: Vec<usize>,
    /// For each member: the gml:id of the Bereich it belongs to, if any.
    pub bereich_of: HashMap<usize, String>,
}

impl PlanData {
    pub fn name<'a>(&self, doc: &'a Document) -> &'a str {
        doc.features[self.plan].text("name").unwrap_or("")
    }

    /// Codes of the Gemeinden (AGS) of the plan.
    pub fn ags(&self, doc: &Document) -> Vec<String> {
        gemeinden(&doc.features[self.plan])
            .iter()
            .filter_map(|g| g.get("ags").and_then(Value::as_str).map(str::to_string))
            .collect()
    }
}

/// The XP_Gemeinde objects of a plan feature.
pub fn gemeinden<'a>(plan: &'a Feature) -> Vec<&'a Map> {
    let mut out = Vec::new();
    let mut push = |v: &'a Value| {
        if let Value::Object(o) = v {
            out.push(o);
        }
    };
    match plan.properties.get("gemeinde") {
        Some(Value::Array(a)) => a.iter().for_each(&mut push),
        Some(v) => push(v),
        None => {}
    }
    out
}

/// Properties that tie a feature to its Bereich (backwards links).
const BEREICH_LINKS: &[&str] = &[
    "gehoertZuBereich",
    "gehoertZuBP_Bereich",
    "gehoertZuFP_Bereich",
    "gehoertZuRP_Bereich",
    "gehoertZuLP_Bereich",
    "gehoertZuSO_Bereich",
    "gehoertNachrichtlichZuBereich",
];

/// Properties of a Bereich that list its members.
const BEREICH_MEMBERS: &[&str] = &[
    "planinhalt",
    "praesentationsobjekt",
    "inhaltBPlan",
    "inhaltFPlan",
    "inhaltRPlan",
    "inhaltLPlan",
    "inhaltSoPlan",
    "nachrichtlich",
    "rasterBasis",
    "rasterAenderung",
];

/// Splits a document into its plans. With one plan every feature belongs
/// to it; with several, features are assigned by following references from
/// each plan and its Bereiche, and a feature no plan reaches is an error.
pub fn split_plans(doc: &Document) -> Result<Vec<PlanData>, XplanError> {
    split_features(&doc.features)
}

/// [`split_plans`] of a run of features (indices into the slice).
pub fn split_features(features: &[Feature]) -> Result<Vec<PlanData>, XplanError> {
    let plans: Vec<usize> = (0..features.len())
        .filter(|&i| features[i].is_plan())
        .collect();
    if plans.is_empty() {
        return Err(XplanError::Structure(
            "the document contains no plan (BP_Plan, FP_Plan, RP_Plan, LP_Plan or SO_Plan)".into(),
        ));
    }
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        if by_id.insert(f.gml_id.as_str(), i).is_some() {
            return Err(XplanError::Structure(format!(
                "gml:id '{}' is used by more than one feature (line {})",
                f.gml_id, f.line
            )));
        }
    }
    // Incoming Bereich links: bereich index -> features pointing to it.
    let mut bereich_incoming: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        for r in &f.references {
            if BEREICH_LINKS.contains(&r.property.as_str()) {
                if let Some(&b) = r.local_target().and_then(|t| by_id.get(t)) {
                    bereich_incoming.entry(b).or_default().push(i);
                }
            }
        }
    }

    // Bereiche pointing to their plan (gehoertZuPlan), by plan gml:id.
    let mut bereiche_of_plan: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        if f.is_bereich() {
            for t in f.refs("gehoertZuPlan") {
                bereiche_of_plan.entry(t).or_default().push(i);
            }
        }
    }
    let mut out = Vec::with_capacity(plans.len());
    let mut reached = vec![false; features.len()];
    for &p in &plans {
        let plan = &features[p];
        let plan_type = PlanType::from_feature_type(&plan.feature_type).expect("plan type");
        // Bereiche: referenced by the plan, or pointing to it.
        let mut bereiche: Vec<usize> = plan
            .refs("bereich")
            .filter_map(|t| by_id.get(t).copied())
            .collect();
        for &i in bereiche_of_plan
            .get(plan.gml_id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            if !bereiche.contains(&i) {
                bereiche.push(i);
            }
        }
        bereiche.retain(|&b| features[b].is_bereich());
        bereiche.sort_unstable();

        let mut bereich_of: HashMap<usize, String> = HashMap::new();
        let mut members: HashSet<usize> = HashSet::new();
        if plans.len() == 1 {
            members.extend(0..features.len());
        } else {
            let mut queue: VecDeque<usize> = VecDeque::new();
            members.insert(p);
            queue.push_back(p);
            for &b in &bereiche {
                if members.insert(b) {
                    queue.push_back(b);
                }
            }
            while let Some(i) = queue.pop_front() {
                let f = &features[i];
                let mut next: Vec<usize> = f
                    .references
                    .iter()
                    .filter_map(|r| r.local_target())
                    .filter_map(|t| by_id.get(t).copied())
                    .collect();
                if let Some(inc) = bereich_incoming.get(&i) {
                    next.extend(inc.iter().copied());
                }
                for j in next {
                    let g = &features[j];
                    // Do not wander into other plans or their Bereiche.
                    if (g.is_plan() && j != p) || (g.is_bereich() && !bereiche.contains(&j)) {
                        continue;
                    }
                    if members.insert(j) {
                        queue.push_back(j);
                    }
                }
            }
        }
        for &b in &bereiche {
            let bid = &features[b].gml_id;
            for m in BEREICH_MEMBERS {
                for t in features[b].refs(m) {
                    if let Some(&j) = by_id.get(t) {
                        bereich_of.entry(j).or_insert_with(|| bid.clone());
                    }
                }
            }
            if let Some(inc) = bereich_incoming.get(&b) {
                for &j in inc {
                    bereich_of.entry(j).or_insert_with(|| bid.clone());
                }
            }
        }
        let mut members: Vec<usize> = members.into_iter().collect();
        members.sort_unstable();
        for &m in &members {
            reached[m] = true;
        }
        out.push(PlanData {
            plan: p,
            plan_type,
            members,
            bereiche,
            bereich_of,
        });
    }
    if plans.len() > 1 {
        if let Some(i) = reached.iter().position(|r| !r) {
            let f = &features[i];
            return Err(XplanError::Structure(format!(
                "feature {} '{}' (line {}) belongs to none of the {} plans of the document: with several plans every feature must be referenced from its plan or Bereich",
                f.feature_type,
                f.gml_id,
                f.line,
                plans.len()
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_from_rechtsstand() {
        use PlanStatus::*;
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::BP, None),
            Festgestellt
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::BP, Some(1000)),
            InAufstellung
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::BP, Some(3000)),
            Festgestellt
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::BP, Some(4000)),
            Festgestellt
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::BP, Some(5000)),
            Archiviert
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::BP, Some(45000)),
            Festgestellt
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::FP, Some(3000)),
            InAufstellung
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::FP, Some(4000)),
            Festgestellt
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::LP, Some(5000)),
            Archiviert
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::RP, Some(6000)),
            Archiviert
        );
        assert_eq!(
            PlanStatus::from_rechtsstand(PlanType::SO, Some(1000)),
            Festgestellt
        );
        assert_eq!(PlanStatus::parse("IN_AUFSTELLUNG"), Some(InAufstellung));
        assert_eq!(PlanStatus::parse("bogus"), None);
    }
}
