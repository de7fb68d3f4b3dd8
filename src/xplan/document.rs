//! Streaming reader of whole XPlanGML documents into features.
//!
//! The document is held in memory once (as UTF-8); each feature keeps the
//! byte range of its original XML so that export and WFS can return it
//! byte-faithful. No DOM is built.

use super::props::{self, Map, MapBuilder, Value};
use super::source::Source;
use super::{Version, XplanError};
use crate::gml::reader::{
    is_geometry_element, read_geometry, Elem, NsKind, ParsedGeometry, XmlCursor, GML_NS, XLINK_NS,
};
use std::ops::Range;

pub const WFS20_NS: &str = "http://www.opengis.net/wfs/2.0";

/// A parsed XPlanGML document.
#[derive(Debug)]
pub struct Document {
    pub version: Version,
    /// The document text (UTF-8, without BOM), shared so that the schema
    /// validation can read it while the document is parsed.
    pub source: std::sync::Arc<Source>,
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
    pub properties: Map,
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

/// The encoding named in the XML declaration at the start of `bytes`
/// (lower case), if any.
pub(crate) fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    head.find("encoding=")
        .and_then(|i| head[i + 9..].split(['"', '\'']).nth(1).map(str::to_string))
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
    match declared_encoding(&bytes).as_deref() {
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

/// A direct child of the root element, found by the raw scan.
struct TopLevel<'a> {
    start: quick_xml::events::BytesStart<'a>,
    local: String,
    range: Range<usize>,
    line: usize,
    col: usize,
    /// The elements inside it (features, for member wrappers).
    children: Vec<Child>,
}

struct Child {
    range: Range<usize>,
    line: usize,
    col: usize,
}

/// Incremental line/column of byte offsets that only grow.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
}

impl LineCounter<'_> {
    fn at(&mut self, offset: usize) -> (usize, usize) {
        let seg = &self.bytes[self.pos..offset];
        let n = memchr::memchr_iter(b'\n', seg).count();
        if n > 0 {
            self.line += n;
            self.line_start = self.pos + memchr::memrchr(b'\n', seg).map_or(0, |p| p + 1);
        }
        self.pos = offset;
        (self.line, offset - self.line_start)
    }
}

/// The index of the `>` that ends the tag starting at `lt` (quotes respected).
fn tag_end(b: &[u8], lt: usize) -> Option<usize> {
    let mut quote = 0u8;
    for (i, &c) in b[lt..].iter().enumerate() {
        match c {
            b'"' | b'\'' if quote == 0 => quote = c,
            c if c == quote => quote = 0,
            b'>' if quote == 0 => return Some(lt + i),
            _ => {}
        }
    }
    None
}

