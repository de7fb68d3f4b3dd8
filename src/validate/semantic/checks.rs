//! The declarative checks of the rule tables: a row names the objects a
//! rule looks at ([`On`]) and the checks ([`Check`]) made on each of them;
//! [`run`] evaluates a row over a document. Class tests are made once per
//! feature type ([`Ctx::type_mask`]), not per feature.

use super::*;
use crate::xplan::props::{Map, Value};
use crate::xplan::Feature;

/// A row of a rule table: `rule!(report, number, title, versions, on,
/// [checks])`, `report` a [`Report`] variant, `on` a class name, an array
/// of class names or an [`On`].
macro_rules! rule {
    ($report:ident, $n:expr, $t:expr, $v:expr, $on:expr, $checks:expr) => {
        CheckedRule {
            number: $n,
            title: $t,
            versions: $v,
            check: |c| {
                $crate::validate::semantic::checks::run(
                    c,
                    $n,
                    $crate::validate::semantic::checks::On::from($on),
                    &$checks,
                    $crate::validate::semantic::checks::Report::$report,
                )
            },
        }
    };
}

/// The objects a row looks at. Class names may be patterns as in the
/// relation rules: "BP_*" for every class of a plan type, "*" for every
/// class.
#[derive(Clone, Copy)]
pub(super) enum On {
    /// Instances of the class or of classes derived from it.
    Class(&'static str),
    /// Instances of one of the classes or of classes derived from them.
    Classes(&'static [&'static str]),
    /// The values of the data types `.1` anywhere in instances of `.0`.
    Data(&'static str, &'static [&'static str]),
}

impl On {
    fn selects(self, codes: &CodeLists, feature_type: &str) -> bool {
        match self {
            On::Class(k) | On::Data(k, _) => matches(codes, k, feature_type),
            On::Classes(ks) => ks.iter().any(|k| matches(codes, k, feature_type)),
        }
    }
}

impl From<&'static str> for On {
    fn from(class: &'static str) -> On {
        On::Class(class)
    }
}

impl From<&'static [&'static str]> for On {
    fn from(classes: &'static [&'static str]) -> On {
        On::Classes(classes)
    }
}

impl<const N: usize> From<&'static [&'static str; N]> for On {
    fn from(classes: &'static [&'static str; N]) -> On {
        On::Classes(classes)
    }
}

/// How a row reports its problems.
#[derive(Clone, Copy)]
pub(super) enum Report {
    /// One finding per object, its problems joined (chapter 4).
    PerObject,
    /// One finding per problem, the row's checks in turn (chapters 3, 5
    /// and 6).
    PerProblem,
}

/// The condition on `ebene` for a flaechenschluss check (unset is 0, the
/// schema's default).
#[derive(Clone, Copy)]
pub(super) enum Ebene {
    Any,
    Zero,
    NotZero,
}

