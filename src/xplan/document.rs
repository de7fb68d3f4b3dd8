//! Streaming reader of whole XPlanGML documents into features.
//!
//! The document is held in memory once (as UTF-8); each feature keeps the
//! byte range of its original XML so that export and WFS can return it
//! byte-faithful. No DOM is built.

use super::{Version, XplanError};
use crate::gml::reader::{
    is_geometry_element, read_geometry, Elem, NsKind, ParsedGeometry, XmlCursor, GML_NS, XLINK_NS,
};
use serde_json::{Map, Value};
use std::ops::Range;

pub const WFS20_NS: &str = "http://www.opengis.net/wfs/2.0";

/// A parsed XPlanGML document.
#[derive(Debug)]
pub struct Document {
    pub version: Version,
    /// The document text (UTF-8, without BOM).
    pub source: String,
    /// Local name of the root element (XPlanAuszug or FeatureCollection).
    pub root_element: String,
    pub root_gml_id: Option<String>,
    /// Namespace bindings in scope at the root (prefix "" = default).
    pub namespaces: Vec<(String, String)>,
    /// srsName of the root envelope, if any.
    pub srs_name: Option<String>,
    /// Byte range of the root's gml:boundedBy.
    pub bounded_by: Option<Range<usize>>,
    pub features: Vec<Feature>,
}

/// One feature (plan, Bereich, Fachobjekt, presentation object, text ...).
#[derive(Debug, Clone)]
pub struct Feature {
    /// Local name, e.g. "BP_BaugebietsTeilFlaeche".
    pub feature_type: String,
    pub gml_id: String,
    /// Properties as structured JSON (geometries excluded; references as
    /// `{"href": "#id"}`; data types as objects with "@type").
    pub properties: Map<String, Value>,
    pub references: Vec<Reference>,
    pub geometries: Vec<GeometryProperty>,
    /// Byte range of the feature element in [`Document::source`].
    pub xml: Range<usize>,
    pub line: usize,
}

/// An xlink:href of a feature property (possibly inside a data type).
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Property path, e.g. "gehoertZuBereich" or "externeReferenz/referenzURL".
    pub property: String,
    pub href: String,
}

impl Reference {
    /// The gml:id of a document-local reference ("#id").
    pub fn local_target(&self) -> Option<&str> {
        self.href.strip_prefix('#')
    }
}

#[derive(Debug, Clone)]
pub struct GeometryProperty {
    pub property: String,
    pub geometry: ParsedGeometry,
}

impl Feature {
    /// A simple text property (first value if repeated).
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.properties.get(name)? {
            Value::String(s) => Some(s),
            Value::Array(a) => a.first().and_then(|v| v.as_str()),
            Value::Object(o) => o.get("value").and_then(Value::as_str),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> Option<i32> {
        self.text(name)?.trim().parse().ok()
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.text(name)?.trim() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        }
    }

    /// Local targets of the references of a property.
    pub fn refs<'a>(&'a self, property: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.references
            .iter()
            .filter(move |r| r.property == property)
            .filter_map(Reference::local_target)
    }

    /// The main geometry: `position`, else the first geometry property.
    pub fn primary_geometry(&self) -> Option<&GeometryProperty> {
        self.geometries
            .iter()
            .find(|g| g.property == "position")
            .or_else(|| self.geometries.first())
    }

    pub fn geometry(&self, property: &str) -> Option<&GeometryProperty> {
        self.geometries.iter().find(|g| g.property == property)
    }

    pub fn is_plan(&self) -> bool {
        is_plan_type(&self.feature_type)
    }

    pub fn is_bereich(&self) -> bool {
        let t = &self.feature_type;
        t.len() == 10
            && t.ends_with("_Bereich")
            && matches!(&t[..2], "BP" | "FP" | "RP" | "LP" | "SO")
    }
}

pub fn is_plan_type(t: &str) -> bool {
    t.len() == 7 && t.ends_with("_Plan") && matches!(&t[..2], "BP" | "FP" | "RP" | "LP" | "SO")
}