/// Skips whitespace, comments and processing instructions.
fn skip_misc(src: &str, mut pos: usize, end: usize) -> Option<usize> {
    let b = src.as_bytes();
    loop {
        while pos < end && b[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if src[pos..end].starts_with("<!--") {
            pos += src[pos..end].find("-->")? + 3;
        } else if src[pos..end].starts_with("<?") {
            pos += src[pos..end].find("?>")? + 2;
        } else {
            return Some(pos);
        }
    }
}

/// The fast path of [`scan_top_level`]: the top-level elements and the
/// feature in each member wrapper, found by text search (no tokenizing).
/// Returns None where the document is not of the usual shape (one feature
/// per wrapper, no text between members); the features are then parsed in
/// full anyway, and any doubt falls back to the tokenizer.
fn fast_top_level<'a>(src: &'a str, body: usize, root_qname: &str) -> Option<Vec<TopLevel<'a>>> {
    let b = src.as_bytes();
    let end_tag = format!("</{root_qname}");
    let root_end = src.rfind(&end_tag)?;
    let mut lines = LineCounter {
        bytes: b,
        pos: 0,
        line: 1,
        line_start: 0,
    };
    let mut out = Vec::new();
    let mut pos = body;
    loop {
        pos = skip_misc(src, pos, root_end)?;
        if pos >= root_end {
            break;
        }
        if b[pos] != b'<' || b.get(pos + 1) == Some(&b'/') || b.get(pos + 1) == Some(&b'!') {
            return None;
        }
        let gt = tag_end(b, pos)?;
        if gt >= root_end {
            // a '<' whose tag runs into the root's end tag: not the usual shape
            return None;
        }
        let name_len = src[pos + 1..gt]
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(gt - pos - 1);
        let qname = &src[pos + 1..pos + 1 + name_len];
        let local = qname.rsplit(':').next().unwrap_or(qname).to_string();
        let empty = b[gt - 1] == b'/';
        let content_end = if empty { gt - 1 } else { gt };
        let start =
            quick_xml::events::BytesStart::from_content(&src[pos + 1..content_end], name_len);
        let (line, col) = lines.at(pos);
        if empty {
            out.push(TopLevel {
                start,
                local,
                range: pos..gt + 1,
                line,
                col,
                children: Vec::new(),
            });
            pos = gt + 1;
            continue;
        }
        let close = format!("</{qname}");
        let cstart = gt + 1 + memchr::memmem::find(&b[gt + 1..root_end], close.as_bytes())?;
        let cgt = tag_end(b, cstart)?;
        if src[cstart + close.len()..cgt].trim() != "" {
            return None;
        }
        let mut children = Vec::new();
        if matches!(local.as_str(), "featureMember" | "member") {
            let f = skip_misc(src, gt + 1, cstart)?;
            if f < cstart {
                // the feature ends at the last '>' before the wrapper's end tag
                let fend = src[f..cstart].trim_end();
                let fend = f + fend.len();
                if !src[f..fend].ends_with('>') || src[f..fend].ends_with("-->") {
                    return None;
                }
                let (line, col) = lines.at(f);
                children.push(Child {
                    range: f..fend,
                    line,
                    col,
                });
            }
        } else if local == "featureMembers" {
            return None;
        }
        out.push(TopLevel {
            start,
            local,
            range: pos..cgt + 1,
            line,
            col,
            children,
        });
        pos = cgt + 1;
    }
    Some(out)
}

