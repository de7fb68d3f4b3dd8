//! The streaming XML cursor shared by the GML and XPlanGML readers, and the
//! GML geometry reader on top of it.

use super::{srs::parse_srs_name, Coord, Curve, Geometry, Polygon, Segment};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::borrow::Cow;

pub const GML_NS: &str = "http://www.opengis.net/gml/3.2";
pub const GML31_NS: &str = "http://www.opengis.net/gml";
pub const XLINK_NS: &str = "http://www.w3.org/1999/xlink";

/// Elements nested deeper than this are refused (XPlanGML needs about 20).
pub const MAX_DEPTH: usize = 256;

/// An error while reading XML or GML, with the byte offset it refers to.
#[derive(Debug, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct GmlError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// The namespace of an element, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsKind {
    Gml,
    Xlink,
    /// Anything else; the namespace URI can be asked from the cursor.
    Other,
    None,
}

/// A start tag with its resolved namespace.
#[derive(Debug)]
pub struct Elem<'a> {
    pub ns: NsKind,
    /// The namespace URI (empty for no namespace).
    pub ns_uri: Cow<'static, str>,
    pub local: String,
    pub start: BytesStart<'a>,
    /// Byte offset of the `<` of the start tag.
    pub offset: usize,
    /// `true` for `<a/>`.
    pub empty: bool,
}

impl Elem<'_> {
    pub fn is_gml(&self, local: &str) -> bool {
        self.ns == NsKind::Gml && self.local == local
    }
}

/// Simplified events: start tags (also for empty elements), end tags and text.
#[derive(Debug)]
pub enum Ev<'a> {
    Start(Elem<'a>),
    End { offset_after: usize },
    Text(Cow<'a, str>),
    Eof,
}

/// A namespace-aware pull parser over a UTF-8 document held in memory.
/// Rejects DTDs (and so every entity expansion) and nesting beyond
/// [`MAX_DEPTH`].
pub struct XmlCursor<'a> {
    reader: NsReader<&'a [u8]>,
    src: &'a str,
    depth: usize,
    /// An empty element reported as Start whose End is still due.
    pending_end: bool,
    /// (offset, line) of the last line lookup: offsets mostly grow, so
    /// counting newlines from there keeps line numbers O(n) overall.
    line_cache: std::cell::Cell<(usize, usize)>,
    /// For a cursor over a fragment of a larger document: the line and
    /// column of the fragment's first byte, so errors name the document's.
    base_col: usize,
}

impl<'a> XmlCursor<'a> {
    pub fn new(src: &'a str) -> Self {
        let mut reader = NsReader::from_str(src);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.trim_text(false);
        XmlCursor {
            reader,
            src,
            depth: 0,
            pending_end: false,
            line_cache: std::cell::Cell::new((0, 1)),
            base_col: 0,
        }
    }

    /// A cursor over a fragment of a document that starts on line
    /// `base_line` after `base_col` characters of that line, with the
    /// namespace bindings of the enclosing start tags `scopes` (outermost
    /// first) in effect.
    pub fn fragment(
        src: &'a str,
        base_line: usize,
        base_col: usize,
        scopes: &[&BytesStart<'_>],
    ) -> Result<Self, GmlError> {
        let mut c = XmlCursor::new(src);
        c.line_cache.set((0, base_line));
        c.base_col = base_col;
        for s in scopes {
            c.reader
                .resolver_mut()
                .push(s)
                .map_err(|e| c.error_at(0, format!("bad namespace declaration: {e}")))?;
        }
        Ok(c)
    }

    pub fn src(&self) -> &'a str {
        self.src
    }

    pub fn position(&self) -> usize {
        self.reader.buffer_position() as usize
    }

    /// The 1-based line of byte `offset`.
    pub fn line_at(&self, offset: usize) -> usize {
        let offset = offset.min(self.src.len());
        let (from, mut line) = self.line_cache.get();
        let bytes = self.src.as_bytes();
        if offset >= from {
            line += bytes[from..offset].iter().filter(|&&b| b == b'\n').count();
        } else {
            line -= bytes[offset..from].iter().filter(|&&b| b == b'\n').count();
        }
        self.line_cache.set((offset, line));
        line
    }

