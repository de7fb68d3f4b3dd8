//! Feature properties flattened for GeoJSON: nested data types become
//! "prop.sub" members (repeated ones arrays), coded values get a
//! "<prop>_label" member with their readable label from the XSDs. Written
//! straight from the stored JSON text, once per feature at import (the
//! `geojson_properties` column) and at query time for rows stored without.

use super::codelists::CodeLists;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;

/// Enumerations of owner type -> property, looked up once per batch. A
/// batch holds few owner types (rows come grouped by type) with a few
/// properties each: short lists searched in order beat hashing here.
#[derive(Default)]
pub struct Labels<'a>(Vec<OwnerLabels<'a>>);

/// The enumerations of one owner type's properties (None: not coded).
type OwnerLabels<'a> = (String, Vec<(String, Option<&'a Enumeration>)>);

/// Code -> label of one enumeration.
type Enumeration = HashMap<String, String>;

impl<'a> Labels<'a> {
    pub fn new() -> Self {
        Labels::default()
    }

    fn of(
        &mut self,
        codes: &'a CodeLists,
        owner: &str,
        prop: &str,
    ) -> Option<&'a HashMap<String, String>> {
        let i = match self.0.iter().position(|(o, _)| o == owner) {
            Some(i) => i,
            None => {
                self.0.push((owner.to_string(), Vec::new()));
                self.0.len() - 1
            }
        };
        let props = &mut self.0[i].1;
        if let Some((_, e)) = props.iter().find(|(p, _)| p == prop) {
            return *e;
        }
        let e = codes.enumeration(owner, prop);
        props.push((prop.to_string(), e));
        e
    }
}

/// Writes a JSON string literal (runs without escapes copied at once).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if b != b'"' && b != b'\\' && b >= 0x20 {
            continue;
        }
        out.push_str(&s[start..i]);
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c => {
                let _ = write!(out, "\\u{:04x}", c);
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// The flattened members of a feature's stored properties (JSON text), as
/// JSON object members without the braces ("" when there are none).
pub fn members<'a>(
    raw: &str,
    feature_type: &str,
    codes: &'a CodeLists,
    labels: &mut Labels<'a>,
) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len() + raw.len() / 2);
    write_members(raw, feature_type, codes, labels, &mut out, true)?;
    Ok(out)
}

/// Appends the flattened members of a feature's stored properties to
/// `out`, each after a comma unless `first` (for the first member written).
pub fn write_members<'a>(
    raw: &str,
    feature_type: &str,
    codes: &'a CodeLists,
    labels: &mut Labels<'a>,
    out: &mut String,
    mut first: bool,
) -> Result<(), String> {
    write_flat(
        raw,
        &mut String::new(),
        feature_type,
        codes,
        labels,
        out,
        &mut first,
    )
}