/// Finds the direct children of the root and their children (the
/// features) with a raw tokenizer pass, without namespaces or attributes.
fn scan_top_level<'a>(
    src: &'a str,
    body_start: usize,
    root_name: &str,
) -> Result<Vec<TopLevel<'a>>, XplanError> {
    use quick_xml::events::Event;
    let body = &src[body_start..];
    let mut r = quick_xml::Reader::from_str(body);
    // End names are checked here for the top level, and by the feature
    // parser inside the features.
    r.config_mut().check_end_names = false;
    let mut lines = LineCounter {
        bytes: src.as_bytes(),
        pos: 0,
        line: 1,
        line_start: 0,
    };
    let mut out: Vec<TopLevel<'a>> = Vec::new();
    let mut depth = 0usize;
    let mut in_root = false;
    let mut child_start = 0usize;
    let err_at = |at: usize, msg: String| {
        let line = src.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let col = at
            - src.as_bytes()[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        XplanError::Xml(crate::gml::GmlError {
            message: msg,
            line,
            column: col,
        })
    };
    let err = |r: &quick_xml::Reader<&[u8]>, msg: String| {
        err_at(body_start + r.error_position() as usize, msg)
    };
    // Start tags not yet closed (offset, name length): each end tag is
    // checked against the innermost, and an end of document inside one
    // names where it was opened.
    let mut open: Vec<(usize, usize)> = Vec::new();
    loop {
        let pos = body_start + r.buffer_position() as usize;
        let ev = r
            .read_event()
            .map_err(|e| err(&r, format!("malformed XML: {e}")))?;
        let end = body_start + r.buffer_position() as usize;
        if !in_root {
            // `body` starts at the root's start tag
            if let Event::Start(_) = ev {
                in_root = true;
            }
            continue;
        }
        if let Event::Start(e) | Event::Empty(e) = &ev {
            let name = e.name();
            let name: &str = name.as_ref();
            let name = name.as_bytes();
            if !name
                .first()
                .is_some_and(|&c| !c.is_ascii() || c.is_ascii_alphabetic() || c == b'_')
            {
                let shown = String::from_utf8_lossy(&name[..name.len().min(40)]).into_owned();
                return Err(err_at(
                    pos,
                    format!("malformed XML: invalid element name '{shown}'"),
                ));
            }
        }
        match ev {
            Event::Start(e) | Event::Empty(e) if depth == 0 => {
                let (line, col) = lines.at(pos);
                let empty = end > 1 && src.as_bytes()[end - 2] == b'/';
                if !empty {
                    open.push((pos, e.name().as_ref().len()));
                    depth = 1;
                }
                let local = {
                    let n = e.local_name();
                    let n: &str = n.as_ref();
                    n.to_string()
                };
                out.push(TopLevel {
                    start: e,
                    local,
                    range: pos..end,
                    line,
                    col,
                    children: Vec::new(),
                });
            }
            Event::Start(e) if depth == 1 => {
                child_start = pos;
                open.push((pos, e.name().as_ref().len()));
                depth = 2;
            }
            Event::Empty(_) if depth == 1 => {
                let (line, col) = lines.at(pos);
                if let Some(t) = out.last_mut() {
                    t.children.push(Child {
                        range: pos..end,
                        line,
                        col,
                    });
                }
            }
            Event::Start(e) => {
                open.push((pos, e.name().as_ref().len()));
                depth += 1;
                if depth > crate::gml::reader::MAX_DEPTH {
                    return Err(err(
                        &r,
                        format!(
                            "elements are nested deeper than {} levels",
                            crate::gml::reader::MAX_DEPTH
                        ),
                    ));
                }
            }
            Event::End(e) => {
                if depth == 0 {
                    let n = e.name();
                    let n: &str = n.as_ref();
                    if n != root_name {
                        return Err(err_at(
                            pos,
                            format!("malformed XML: expected </{root_name}>, found </{n}>"),
                        ));
                    }
                    break; // end of the root
                }
                // depth ≥ 1 here: every open element is on the stack
                if let Some((at, len)) = open.pop() {
                    let (want, got) = (&src[at + 1..at + 1 + len], e.name());
                    let got: &str = got.as_ref();
                    if want != got {
                        let line = memchr::memchr_iter(b'\n', &src.as_bytes()[..at]).count() + 1;
                        return Err(err_at(
                            pos,
                            format!("malformed XML: expected </{want}> (opened at line {line}), found </{got}>"),
                        ));
                    }
                }
                depth -= 1;
                if depth == 1 {
                    let (line, col) = lines.at(child_start);
                    if let Some(t) = out.last_mut() {
                        t.children.push(Child {
                            range: child_start..end,
                            line,
                            col,
                        });
                    }
                } else if depth == 0 {
                    if let Some(t) = out.last_mut() {
                        t.range.end = end;
                    }
                }
            }
            Event::Eof => {
                // the innermost element left open is where it went wrong
                return Err(match open.last() {
                    Some(&(at, _)) => {
                        let tag = &src[at..src[at..].find('>').map_or(src.len(), |e| at + e + 1)];
                        let tag: String = tag.chars().take(60).collect();
                        err_at(
                            at,
                            format!("malformed XML: the element {tag} is never closed"),
                        )
                    }
                    None => err_at(
                        pos,
                        "unexpected end of document: elements are not closed".into(),
                    ),
                });
            }
            Event::Text(t) if depth <= 1 && !t.trim().is_empty() => {
                return Err(err_at(pos, "unexpected text between features".into()));
            }
            Event::DocType(_) => {
                return Err(err(&r, "a DOCTYPE declaration is not allowed".into()))
            }
            _ => {}
        }
    }
    Ok(out)
}

/// What a document has besides its features (see [`Document`]).
#[derive(Clone)]
struct Head {
    source: std::sync::Arc<Source>,
    root_element: String,
    root_gml_id: Option<String>,
    namespaces: Vec<(String, String)>,
}

/// Called with the document read so far after each chunk of features;
/// `Break` stops the parse.
pub type ChunkSink<'a> = &'a mut dyn FnMut(&Document) -> std::ops::ControlFlow<()>;

/// A sink that lets the parse go on.
fn never_stop(_: &Document) -> std::ops::ControlFlow<()> {
    std::ops::ControlFlow::Continue(())
}

