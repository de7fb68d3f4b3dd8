//! Editing the Basisdaten of a stored plan: the simple properties of the
//! plan feature (name, nummer, beschreibung, dates, rechtsstand) are
//! rewritten in its original XML fragment, every other byte kept, and in
//! its properties JSON. Values are checked against their XSD types
//! (xs:date, the rechtsstand enumeration) so the plan stays schema-valid.

use super::Version;
use quick_xml::events::Event;
use serde_json::Value;

/// Properties of XP_Plan in schema order (the same in 4.1 to 6.0): these
/// can be added and removed; `name` is mandatory.
const BASE_ORDER: [&str; 8] = [
    "name",
    "nummer",
    "internalId",
    "beschreibung",
    "kommentar",
    "technHerstellDatum",
    "genehmigungsDatum",
    "untergangsDatum",
];

/// Editable properties and their value type.
const EDITABLE: [(&str, Kind); 9] = [
    ("name", Kind::Text),
    ("nummer", Kind::Text),
    ("beschreibung", Kind::Text),
    ("kommentar", Kind::Text),
    ("technHerstellDatum", Kind::Date),
    ("genehmigungsDatum", Kind::Date),
    ("untergangsDatum", Kind::Date),
    // in the plan class's own part of the sequence: replaced, never added
    ("rechtsstand", Kind::Code),
    ("rechtsverordnungsDatum", Kind::Date),
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Date,
    Code,
}