/// What flaechenschluss must be.
#[derive(Clone, Copy)]
pub(super) enum Want {
    True,
    /// false; unset counts as false in instances of the class (a pattern
    /// as in [`On`]: where the schema makes false the default), elsewhere
    /// false must be given.
    False(&'static str),
    /// given.
    Set,
}

/// A declarative check of one object: the attribute checks look at the
/// attributes of a feature or of a data type value (a name may be a path
/// "a/b" into data types), the others at the feature.
#[derive(Clone, Copy)]
pub(super) enum Check {
    /// The attributes set among those named may only form one of these
    /// combinations.
    Combos(&'static [&'static [&'static str]]),
    /// No attribute of the first group together with one of the second.
    Exclusive(&'static [&'static str], &'static [&'static str]),
    /// One of the attributes is set.
    Required(&'static [&'static str]),
    /// Exactly one of the attributes is set.
    OneOf(&'static [&'static str]),
    /// If `.0` is set, one of `.1` is set too.
    Requires(&'static str, &'static [&'static str]),
    /// `.0` is set at most as often as `.1`.
    AsOften(&'static str, &'static str),
    /// If `.0` is set, `.1` is set exactly once.
    Once(&'static str, &'static str),
    /// A code list implication: if `.0` has one of the values `.1` (any
    /// value, when empty), `.2` is unset or has one of the values `.3`.
    Code(
        &'static str,
        &'static [&'static str],
        &'static str,
        &'static [&'static str],
    ),
    /// As `Code`, and `.2` must be set.
    CodeRequired(
        &'static str,
        &'static [&'static str],
        &'static str,
        &'static [&'static str],
    ),
    /// If the data type attribute of the path "a/b" is set more than once,
    /// the values of its b all lie in the same one of the groups.
    OneGroup(&'static str, &'static [&'static [&'static str]]),
    /// Each attribute after the first only together with the one before
    /// it (numbered attributes are used in ascending order).
    Chain(&'static [&'static str]),
    /// If the first attribute is set more than once, none of the others
    /// is set.
    IfMany(&'static [&'static str]),
    /// XPlanGML 4.1's "ABCDE" codes, for each pair of attributes
    /// (special, general) of `.0` and `.1`: when general is set, a value
    /// ABCDE of special needs the value ABCD of general, and special set
    /// at least `.2` times needs general as often.
    Prefix(&'static [&'static str], &'static [&'static str], usize),
    /// XPlanGML 4.1's attribute `.0[0]` with its numbered companions
    /// `.0[1..]` (chapter 4's "Verwendung der Attribute zur Spezifikation
    /// mehrerer ..."): a single value is given in the first; the others
    /// are not used when the first is set several times, and are used in
    /// ascending order.
    Weitere(&'static [&'static str]),
    /// XPlanGML 4.1's detaillierte Zweckbestimmung with `.0` numbered
    /// companions: detaillierteZweckbestimmung as often as
    /// zweckbestimmung (or, with `.1`, besondereZweckbestimmung);
    /// weitereDetailZweckbestimmung{i} only with weitereZweckbestimmung{i}
    /// (or weitereBesondZweckbestimmung{i}).
    Detail41(usize, bool),
    /// All of these checks, object by object.
    All(&'static [Check]),
    /// flaechenschluss must be as wanted when `position` is an area (with
    /// `area`) and `ebene` meets the condition.
    Flaechenschluss {
        area: bool,
        ebene: Ebene,
        want: Want,
    },
    /// Each geometry of `position` has one of the dimensions `.0` (0
    /// point, 1 line, 2 area), `.1` naming them; reported at the geometry.
    Position(&'static [u8], &'static str),
    /// `position` is not an area.
    NoArea,
    /// A check of its own: the problem, if any.
    Custom(fn(&Ctx, &Feature) -> Option<String>),
}

/// zweckbestimmung and XPlanGML 4.1's weitereZweckbestimmung1 to 5.
pub(super) const ZWECK: &[&str] = &[
    "zweckbestimmung",
    "weitereZweckbestimmung1",
    "weitereZweckbestimmung2",
    "weitereZweckbestimmung3",
    "weitereZweckbestimmung4",
    "weitereZweckbestimmung5",
];
/// besondereZweckbestimmung and weitereBesondZweckbestimmung1 to 5.
pub(super) const BESOND: &[&str] = &[
    "besondereZweckbestimmung",
    "weitereBesondZweckbestimmung1",
    "weitereBesondZweckbestimmung2",
    "weitereBesondZweckbestimmung3",
    "weitereBesondZweckbestimmung4",
    "weitereBesondZweckbestimmung5",
];
/// detaillierteZweckbestimmung and weitereDetailZweckbestimmung1 to 5.
pub(super) const DETAIL: &[&str] = &[
    "detaillierteZweckbestimmung",
    "weitereDetailZweckbestimmung1",
    "weitereDetailZweckbestimmung2",
    "weitereDetailZweckbestimmung3",
    "weitereDetailZweckbestimmung4",
    "weitereDetailZweckbestimmung5",
];
/// massnahme and weitereMassnahme1, 2.
pub(super) const MASSNAHME: &[&str] = &["massnahme", "weitereMassnahme1", "weitereMassnahme2"];

/// The values of sondernutzung (5.1 on) that need
/// besondereArtDerBaulNutzung 2000.
pub(super) const SONDER_2000: &[&str] = &["1000", "1100", "1200", "1300", "1400"];
/// The values of sondernutzung that need besondereArtDerBaulNutzung 2100:
/// 4.1 to 5.1,
pub(super) const SONDER_2100_41: &[&str] = &[
    "1500", "1600", "16000", "16001", "16002", "1700", "1800", "1900", "2000", "2100", "2200",
    "2300", "2400", "2500", "2600", "2700", "2800", "2900", "9999",
];
/// 5.2 to 5.4,
pub(super) const SONDER_2100_52: &[&str] = &[
    "1500", "1600", "16000", "16001", "16002", "1700", "1800", "1900", "2000", "2100", "2200",
    "2300", "23000", "2400", "2500", "2600", "2700", "2720", "2800", "2900", "9999",
];
/// 6.0.
pub(super) const SONDER_2100_60: &[&str] = &[
    "1500", "1600", "16000", "16001", "16002", "1650", "1700", "1800", "1900", "2000", "2100",
    "2200", "2300", "23000", "2400", "2500", "2600", "2700", "2720", "2800", "2900", "9999",
];
/// sondernutzung in 6.0: the general value of the data type.
pub(super) const SONDER_60: &str = "sondernutzung/allgemein";

