//! Texts of presentation objects: free text of XP_PTO/XP_LTO, attribute
//! values of the object they present (e.g. "WA", "II", "0,4"), and the
//! Nutzungsschablone grid, formatted the way plans write them.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HAlign {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAlign {
    Base,
    Middle,
    Top,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LabelKind {
    /// One or more lines of text at the anchor.
    Text(Vec<String>),
    /// A grid of `cols` columns filled row by row.
    Schablone { cols: usize, cells: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub kind: LabelKind,
    /// Counter-clockwise, in degrees.
    pub rotation: f32,
    pub scale: f32,
    pub halign: HAlign,
    pub valign: VAlign,
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("value").and_then(str_of),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(str_of).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Null => None,
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(str_of).and_then(|s| s.trim().parse().ok())
}

/// German decimal: 0.4 -> "0,4", 1.0 -> "1,0".
pub fn german_decimal(x: f64) -> String {
    let s = if (x * 10.0).fract().abs() < 1e-9 {
        format!("{x:.1}")
    } else {
        let s = format!("{x:.3}");
        s.trim_end_matches('0').to_string()
    };
    s.replace('.', ",")
}

pub fn roman(n: u32) -> String {
    if n == 0 || n > 3999 {
        return n.to_string();
    }
    const T: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut n = n;
    let mut s = String::new();
    for (v, r) in T {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

/// PlanZV abbreviation of Art der baulichen Nutzung codes.
pub fn art_abbreviation(attr: &str, code: &str) -> Option<&'static str> {
    Some(match (attr, code) {
        ("allgArtDerBaulNutzung", "1000") => "W",
        ("allgArtDerBaulNutzung", "2000") => "M",
        ("allgArtDerBaulNutzung", "3000") => "G",
        ("allgArtDerBaulNutzung", "4000") => "S",
        ("besondereArtDerBaulNutzung", c) => match c {
            "1000" => "WS",
            "1100" => "WR",
            "1200" => "WA",
            "1300" => "WB",
            "1400" => "MD",
            "1450" => "MDW",
            "1500" => "MI",
            "1550" => "MU",
            "1600" => "MK",
            "1700" => "GE",
            "1800" => "GI",
            "2000" | "2100" | "3000" | "4000" => "SO",
            _ => return None,
        },
        _ => return None,
    })
}

/// A property value as a plan writes it in a Nutzungsschablone.
pub fn format_value(attr: &str, props: &Value) -> Option<String> {
    let attr = attr.rsplit(':').next().unwrap_or(attr);
    let v = props.get(attr)?;
    let s = str_of(v)?;
    if let Some(a) = art_abbreviation(attr, s.trim()) {
        return Some(a.to_string());
    }
    Some(match attr {
        "Z" | "ZMin" | "ZMax" | "ZZwingend" | "Z_Ausn" | "ZU" | "ZUMin" | "ZUMax" => {
            let n = num(Some(v))?;
            let r = roman(n.round() as u32);
            if attr == "ZMax" {
                // "II-III" when a minimum is given as well
                match num(props.get("ZMin")) {
                    Some(lo) => format!("{}-{r}", roman(lo.round() as u32)),
                    None => format!("max. {r}"),
                }
            } else {
                r
            }
        }
        "GRZ" | "GFZ" | "GRZmin" | "GRZmax" | "GFZmin" | "GFZmax" | "GRZ_Ausn" | "GFZ_Ausn"
        | "BMZ" => {
            let x = num(Some(v))?;
            match attr {
                "GFZ" => format!("({})", german_decimal(x)),
                "BMZ" => format!("BMZ {}", german_decimal(x)),
                _ => german_decimal(x),
            }
        }
        "GR" | "GF" | "BM" | "GRmax" | "GFmax" => {
            let x = num(Some(v))?;
            let unit = if attr.starts_with("BM") { "m³" } else { "m²" };
            format!(
                "{} {} {unit}",
                &attr[..2],
                german_decimal(x).trim_end_matches(",0")
            )
        }
        "bauweise" => match s.as_str() {
            "1000" => "o".into(),
            "2000" => "g".into(),
            "3000" => "a".into(),
            _ => return None,
        },
        "bebauungsArt" => match s.as_str() {
            "1000" => "E".into(),
            "2000" => "D".into(),
            "3000" => "H".into(),
            "4000" => "ED".into(),
            "5000" => "EH".into(),
            "6000" => "DH".into(),
            "7000" => "R".into(),
            _ => return None,
        },
        "dachform" => match s.as_str() {
            "1000" => "FD",
            "2100" => "PD",
            "2200" => "VPD",
            "3000" => "GD",
            "3100" => "SD",
            "3200" => "WD",
            "3300" => "KWD",
            "3400" => "MD",
            "3500" => "ZD",
            "3600" => "KD",
            "3700" => "KuD",
            "3800" => "ShD",
            "3900" => "BD",
            "4000" => "TD",
            "4100" => "TnD",
            _ => return None,
        }
        .into(),
        "DN" | "DNmin" | "DNmax" | "DNZwingend" => {
            format!("{}°", german_decimal(num(Some(v))?).trim_end_matches(",0"))
        }
        _ => s,
    })
}

fn align(props: &Value) -> (HAlign, VAlign) {
    let h = match props
        .get("horizontaleAusrichtung")
        .and_then(str_of)
        .as_deref()
    {
        Some("rechtsbündig") | Some("rechtsbuendig") => HAlign::Right,
        Some("zentrisch") => HAlign::Center,
        _ => HAlign::Left,
    };
    let v = match props
        .get("vertikaleAusrichtung")
        .and_then(str_of)
        .as_deref()
    {
        Some("Mitte") => VAlign::Middle,
        Some("Oben") => VAlign::Top,
        _ => VAlign::Base,
    };
    (h, v)
}

fn rotation(props: &Value) -> f32 {
    let Some(d) = props.get("drehwinkel") else {
        return 0.0;
    };
    let value = num(Some(d)).unwrap_or(0.0);
    let uom = d.get("uom").and_then(|u| u.as_str()).unwrap_or("grad");
    (if uom == "rad" {
        value.to_degrees()
    } else {
        value
    }) as f32
}

fn arts(props: &Value) -> Vec<String> {
    match props.get("art") {
        Some(Value::Array(a)) => a.iter().filter_map(str_of).collect(),
        Some(v) => str_of(v).into_iter().collect(),
        None => vec![],
    }
}

/// The label of a feature, if it is a presentation object with something
/// to show. `lookup` finds another feature's properties by gml:id.
pub fn resolve<'a>(
    feature_type: &str,
    props: &Value,
    lookup: &dyn Fn(&str) -> Option<&'a Value>,
) -> Option<Label> {
    let target = || {
        props
            .get("dientZurDarstellungVon")
            .and_then(|d| match d {
                Value::Array(a) => a.first(),
                v => Some(v),
            })
            .and_then(|d| d.get("href"))
            .and_then(|h| h.as_str())
            .and_then(lookup)
    };
    let scale = num(props.get("skalierung")).unwrap_or(1.0).clamp(0.1, 10.0) as f32;
    let (halign, valign) = align(props);
    let kind = match feature_type {
        "XP_Nutzungsschablone" => {
            let cols = num(props.get("spaltenAnz")).unwrap_or(2.0).clamp(1.0, 6.0) as usize;
            let rows = num(props.get("zeilenAnz")).unwrap_or(3.0).clamp(1.0, 8.0) as usize;
            let t = target()?;
            let mut names = arts(props);
            if names.is_empty() {
                let art = if t.get("besondereArtDerBaulNutzung").is_some() {
                    "besondereArtDerBaulNutzung"
                } else {
                    "allgArtDerBaulNutzung"
                };
                let z = ["Z", "ZMax", "ZZwingend"]
                    .into_iter()
                    .find(|k| t.get(*k).is_some())
                    .unwrap_or("Z");
                names = [art, z, "GRZ", "GFZ", "bauweise", "dachform"]
                    .map(String::from)
                    .to_vec();
            }
            let mut cells: Vec<String> = names
                .iter()
                .map(|a| format_value(a, t).unwrap_or_default())
                .collect();
            cells.resize(cols * rows, String::new());
            if cells.iter().all(|c| c.is_empty()) {
                return None;
            }
            return Some(Label {
                kind: LabelKind::Schablone { cols, cells },
                rotation: rotation(props),
                scale,
                halign: HAlign::Center,
                valign: VAlign::Middle,
            });
        }
        "XP_PTO" | "XP_LTO" | "XP_TPO" => {
            let text = match props.get("schriftinhalt").and_then(str_of) {
                Some(t) if !t.trim().is_empty() => t,
                _ => {
                    let t = target()?;
                    arts(props)
                        .iter()
                        .filter_map(|a| format_value(a, t))
                        .collect::<Vec<_>>()
                        .join(" ")
                }
            };
            if text.trim().is_empty() {
                return None;
            }
            LabelKind::Text(text.lines().map(|l| l.trim_end().to_string()).collect())
        }
        _ => return None,
    };
    Some(Label {
        kind,
        rotation: rotation(props),
        scale,
        halign,
        valign,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nutzungsschablone_cells() {
        let area = json!({"besondereArtDerBaulNutzung": "1200", "Z": "2", "GRZ": "0.4",
                          "GFZ": "0.8", "bauweise": "1000", "dachform": "3100"});
        let ns = json!({"spaltenAnz": "2", "zeilenAnz": "3",
                        "dientZurDarstellungVon": {"href": "#a"}});
        let l = resolve("XP_Nutzungsschablone", &ns, &|id| {
            (id == "#a").then_some(&area)
        })
        .unwrap();
        assert_eq!(
            l.kind,
            LabelKind::Schablone {
                cols: 2,
                cells: ["WA", "II", "0,4", "(0,8)", "o", "SD"]
                    .map(String::from)
                    .to_vec()
            }
        );
    }

    #[test]
    fn presentation_texts() {
        let pto = json!({"schriftinhalt": "MARKT", "drehwinkel": {"uom": "grad", "value": "13.0"},
                         "horizontaleAusrichtung": "zentrisch", "skalierung": "2"});
        let l = resolve("XP_PTO", &pto, &|_| None).unwrap();
        assert_eq!(l.kind, LabelKind::Text(vec!["MARKT".into()]));
        assert_eq!((l.rotation, l.scale, l.halign), (13.0, 2.0, HAlign::Center));
        let area = json!({"ZMin": "2", "ZMax": "3"});
        let bound = json!({"art": "xplan:ZMax", "dientZurDarstellungVon": {"href": "#b"}});
        let l = resolve("XP_PTO", &bound, &|_| Some(&area)).unwrap();
        assert_eq!(l.kind, LabelKind::Text(vec!["II-III".into()]));
        assert!(resolve("XP_PTO", &json!({}), &|_| None).is_none());
        assert_eq!(german_decimal(0.45), "0,45");
        assert_eq!(roman(14), "XIV");
    }
}