/// The editable Basisdaten of a plan feature's properties (absent ones null).
pub fn basisdaten(properties: &Value) -> Value {
    let mut m = serde_json::Map::new();
    for (k, kind) in EDITABLE {
        let v = properties.get(k).cloned().unwrap_or(Value::Null);
        let v = match (kind, &v) {
            (Kind::Code, Value::String(s)) => s.parse::<i64>().map(Value::from).unwrap_or(v),
            _ => v,
        };
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// A direct child element of the feature.
struct Child {
    local: String,
    start: usize,
    end: usize,
    /// Byte range of its content (None for an empty element).
    inner: Option<(usize, usize)>,
}

fn local(name: &[u8]) -> String {
    let n = String::from_utf8_lossy(name);
    n.rsplit(':').next().unwrap_or(&n).to_string()
}

fn prefix(name: &[u8]) -> Option<String> {
    let n = String::from_utf8_lossy(name);
    n.split_once(':').map(|(p, _)| p.to_string())
}

/// The direct children of the feature element and its prefix.
fn children(xml: &str) -> Result<(Option<String>, Vec<Child>), String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut depth = 0usize;
    let mut out: Vec<Child> = Vec::new();
    let mut feature_prefix = None;
    loop {
        let before = r.buffer_position() as usize;
        let ev = r
            .read_event()
            .map_err(|e| format!("the stored plan feature is not well-formed: {e}"))?;
        let after = r.buffer_position() as usize;
        match ev {
            Event::Start(e) => {
                if depth == 0 {
                    feature_prefix = prefix(e.name().as_ref().as_bytes());
                } else if depth == 1 {
                    out.push(Child {
                        local: local(e.name().as_ref().as_bytes()),
                        start: before,
                        end: after,
                        inner: Some((after, after)),
                    });
                }
                depth += 1;
            }
            Event::End(_) => {
                depth -= 1;
                if depth == 1 {
                    if let Some(c) = out.last_mut() {
                        c.end = after;
                        if let Some(i) = c.inner.as_mut() {
                            i.1 = before;
                        }
                    }
                }
                if depth == 0 {
                    break;
                }
            }
            Event::Empty(e) if depth == 1 => out.push(Child {
                local: local(e.name().as_ref().as_bytes()),
                start: before,
                end: after,
                inner: None,
            }),
            Event::Eof => return Err("the stored plan feature ends early".into()),
            _ => {}
        }
    }
    Ok((feature_prefix, out))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Checks a new value; returns it as stored in the properties JSON.
fn check_value(
    key: &str,
    kind: Kind,
    v: &Value,
    version: Version,
    plan_class: &str,
) -> Result<Option<String>, String> {
    let s = match v {
        Value::Null => return Ok(None),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) if kind == Kind::Code => n.to_string(),
        _ => return Err(format!("{key} must be a string or null")),
    };
    match kind {
        Kind::Text if s.is_empty() => Err(format!("{key} must not be empty (null removes it)")),
        Kind::Text if s.chars().count() > 10_000 => Err(format!("{key} is too long")),
        Kind::Date => chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(|_| Some(s.clone()))
            .map_err(|_| format!("{key} must be a date YYYY-MM-DD, not '{s}'")),
        Kind::Code => {
            let codes = super::codelists::CodeLists::of(version);
            match codes.enumeration(plan_class, key) {
                Some(e) if e.contains_key(&s) => Ok(Some(s)),
                Some(e) => {
                    let mut known: Vec<&String> = e.keys().collect();
                    known.sort();
                    Err(format!(
                        "{key} '{s}' is not a code of {plan_class} ({})",
                        known
                            .iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
                None => Err(format!("{plan_class} has no {key}")),
            }
        }
        Kind::Text => Ok(Some(s)),
    }
}

/// Applies `changes` (a JSON object of editable keys; null removes an
/// optional property) to the plan feature's XML and properties. Returns
/// the new XML.
pub fn apply(
    xml: &str,
    properties: &mut Value,
    version: Version,
    plan_class: &str,
    changes: &serde_json::Map<String, Value>,
) -> Result<String, String> {
    let (feature_prefix, kids) = children(xml)?;
    // (start, end, replacement, schema position for inserts at one place)
    let mut edits: Vec<(usize, usize, String, usize)> = Vec::new();
    let indent = kids
        .first()
        .map(|c| {
            let ws = &xml[..c.start];
            let ws = &ws[ws.trim_end().len()..];
            ws.to_string()
        })
        .unwrap_or_else(|| "\n  ".into());
    let qname = |l: &str| match &feature_prefix {
        Some(p) => format!("{p}:{l}"),
        None => l.to_string(),
    };
    let removed: Vec<&str> = changes
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(k, _)| k.as_str())
        .collect();
    for (key, v) in changes {
        let Some(&(_, kind)) = EDITABLE.iter().find(|(k, _)| k == key) else {
            return Err(format!(
                "'{key}' cannot be edited (editable: {})",
                EDITABLE.map(|(k, _)| k).join(", ")
            ));
        };
        let value = check_value(key, kind, v, version, plan_class)?;
        if key == "name" && value.is_none() {
            return Err("name is mandatory".into());
        }
        let existing: Vec<&Child> = kids.iter().filter(|c| &c.local == key).collect();
        if existing.len() > 1 {
            return Err(format!(
                "{key} occurs several times; edit the plan file instead"
            ));
        }
        match (existing.first(), &value) {
            (Some(c), Some(s)) => match c.inner {
                Some((a, b)) => {
                    if xml[a..b].contains('<') {
                        return Err(format!(
                            "{key} has nested elements; edit the plan file instead"
                        ));
                    }
                    edits.push((a, b, escape(s), 0));
                }
                None => edits.push((
                    c.start,
                    c.end,
                    format!("<{q}>{}</{q}>", escape(s), q = qname(key)),
                    0,
                )),
            },
            (Some(c), None) => {
                // the element and the white space after it, or before it
                // when it is the last child (the indentation stays right)
                let is_last = kids.last().is_some_and(|k| k.start == c.start);
                let (a, b) = if is_last {
                    (xml[..c.start].trim_end().len(), c.end)
                } else {
                    let rest = &xml[c.end..];
                    (c.start, c.end + (rest.len() - rest.trim_start().len()))
                };
                edits.push((a, b, String::new(), 0));
            }
            (None, None) => {}
            (None, Some(s)) => {
                let Some(pos) = BASE_ORDER.iter().position(|k| k == key) else {
                    return Err(format!(
                        "the plan has no {key}; it can be changed but not added here"
                    ));
                };
                let before = &BASE_ORDER[..pos];
                // after the last GML property or base property that comes first
                let anchor = kids
                    .iter()
                    .take_while(|c| {
                        before.contains(&c.local.as_str())
                            || matches!(
                                c.local.as_str(),
                                "description" | "descriptionReference" | "identifier" | "boundedBy"
                            )
                            || (c.local == "name" && key != "name")
                    })
                    .filter(|c| !removed.contains(&c.local.as_str()))
                    .last()
                    .ok_or_else(|| format!("cannot place {key} in the plan"))?;
                edits.push((
                    anchor.end,
                    anchor.end,
                    format!("{indent}<{q}>{}</{q}>", escape(s), q = qname(key)),
                    pos,
                ));
            }
        }
        match value {
            Some(s) => properties[key.as_str()] = Value::String(s),
            None => {
                if let Some(o) = properties.as_object_mut() {
                    o.remove(key.as_str());
                }
            }
        }
    }
    // from the end, so earlier offsets stay valid; inserts at one place in
    // reverse schema order, each landing before the ones already made
    edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.3)));
    let mut out = xml.to_string();
    for (a, b, s, _) in edits {
        out.replace_range(a..b, &s);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "<xplan:BP_Plan gml:id=\"P1\">\n      <gml:boundedBy><gml:Envelope/></gml:boundedBy>\n      <xplan:name>Alt</xplan:name>\n      <xplan:technHerstellDatum>2017-03-29</xplan:technHerstellDatum>\n      <xplan:rechtsstand>3000</xplan:rechtsstand>\n    </xplan:BP_Plan>";

    fn obj(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn replaces_adds_and_removes_in_schema_order() {
        let mut props = serde_json::json!({"name": "Alt", "technHerstellDatum": "2017-03-29", "rechtsstand": "3000"});
        let out = apply(
            PLAN,
            &mut props,
            Version::V5_4,
            "BP_Plan",
            &obj(serde_json::json!({
                "name": "Neu & besser", "nummer": "12", "beschreibung": "B",
                "technHerstellDatum": null, "rechtsstand": 4000
            })),
        )
        .unwrap();
        assert_eq!(
            out,
            "<xplan:BP_Plan gml:id=\"P1\">\n      <gml:boundedBy><gml:Envelope/></gml:boundedBy>\n      <xplan:name>Neu &amp; besser</xplan:name>\n      <xplan:nummer>12</xplan:nummer>\n      <xplan:beschreibung>B</xplan:beschreibung>\n      <xplan:rechtsstand>4000</xplan:rechtsstand>\n    </xplan:BP_Plan>"
        );
        assert_eq!(props["name"], "Neu & besser");
        assert_eq!(props["rechtsstand"], "4000");
        assert!(props.get("technHerstellDatum").is_none());
        assert_eq!(basisdaten(&props)["rechtsstand"], 4000);
        // removing the element an addition would follow
        let out2 = apply(
            &out,
            &mut props,
            Version::V5_4,
            "BP_Plan",
            &obj(serde_json::json!({"nummer": null, "kommentar": "K"})),
        )
        .unwrap();
        assert!(out2.contains("</xplan:name>\n      <xplan:beschreibung>B</xplan:beschreibung>\n      <xplan:kommentar>K</xplan:kommentar>\n      <xplan:rechtsstand>"), "{out2}");
    }

    #[test]
    fn refuses_values_that_break_the_schema() {
        let mut props = serde_json::json!({});
        for bad in [
            serde_json::json!({"name": null}),
            serde_json::json!({"name": "  "}),
            serde_json::json!({"untergangsDatum": "29.03.2017"}),
            serde_json::json!({"rechtsstand": 12345}),
            serde_json::json!({"rechtsverordnungsDatum": "2020-01-01"}),
            serde_json::json!({"planArt": "1000"}),
        ] {
            assert!(
                apply(
                    PLAN,
                    &mut props,
                    Version::V5_4,
                    "BP_Plan",
                    &obj(bad.clone())
                )
                .is_err(),
                "{bad}"
            );
        }
    }
}