/// besondereArtDerBaulNutzung `when` needs allgArtDerBaulNutzung `allg`.
const fn art(when: &'static [&'static str], allg: &'static [&'static str]) -> Check {
    Check::Code(
        "besondereArtDerBaulNutzung",
        when,
        "allgArtDerBaulNutzung",
        allg,
    )
}
/// The allgArtDerBaulNutzung of each besondereArtDerBaulNutzung, 4.1,
pub(super) const ALLG_BES_41: &[Check] = &[
    art(&["1000", "1100", "1200", "1300"], &["1000"]),
    art(&["1400", "1500", "1600"], &["2000"]),
    art(&["1700", "1800"], &["3000"]),
    art(&["2000", "2100", "3000", "4000"], &["4000"]),
];
/// 5.0 to 5.3,
pub(super) const ALLG_BES_50: &[Check] = &[
    art(&["1000", "1100", "1200", "1300"], &["1000"]),
    art(&["1400", "1500", "1550", "1600"], &["2000"]),
    art(&["1700", "1800"], &["3000"]),
    art(&["2000", "2100", "3000", "4000"], &["4000"]),
];
/// 5.4 and 6.0.
pub(super) const ALLG_BES_54: &[Check] = &[
    art(&["1000", "1100", "1200", "1300"], &["1000"]),
    art(&["1400", "1450", "1500", "1550", "1600"], &["2000"]),
    art(&["1700", "1800"], &["3000"]),
    art(&["2000", "2100", "3000", "4000"], &["4000"]),
];
/// The combinations of GFZ, GFZmin and GFZmax.
pub(super) const GFZ: &[&[&str]] = &[&["GFZmin", "GFZmax"], &["GFZ"]];

// Titles of rules of several chapters.
pub(super) const T_GEHOERT_ZU_PLAN: &str = "Einschränkung der Relation gehoertZuPlan";
pub(super) const T_BACK_REFS: &str = "Rückwärts-Referenzen auf Plan-Bereiche";
pub(super) const T_BASISEBENE: &str =
    "Nur Flächenobjekte der Basisebene gehören zum Flächenschluss";
pub(super) const T_FLAECHE: &str = "Einschränkung auf Flächengeometrie";
pub(super) const T_LINIE: &str = "Einschränkung auf Liniengeometrie";
pub(super) const T_PUNKT: &str = "Einschränkung auf Punktgeometrie";
pub(super) const T_FS_ANGABE: &str =
    "Angabe des Attributs flaechenschluss bei flächenhaftem Raumbezug";
pub(super) const T_UEBERLAGERUNGSOBJEKTE: &str =
    "Überlagerungsobjekte gehören nie zum Flächenschluss";
pub(super) const T_UEBERLAGERUNG: &str = "Überlagerungsobjekt bei flächenhaftem Raumbezug";
pub(super) const T_FS_AREA: &str = "Flächenschlussobjekt bei flächenhaftem Raumbezug";
pub(super) const T_GFZ: &str = "Konsistenz der Angaben zur GFZ";
pub(super) const T_ALLG_BES: &str =
    "Konsistenz der Attribute allgArtDerBaulNutzung und besondereArtDerBaulNutzung";
pub(super) const T_DETAIL_ART_60: &str =
    "Konsistenz der Attribute detaillierteArtDerBaulNutzung, allgArtDerBaulNutzung und besondereArtDerBaulNutzung";
pub(super) const T_SONDER_MEHRFACH: &str = "Konsistenz mehrfach belegter Attribute sondernutzung";
pub(super) const T_DET_ZW: &str =
    "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung";
pub(super) const T_DET_ZW_B: &str = "Konsistenz der Attribute für detaillierte Zweckbestimmung und Zweckbestimmung bzw. besondere Zweckbestimmung";
pub(super) const T_MEHR_ZW: &str =
    "Verwendung der Attribute zur Spezifikation mehrerer Zweckbestimmungen";