/// Turns raw file bytes into UTF-8 text: strips a BOM and converts
/// ISO-8859-1 / Windows-1252 documents (declared in the XML declaration).
pub fn decode_text(bytes: Vec<u8>) -> Result<String, XplanError> {
    let bytes = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes[3..].to_vec()
    } else {
        bytes
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(XplanError::NotXPlan(
            "UTF-16 documents are not supported; save the plan as UTF-8".into(),
        ));
    }
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let declared = head
        .find("encoding=")
        .and_then(|i| head[i + 9..].split(['"', '\'']).nth(1).map(str::to_string));
    match declared.as_deref() {
        Some("iso-8859-1") | Some("latin1") | Some("iso-8859-15") | Some("windows-1252") => {
            Ok(bytes.iter().map(|&b| b as char).collect())
        }
        Some("utf-8") | Some("utf8") | None => String::from_utf8(bytes).map_err(|e| {
            XplanError::NotXPlan(format!(
                "the document is not valid UTF-8 (byte offset {}); declare its encoding in the XML declaration",
                e.utf8_error().valid_up_to()
            ))
        }),
        Some(other) => Err(XplanError::NotXPlan(format!("encoding '{other}' is not supported (use UTF-8)"))),
    }
}

/// Parses a complete XPlanGML document.
pub fn parse_document(mut source: String) -> Result<Document, XplanError> {
    if source.starts_with('\u{feff}') {
        source.drain(..3);
    }
    // The cursor borrows the source; features only keep byte ranges.
    let (version, root_element, root_gml_id, namespaces, srs_name, bounded_by, features) = {
        let mut cur = XmlCursor::new(&source);
        let root = loop {
            match cur.next_event()? {
                crate::gml::reader::Ev::Start(e) => break e,
                crate::gml::reader::Ev::Text(t) if t.trim().is_empty() => continue,
                crate::gml::reader::Ev::Eof => {
                    return Err(XplanError::NotXPlan("the document is empty".into()))
                }
                _ => return Err(XplanError::NotXPlan("no root element".into())),
            }
        };
        let mut version = None;
        match root.local.as_str() {
            "XPlanAuszug" => version = Some(Version::from_namespace(&root.ns_uri)?),
            "FeatureCollection" if root.ns_uri == WFS20_NS || root.ns == NsKind::Gml => {}
            _ => {
                return Err(XplanError::NotXPlan(format!(
                "the root element is <{}>{}; expected xplan:XPlanAuszug or wfs:FeatureCollection",
                root.local,
                if root.ns_uri.is_empty() {
                    String::new()
                } else {
                    format!(" in namespace {}", root.ns_uri)
                }
            )))
            }
        }
        let root_gml_id = cur.attr(&root, GML_NS, "id")?;
        let namespaces = cur.namespace_bindings();
        let mut srs_name = None;
        let mut bounded_by = None;
        let mut features = Vec::new();
        let mut reader = FeatureReader {
            version,
            srs_name: None,
        };
        while let Some(c) = cur.next_child(&root.local)? {
            match (c.ns, c.local.as_str()) {
                (NsKind::Gml, "boundedBy") | (NsKind::Other, "boundedBy") => {
                    let start = c.offset;
                    srs_name = envelope_srs(&mut cur, &c)?;
                    bounded_by = Some(start..cur.position());
                    reader.srs_name = srs_name.clone();
                }
                (NsKind::Gml, "featureMember")
                | (NsKind::Gml, "featureMembers")
                | (NsKind::Other, "member") => {
                    while let Some(f) = cur.next_child(&c.local)? {
                        features.push(reader.feature(&mut cur, f)?);
                    }
                }
                (NsKind::Other, "additionalObjects")
                | (NsKind::Gml, "name")
                | (NsKind::Gml, "description") => {
                    cur.skip()?;
                }
                _ => {
                    return Err(cur
                        .error_at(
                            c.offset,
                            format!("unexpected element <{}> in the feature collection", c.local),
                        )
                        .into())
                }
            }
        }
        let Some(version) = reader.version else {
            return Err(XplanError::NotXPlan(
                "the feature collection holds no XPlanGML features".into(),
            ));
        };
        (
            version,
            root.local.clone(),
            root_gml_id,
            namespaces,
            srs_name,
            bounded_by,
            features,
        )
    };
    Ok(Document {
        version,
        source,
        root_element,
        root_gml_id,
        namespaces,
        srs_name,
        bounded_by,
        features,
    })
}