    /// Builds an error located at byte `offset`.
    pub fn error_at(&self, offset: usize, message: impl Into<String>) -> GmlError {
        let offset = offset.min(self.src.len());
        let before = &self.src.as_bytes()[..offset];
        let line = self.line_at(offset);
        let column = match before.iter().rposition(|&b| b == b'\n') {
            Some(p) => offset - p,
            None => offset + self.base_col + 1,
        };
        GmlError {
            message: message.into(),
            line,
            column,
        }
    }

    pub fn error(&self, message: impl Into<String>) -> GmlError {
        self.error_at(self.position(), message)
    }

    /// The next significant event. Comments, processing instructions and the
    /// XML declaration are skipped.
    pub fn next_event(&mut self) -> Result<Ev<'a>, GmlError> {
        if self.pending_end {
            self.pending_end = false;
            self.depth -= 1;
            return Ok(Ev::End {
                offset_after: self.position(),
            });
        }
        loop {
            let offset = self.position();
            let (res, ev) = match self.reader.read_resolved_event() {
                Ok((res, ev)) => (resolve(&res), ev),
                Err(e) => {
                    let at = self.reader.error_position() as usize;
                    return Err(self.error_at(at, format!("malformed XML: {e}")));
                }
            };
            match ev {
                Event::Start(start) => return self.start(res, start, offset, false),
                Event::Empty(start) => return self.start(res, start, offset, true),
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Ev::End {
                        offset_after: self.position(),
                    });
                }
                Event::Text(t) => return Ok(Ev::Text(t.into_inner())),
                Event::CData(t) => return Ok(Ev::Text(t.into_inner())),
                Event::GeneralRef(r) => {
                    if let Some(ch) = r.resolve_char_ref().map_err(|e| self.error_at(offset, format!("bad character reference: {e}")))? {
                        return Ok(Ev::Text(Cow::Owned(ch.to_string())));
                    }
                    let name: &str = &r;
                    let s = match name {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "apos" => "'",
                        "quot" => "\"",
                        other => {
                            return Err(self.error_at(
                                offset,
                                format!("undefined entity '&{other};' (DTDs and custom entities are not allowed)"),
                            ))
                        }
                    };
                    return Ok(Ev::Text(Cow::Borrowed(s)));
                }
                Event::DocType(_) => {
                    return Err(self.error_at(
                        offset,
                        "a DOCTYPE declaration is not allowed in XPlanGML (entities and DTDs are refused for security)",
                    ))
                }
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(self.error("unexpected end of document: elements are not closed"));
                    }
                    return Ok(Ev::Eof);
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => continue,
            }
        }
    }

    fn start(
        &mut self,
        res: (NsKind, Cow<'static, str>),
        start: BytesStart<'a>,
        offset: usize,
        empty: bool,
    ) -> Result<Ev<'a>, GmlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                offset,
                format!("elements are nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.pending_end = empty;
        let local = start.local_name();
        let local: &str = local.as_ref();
        Ok(Ev::Start(Elem {
            ns: res.0,
            ns_uri: res.1,
            local: local.to_string(),
            start,
            offset,
            empty,
        }))
    }

    /// The value of an attribute given by namespace URI (or "" for none) and
    /// local name.
    pub fn attr(&self, e: &Elem<'_>, ns: &str, local: &str) -> Result<Option<String>, GmlError> {
        let [v] = self.attrs(e, [(ns, local)])?;
        Ok(v)
    }

    /// The values of several attributes (namespace URI, local name), in
    /// one pass over the element's attributes.
    pub fn attrs<const N: usize>(
        &self,
        e: &Elem<'_>,
        wanted: [(&str, &str); N],
    ) -> Result<[Option<String>; N], GmlError> {
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        for a in e.start.attributes() {
            let a = a.map_err(|err| self.error_at(e.offset, format!("bad attribute: {err}")))?;
            let (r, l) = self.reader.resolver().resolve_attribute(a.key);
            let l: &str = l.as_ref();
            for (i, &(ns, local)) in wanted.iter().enumerate() {
                if l != local || out[i].is_some() {
                    continue;
                }
                let matches = match &r {
                    ResolveResult::Bound(n) => {
                        let n: &str = n.as_ref();
                        n == ns
                    }
                    ResolveResult::Unbound => ns.is_empty(),
                    ResolveResult::Unknown(_) => false,
                };
                if matches {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|err| {
                            self.error_at(e.offset, format!("bad attribute value: {err}"))
                        })?;
                    out[i] = Some(v.into_owned());
                }
            }
            if out.iter().all(Option::is_some) {
                break;
            }
        }
        Ok(out)
    }

    /// The namespace declarations in scope, as (prefix, uri); the default
    /// namespace has the prefix "".
    pub fn namespace_bindings(&self) -> Vec<(String, String)> {
        self.reader
            .resolver()
            .bindings()
            .map(|(p, n)| {
                let p = match p {
                    quick_xml::name::PrefixDeclaration::Default => String::new(),
                    quick_xml::name::PrefixDeclaration::Named(p) => p.to_string(),
                };
                let n: &str = n.as_ref();
                (p, n.to_string())
            })
            .collect()
    }

    /// Reads the text content of the element just started, up to its end tag.
    /// Child elements are an error.
    pub fn read_text(&mut self, e: &Elem<'_>) -> Result<String, GmlError> {
        let mut out = String::new();
        loop {
            match self.next_event()? {
                Ev::Text(t) => out.push_str(&t),
                Ev::End { .. } => return Ok(out),
                Ev::Start(c) => {
                    return Err(self.error_at(
                        c.offset,
                        format!(
                            "unexpected element <{}> inside <{}>, which takes text only",
                            c.local, e.local
                        ),
                    ))
                }
                Ev::Eof => return Err(self.error("unexpected end of document")),
            }
        }
    }

    /// Skips the rest of the element just started. Returns the byte offset
    /// just after its end tag.
    pub fn skip(&mut self) -> Result<usize, GmlError> {
        let mut level = 1usize;
        loop {
            match self.next_event()? {
                Ev::Start(_) => level += 1,
                Ev::End { offset_after } => {
                    level -= 1;
                    if level == 0 {
                        return Ok(offset_after);
                    }
                }
                Ev::Text(_) => {}
                Ev::Eof => return Err(self.error("unexpected end of document")),
            }
        }
    }

    /// The next child start tag of the current element, or `None` at its end
    /// tag. Whitespace between elements is skipped; other text is an error.
    pub fn next_child(&mut self, parent: &str) -> Result<Option<Elem<'a>>, GmlError> {
        loop {
            match self.next_event()? {
                Ev::Start(e) => return Ok(Some(e)),
                Ev::End { .. } => return Ok(None),
                Ev::Text(t) => {
                    if !t.trim().is_empty() {
                        return Err(self.error(format!("unexpected text inside <{parent}>")));
                    }
                }
                Ev::Eof => return Err(self.error("unexpected end of document")),
            }
        }
    }
}