pub(super) const T_MEHR_BES: &str =
    "Verwendung der Attribute zur Spezifikation mehrerer besonderer Zweckbestimmungen";
pub(super) const T_MEHR_DET: &str =
    "Verwendung der Attribute zur Spezifikation mehrerer detaillierter Zweckbestimmungen";
pub(super) const T_ZW_BES: &str =
    "Konsistenz der Attribute zweckbestimmung und besondereZweckbestimmung";
pub(super) const T_MEHR_MASSN: &str =
    "Verwendung der Attribute zur Spezifikation mehrerer Maßnahmen";
pub(super) const T_TECHN: &str =
    "Konsistenz der Attribute für detaillierte technische Vorkehrung und technische Vorkehrung";
pub(super) const T_TEXT_DARST: &str = "Notwendige Spezifikation einer Textlichen Darstellung";

/// One of the lists above up to its n-th numbered attribute.
pub(super) const fn upto(attrs: &'static [&'static str], n: usize) -> &'static [&'static str] {
    attrs.split_at(n + 1).0
}

/// The numbered attributes 1 to n of one of the lists above.
pub(super) const fn numbered(attrs: &'static [&'static str], n: usize) -> &'static [&'static str] {
    upto(attrs, n).split_at(1).1
}

/// flaechenschluss as wanted.
pub(super) const fn flaechenschluss(area: bool, ebene: Ebene, want: Want) -> Check {
    Check::Flaechenschluss { area, ebene, want }
}

/// flaechenschluss false, unset counting as false (the schema's default).
pub(super) const FALSE: Want = Want::False("*");
/// "Flächenschlussobjekt bei flächenhaftem Raumbezug": an area on ebene 0
/// belongs to the Flächenschluss.
pub(super) const FLAECHENSCHLUSSOBJEKT: Check = flaechenschluss(true, Ebene::Zero, Want::True);
/// detaillierteZweckbestimmung at most as often as zweckbestimmung.
pub(super) const DETAIL_AS_OFTEN: Check =
    Check::AsOften("detaillierteZweckbestimmung", "zweckbestimmung");

/// A problem found on an object, at the object's line unless it has one
/// of its own.
struct Problem {
    text: String,
    line: Option<usize>,
}

impl From<String> for Problem {
    fn from(text: String) -> Problem {
        Problem { text, line: None }
    }
}

