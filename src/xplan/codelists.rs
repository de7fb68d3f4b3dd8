//! Readable labels of enumerated codes (e.g. besondereArtDerBaulNutzung
//! 1200 → "Allgemeines Wohngebiet"), read once per version from the
//! official XSDs: each enumeration value's documentation (or, without one,
//! the name in the comment before it), found through the element's type in
//! the feature class or one of its base classes.

use super::Version;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug, Default)]
pub struct CodeLists {
    /// enumeration type -> value -> label
    enums: HashMap<String, HashMap<String, String>>,
    /// complex type -> (base type, element name -> element type)
    types: HashMap<String, (Option<String>, HashMap<String, String>)>,
    /// global element -> (substitution group, abstract)
    elements: HashMap<String, (Option<String>, bool)>,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

impl CodeLists {
    /// Reads every XSD of a version directory.
    pub fn load(dir: &Path) -> CodeLists {
        let mut c = CodeLists::default();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return c;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "xsd") {
                if let Ok(text) = std::fs::read_to_string(&p) {
                    c.read(&text);
                }
            }
        }
        c
    }

    fn read(&mut self, xsd: &str) {
        let mut r = Reader::from_str(xsd);
        let mut simple: Option<String> = None;
        let mut complex: Vec<Option<String>> = vec![];
        let mut value: Option<String> = None;
        let mut comment: Option<String> = None;
        let mut in_doc = false;
        let mut doc = String::new();
        loop {
            let ev = match r.read_event() {
                Ok(Event::Eof) | Err(_) => break,
                Ok(e) => e,
            };
            match ev {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty = matches!(ev, Event::Empty(_));
                    let ln = e.local_name();
                    let name: &str = ln.as_ref();
                    let attr = |k: &str| {
                        e.attributes()
                            .flatten()
                            .find(|a| {
                                let key: &str = a.key.as_ref();
                                key == k
                            })
                            .and_then(|a| {
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .ok()
                                    .map(|v| v.into_owned())
                            })
                    };
                    match name {
                        "simpleType" if !empty => simple = attr("name"),
                        "complexType" if !empty => complex.push(attr("name")),
                        "enumeration" => {
                            if let (Some(_), Some(v)) = (&simple, attr("value")) {
                                if empty {
                                    if let (Some(t), Some(c)) = (&simple, comment.take()) {
                                        self.enums.entry(t.clone()).or_default().insert(v, c);
                                    }
                                } else {
                                    value = Some(v);
                                    doc.clear();
                                }
                            }
                        }
                        "documentation" if value.is_some() && !empty => in_doc = true,
                        "extension" => {
                            if let (Some(Some(t)), Some(b)) = (complex.last(), attr("base")) {
                                self.types.entry(t.clone()).or_default().0 =
                                    Some(local(&b).to_string());
                            }
                        }
                        "element" if complex.is_empty() && simple.is_none() => {
                            if let Some(n) = attr("name") {
                                let group =
                                    attr("substitutionGroup").map(|g| local(&g).to_string());
                                let abs = attr("abstract").is_some_and(|a| a == "true");
                                self.elements.insert(n, (group, abs));
                            }
                        }
                        "element" => {
                            if let (Some(Some(t)), Some(n), Some(ty)) =
                                (complex.last(), attr("name"), attr("type"))
                            {
                                self.types
                                    .entry(t.clone())
                                    .or_default()
                                    .1
                                    .insert(n, local(&ty).to_string());
                            }
                        }
                        _ => {}
                    }
                }
                Event::Comment(c) => {
                    let t: &str = c.as_ref();
                    comment = Some(t.trim().to_string());
                }
                Event::Text(t) if in_doc => {
                    let s: &str = t.as_ref();
                    doc.push_str(s);
                }
                Event::End(ref e) => match e.local_name().as_ref() {
                    "simpleType" => simple = None,
                    "complexType" => {
                        complex.pop();
                    }
                    "documentation" => in_doc = false,
                    "enumeration" => {
                        if let (Some(t), Some(v)) = (&simple, value.take()) {
                            let d = doc.split_whitespace().collect::<Vec<_>>().join(" ");
                            let label = if !d.is_empty() && d.chars().count() <= 120 {
                                d.trim_end_matches('.').to_string()
                            } else {
                                comment.clone().unwrap_or(d)
                            };
                            self.enums.entry(t.clone()).or_default().insert(v, label);
                        }
                        comment = None;
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }

    /// The label of `value` of property `prop` of a feature type.
    pub fn label(&self, feature_type: &str, prop: &str, value: &str) -> Option<&str> {
        self.enumeration(feature_type, prop)?
            .get(value.trim())
            .map(|s| s.as_str())
    }

    /// The enumeration (value -> label) of property `prop` of a feature or
    /// data type, if the property is coded.
    pub fn enumeration(&self, feature_type: &str, prop: &str) -> Option<&HashMap<String, String>> {
        let mut t = format!("{feature_type}Type");
        for _ in 0..16 {
            let (base, elems) = self.types.get(&t)?;
            if let Some(ty) = elems.get(prop) {
                return self.enums.get(ty);
            }
            t = base.clone()?;
        }
        None
    }

    /// The properties of a feature type (its own and inherited), with their
    /// XSD type and, for enumerations, the allowed codes; base class
    /// properties first.
    pub fn properties(&self, feature_type: &str) -> Vec<(String, String, Option<Vec<String>>)> {
        let mut chain = vec![];
        let mut t = Some(format!("{feature_type}Type"));
        while let Some(name) = t.take() {
            if chain.len() > 16 {
                break;
            }
            if let Some((base, elems)) = self.types.get(&name) {
                chain.push(elems);
                t = base.clone();
            }
        }
        let mut out = vec![];
        for elems in chain.into_iter().rev() {
            let mut names: Vec<(&String, &String)> = elems.iter().collect();
            names.sort();
            for (n, ty) in names {
                let codes = self.enums.get(ty).map(|e| {
                    let mut v: Vec<String> = e.keys().cloned().collect();
                    v.sort();
                    v
                });
                out.push((n.clone(), ty.clone(), codes));
            }
        }
        out
    }

    /// The concrete feature types of the schema (global elements whose
    /// substitution group leads to gml:AbstractFeature), sorted by name.
    pub fn feature_types(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .elements
            .iter()
            .filter(|(name, (_, abs))| !abs && self.is_feature(name))
            .map(|(n, _)| n.as_str())
            .collect();
        out.sort_unstable();
        out
    }

    /// True if `name` is a feature type of the schema (abstract or not).
    /// Whether element `name` is in the substitution group of `class`,
    /// directly or through its own groups (a derived feature class).
    pub fn derives_from(&self, name: &str, class: &str) -> bool {
        let mut cur = name;
        for _ in 0..16 {
            match self.elements.get(cur) {
                Some((Some(g), _)) if g == class => return true,
                Some((Some(g), _)) => cur = g,
                _ => return false,
            }
        }
        false
    }

    pub fn is_feature(&self, name: &str) -> bool {
        let mut cur = name;
        for _ in 0..16 {
            match self.elements.get(cur) {
                Some((Some(g), _)) if g == "AbstractFeature" => return true,
                Some((Some(g), _)) => cur = g,
                _ => return false,
            }
        }
        false
    }

    /// The code lists of a version (loaded on first use, then shared).
    pub fn of(version: Version) -> Arc<CodeLists> {
        static CACHE: OnceLock<Mutex<HashMap<Version, Arc<CodeLists>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        if let Some(c) = cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&version)
        {
            return c.clone();
        }
        let dir = crate::validate::xsd::SchemaSet::default_dir().join(version.xsd_dir());
        let c = Arc::new(CodeLists::load(&dir));
        cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(version, c.clone());
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_the_official_schemas() {
        for v in [Version::V4_1, Version::V5_4, Version::V6_0] {
            let c = CodeLists::of(v);
            let l = c
                .label(
                    "BP_BaugebietsTeilFlaeche",
                    "besondereArtDerBaulNutzung",
                    "1200",
                )
                .unwrap_or_else(|| panic!("{v:?}: no label"));
            assert!(l.contains("Wohngebiet"), "{v:?}: {l}");
        }
        let c = CodeLists::of(Version::V5_4);
        assert!(c
            .label("BP_BaugebietsTeilFlaeche", "rechtscharakter", "1000")
            .is_some());
        assert!(c
            .label("BP_BaugebietsTeilFlaeche", "nichtDa", "1000")
            .is_none());
    }

    #[test]
    fn properties_of_a_feature_type() {
        let c = CodeLists::of(Version::V5_4);
        let p = c.properties("BP_BaugebietsTeilFlaeche");
        let names: Vec<&str> = p.iter().map(|x| x.0.as_str()).collect();
        for want in [
            "uuid",
            "rechtscharakter",
            "GRZ",
            "besondereArtDerBaulNutzung",
            "position",
        ] {
            assert!(names.contains(&want), "{want} missing: {names:?}");
        }
        let art = p
            .iter()
            .find(|x| x.0 == "besondereArtDerBaulNutzung")
            .unwrap();
        assert!(art.2.as_ref().unwrap().contains(&"1200".to_string()));
        assert!(c.properties("Nope").is_empty());
    }

    #[test]
    fn feature_types_from_the_official_schemas() {
        for v in Version::ALL {
            let c = CodeLists::of(v);
            let t = c.feature_types();
            assert!(t.len() > 80, "{v:?}: only {} feature types", t.len());
            for want in ["BP_Plan", "BP_BaugebietsTeilFlaeche", "FP_Plan", "XP_PPO"] {
                assert!(t.contains(&want), "{v:?}: {want} missing");
            }
            for not in [
                "XP_Gemeinde",
                "XP_Objekt",
                "BP_Flaechenschlussobjekt",
                "XP_ExterneReferenz",
            ] {
                assert!(
                    !t.contains(&not),
                    "{v:?}: {not} is no concrete feature type"
                );
            }
        }
    }
}