/// Reads the envelope and the features of the top-level elements `top`
/// into a document, parsing the features in parallel in `chunks` chunks
/// (of at least 1024 features) in document order; `sink` sees the
/// document after every chunk but the last (None: it stopped the parse).
fn read_members(
    src: &str,
    root: &Elem<'_>,
    top: &[TopLevel<'_>],
    version: Option<Version>,
    head: Head,
    chunks: usize,
    sink: ChunkSink<'_>,
) -> Result<Option<Document>, XplanError> {
    let mut srs_name = None;
    let mut bounded_by = None;
    let mut members: Vec<(&TopLevel<'_>, &Child)> = Vec::new();
    for t in top {
        match t.local.as_str() {
            "boundedBy" => {
                let mut c =
                    XmlCursor::fragment(&src[t.range.clone()], t.line, t.col, &[&root.start])?;
                if let crate::gml::reader::Ev::Start(e) = c.next_event()? {
                    srs_name = envelope_srs(&mut c, &e)?;
                }
                bounded_by = Some(t.range.clone());
            }
            "featureMember" | "featureMembers" | "member" => {
                members.extend(t.children.iter().map(|c| (t, c)))
            }
            "additionalObjects" | "name" | "description" => {}
            other => {
                return Err(XplanError::Xml(crate::gml::GmlError {
                    message: format!("unexpected element <{other}> in the feature collection"),
                    line: t.line,
                    column: t.col + 1,
                }))
            }
        }
    }
    let parse_one = |version: Option<Version>,
                     (t, c): (&TopLevel<'_>, &Child)|
     -> Result<Feature, XplanError> {
        let mut fc = XmlCursor::fragment(
            &src[c.range.clone()],
            c.line,
            c.col,
            &[&root.start, &t.start],
        )?;
        let e = match fc.next_event()? {
            crate::gml::reader::Ev::Start(e) => e,
            _ => return Err(fc.error_at(0, "feature element expected").into()),
        };
        let mut reader = FeatureReader {
            version,
            srs_name: srs_name.clone(),
        };
        let mut f = reader.feature(&mut fc, e)?;
        f.xml = c.range.start + f.xml.start..c.range.start + f.xml.end;
        Ok(f)
    };
    // The version: from the root, else from the first feature.
    let version = match version {
        Some(v) => v,
        None => {
            let Some(&first) = members.first() else {
                return Err(XplanError::NotXPlan(
                    "the feature collection holds no XPlanGML features".into(),
                ));
            };
            let mut fc = XmlCursor::fragment(
                &src[first.1.range.clone()],
                first.1.line,
                first.1.col,
                &[&root.start, &first.0.start],
            )?;
            match fc.next_event()? {
                crate::gml::reader::Ev::Start(e) => {
                    Version::from_namespace(&e.ns_uri).map_err(|_| {
                        XplanError::NotXPlan(format!(
                            "feature <{}> (line {}) is not in an XPlanGML namespace",
                            e.local, first.1.line
                        ))
                    })?
                }
                _ => {
                    return Err(XplanError::NotXPlan(
                        "the feature collection holds no XPlanGML features".into(),
                    ))
                }
            }
        }
    };
    use rayon::prelude::*;
    let mut doc = Document {
        version,
        source: head.source,
        root_element: head.root_element,
        root_gml_id: head.root_gml_id,
        namespaces: head.namespaces,
        srs_name: srs_name.clone(),
        bounded_by,
        features: Vec::with_capacity(members.len()),
    };
    let chunk = members.len().div_ceil(chunks.max(1)).max(1024);
    let mut parts = members.chunks(chunk).peekable();
    while let Some(part) = parts.next() {
        let features = part
            .par_iter()
            .with_min_len(64)
            .map(|&m| parse_one(Some(version), m))
            .collect::<Result<Vec<Feature>, XplanError>>()?;
        doc.features.extend(features);
        if let (Some(first), Some(last)) = (part.first(), part.last()) {
            doc.source.release(first.1.range.start..last.1.range.end);
        }
        if parts.peek().is_some() && sink(&doc).is_break() {
            return Ok(None);
        }
    }
    Ok(Some(doc))
}

/// Parses a complete XPlanGML document. The root and its envelope are read
/// sequentially; the features are located by a raw scan and then parsed in
/// parallel, each with the root's namespace bindings in scope.
pub fn parse_document(source: String) -> Result<Document, XplanError> {
    parse_shared(std::sync::Arc::new(Source::from(source)))
}

/// The XPlanGML version a document declares, from a look at its start
/// (the namespace bindings of the root): a hint for work that cannot wait
/// for the parse, such as the schema validation. None when unclear.
pub fn sniff_version(source: &str) -> Option<Version> {
    let mut end = source.len().min(64 * 1024);
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let head = source[..end].trim_start_matches('\u{feff}');
    // the root start tag: after the prolog, comments (which may hold '<'),
    // processing instructions and the doctype
    let mut from = 0;
    let root_end = loop {
        from = skip_misc(head, from, head.len())?;
        if head[from..].starts_with("<!") {
            from += head[from..].find('>')? + 1;
            continue;
        }
        if !head[from..].starts_with('<') {
            return None;
        }
        break tag_end(head.as_bytes(), from)?;
    };
    let mut found = None;
    for (i, _) in head[..root_end].match_indices("http://www.xplanung.de/xplangml/") {
        let rest = &head[i..];
        // a namespace, or the first half of a schemaLocation pair
        let uri = &rest[..rest
            .find(['"', '\'', ' ', '\t', '\n', '\r'])
            .unwrap_or(rest.len())];
        let Some(v) = Version::ALL.into_iter().find(|v| v.namespace() == uri) else {
            continue;
        };
        if found.is_some_and(|f| f != v) {
            return None;
        }
        found = Some(v);
    }
    found
}

/// [`parse_document`] of a shared text. A mapped text is parsed in
/// chunks, each handed back when parsed.
pub fn parse_shared(source: std::sync::Arc<Source>) -> Result<Document, XplanError> {
    let chunks = if source.is_mapped() { 16 } else { 1 };
    match parse_chunked(source, chunks, &mut never_stop)? {
        Some((doc, _)) => Ok(doc),
        None => unreachable!("the sink never stops the parse"),
    }
}

/// [`parse_shared`] in `chunks` chunks of features (document order, at
/// least 1024 features each), with the document read so far handed to
/// `sink` after each chunk but the last: a caller can act on the first
/// features (e.g. store the plans they complete) while the rest are
/// parsed. The flag is false when the chunks `sink` saw may differ from
/// the returned document's features (the fast member scan failed midway
/// and the tokenizer read the document again). None when `sink` stopped
/// the parse.
pub fn parse_chunked(
    source: std::sync::Arc<Source>,
    chunks: usize,
    sink: ChunkSink<'_>,
) -> Result<Option<(Document, bool)>, XplanError> {
    let src: &str = &source;
    let mut cur = XmlCursor::new(src);
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
    let head = Head {
        source: source.clone(),
        root_element: root.local.clone(),
        root_gml_id: cur.attr(&root, GML_NS, "id")?,
        namespaces: cur.namespace_bindings(),
    };
    let root_qname = {
        let q = root.start.name();
        let q: &str = q.as_ref();
        q.to_string()
    };
    let body = cur.position();
    let t0 = std::time::Instant::now();
    // Fast path: members located by text search; any doubt, and every
    // error, goes through the tokenizer for the authoritative answer.
    let fast = if root.empty {
        None
    } else {
        fast_top_level(src, body, &root_qname)
    };
    // the scan read it all: the features are read again chunk by chunk
    source.release(0..src.len());
    let mut reported = false;
    let read = match fast {
        Some(top) => {
            let mut seen = |d: &Document| {
                reported = true;
                sink(d)
            };
            read_members(src, &root, &top, version, head.clone(), chunks, &mut seen).ok()
        }
        None => None,
    };
    let (doc, faithful) = match read {
        Some(None) => return Ok(None),
        Some(Some(doc)) => (doc, true),
        None => {
            let top = if root.empty {
                Vec::new()
            } else {
                scan_top_level(src, root.offset, &root_qname)?
            };
            source.release(0..src.len());
            // the sink saw the fast path's chunks (if any): not these
            let Some(doc) = read_members(src, &root, &top, version, head, chunks, &mut never_stop)?
            else {
                unreachable!("the sink never stops the parse");
            };
            (doc, !reported)
        }
    };
    tracing::debug!(read_ms = t0.elapsed().as_millis() as u64, "features read");
    Ok(Some((doc, faithful)))
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
            let mut props = MapBuilder::new();
            self.properties(cur, &e, "", &mut props, &mut f)?;
            f.properties = props.build();
        } else {
            cur.skip()?;
        }
        f.xml.end = cur.position();
        // grown by pushes: large documents keep many features
        f.references.shrink_to_fit();
        f.geometries.shrink_to_fit();
        Ok(f)
    }

    /// Reads the property elements of the feature or data type `parent`
    /// (started) into `props`, up to its end tag.
    fn properties(
        &self,
        cur: &mut XmlCursor<'_>,
        parent: &Elem<'_>,
        path: &str,
        props: &mut MapBuilder,
        f: &mut Feature,
    ) -> Result<(), XplanError> {
        while let Some(p) = cur.next_child(&parent.local)? {
            if crate::gml::reader::is_gml_metadata(&p) {
                cur.skip()?;
                continue;
            }
            let name = p.local.clone();
            // the property's path (for references, geometries, data types)
            let full = || {
                if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}/{name}")
                }
            };
            // most property elements have no attributes: no lookups then
            let (href, uom, code_space, nil_reason) = if p.start.attributes_raw().trim().is_empty()
            {
                (None, None, None, None)
            } else {
                let [href, uom, code_space, nil_reason] = cur.attrs(
                    &p,
                    [
                        (XLINK_NS, "href"),
                        ("", "uom"),
                        ("", "codeSpace"),
                        ("", "nilReason"),
                    ],
                )?;
                (href, uom, code_space, nil_reason)
            };
            if let Some(href) = href {
                f.references.push(Reference {
                    property: full(),
                    href: href.clone(),
                });
                cur.skip()?;
                let mut o = MapBuilder::new();
                o.insert("href", Value::String(props::text(&href)));
                props.insert(&name, Value::Object(o.build()));
                continue;
            }
            // Content: text, or one child element (geometry or data type).
            let mut text = String::new();
            // Some(None): a geometry, kept apart from the properties
            let mut value: Option<Option<Value>> = None;
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
                                property: full(),
                                geometry: g,
                            });
                            value = Some(None);
                        } else if c.ns == NsKind::Other
                            && self.version.map(|v| v.namespace()) == Some(c.ns_uri.as_ref())
                        {
                            let mut obj = MapBuilder::new();
                            obj.insert("@type", Value::String(props::text(&c.local)));
                            if !c.empty {
                                self.properties(cur, &c, &full(), &mut obj, f)?;
                            } else {
                                cur.skip()?;
                            }
                            value = Some(Some(Value::Object(obj.build())));
                        } else {
                            // Other content (e.g. gml:TimeInstant): keep its text.
                            let start = c.offset;
                            cur.skip()?;
                            let end = cur.position();
                            value = Some(Some(Value::String(props::text(&cur.src()[start..end]))));
                        }
                    }
                }
            }
            match value {
                Some(None) => {}
                Some(Some(v)) => props.insert(&name, v),
                None => {
                    let t = props::text(text.trim());
                    let v = if uom.is_some() || code_space.is_some() || nil_reason.is_some() {
                        let mut o = MapBuilder::new();
                        o.insert("value", Value::String(t));
                        for (k, v) in [
                            ("uom", uom),
                            ("codeSpace", code_space),
                            ("nilReason", nil_reason),
                        ] {
                            if let Some(v) = v {
                                o.insert(k, Value::String(props::text(&v)));
                            }
                        }
                        Value::Object(o.build())
                    } else {
                        Value::String(t)
                    };
                    props.insert(&name, v);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_seen_at_the_root() {
        assert_eq!(
            sniff_version(
                r#"<?xml version="1.0"?><!-- x --><XPlanAuszug xmlns="http://www.xplanung.de/xplangml/5/4" gml:id="a"><x/></XPlanAuszug>"#
            ),
            Some(Version::V5_4)
        );
        assert_eq!(
            sniff_version(
                r#"<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:xplan='http://www.xplanung.de/xplangml/6/0'><wfs:member/>"#
            ),
            Some(Version::V6_0)
        );
        // two versions, an unknown one, or none at the root: no guess
        assert_eq!(
            sniff_version(
                r#"<a xmlns:x="http://www.xplanung.de/xplangml/5/4" xmlns:y="http://www.xplanung.de/xplangml/6/0">"#
            ),
            None
        );
        assert_eq!(
            sniff_version(r#"<a xmlns:x="http://www.xplanung.de/xplangml/7/0">"#),
            None
        );
        assert_eq!(
            sniff_version(r#"<a><b xmlns="http://www.xplanung.de/xplangml/5/4"/></a>"#),
            None
        );
        assert_eq!(sniff_version(""), None);
        // a comment with '<' before the root
        assert_eq!(
            sniff_version(
                "<?xml version=\"1.0\"?><!-- <<DataType>> x -->\n<XPlanAuszug xmlns=\"http://www.xplanung.de/xplangml/6/0\">"
            ),
            Some(Version::V6_0)
        );
        // a schemaLocation pair names the namespace once more
        assert_eq!(
            sniff_version(
                r#"<XPlanAuszug xmlns="http://www.xplanung.de/xplangml/4/1" xsi:schemaLocation="http://www.xplanung.de/xplangml/4/1 ../schemas/XPlanung-Operationen.xsd">"#
            ),
            Some(Version::V4_1)
        );
        // a '>' in a quoted attribute value, a doctype and a byte order mark
        assert_eq!(
            sniff_version(
                "\u{feff}<!DOCTYPE x><XPlanAuszug a=\"b>c\" xmlns=\"http://www.xplanung.de/xplangml/5/4\">"
            ),
            Some(Version::V5_4)
        );
    }

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
        assert_eq!(
            p.properties.to_json()["planArt"],
            serde_json::json!(["1000", "3000"])
        );
        assert_eq!(p.properties.to_json()["gemeinde"]["@type"], "XP_Gemeinde");
        assert_eq!(p.properties.to_json()["gemeinde"]["ags"], "02000000");
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
            f.properties.to_json()["hoehenangabe"]["h"],
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

    #[test]
    fn malformed_xml_is_reported_where_it_is() {
        let xml_error = |doc: String| match parse_document(doc) {
            Err(XplanError::Xml(e)) => (e.line, e.message),
            other => panic!("expected an XML error, got {other:?}"),
        };
        let line_of =
            |doc: &str, what: &str| doc[..doc.find(what).unwrap()].matches('\n').count() + 1;
        // a stray '<' before an end tag deep in the document
        let doc = DOC.replace("</xplan:BP_Bereich>", "<</xplan:BP_Bereich>");
        let (line, msg) = xml_error(doc.clone());
        assert_eq!(line, line_of(&doc, "<</xplan:BP_Bereich>"));
        assert!(msg.contains("invalid element name"), "{msg}");
        // an element never closed: named with the line it was opened at
        let doc = DOC.replacen("</xplan:name>", "", 1);
        let (line, msg) = xml_error(doc.clone());
        let opened = line_of(&doc, "<xplan:name>");
        assert!(
            msg.contains(&format!("expected </xplan:name> (opened at line {opened})")),
            "{msg}"
        );
        assert!(line > opened, "{line}");
        // cut off inside a feature: the innermost open element is named
        let doc = DOC[..DOC.find("</xplan:BP_Bereich>").unwrap()].to_string();
        let (line, msg) = xml_error(doc.clone());
        assert!(
            msg.contains("<xplan:BP_Bereich gml:id=\"b1\"> is never closed"),
            "{msg}"
        );
        assert_eq!(line, line_of(&doc, "<xplan:BP_Bereich gml:id"));
        // a '<' between the last member and the root's end tag (the member
        // scan must not read past the root's end)
        let end = DOC.rfind("</xplan:XPlanAuszug>").unwrap();
        let doc = format!("{}<ä\n{}", &DOC[..end], &DOC[end..]);
        let (line, msg) = xml_error(doc.clone());
        assert!(msg.contains("<ä") && msg.contains("never closed"), "{msg}");
        assert_eq!(line, line_of(&doc, "<ä"));
    }
}