/// What the checks of a row need besides the object.
struct Env<'c, 'a> {
    c: &'c Ctx<'a>,
    /// Per class of a `Want::False`: whether each feature type is one.
    defaults: Vec<(&'static str, Vec<bool>)>,
}

/// Evaluates a row over the document.
pub(super) fn run(c: &Ctx, rule: &str, on: On, checks: &[Check], report: Report) -> Vec<Finding> {
    let select = c.type_mask(|t| on.selects(c.codes, t));
    let mut defaults = Vec::new();
    default_classes(checks, &mut defaults);
    let env = Env {
        c,
        defaults: defaults
            .into_iter()
            .map(|k| (k, c.type_mask(|t| matches(c.codes, k, t))))
            .collect(),
    };
    let data_types = match on {
        On::Data(_, types) => Some(types),
        _ => None,
    };
    let features = || {
        c.doc
            .features
            .iter()
            .zip(&c.type_of)
            .zip(&c.data)
            .filter(|((_, &t), _)| select[t])
    };
    let mut out = Vec::new();
    let mut emit = |f: &Feature, label: Option<&str>, p: Problem| {
        let mut x = on_feature(
            rule,
            f,
            match label {
                Some(t) => format!("{t}: {}", p.text),
                None => p.text,
            },
        );
        if let Some(line) = p.line {
            x.line = Some(line);
        }
        out.push(x);
    };
    match report {
        Report::PerObject => {
            for ((f, &t), values) in features() {
                objects(f, values, data_types, |o, label| {
                    let mut problems = Vec::new();
                    for k in checks {
                        k.check(&env, f, t, o, &mut problems);
                    }
                    let (own, joined): (Vec<Problem>, Vec<Problem>) =
                        problems.into_iter().partition(|p| p.line.is_some());
                    if !joined.is_empty() {
                        let text: Vec<String> = joined.into_iter().map(|p| p.text).collect();
                        emit(f, label, text.join("; ").into());
                    }
                    for p in own {
                        emit(f, label, p);
                    }
                });
            }
        }
        Report::PerProblem => {
            for k in checks {
                for ((f, &t), values) in features() {
                    objects(f, values, data_types, |o, label| {
                        let mut problems = Vec::new();
                        k.check(&env, f, t, o, &mut problems);
                        for p in problems {
                            emit(f, label, p);
                        }
                    });
                }
            }
        }
    }
    out
}

/// Calls `each` with the objects of a feature a row looks at: its
/// attributes, or (for `On::Data`) those of its data type `values` of the
/// `types`, with the type.
fn objects<'f>(
    f: &'f Feature,
    values: &[&'f Map],
    types: Option<&[&str]>,
    mut each: impl FnMut(&'f Map, Option<&'f str>),
) {
    let Some(types) = types else {
        return each(&f.properties, None);
    };
    for o in values {
        if let Some(t) = o.get("@type").and_then(Value::as_str) {
            if types.contains(&t) {
                each(o, Some(t));
            }
        }
    }
}

fn default_classes(checks: &[Check], out: &mut Vec<&'static str>) {
    for k in checks {
        match k {
            Check::Flaechenschluss {
                want: Want::False(class),
                ..
            } => out.push(class),
            Check::All(all) => default_classes(all, out),
            _ => {}
        }
    }
}

impl Check {
    /// The problems of an object: `o` is the feature's attributes or one
    /// of its data type values, `t` the index of the feature's type.
    fn check(self, e: &Env, f: &Feature, t: usize, o: &Map, out: &mut Vec<Problem>) {
        match self {
            Check::Combos(combos) => {
                let mut used: Vec<&str> = Vec::new();
                for n in combos.iter().flat_map(|c| c.iter().copied()) {
                    if !used.contains(&n) && set(o, n) {
                        used.push(n);
                    }
                }
                used.sort_unstable();
                let allowed =
                    |c: &&[&str]| c.len() == used.len() && c.iter().all(|n| used.contains(n));
                if !used.is_empty() && !combos.iter().any(allowed) {
                    add(
                        out,
                        format!(
                            "{} {} set; allowed are only {}",
                            show_all(o, &used),
                            if used.len() == 1 { "is" } else { "are" },
                            combos
                                .iter()
                                .map(|c| c.join(" and "))
                                .collect::<Vec<_>>()
                                .join(", or ")
                        ),
                    );
                }
            }
            Check::Exclusive(a, b) => {
                let sa: Vec<&str> = a.iter().copied().filter(|n| set(o, n)).collect();
                let sb: Vec<&str> = b.iter().copied().filter(|n| set(o, n)).collect();
                if !sa.is_empty() && !sb.is_empty() {
                    add(
                        out,
                        format!(
                            "{} must not be set together with {}",
                            show_all(o, &sa),
                            show_all(o, &sb)
                        ),
                    );
                }
            }
            Check::Required(names) => {
                if !names.iter().any(|n| set(o, n)) {
                    add(out, none_set(names));
                }
            }
            Check::OneOf(names) => {
                let used: Vec<&str> = names.iter().copied().filter(|n| set(o, n)).collect();
                match used.len() {
                    0 => add(out, none_set(names)),
                    1 => {}
                    _ => add(
                        out,
                        format!(
                            "{} are set; only one of them is allowed",
                            show_all(o, &used)
                        ),
                    ),
                }
            }
            Check::Requires(attr, needs) => requires(o, attr, needs, out),
            Check::AsOften(attr, other) => {
                let (n, m) = (values(o, attr).len(), values(o, other).len());
                if n > m {
                    add(
                        out,
                        format!(
                            "{} is set {} but {other} {}",
                            show(o, attr),
                            times(n),
                            match m {
                                0 => "is not set".to_string(),
                                _ => format!("only {}", times(m)),
                            }
                        ),
                    );
                }
            }
            Check::Once(attr, other) => {
                let n = values(o, other).len();
                if set(o, attr) && n != 1 {
                    add(
                        out,
                        format!(
                            "{} is set, so {other} must be set exactly once, not {n} times",
                            show(o, attr)
                        ),
                    );
                }
            }
            Check::Code(attr, when, other, allowed) => {
                code(o, attr, when, other, allowed, true, out)
            }
            Check::CodeRequired(attr, when, other, allowed) => {
                code(o, attr, when, other, allowed, false, out)
            }
            Check::OneGroup(path, groups) => {
                let head = path.split('/').next().unwrap_or(path);
                let n = items(o.get(head)).len();
                let vs = values(o, path);
                let same = |g: &&[&str]| vs.iter().all(|v| g.contains(&v.as_str()));
                if n > 1 && !groups.iter().any(same) {
                    add(out, format!(
                        "{head} is set {n} times with {path} {}, which are not all in the same one of the value ranges {}",
                        vs.join(", "),
                        groups
                            .iter()
                            .map(|g| format!("({})", g.join(", ")))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ));
                }
            }
            Check::Chain(attrs) => chain(o, attrs, out),
            Check::IfMany(attrs) => if_many(o, attrs, out),
            Check::Prefix(special, general, count_from) => {
                for (s, g) in special.iter().zip(general) {
                    let (sv, gv) = (values(o, s), values(o, g));
                    if gv.is_empty() {
                        continue;
                    }
                    if sv.len() >= count_from && sv.len() != gv.len() {
                        add(out, format!(
                            "{s} is set {}, so {g} must be set as often or not at all, but it is set {}",
                            times(sv.len()),
                            times(gv.len())
                        ));
                    }
                    // ABCDE needs ABCD
                    let head = |v: &str| {
                        v.get(..v.len().saturating_sub(1))
                            .unwrap_or_default()
                            .to_string()
                    };
                    if let Some(v) = sv.iter().find(|v| !gv.contains(&head(v))) {
                        add(
                            out,
                            format!(
                                "{s} is {v}, so {g} must be {} or not set, but it is {}",
                                head(v),
                                gv.join(", ")
                            ),
                        );
                    }
                }
            }
            Check::Weitere(attrs) => {
                let (base, weitere) = (attrs[0], &attrs[1..]);
                let used: Vec<&str> = weitere.iter().copied().filter(|w| set(o, w)).collect();
                if values(o, base).is_empty() && used.len() == 1 {
                    add(
                        out,
                        format!(
                            "only {} is set; a single value must be given in {base}",
                            show(o, used[0])
                        ),
                    );
                }
                if_many(o, attrs, out);
                chain(o, weitere, out);
            }
            Check::Detail41(n, besondere) => {
                let general = |i: usize| {
                    if besondere {
                        vec![ZWECK[i], BESOND[i]]
                    } else {
                        vec![ZWECK[i]]
                    }
                };
                same_count(o, DETAIL[0], &general(0), out);
                for (i, detail) in DETAIL.iter().enumerate().take(n + 1).skip(1) {
                    requires(o, detail, &general(i), out);
                }
            }
            Check::All(checks) => {
                for k in checks {
                    k.check(e, f, t, o, out);
                }
            }
            Check::Flaechenschluss { area, ebene, want } => {
                let kind = area_kind(f);
                if area && kind.is_none() {
                    return;
                }
                let level = f.int("ebene").unwrap_or(0);
                let mut why = Vec::new();
                if let Some(kind) = kind.filter(|_| area) {
                    why.push(format!("position is an area ({kind})"));
                }
                match ebene {
                    Ebene::Zero if level != 0 => return,
                    Ebene::NotZero if level == 0 => return,
                    Ebene::Zero if !set(&f.properties, "ebene") => {
                        why.push("ebene is not set (0)".into())
                    }
                    Ebene::Zero | Ebene::NotZero => why.push(format!("ebene is {level}")),
                    Ebene::Any => {}
                }
                let given = f.bool("flaechenschluss");
                let (ok, must) = match want {
                    Want::True => (given == Some(true), "true"),
                    Want::False(class) => (given.map_or_else(|| e.is_a(t, class), |b| !b), "false"),
                    Want::Set => (set(&f.properties, "flaechenschluss"), "set"),
                };
                if !ok {
                    why.push(match given {
                        Some(b) => format!("flaechenschluss is {b}"),
                        None => "flaechenschluss is not set".to_string(),
                    });
                    add(out, format!("{}; it must be {must}", why.join(", ")));
                }
            }
            Check::Position(allowed, what) => {
                for g in &f.geometries {
                    let geometry = &g.geometry.geometry;
                    if g.property == "position" && !allowed.contains(&geometry.dimension()) {
                        out.push(Problem {
                            text: format!(
                                "position is a {}, only {what} is allowed",
                                geometry.kind()
                            ),
                            line: Some(g.geometry.line),
                        });
                    }
                }
            }
            Check::NoArea => {
                if let Some(kind) = area_kind(f) {
                    add(
                        out,
                        format!(
                            "position is an area ({kind}); only point or line geometry is allowed"
                        ),
                    );
                }
            }
            Check::Custom(check) => {
                if let Some(p) = check(e.c, f) {
                    add(out, p);
                }
            }
        }
    }
}

impl Env<'_, '_> {
    /// Whether feature type `t` is an instance of `class` (one of the
    /// classes of the row's `Want::False`).
    fn is_a(&self, t: usize, class: &str) -> bool {
        self.defaults
            .iter()
            .find(|(k, _)| *k == class)
            .is_some_and(|(_, mask)| mask[t])
    }
}

/// The kind of the first area geometry of `position`, if any.
fn area_kind(f: &Feature) -> Option<&'static str> {
    f.geometries
        .iter()
        .find(|g| g.property == "position" && g.geometry.geometry.dimension() == 2)
        .map(|g| g.geometry.geometry.kind())
}