/// Namespaces seen on almost every element: no allocation for them.
const KNOWN_NS: &[&str] = &[
    GML_NS,
    XLINK_NS,
    "http://www.xplanung.de/xplangml/4/1",
    "http://www.xplanung.de/xplangml/5/0",
    "http://www.xplanung.de/xplangml/5/1",
    "http://www.xplanung.de/xplangml/5/2",
    "http://www.xplanung.de/xplangml/5/3",
    "http://www.xplanung.de/xplangml/5/4",
    "http://www.xplanung.de/xplangml/6/0",
    "http://www.opengis.net/wfs/2.0",
    GML31_NS,
];

fn resolve(res: &ResolveResult<'_>) -> (NsKind, Cow<'static, str>) {
    match res {
        ResolveResult::Bound(n) => {
            let n: &str = n.as_ref();
            let kind = match n {
                GML_NS | GML31_NS => NsKind::Gml,
                XLINK_NS => NsKind::Xlink,
                _ => NsKind::Other,
            };
            let uri = match KNOWN_NS.iter().find(|k| **k == n) {
                Some(k) => Cow::Borrowed(*k),
                None => Cow::Owned(n.to_string()),
            };
            (kind, uri)
        }
        _ => (NsKind::None, Cow::Borrowed("")),
    }
}

