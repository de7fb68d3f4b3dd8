//! The property values of a parsed feature, kept compact.
//!
//! A feature's properties are a small tree: texts, data type values
//! (objects with "@type") and repeated properties (arrays). Held as
//! `serde_json` maps, each object costs a B-tree node of ~600 bytes and
//! every key and text its own allocation: about ten times the JSON text of
//! the properties, most of a large document's parsed form. Here an object
//! is one sorted slice of entries, keys and short texts are shared
//! (interned per thread), and the iteration order and JSON form are those
//! of the `serde_json` map they replace (keys sorted).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

/// A shared, immutable text.
pub type Str = Arc<str>;

/// A property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(Str),
    /// Repeated properties, in document order.
    Array(Box<[Value]>),
    Object(Map),
}

/// Properties of a feature or a data type value: entries sorted by key,
/// keys unique.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map(Box<[(Str, Value)]>);

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }
    /// The value of `key` when this is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }
}

impl std::fmt::Display for Value {
    /// The JSON text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| std::fmt::Error)?)
    }
}

impl Map {
    pub fn new() -> Map {
        Map::default()
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        if self.0.len() <= 12 {
            // most objects are this small: lengths rule out most keys
            // without comparing bytes
            self.0
                .iter()
                .find(|(k, _)| k.len() == key.len() && **k == *key)
                .map(|(_, v)| v)
        } else {
            self.0
                .binary_search_by(|(k, _)| (**k).cmp(key))
                .ok()
                .map(|i| &self.0[i].1)
        }
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.iter().map(|(k, _)| &**k)
    }
    pub fn values(&self) -> impl Iterator<Item = &Value> + '_ {
        self.0.iter().map(|(_, v)| v)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The same map as `serde_json` (through [`Serialize`]).
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => unreachable!("a map serialises to a JSON object"),
        }
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a str, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Str, Value)>,
        fn(&'a (Str, Value)) -> (&'a str, &'a Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::String(t) => s.serialize_str(t),
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a.iter() {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(o) => o.serialize(s),
        }
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Builds a [`Map`]: a repeated key turns its value into an array of the
/// values in insertion order.
#[derive(Debug, Default)]
pub struct MapBuilder {
    entries: Vec<(Str, Value)>,
}

impl MapBuilder {
    pub fn new() -> MapBuilder {
        MapBuilder::default()
    }
    pub fn insert(&mut self, name: &str, v: Value) {
        self.entries.push((key(name), v));
    }
    pub fn build(mut self) -> Map {
        // a stable sort keeps repeated keys in insertion order; each run of
        // one key becomes one entry (linear in the entries, however many)
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Str, Value)> = Vec::with_capacity(self.entries.len());
        let mut entries = self.entries.into_iter().peekable();
        while let Some((k, v)) = entries.next() {
            let mut run = Vec::new();
            while let Some((_, next)) = entries.next_if(|(next, _)| *next == k) {
                run.push(next);
            }
            if run.is_empty() {
                out.push((k, v));
            } else {
                // Arrays only arise from repeated properties: no single
                // XPlanGML property value is an array.
                run.insert(0, v);
                out.push((k, Value::Array(run.into_boxed_slice())));
            }
        }
        Map(out.into_boxed_slice())
    }
}

/// Texts up to this length are shared between values.
const SHARED_TEXT: usize = 24;
/// The most texts one thread's table keeps (property names and codes are
/// few); a full table starts again empty, so that a long-running server
/// shares the texts of the documents it reads now.
const TABLE_LIMIT: usize = 16_384;

thread_local! {
    // the texts come from uploaded documents: a hash seeded at random per
    // process and thread (foldhash, "minimally DoS-resistant": colliding
    // texts cannot be written without the seed; the table is capped
    // anyway); several times faster than SipHash on such short texts
    static TABLE: RefCell<HashSet<Str, foldhash::fast::RandomState>> =
        RefCell::new(HashSet::default());
}

fn shared(s: &str) -> Str {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        if let Some(x) = t.get(s) {
            return x.clone();
        }
        if t.len() >= TABLE_LIMIT {
            t.clear();
        }
        let x: Str = Arc::from(s);
        t.insert(x.clone());
        x
    })
}

/// A property name (shared).
pub fn key(s: &str) -> Str {
    shared(s)
}

/// A text value (shared when short: codes, numbers, units).
pub fn text(s: &str) -> Str {
    if s.len() <= SHARED_TEXT {
        shared(s)
    } else {
        Arc::from(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For the tests: texts, arrays and objects as they are; other JSON
    /// values as their JSON text (the parser makes no such values).
    impl From<&serde_json::Value> for Value {
        fn from(v: &serde_json::Value) -> Value {
            match v {
                serde_json::Value::String(s) => Value::String(text(s)),
                serde_json::Value::Array(a) => Value::Array(a.iter().map(Value::from).collect()),
                serde_json::Value::Object(o) => Value::Object(Map::from(o)),
                other => Value::String(text(&other.to_string())),
            }
        }
    }

    impl From<&serde_json::Map<String, serde_json::Value>> for Map {
        fn from(o: &serde_json::Map<String, serde_json::Value>) -> Map {
            // sorted here: a serde_json map iterates in key order only
            // without its preserve_order feature
            let mut entries: Vec<(Str, Value)> =
                o.iter().map(|(k, v)| (key(k), Value::from(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Map(entries.into_boxed_slice())
        }
    }

    fn s(t: &str) -> Value {
        Value::String(text(t))
    }

    #[test]
    fn builder_sorts_keys_and_collects_repeated_values() {
        let mut b = MapBuilder::new();
        b.insert("zweck", s("1000"));
        b.insert("art", s("a"));
        b.insert("zweck", s("2000"));
        b.insert("zweck", s("3000"));
        let mut inner = MapBuilder::new();
        inner.insert("@type", s("XP_Gemeinde"));
        inner.insert("ags", s("02000000"));
        b.insert("gemeinde", Value::Object(inner.build()));
        let m = b.build();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["art", "gemeinde", "zweck"]);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"art":"a","gemeinde":{"@type":"XP_Gemeinde","ags":"02000000"},"zweck":["1000","2000","3000"]}"#
        );
        assert_eq!(
            m.get("gemeinde")
                .and_then(|g| g.get("ags"))
                .and_then(Value::as_str),
            Some("02000000")
        );
        assert!(m.get("zwec").is_none() && m.get("zweckx").is_none());
        assert_eq!(
            m.get("zweck").and_then(Value::as_array).map(<[Value]>::len),
            Some(3)
        );
    }

    #[test]
    fn json_round_trip_is_identical() {
        let j: serde_json::Value = serde_json::from_str(
            r#"{"b":[{"@type":"T","x":"1"},{"@type":"T","y":"é \"q\""}],"a":"long text that is not shared at all","c":{"value":"3","uom":"m"}}"#,
        )
        .unwrap();
        let m = Map::from(j.as_object().unwrap());
        assert_eq!(serde_json::Value::Object(m.to_json()), j);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            serde_json::to_string(&j).unwrap()
        );
        assert_eq!(Value::Object(m).to_string(), j.to_string());
    }

    #[test]
    fn short_texts_are_shared_long_ones_not() {
        let (a, b) = (text("1000"), text("1000"));
        assert!(Arc::ptr_eq(&a, &b));
        let long = "x".repeat(SHARED_TEXT + 1);
        assert!(!Arc::ptr_eq(&text(&long), &text(&long)));
        assert!(Arc::ptr_eq(&key(&long), &key(&long)));
    }
}