/// `attr` has one of the values `when` (any, when empty), so `other` has
/// one of the values `allowed` (or is unset, with `unset_ok`).
fn code(
    o: &Map,
    attr: &str,
    when: &[&str],
    other: &str,
    allowed: &[&str],
    unset_ok: bool,
    out: &mut Vec<Problem>,
) {
    let have = values(o, other);
    let ok = match have.is_empty() {
        true => unset_ok,
        false => have.iter().all(|w| allowed.contains(&w.as_str())),
    };
    if ok {
        return;
    }
    if let Some(v) = values(o, attr)
        .into_iter()
        .find(|v| when.is_empty() || when.contains(&v.as_str()))
    {
        add(
            out,
            format!(
                "{attr} is {v}, so {other} must be {}{}, but it is {}",
                allowed.join(" or "),
                if unset_ok { " or not set" } else { "" },
                if have.is_empty() {
                    "not set".to_string()
                } else {
                    have.join(", ")
                }
            ),
        );
    }
}

fn requires(o: &Map, attr: &str, needs: &[&str], out: &mut Vec<Problem>) {
    if set(o, attr) && !needs.iter().any(|n| set(o, n)) {
        add(
            out,
            format!("{} is set but {} is not", show(o, attr), needs.join(" or ")),
        );
    }
}