/// A geometry read from GML, with the metadata of its root element.
#[derive(Debug, Clone)]
pub struct ParsedGeometry {
    pub geometry: Geometry,
    /// EPSG code of the srsName on the geometry or inherited.
    pub srid: Option<u32>,
    /// The srsName as written (on the geometry or inherited).
    pub srs_name: Option<String>,
    pub gml_id: Option<String>,
    /// Coordinates had more than two dimensions (only x and y are kept).
    pub had_z: bool,
    /// For a multi-surface: how many consecutive polygons each member
    /// contributed (a gml:Surface contributes its patches, which must be
    /// connected; members must be disjoint). Empty for other geometries.
    pub surface_members: Vec<usize>,
    /// 1-based line of the geometry element.
    pub line: usize,
}

struct Ctx {
    dim: usize,
    had_z: bool,
    surface_members: Vec<usize>,
}

/// The GML element names that start a geometry.
pub fn is_geometry_element(local: &str) -> bool {
    matches!(
        local,
        "Point"
            | "MultiPoint"
            | "LineString"
            | "Curve"
            | "CompositeCurve"
            | "MultiCurve"
            | "Polygon"
            | "Surface"
            | "MultiSurface"
            | "OrientableCurve"
            | "OrientableSurface"
            | "MultiGeometry"
            | "CompositeSurface"
            | "LinearRing"
    )
}

/// Reads the geometry whose start tag `e` was just returned by the cursor,
/// up to and including its end tag. `inherited_srs` is the srsName in scope
/// (the document envelope's).
pub fn read_geometry(
    cur: &mut XmlCursor<'_>,
    e: &Elem<'_>,
    inherited_srs: Option<&str>,
) -> Result<ParsedGeometry, GmlError> {
    let srs_name = cur
        .attr(e, "", "srsName")?
        .or_else(|| inherited_srs.map(str::to_string));
    let srid = match &srs_name {
        Some(n) => Some(
            parse_srs_name(n)
                .ok_or_else(|| cur.error_at(e.offset, format!("unknown srsName '{n}'")))?,
        ),
        None => None,
    };
    let dim = srs_dimension(cur, e, 2)?;
    let gml_id = cur.attr(e, GML_NS, "id")?;
    let line = cur.line_at(e.offset);
    let mut ctx = Ctx {
        dim,
        had_z: false,
        surface_members: Vec::new(),
    };
    let geometry = geometry(cur, e, &mut ctx)?;
    Ok(ParsedGeometry {
        geometry,
        srid,
        srs_name,
        gml_id,
        had_z: ctx.had_z,
        surface_members: ctx.surface_members,
        line,
    })
}

fn srs_dimension(cur: &XmlCursor<'_>, e: &Elem<'_>, default: usize) -> Result<usize, GmlError> {
    match cur.attr(e, "", "srsDimension")? {
        None => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(d @ 2..=4) => Ok(d),
            _ => Err(cur.error_at(
                e.offset,
                format!("srsDimension '{v}' is not supported (2 or 3 expected)"),
            )),
        },
    }
}

fn unsupported(cur: &XmlCursor<'_>, e: &Elem<'_>, within: &str) -> GmlError {
    cur.error_at(
        e.offset,
        format!(
            "<{}> is not allowed in {within} by the XPlanGML GML profile",
            qualified(e)
        ),
    )
}

fn qualified(e: &Elem<'_>) -> String {
    if e.ns == NsKind::Gml {
        format!("gml:{}", e.local)
    } else {
        e.local.clone()
    }
}