/// Writes the members of the flattened properties object (as [`flatten`]
/// makes them) straight from the stored JSON text into `out`: scalars are
/// copied as they are written (already valid JSON), only nested objects
/// are parsed, nothing is built for the output.
#[allow(clippy::too_many_arguments)]
fn write_flat<'a>(
    raw: &str,
    prefix: &mut String,
    owner: &str,
    codes: &'a CodeLists,
    labels: &mut Labels<'a>,
    out: &mut String,
    first: &mut bool,
) -> Result<(), String> {
    use serde_json::value::RawValue;
    let Some(mut o) = scan_members(raw) else {
        // serde_json names what is wrong with the text
        serde_json::from_str::<serde::de::IgnoredAny>(raw)
            .map_err(|e| format!("stored properties: {e}"))?;
        return Err("stored properties: not a JSON object".into());
    };
    // members in key order (as written at import; rows stored as jsonb by
    // older versions come in jsonb's order)
    if !o.is_sorted_by(|a, b| a.0 <= b.0) {
        o.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let own_type: Option<Cow<str>> = o
        .iter()
        .find(|(k, _)| k == "@type")
        .and_then(|(_, t)| serde_json::from_str(t).ok());
    let owner = own_type.as_deref().unwrap_or(owner);
    let member = |out: &mut String, first: &mut bool, key: &str, v: &str| {
        if !*first {
            out.push(',');
        }
        *first = false;
        push_json_string(out, key);
        out.push(':');
        out.push_str(v);
    };
    for (k, v) in &o {
        if k == "@type" {
            continue;
        }
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(k);
        let text: &str = v;
        match text.as_bytes().first() {
            Some(b'{') => write_flat(text, prefix, owner, codes, labels, out, first)?,
            Some(b'[') => {
                let items: Vec<&RawValue> =
                    serde_json::from_str(text).map_err(|e| format!("stored properties: {e}"))?;
                if items.iter().any(|i| i.get().starts_with('{')) {
                    // repeated data types: one array per sub-property
                    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
                    let mut parent = Map::new();
                    parent.insert(k.to_string(), value);
                    let mut one = Map::new();
                    flatten(&parent, &prefix[..len], owner, codes, labels, &mut one);
                    for (ck, cv) in &one {
                        member(out, first, ck, &cv.to_string());
                    }
                } else {
                    member(out, first, prefix, text);
                    if let Some(en) = labels.of(codes, owner, k) {
                        let ls: Vec<&String> = items
                            .iter()
                            .filter_map(|i| serde_json::from_str::<Cow<str>>(i.get()).ok())
                            .filter_map(|c| en.get(c.trim()))
                            .collect();
                        if !ls.is_empty() {
                            let key = format!("{prefix}_label");
                            member(
                                out,
                                first,
                                &key,
                                &Value::from(ls.into_iter().cloned().collect::<Vec<_>>())
                                    .to_string(),
                            );
                        }
                    }
                }
            }
            _ => {
                member(out, first, prefix, text);
                if text.starts_with('"') {
                    if let Some(en) = labels.of(codes, owner, k) {
                        if let Some(l) = serde_json::from_str::<Cow<str>>(text)
                            .ok()
                            .and_then(|c| en.get(c.trim()))
                        {
                            let key = format!("{prefix}_label");
                            let mut lj = String::with_capacity(l.len() + 2);
                            push_json_string(&mut lj, l);
                            member(out, first, &key, &lj);
                        }
                    }
                }
            }
        }
        prefix.truncate(len);
    }
    Ok(())
}

/// The members of a JSON object in their order by a plain scan of the
/// text: keys (borrowed unless escaped) and values as raw JSON. Stored
/// properties are valid JSON (the json column and serde_json's output), so
/// the scan only finds the bounds; None when the text is not one object.
fn scan_members(raw: &str) -> Option<Vec<(Cow<'_, str>, &str)>> {
    let b = raw.as_bytes();
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\n' | b'\r' | b'\t') {
            *i += 1;
        }
    };
    // the end (exclusive) of the string starting at the quote at `i`
    let string_end = |mut i: usize| -> Option<usize> {
        i += 1;
        while i < b.len() {
            match b[i] {
                b'"' => return Some(i + 1),
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        None
    };
    let mut i = 0;
    ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut members = Vec::with_capacity(8);
    ws(&mut i);
    if b.get(i) == Some(&b'}') {
        i += 1;
        ws(&mut i);
        return (i == b.len()).then_some(members);
    }
    loop {
        ws(&mut i);
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(i)?;
        let key = &raw[i + 1..key_end - 1];
        let key = if key.contains('\\') {
            Cow::Owned(serde_json::from_str::<String>(&raw[i..key_end]).ok()?)
        } else {
            Cow::Borrowed(key)
        };
        i = key_end;
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        ws(&mut i);
        let start = i;
        match *b.get(i)? {
            b'"' => i = string_end(i)?,
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *b.get(i)? {
                        b'"' => {
                            i = string_end(i)?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            _ => {
                while i < b.len() && !matches!(b[i], b',' | b'}' | b' ' | b'\n' | b'\r' | b'\t') {
                    i += 1;
                }
            }
        }
        if i == start {
            return None;
        }
        members.push((key, &raw[start..i]));
        ws(&mut i);
        match b.get(i)? {
            b',' => i += 1,
            b'}' => {
                i += 1;
                ws(&mut i);
                return (i == b.len()).then_some(members);
            }
            _ => return None,
        }
    }
}

/// Flattens nested data types into "prop.sub" keys (repeated values as
/// arrays) and adds "<prop>_label" for coded values with a readable label.
fn flatten<'a>(
    o: &Map<String, Value>,
    prefix: &str,
    owner: &str,
    codes: &'a CodeLists,
    labels: &mut Labels<'a>,
    out: &mut Map<String, Value>,
) {
    let owner = o.get("@type").and_then(Value::as_str).unwrap_or(owner);
    for (k, v) in o {
        if k == "@type" {
            continue;
        }
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) => flatten(inner, &key, owner, codes, labels, out),
            Value::Array(a) if a.iter().any(Value::is_object) => {
                let mut cols: Map<String, Value> = Map::new();
                for e in a {
                    let mut one = Map::new();
                    match e {
                        Value::Object(inner) => {
                            flatten(inner, &key, owner, codes, labels, &mut one)
                        }
                        other => {
                            one.insert(key.clone(), other.clone());
                        }
                    }
                    for (ck, cv) in one {
                        match cols.entry(ck).or_insert_with(|| Value::Array(vec![])) {
                            Value::Array(col) => col.push(cv),
                            _ => unreachable!("columns are arrays"),
                        }
                    }
                }
                out.extend(cols);
            }
            other => {
                let en = labels.of(codes, owner, k);
                let label = |s: &str| en.and_then(|e| e.get(s.trim())).cloned();
                let l = match other {
                    Value::String(s) => label(s).map(Value::String),
                    Value::Array(a) => {
                        let ls: Vec<Value> = a
                            .iter()
                            .filter_map(|x| x.as_str().and_then(label).map(Value::String))
                            .collect();
                        (!ls.is_empty()).then_some(Value::Array(ls))
                    }
                    _ => None,
                };
                out.insert(key.clone(), other.clone());
                if let Some(l) = l {
                    out.insert(format!("{key}_label"), l);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xplan::Version;

    /// The properties of a BP_BaugebietsTeilFlaeche flattened into a map.
    fn flattened(o: &Value, codes: &CodeLists) -> Map<String, Value> {
        let mut out = Map::new();
        flatten(
            o.as_object().unwrap(),
            "",
            "BP_BaugebietsTeilFlaeche",
            codes,
            &mut Labels::new(),
            &mut out,
        );
        out
    }

    #[test]
    fn flattened_properties_with_labels() {
        let codes = CodeLists::of(Version::V5_4);
        let o: Value = serde_json::json!({
            "besondereArtDerBaulNutzung": "1200",
            "gemeinde": [{"@type": "XP_Gemeinde", "ags": "1"}, {"@type": "XP_Gemeinde", "ags": "2"}],
            "hoehenangabe": {"@type": "XP_Hoehenangabe", "h": "3"},
        });
        let out = flattened(&o, &codes);
        assert_eq!(out["besondereArtDerBaulNutzung"], "1200");
        assert!(out["besondereArtDerBaulNutzung_label"]
            .as_str()
            .unwrap()
            .contains("Wohngebiet"));
        assert_eq!(out["gemeinde.ags"], serde_json::json!(["1", "2"]));
        assert_eq!(out["hoehenangabe.h"], "3");
    }

    #[test]
    fn direct_writing_equals_the_flattened_map() {
        let codes = CodeLists::of(Version::V5_4);
        let o: Value = serde_json::json!({
            "besondereArtDerBaulNutzung": "1200",
            "allgArtDerBaulNutzung": ["1000", "2000"],
            "text": "a \"quoted\" \\ text\nline",
            "gemeinde": [{"@type": "XP_Gemeinde", "ags": "1"}, {"@type": "XP_Gemeinde", "ags": "2", "gemeindeName": "B"}],
            "hoehenangabe": {"@type": "XP_Hoehenangabe", "h": "3", "hoehenbezug": "1000"},
            "nordwinkel": {"uom": "grad", "value": "0.5"},
        });
        let want = flattened(&o, &codes);
        let mut out = String::from("{");
        let mut first = true;
        write_flat(
            &o.to_string(),
            &mut String::new(),
            "BP_BaugebietsTeilFlaeche",
            &codes,
            &mut Labels::new(),
            &mut out,
            &mut first,
        )
        .unwrap();
        out.push('}');
        let got: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(got, Value::Object(want));
        assert!(got["hoehenangabe.hoehenbezug_label"].is_string(), "{got}");
        assert_eq!(
            got["allgArtDerBaulNutzung_label"].as_array().unwrap().len(),
            2,
            "{got}"
        );
    }

    #[test]
    fn scanned_members_equal_parsed_ones() {
        let objects = [
            r#"{}"#,
            r#" { } "#,
            r#"{"a": "x", "b": {"c": [1, 2, {"d": "}]"}]}, "e": -1.5e3, "f": true, "g": null}"#,
            r#"{"a":"q\"uote\\","b":["x,y","z"],"c":{"uom":"grad","value":"0.0"}}"#,
            "{\n\t\"k\" :\r\n \"v\" ,\"l\":[]\n}",
        ];
        for o in objects
            .into_iter()
            .chain([r#"{"a\"b": 1, "c\u0064": [2]}"#])
        {
            let scanned = scan_members(o).unwrap_or_else(|| panic!("{o}"));
            // the same keys, each with the same value
            let parsed: Vec<(String, Value)> = serde_json::from_str::<serde_json::Value>(o)
                .unwrap()
                .as_object()
                .unwrap()
                .clone()
                .into_iter()
                .collect();
            let mut keys: Vec<&str> = scanned.iter().map(|(k, _)| k.as_ref()).collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                parsed.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
                "{o}"
            );
            for (k, v) in &scanned {
                let want = &parsed.iter().find(|(pk, _)| pk == k).unwrap().1;
                assert_eq!(&serde_json::from_str::<Value>(v).unwrap(), want, "{o}: {k}");
            }
        }
        // anything that is not one object
        for o in [
            r#"[1]"#,
            r#"{"a": 1} x"#,
            r#"{"a" 1}"#,
            r#"{"a": }"#,
            r#"{"a": 1"#,
        ] {
            assert!(scan_members(o).is_none(), "{o}");
        }
        let codes = CodeLists::of(Version::V5_4);
        let mut l = Labels::new();
        assert!(members(r#"{"a": 1} x"#, "BP_Plan", &codes, &mut l).is_err());
        assert_eq!(members("{}", "BP_Plan", &codes, &mut l).unwrap(), "");
        assert_eq!(
            members(
                r#"{"z": "1", "drehwinkel": {"uom": "grad", "value": "0.0"}}"#,
                "XP_PPO",
                &codes,
                &mut l
            )
            .unwrap(),
            r#""drehwinkel.uom":"grad","drehwinkel.value":"0.0","z":"1""#
        );
    }
}