fn same_count(o: &Map, attr: &str, others: &[&str], out: &mut Vec<Problem>) {
    let n = values(o, attr).len();
    if n > 0 && !others.iter().any(|x| values(o, x).len() == n) {
        add(
            out,
            format!(
                "{} is set {} but {}",
                show(o, attr),
                times(n),
                others
                    .iter()
                    .map(|x| format!("{x} {} times", values(o, x).len()))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        );
    }
}

fn chain(o: &Map, attrs: &[&str], out: &mut Vec<Problem>) {
    for pair in attrs.windows(2) {
        if set(o, pair[1]) && !set(o, pair[0]) {
            add(
                out,
                format!(
                    "{} is set but {} is not (they are used in ascending order)",
                    show(o, pair[1]),
                    pair[0]
                ),
            );
        }
    }
}

fn if_many(o: &Map, attrs: &[&str], out: &mut Vec<Problem>) {
    let n = values(o, attrs[0]).len();
    let used: Vec<&str> = attrs[1..].iter().copied().filter(|w| set(o, w)).collect();
    if n > 1 && !used.is_empty() {
        add(
            out,
            format!(
                "{} is set {n} times, so {} must not be set",
                attrs[0],
                show_all(o, &used)
            ),
        );
    }
}

fn add(out: &mut Vec<Problem>, text: String) {
    out.push(text.into());
}

/// "n time(s)".
fn times(n: usize) -> String {
    format!("{n} time{}", if n == 1 { "" } else { "s" })
}

/// None of the attributes is set.
fn none_set(names: &[&str]) -> String {
    match names {
        [a] => format!("{a} is not set"),
        [a, b] => format!("neither {a} nor {b} is set"),
        more => format!("none of {} is set", more.join(", ")),
    }
}

/// "name = value" (values of repeated attributes joined).
pub(super) fn show(o: &Map, name: &str) -> String {
    format!("{name} = {}", values(o, name).join(", "))
}

fn show_all(o: &Map, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| show(o, n))
        .collect::<Vec<_>>()
        .join(" and ")
}