fn geometry(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &mut Ctx) -> Result<Geometry, GmlError> {
    if e.ns != NsKind::Gml {
        return Err(cur.error_at(e.offset, format!("<{}> is not a GML geometry", e.local)));
    }
    match e.local.as_str() {
        "Point" => Ok(Geometry::Point(point(cur, e, ctx)?)),
        "MultiPoint" => {
            let mut pts = Vec::new();
            while let Some(m) = cur.next_child(&e.local)? {
                match m.local.as_str() {
                    "pointMember" | "pointMembers" => {
                        while let Some(p) = cur.next_child(&m.local)? {
                            if !p.is_gml("Point") {
                                return Err(unsupported(cur, &p, "gml:MultiPoint"));
                            }
                            pts.push(point(cur, &p, ctx)?);
                        }
                    }
                    _ => skip_meta(cur, &m, "gml:MultiPoint")?,
                }
            }
            Ok(Geometry::MultiPoint(pts))
        }
        "LineString" | "Curve" | "CompositeCurve" => Ok(Geometry::Curve(curve(cur, e, ctx)?)),
        "MultiCurve" => {
            let mut curves = Vec::new();
            while let Some(m) = cur.next_child(&e.local)? {
                match m.local.as_str() {
                    "curveMember" | "curveMembers" => {
                        while let Some(c) = cur.next_child(&m.local)? {
                            curves.push(curve(cur, &c, ctx)?);
                        }
                    }
                    _ => skip_meta(cur, &m, "gml:MultiCurve")?,
                }
            }
            Ok(Geometry::MultiCurve(curves))
        }
        "Polygon" => Ok(Geometry::Polygon(polygon(cur, e, ctx)?)),
        "Surface" => {
            let mut patches = surface_patches(cur, e, ctx)?;
            if patches.len() == 1 {
                Ok(Geometry::Polygon(patches.pop().unwrap_or_default()))
            } else {
                ctx.surface_members = vec![patches.len()];
                Ok(Geometry::MultiSurface(patches))
            }
        }
        "MultiSurface" => {
            let mut polys = Vec::new();
            while let Some(m) = cur.next_child(&e.local)? {
                match m.local.as_str() {
                    "surfaceMember" | "surfaceMembers" => {
                        while let Some(s) = cur.next_child(&m.local)? {
                            if s.is_gml("Polygon") {
                                polys.push(polygon(cur, &s, ctx)?);
                                ctx.surface_members.push(1);
                            } else if s.is_gml("Surface") {
                                let patches = surface_patches(cur, &s, ctx)?;
                                ctx.surface_members.push(patches.len());
                                polys.extend(patches);
                            } else {
                                return Err(unsupported(cur, &s, "gml:MultiSurface"));
                            }
                        }
                    }
                    _ => skip_meta(cur, &m, "gml:MultiSurface")?,
                }
            }
            Ok(Geometry::MultiSurface(polys))
        }
        _ => Err(cur.error_at(
            e.offset,
            format!("<{}> is not supported: the XPlanGML GML profile allows Point, MultiPoint, LineString, Curve, CompositeCurve, MultiCurve, Polygon, Surface and MultiSurface", qualified(e)),
        )),
    }
}

/// gml:name, gml:description, gml:boundedBy and the other standard GML
/// properties that carry no XPlanGML content (skipped by the readers).
pub fn is_gml_metadata(e: &Elem<'_>) -> bool {
    e.ns == NsKind::Gml
        && matches!(
            e.local.as_str(),
            "name"
                | "description"
                | "descriptionReference"
                | "identifier"
                | "metaDataProperty"
                | "boundedBy"
        )
}

/// Skips gml:name, gml:description, gml:boundedBy and the like; anything
/// else is an error.
fn skip_meta(cur: &mut XmlCursor<'_>, m: &Elem<'_>, within: &str) -> Result<(), GmlError> {
    if is_gml_metadata(m) {
        cur.skip()?;
        Ok(())
    } else {
        Err(unsupported(cur, m, within))
    }
}

fn point(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &mut Ctx) -> Result<Coord, GmlError> {
    let dim = srs_dimension(cur, e, ctx.dim)?;
    let mut found = None;
    while let Some(c) = cur.next_child(&e.local)? {
        if c.is_gml("pos") {
            let d = srs_dimension(cur, &c, dim)?;
            let text = cur.read_text(&c)?;
            let pts = coords(cur, &c, &text, d, ctx)?;
            if pts.len() != 1 {
                return Err(cur.error_at(c.offset, format!("gml:pos of a point needs {d} numbers")));
            }
            found = Some(pts[0]);
        } else {
            skip_meta(cur, &c, "gml:Point")?;
        }
    }
    found.ok_or_else(|| cur.error_at(e.offset, "gml:Point without gml:pos"))
}