/// Reads a gml:boundedBy and returns the envelope's srsName.
fn envelope_srs(
    cur: &mut XmlCursor<'_>,
    bounded_by: &Elem<'_>,
) -> Result<Option<String>, XplanError> {
    let mut srs = None;
    while let Some(env) = cur.next_child(&bounded_by.local)? {
        if env.is_gml("Envelope") {
            srs = cur.attr(&env, "", "srsName")?;
        }
        cur.skip()?;
    }
    Ok(srs)
}

struct FeatureReader {
    version: Option<Version>,
    srs_name: Option<String>,
}

impl FeatureReader {
    fn feature(&mut self, cur: &mut XmlCursor<'_>, e: Elem<'_>) -> Result<Feature, XplanError> {
        let v = Version::from_namespace(&e.ns_uri).map_err(|err| match err {
            XplanError::NotXPlan(_) => XplanError::NotXPlan(format!(
                "feature <{}> (line {}) is not in an XPlanGML namespace",
                e.local,
                cur.line_at(e.offset)
            )),
            other => other,
        })?;
        match self.version {
            None => self.version = Some(v),
            Some(doc) if doc != v => {
                return Err(cur
                    .error_at(e.offset, format!("feature of XPlanGML {v} in a document of XPlanGML {doc}: versions must not be mixed"))
                    .into())
            }
            _ => {}
        }
        let gml_id = cur.attr(&e, GML_NS, "id")?.ok_or_else(|| {
            cur.error_at(e.offset, format!("feature <{}> has no gml:id", e.local))
        })?;
        let line = cur.line_at(e.offset);
        let mut f = Feature {
            feature_type: e.local.clone(),
            gml_id,
            properties: Map::new(),
            references: Vec::new(),
            geometries: Vec::new(),
            xml: e.offset..e.offset,
            line,
        };
        if !e.empty {
            let mut props = Map::new();
            self.properties(cur, &e, "", &mut props, &mut f)?;
            f.properties = props;
        } else {
            cur.skip()?;
        }
        f.xml.end = cur.position();
        Ok(f)
    }

    /// Reads the property elements of the feature or data type `parent`
    /// (started) into `props`, up to its end tag.
    fn properties(
        &self,
        cur: &mut XmlCursor<'_>,
        parent: &Elem<'_>,
        path: &str,
        props: &mut Map<String, Value>,
        f: &mut Feature,
    ) -> Result<(), XplanError> {
        while let Some(p) = cur.next_child(&parent.local)? {
            if p.ns == NsKind::Gml
                && matches!(
                    p.local.as_str(),
                    "boundedBy"
                        | "name"
                        | "description"
                        | "identifier"
                        | "metaDataProperty"
                        | "descriptionReference"
                )
            {
                cur.skip()?;
                continue;
            }
            let name = p.local.clone();
            let full = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}/{name}")
            };
            let href = cur.attr(&p, XLINK_NS, "href")?;
            let uom = cur.attr(&p, "", "uom")?;
            let code_space = cur.attr(&p, "", "codeSpace")?;
            let nil_reason = cur.attr(&p, "", "nilReason")?;
            if let Some(href) = href {
                f.references.push(Reference {
                    property: full.clone(),
                    href: href.clone(),
                });
                cur.skip()?;
                insert(props, name, serde_json::json!({ "href": href }));
                continue;
            }
            // Content: text, or one child element (geometry or data type).
            let mut text = String::new();
            let mut value: Option<Value> = None;
            loop {
                match cur.next_event()? {
                    crate::gml::reader::Ev::Text(t) => text.push_str(&t),
                    crate::gml::reader::Ev::End { .. } => break,
                    crate::gml::reader::Ev::Eof => {
                        return Err(cur.error("unexpected end of document").into())
                    }
                    crate::gml::reader::Ev::Start(c) => {
                        if c.ns == NsKind::Gml && is_geometry_element(&c.local) {
                            let g = read_geometry(cur, &c, self.srs_name.as_deref())?;
                            f.geometries.push(GeometryProperty {
                                property: full.clone(),
                                geometry: g,
                            });
                            value = Some(Value::Null);
                        } else if c.ns == NsKind::Other
                            && self.version.map(|v| v.namespace()) == Some(c.ns_uri.as_str())
                        {
                            let mut obj = Map::new();
                            obj.insert("@type".into(), Value::String(c.local.clone()));
                            if !c.empty {
                                self.properties(cur, &c, &full, &mut obj, f)?;
                            } else {
                                cur.skip()?;
                            }
                            value = Some(Value::Object(obj));
                        } else {
                            // Other content (e.g. gml:TimeInstant): keep its text.
                            let start = c.offset;
                            cur.skip()?;
                            let end = cur.position();
                            value = Some(Value::String(cur.src()[start..end].to_string()));
                        }
                    }
                }
            }
            match value {
                Some(Value::Null) => {}
                Some(v) => insert(props, name, v),
                None => {
                    let t = text.trim();
                    let v = if uom.is_some() || code_space.is_some() || nil_reason.is_some() {
                        let mut o = Map::new();
                        o.insert("value".into(), Value::String(t.to_string()));
                        if let Some(u) = uom {
                            o.insert("uom".into(), Value::String(u));
                        }
                        if let Some(c) = code_space {
                            o.insert("codeSpace".into(), Value::String(c));
                        }
                        if let Some(n) = nil_reason {
                            o.insert("nilReason".into(), Value::String(n));
                        }
                        Value::Object(o)
                    } else {
                        Value::String(t.to_string())
                    };
                    insert(props, name, v);
                }
            }
        }
        Ok(())
    }
}