/// Reads gml:posList, or a sequence of gml:pos, of the element just started.
fn positions(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &mut Ctx) -> Result<Vec<Coord>, GmlError> {
    let dim = srs_dimension(cur, e, ctx.dim)?;
    let mut out = Vec::new();
    while let Some(c) = cur.next_child(&e.local)? {
        if c.is_gml("posList") || c.is_gml("pos") {
            let d = srs_dimension(cur, &c, dim)?;
            let text = cur.read_text(&c)?;
            let pts = coords(cur, &c, &text, d, ctx)?;
            if c.local == "pos" && pts.len() != 1 {
                return Err(cur.error_at(c.offset, format!("gml:pos needs {d} numbers")));
            }
            out.extend(pts);
        } else if c.is_gml("pointProperty") {
            while let Some(p) = cur.next_child(&c.local)? {
                if !p.is_gml("Point") {
                    return Err(unsupported(cur, &p, "gml:pointProperty"));
                }
                out.push(point(cur, &p, ctx)?);
            }
        } else {
            skip_meta(cur, &c, &qualified(e))?;
        }
    }
    Ok(out)
}

/// Parses whitespace-separated numbers into coordinates of `dim` values,
/// keeping x and y.
fn coords(
    cur: &XmlCursor<'_>,
    e: &Elem<'_>,
    text: &str,
    dim: usize,
    ctx: &mut Ctx,
) -> Result<Vec<Coord>, GmlError> {
    let mut vals = Vec::with_capacity(text.len() / 8);
    for tok in text.split_ascii_whitespace() {
        let v: f64 = tok.parse().map_err(|_| {
            cur.error_at(
                e.offset,
                format!("'{tok}' is not a number in <gml:{}>", e.local),
            )
        })?;
        if !v.is_finite() {
            return Err(cur.error_at(e.offset, format!("'{tok}' is not a finite coordinate")));
        }
        vals.push(v);
    }
    if vals.len() % dim != 0 {
        return Err(cur.error_at(
            e.offset,
            format!(
                "<gml:{}> has {} numbers, not a multiple of its dimension {dim}",
                e.local,
                vals.len()
            ),
        ));
    }
    // A wrong count attribute is common in real plans and harmless: the
    // numbers themselves are authoritative (the validator reports it).
    if dim > 2 {
        ctx.had_z = true;
    }
    Ok(vals
        .chunks_exact(dim)
        .map(|c| Coord::new(c[0], c[1]))
        .collect())
}

/// Reads a LineString, Curve or CompositeCurve.
fn curve(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &mut Ctx) -> Result<Curve, GmlError> {
    if e.ns != NsKind::Gml {
        return Err(cur.error_at(e.offset, format!("<{}> is not a GML curve", e.local)));
    }
    match e.local.as_str() {
        "LineString" => {
            let pts = positions(cur, e, ctx)?;
            if pts.len() < 2 {
                return Err(cur.error_at(e.offset, "gml:LineString needs at least 2 positions"));
            }
            Ok(Curve::line(pts))
        }
        "Curve" => {
            let mut out = Curve::default();
            while let Some(s) = cur.next_child(&e.local)? {
                if !s.is_gml("segments") {
                    skip_meta(cur, &s, "gml:Curve")?;
                    continue;
                }
                while let Some(seg) = cur.next_child(&s.local)? {
                    out.segments.push(segment(cur, &seg, ctx)?);
                }
            }
            if out.segments.is_empty() {
                return Err(cur.error_at(e.offset, "gml:Curve without segments"));
            }
            Ok(out)
        }
        "CompositeCurve" => {
            let mut out = Curve::default();
            while let Some(m) = cur.next_child(&e.local)? {
                if !m.is_gml("curveMember") {
                    skip_meta(cur, &m, "gml:CompositeCurve")?;
                    continue;
                }
                while let Some(c) = cur.next_child(&m.local)? {
                    out.extend(curve(cur, &c, ctx)?);
                }
            }
            if out.segments.is_empty() {
                return Err(cur.error_at(e.offset, "gml:CompositeCurve without members"));
            }
            Ok(out)
        }
        _ => Err(cur.error_at(
            e.offset,
            format!(
                "<{}> is not allowed as a curve (LineString, Curve or CompositeCurve expected)",
                qualified(e)
            ),
        )),
    }
}

fn segment(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &mut Ctx) -> Result<Segment, GmlError> {
    if e.ns != NsKind::Gml {
        return Err(unsupported(cur, e, "gml:segments"));
    }
    let local = e.local.clone();
    match local.as_str() {
        "LineStringSegment" => {
            let pts = positions(cur, e, ctx)?;
            if pts.len() < 2 {
                return Err(cur.error_at(e.offset, "gml:LineStringSegment needs at least 2 positions"));
            }
            Ok(Segment::Line(pts))
        }
        "Arc" => {
            let pts = positions(cur, e, ctx)?;
            if pts.len() != 3 {
                return Err(cur.error_at(e.offset, format!("gml:Arc needs exactly 3 positions, has {}", pts.len())));
            }
            Ok(Segment::Arcs(pts))
        }
        "ArcString" => {
            let pts = positions(cur, e, ctx)?;
            if pts.len() < 3 || pts.len() % 2 == 0 {
                return Err(cur.error_at(e.offset, format!("gml:ArcString needs 2n+1 positions (n ≥ 1), has {}", pts.len())));
            }
            Ok(Segment::Arcs(pts))
        }
        "Circle" => {
            let pts = positions(cur, e, ctx)?;
            if pts.len() != 3 {
                return Err(cur.error_at(e.offset, format!("gml:Circle needs exactly 3 positions, has {}", pts.len())));
            }
            Ok(Segment::Circle([pts[0], pts[1], pts[2]]))
        }
        _ => Err(cur.error_at(
            e.offset,
            format!("curve segment <{}> is not supported (LineStringSegment, Arc, ArcString and Circle are)", qualified(e)),
        )),
    }
}

fn ring(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &mut Ctx) -> Result<Curve, GmlError> {
    let mut found = None;
    while let Some(r) = cur.next_child(&e.local)? {
        if found.is_some() {
            return Err(cur.error_at(
                r.offset,
                format!("<gml:{}> holds more than one ring", e.local),
            ));
        }
        if r.is_gml("LinearRing") {
            let pts = positions(cur, &r, ctx)?;
            if pts.len() < 4 {
                return Err(cur.error_at(
                    r.offset,
                    format!(
                        "gml:LinearRing needs at least 4 positions, has {}",
                        pts.len()
                    ),
                ));
            }
            found = Some(Curve::line(pts));
        } else if r.is_gml("Ring") {
            let mut c = Curve::default();
            while let Some(m) = cur.next_child(&r.local)? {
                if !m.is_gml("curveMember") {
                    skip_meta(cur, &m, "gml:Ring")?;
                    continue;
                }
                while let Some(cc) = cur.next_child(&m.local)? {
                    c.extend(curve(cur, &cc, ctx)?);
                }
            }
            if c.segments.is_empty() {
                return Err(cur.error_at(r.offset, "gml:Ring without curve members"));
            }
            found = Some(c);
        } else {
            return Err(unsupported(cur, &r, &format!("gml:{}", e.local)));
        }
    }
    found.ok_or_else(|| cur.error_at(e.offset, format!("<gml:{}> without a ring", e.local)))
}

fn polygon(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &mut Ctx) -> Result<Polygon, GmlError> {
    let mut p = Polygon::default();
    let mut has_exterior = false;
    while let Some(c) = cur.next_child(&e.local)? {
        if c.is_gml("exterior") || c.is_gml("outerBoundaryIs") {
            p.exterior = ring(cur, &c, ctx)?;
            has_exterior = true;
        } else if c.is_gml("interior") || c.is_gml("innerBoundaryIs") {
            p.interiors.push(ring(cur, &c, ctx)?);
        } else {
            skip_meta(cur, &c, &qualified(e))?;
        }
    }
    if !has_exterior {
        return Err(cur.error_at(e.offset, format!("<{}> without gml:exterior", qualified(e))));
    }
    Ok(p)
}