/// Inserts a property value; repeated properties become arrays.
fn insert(props: &mut Map<String, Value>, name: String, v: Value) {
    match props.get_mut(&name) {
        None => {
            props.insert(name, v);
        }
        // Arrays only arise from repeated properties: no single XPlanGML
        // property value is a JSON array.
        Some(Value::Array(a)) => a.push(v),
        Some(existing) => {
            let old = existing.take();
            *existing = Value::Array(vec![old, v]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<xplan:XPlanAuszug xmlns:xplan="http://www.xplanung.de/xplangml/6/0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink" gml:id="root">
  <gml:boundedBy><gml:Envelope srsName="EPSG:25832"><gml:lowerCorner>0 0</gml:lowerCorner><gml:upperCorner>10 10</gml:upperCorner></gml:Envelope></gml:boundedBy>
  <gml:featureMember>
    <xplan:BP_Plan gml:id="p1">
      <xplan:name>Test &amp; Plan</xplan:name>
      <xplan:raeumlicherGeltungsbereich><gml:Polygon gml:id="g1"><gml:exterior><gml:LinearRing><gml:posList>0 0 10 0 10 10 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></xplan:raeumlicherGeltungsbereich>
      <xplan:gemeinde><xplan:XP_Gemeinde><xplan:ags>02000000</xplan:ags><xplan:gemeindeName>Hamburg</xplan:gemeindeName></xplan:XP_Gemeinde></xplan:gemeinde>
      <xplan:planArt>1000</xplan:planArt>
      <xplan:planArt>3000</xplan:planArt>
      <xplan:bereich xlink:href="#b1"/>
    </xplan:BP_Plan>
  </gml:featureMember>
  <gml:featureMember>
    <xplan:BP_Bereich gml:id="b1"><xplan:nummer>0</xplan:nummer><xplan:gehoertZuPlan xlink:href="#p1"/></xplan:BP_Bereich>
  </gml:featureMember>
  <gml:featureMember>
    <xplan:BP_BaugebietsTeilFlaeche gml:id="f1">
      <xplan:ebene>0</xplan:ebene>
      <xplan:hoehenangabe><xplan:XP_Hoehenangabe><xplan:h uom="m">12.5</xplan:h></xplan:XP_Hoehenangabe></xplan:hoehenangabe>
      <xplan:gehoertZuBereich xlink:href="#b1"/>
      <xplan:rechtscharakter>1000</xplan:rechtscharakter>
      <xplan:position><gml:Polygon gml:id="g2" srsName="EPSG:25832"><gml:exterior><gml:LinearRing><gml:posList>0 0 5 0 5 5 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></xplan:position>
      <xplan:flaechenschluss>true</xplan:flaechenschluss>
    </xplan:BP_BaugebietsTeilFlaeche>
  </gml:featureMember>
</xplan:XPlanAuszug>
"##;

    #[test]
    fn features_properties_and_references() {
        let d = parse_document(DOC.to_string()).unwrap();
        assert_eq!(d.version, Version::V6_0);
        assert_eq!(d.srs_name.as_deref(), Some("EPSG:25832"));
        assert_eq!(d.features.len(), 3);
        let p = &d.features[0];
        assert_eq!(p.text("name"), Some("Test & Plan"));
        assert_eq!(p.properties["planArt"], serde_json::json!(["1000", "3000"]));
        assert_eq!(p.properties["gemeinde"]["@type"], "XP_Gemeinde");
        assert_eq!(p.properties["gemeinde"]["ags"], "02000000");
        assert_eq!(p.refs("bereich").collect::<Vec<_>>(), vec!["b1"]);
        assert_eq!(
            p.geometry("raeumlicherGeltungsbereich")
                .unwrap()
                .geometry
                .srid,
            Some(25832)
        );
        let f = &d.features[2];
        assert_eq!(f.int("ebene"), Some(0));
        assert_eq!(f.bool("flaechenschluss"), Some(true));
        assert_eq!(
            f.properties["hoehenangabe"]["h"],
            serde_json::json!({"value": "12.5", "uom": "m"})
        );
        assert_eq!(f.primary_geometry().unwrap().property, "position");
        assert!(d.source[f.xml.clone()].starts_with("<xplan:BP_BaugebietsTeilFlaeche"));
        assert!(d.source[f.xml.clone()].ends_with("</xplan:BP_BaugebietsTeilFlaeche>"));
        assert_eq!(f.line, 18);
    }

    #[test]
    fn wfs_feature_collection_root_reads_the_same_features() {
        let wfs = DOC
            .replace(
                "<xplan:XPlanAuszug ",
                "<wfs:FeatureCollection xmlns:wfs=\"http://www.opengis.net/wfs/2.0\" ",
            )
            .replace("</xplan:XPlanAuszug>", "</wfs:FeatureCollection>")
            .replace("gml:featureMember>", "wfs:member>");
        let a = parse_document(DOC.to_string()).unwrap();
        let b = parse_document(wfs).unwrap();
        assert_eq!(b.root_element, "FeatureCollection");
        assert_eq!(a.features.len(), b.features.len());
        for (x, y) in a.features.iter().zip(&b.features) {
            assert_eq!((&x.gml_id, &x.properties), (&y.gml_id, &y.properties));
        }
    }

    #[test]
    fn latin1_documents_are_decoded() {
        let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Gr".to_vec();
        bytes.push(0xFC); // ü
        bytes.extend_from_slice(b"n</a>");
        assert_eq!(
            decode_text(bytes).unwrap(),
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Grün</a>"
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(b"<a/>");
        assert_eq!(decode_text(bom).unwrap(), "<a/>");
        assert!(decode_text(vec![b'<', 0xFF, b'>']).is_err());
    }

    #[test]
    fn mixed_versions_and_missing_ids_are_errors() {
        let mixed = DOC
            .replace(
                "<xplan:BP_Bereich gml:id=\"b1\">",
                "<x5:BP_Bereich xmlns:x5=\"http://www.xplanung.de/xplangml/5/4\" gml:id=\"b1\">",
            )
            .replace("</xplan:BP_Bereich>", "</x5:BP_Bereich>");
        assert!(parse_document(mixed)
            .unwrap_err()
            .to_string()
            .contains("must not be mixed"));
        let noid = DOC.replace("<xplan:BP_Bereich gml:id=\"b1\">", "<xplan:BP_Bereich>");
        assert!(parse_document(noid)
            .unwrap_err()
            .to_string()
            .contains("has no gml:id"));
    }
}