fn surface_patches(
    cur: &mut XmlCursor<'_>,
    e: &Elem<'_>,
    ctx: &mut Ctx,
) -> Result<Vec<Polygon>, GmlError> {
    let mut out = Vec::new();
    while let Some(c) = cur.next_child(&e.local)? {
        if !c.is_gml("patches") {
            skip_meta(cur, &c, "gml:Surface")?;
            continue;
        }
        while let Some(p) = cur.next_child(&c.local)? {
            if !p.is_gml("PolygonPatch") {
                return Err(unsupported(cur, &p, "gml:patches"));
            }
            out.push(polygon(cur, &p, ctx)?);
        }
    }
    if out.is_empty() {
        return Err(cur.error_at(e.offset, "gml:Surface without patches"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<ParsedGeometry, GmlError> {
        let doc = format!(r#"<r xmlns:gml="http://www.opengis.net/gml/3.2">{xml}</r>"#);
        let mut cur = XmlCursor::new(&doc);
        let root = match cur.next_event()? {
            Ev::Start(e) => e,
            _ => unreachable!(),
        };
        let e = cur.next_child(&root.local)?.expect("geometry");
        read_geometry(&mut cur, &e, None)
    }

    #[test]
    fn polygon_with_linear_ring() {
        let g = parse(r#"<gml:Polygon gml:id="p" srsName="EPSG:25832"><gml:exterior><gml:LinearRing><gml:posList srsDimension="2" count="4">0 0 10 0 10 10 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"#).unwrap();
        assert_eq!(g.srid, Some(25832));
        assert_eq!(g.gml_id.as_deref(), Some("p"));
        match g.geometry {
            Geometry::Polygon(p) => assert_eq!(p.exterior.control_points().len(), 4),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ring_of_curves_with_arcs() {
        let g = parse(r#"<gml:Polygon gml:id="p"><gml:exterior><gml:Ring><gml:curveMember><gml:Curve gml:id="c"><gml:segments><gml:LineStringSegment interpolation="linear"><gml:posList>0 0 10 0</gml:posList></gml:LineStringSegment><gml:ArcString interpolation="circularArc3Points"><gml:posList>10 0 15 5 10 10</gml:posList></gml:ArcString><gml:LineStringSegment><gml:posList>10 10 0 10 0 0</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve></gml:curveMember></gml:Ring></gml:exterior></gml:Polygon>"#).unwrap();
        assert!(g.geometry.has_arcs());
        assert_eq!(g.geometry.num_points(), 8);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("<gml:Polygon gml:id=\"p\">\n<gml:exterior><gml:LinearRing><gml:posList>0 0 1</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("multiple of its dimension"),
            "{}",
            e.message
        );
        let e = parse(r#"<gml:OrientableSurface gml:id="p"/>"#).unwrap_err();
        assert!(e.message.contains("not supported"), "{}", e.message);
        let e =
            parse(r#"<gml:Point gml:id="p" srsName="EPSG:foo"><gml:pos>1 2</gml:pos></gml:Point>"#)
                .unwrap_err();
        assert!(e.message.contains("srsName"), "{}", e.message);
    }

    #[test]
    fn three_d_points_are_flagged() {
        let g =
            parse(r#"<gml:Point gml:id="p" srsDimension="3"><gml:pos>1 2 3</gml:pos></gml:Point>"#)
                .unwrap();
        assert!(g.had_z);
        assert_eq!(g.geometry, Geometry::Point(Coord::new(1.0, 2.0)));
    }

    #[test]
    fn doctype_and_deep_nesting_are_refused() {
        let mut cur =
            XmlCursor::new("<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>");
        assert!(cur.next_event().unwrap_err().message.contains("DOCTYPE"));
        let deep = "<a>".repeat(MAX_DEPTH + 5);
        let mut cur = XmlCursor::new(&deep);
        let err = loop {
            match cur.next_event() {
                Ok(Ev::Eof) => panic!("no error"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert!(err.message.contains("nested deeper"));
    }
}
