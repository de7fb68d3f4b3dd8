//! GML 3.2 geometry writer for the XPlanGML GML profile, and a reprojector
//! for stored XPlanGML feature fragments (used by the WFS to answer in a
//! CRS other than the stored one).
//!
//! [`write_geometry`] is the inverse of [`read_geometry`] for the
//! [`Geometry`] model: writing and reading back gives the same geometry
//! (up to the number of decimals written, and with linear curves of several
//! segments merged into one polyline).
//!
//! [`reproject_fragment`] rewrites only the GML geometries and envelopes of a
//! fragment; every other byte is copied unchanged.

use super::reader::{is_geometry_element, read_geometry, Elem, Ev, NsKind, XmlCursor};
use super::{parse_srs_name, Bbox, Coord, Curve, Geometry, GmlError, Polygon, Segment, GML_NS};
use crate::crs::CrsError;
use quick_xml::escape::escape;
use quick_xml::events::BytesStart;
use std::fmt::Write as _;

/// How [`write_geometry`] encodes a geometry.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions<'a> {
    /// GML namespace prefix to use, e.g. `"gml"`. It must be bound to the
    /// GML 3.2 namespace where the output is placed. An empty prefix writes
    /// the prefix `gml` and declares it (`xmlns:gml=...`) on the top element,
    /// because the `gml:id` attribute needs a prefix.
    pub prefix: &'a str,
    /// The `srsName` attribute, written on the top element only.
    pub srs_name: Option<&'a str>,
    /// Write `y x` (northing easting, i.e. lat lon) instead of `x y`.
    pub swap_axes: bool,
    /// Digits after the decimal point; trailing zeros (and a trailing `.`)
    /// are trimmed, and `-0` is written as `0`.
    pub decimals: usize,
}

/// Writes `g` as GML 3.2 in the XPlanGML GML profile. `gml_id` is the gml:id
/// of the top element; child elements that need an id (members, the curves
/// of rings) get `{gml_id}_{n}` ids, n = 1, 2, ... in document order.
///
/// Encoding: Point → `gml:Point/gml:pos`; MultiPoint →
/// `gml:MultiPoint/gml:pointMember/gml:Point`; a linear Curve →
/// `gml:LineString/gml:posList` (several linear segments are merged), a
/// Curve with arcs → `gml:Curve/gml:segments` with `gml:LineStringSegment`,
/// `gml:ArcString` and `gml:Circle`; MultiCurve →
/// `gml:MultiCurve/gml:curveMember`; Polygon → `gml:Polygon` with linear
/// rings as `gml:LinearRing/gml:posList` and rings with arcs as
/// `gml:Ring/gml:curveMember/gml:Curve`; MultiSurface →
/// `gml:MultiSurface/gml:surfaceMember/gml:Polygon`. Every `gml:posList`
/// carries `srsDimension="2"`. No whitespace between elements.
pub fn write_geometry(g: &Geometry, gml_id: &str, opts: &WriteOptions, out: &mut String) {
    let mut w = Writer {
        p: if opts.prefix.is_empty() {
            "gml"
        } else {
            opts.prefix
        },
        declare: opts.prefix.is_empty(),
        srs_name: opts.srs_name,
        swap: opts.swap_axes,
        decimals: opts.decimals,
        id: gml_id,
        next_id: 0,
        out,
    };
    match g {
        Geometry::Point(c) => w.point(*c),
        Geometry::MultiPoint(pts) => {
            w.open_geom("MultiPoint");
            for c in pts {
                w.open("pointMember");
                w.point(*c);
                w.close("pointMember");
            }
            w.close("MultiPoint");
        }
        Geometry::Curve(c) => w.curve(c),
        Geometry::MultiCurve(cs) => {
            w.open_geom("MultiCurve");
            for c in cs {
                w.open("curveMember");
                w.curve(c);
                w.close("curveMember");
            }
            w.close("MultiCurve");
        }
        Geometry::Polygon(p) => w.polygon(p),
        Geometry::MultiSurface(ps) => {
            w.open_geom("MultiSurface");
            for p in ps {
                w.open("surfaceMember");
                w.polygon(p);
                w.close("surfaceMember");
            }
            w.close("MultiSurface");
        }
    }
}

struct Writer<'w> {
    p: &'w str,
    /// Declare `xmlns:{p}` on the top element.
    declare: bool,
    /// `Some` until the top element is written.
    srs_name: Option<&'w str>,
    swap: bool,
    decimals: usize,
    id: &'w str,
    /// 0 before the top element, then the number of ids written.
    next_id: usize,
    out: &'w mut String,
}

impl Writer<'_> {
    fn name(&mut self, local: &str) {
        self.out.push_str(self.p);
        self.out.push(':');
        self.out.push_str(local);
    }

    fn open(&mut self, local: &str) {
        self.out.push('<');
        self.name(local);
        self.out.push('>');
    }

    fn open_with(&mut self, local: &str, attrs: &str) {
        self.out.push('<');
        self.name(local);
        self.out.push_str(attrs);
        self.out.push('>');
    }

    fn close(&mut self, local: &str) {
        self.out.push_str("</");
        self.name(local);
        self.out.push('>');
    }

    /// A start tag of a geometry element (a gml:AbstractGeometry), with its
    /// gml:id, and on the top element srsName and the namespace declaration.
    fn open_geom(&mut self, local: &str) {
        self.out.push('<');
        self.name(local);
        if self.next_id == 0 && self.declare {
            self.out.push_str(" xmlns:");
            self.out.push_str(self.p);
            self.out.push_str("=\"");
            self.out.push_str(GML_NS);
            self.out.push('"');
        }
        self.out.push(' ');
        self.out.push_str(self.p);
        self.out.push_str(":id=\"");
        self.out.push_str(&escape(self.id));
        if self.next_id > 0 {
            let _ = write!(self.out, "_{}", self.next_id);
        }
        self.out.push('"');
        if self.next_id == 0 {
            if let Some(s) = self.srs_name {
                self.out.push_str(" srsName=\"");
                self.out.push_str(&escape(s));
                self.out.push('"');
            }
        }
        self.next_id += 1;
        self.out.push('>');
    }

    fn coords(&mut self, pts: &[Coord]) {
        for (i, c) in pts.iter().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            let (a, b) = if self.swap { (c.y, c.x) } else { (c.x, c.y) };
            push_number(self.out, a, self.decimals);
            self.out.push(' ');
            push_number(self.out, b, self.decimals);
        }
    }

    fn pos_list(&mut self, pts: &[Coord]) {
        self.open_with("posList", " srsDimension=\"2\"");
        self.coords(pts);
        self.close("posList");
    }

    fn point(&mut self, c: Coord) {
        self.open_geom("Point");
        self.open("pos");
        self.coords(&[c]);
        self.close("pos");
        self.close("Point");
    }

    /// The control points of a linear curve, without copying a single segment.
    fn linear_points(&mut self, c: &Curve) {
        match c.segments.as_slice() {
            [Segment::Line(p)] => self.pos_list(p),
            _ => self.pos_list(&c.control_points()),
        }
    }

    fn curve(&mut self, c: &Curve) {
        if c.is_linear() && !c.segments.is_empty() {
            self.open_geom("LineString");
            self.linear_points(c);
            self.close("LineString");
        } else {
            self.open_geom("Curve");
            self.open("segments");
            for s in &c.segments {
                match s {
                    Segment::Line(p) => {
                        self.open_with("LineStringSegment", " interpolation=\"linear\"");
                        self.pos_list(p);
                        self.close("LineStringSegment");
                    }
                    Segment::Arcs(p) => {
                        self.open_with("ArcString", " interpolation=\"circularArc3Points\"");
                        self.pos_list(p);
                        self.close("ArcString");
                    }
                    Segment::Circle(p) => {
                        self.open_with("Circle", " interpolation=\"circularArc3Points\"");
                        self.pos_list(p);
                        self.close("Circle");
                    }
                }
            }
            self.close("segments");
            self.close("Curve");
        }
    }

    fn ring(&mut self, boundary: &str, c: &Curve) {
        self.open(boundary);
        if c.is_linear() {
            self.open("LinearRing");
            self.linear_points(c);
            self.close("LinearRing");
        } else {
            self.open("Ring");
            self.open("curveMember");
            self.curve(c);
            self.close("curveMember");
            self.close("Ring");
        }
        self.close(boundary);
    }

    fn polygon(&mut self, p: &Polygon) {
        self.open_geom("Polygon");
        self.ring("exterior", &p.exterior);
        for r in &p.interiors {
            self.ring("interior", r);
        }
        self.close("Polygon");
    }
}

/// Appends `v` with `decimals` digits after the point, trailing zeros and a
/// trailing `.` trimmed, and never `-0`.
pub fn push_number(out: &mut String, v: f64, decimals: usize) {
    if !push_number_fast(out, v, decimals) {
        push_number_fmt(out, v, decimals);
    }
}

/// [`push_number`] by the standard formatting.
fn push_number_fmt(out: &mut String, v: f64, decimals: usize) {
    let start = out.len();
    let _ = write!(out, "{v:.decimals$}");
    if decimals > 0 && out.as_bytes()[start..].contains(&b'.') {
        let trimmed = out[start..]
            .trim_end_matches('0')
            .trim_end_matches('.')
            .len();
        out.truncate(start + trimmed);
    }
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

/// [`push_number`] by integer arithmetic (coordinates are most of large
/// GeoJSON and GML responses): `v` scaled by 10^decimals and rounded,
/// when that is exactly what formatting rounds to. False (nothing written)
/// when the scaled value is too large or too close to a half for the
/// product's rounding error (below 10^-6 here) to be ruled out.
fn push_number_fast(out: &mut String, v: f64, decimals: usize) -> bool {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let Some(&scale) = POW10.get(decimals) else {
        return false;
    };
    let scaled = v.abs() * scale;
    // below 10^12 the product's error (half an ulp, < 1.3 * 10^-4) is
    // smaller than the distance kept from a half
    if scaled.is_nan() || scaled >= 1.0e12 {
        return false;
    }
    let floor = scaled.floor();
    let frac = scaled - floor;
    if (frac - 0.5).abs() < 1e-3 {
        return false;
    }
    let n = floor as u64 + u64::from(frac > 0.5);
    if n == 0 {
        out.push('0');
        return true;
    }
    if v < 0.0 {
        out.push('-');
    }
    let unit = 10u64.pow(decimals as u32);
    let (int, mut fraction) = (n / unit, n % unit);
    let mut buf = itoa_buf(int);
    out.push_str(buf.as_str());
    if fraction > 0 {
        let mut digits = decimals;
        while fraction % 10 == 0 {
            fraction /= 10;
            digits -= 1;
        }
        out.push('.');
        buf = itoa_buf(fraction);
        for _ in buf.as_str().len()..digits {
            out.push('0');
        }
        out.push_str(buf.as_str());
    }
    true
}

/// Decimal digits of a u64 without the formatting machinery.
struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    fn as_str(&self) -> &str {
        // only ASCII digits are written
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or("")
    }
}

fn itoa_buf(mut n: u64) -> Digits {
    let mut d = Digits {
        buf: [b'0'; 20],
        start: 20,
    };
    loop {
        d.start -= 1;
        d.buf[d.start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return d;
        }
    }
}

/// An error of [`reproject_fragment`].
#[derive(Debug, thiserror::Error)]
pub enum ReprojectError {
    #[error(transparent)]
    Gml(#[from] GmlError),
    #[error(transparent)]
    Crs(#[from] CrsError),
}

/// Rewrites every GML geometry in an XPlanGML feature fragment (the stored
/// XML of one feature, which relies on namespace bindings declared on the
/// document root) into CRS `to`, and every `gml:Envelope` (in
/// `gml:boundedBy`) too.
///
/// - `namespaces` are the document root's (prefix, uri) bindings (`""` =
///   default namespace).
/// - `from` is the CRS to assume for geometries and envelopes without
///   srsName; one with its own srsName is transformed from that CRS.
/// - Text outside geometries and envelopes is copied byte for byte.
/// - A geometry keeps its element's gml:id (one without gets
///   `{feature id}_geom{n}`) and the GML prefix used in the fragment; its
///   srsName becomes `srs_name`. Its children get ids derived from its id
///   (see [`write_geometry`]). Coordinates are written with `decimals`
///   digits, `y x` when `swap_axes` (use it when `to` is geographic and
///   `srs_name` is a URN/http form, i.e. lat/lon order).
/// - An envelope's corners are transformed together with its edge
///   midpoints; the bounding box of those is written with srsName.
/// - A geometry or envelope already in `to` (and `swap_axes` off) is copied
///   unchanged except for its start tag, whose srsName is set to `srs_name`
///   (added when missing). So with `from == to` the function only adds or
///   normalises srsName attributes.
///
/// Arcs stay arcs: their control points are transformed. gml:Surface is
/// written as gml:Polygon (one patch) or gml:MultiSurface (several),
/// gml:CompositeCurve as gml:Curve, 3D coordinates lose their z.
pub fn reproject_fragment(
    xml: &str,
    namespaces: &[(String, String)],
    from: u32,
    to: u32,
    srs_name: &str,
    swap_axes: bool,
    decimals: usize,
) -> Result<String, ReprojectError> {
    let mut scope = BytesStart::new("r");
    for (prefix, uri) in namespaces {
        if prefix.is_empty() {
            scope.push_attribute(("xmlns", uri.as_str()));
        } else {
            let key = format!("xmlns:{prefix}");
            scope.push_attribute((key.as_str(), uri.as_str()));
        }
    }
    let mut cur = XmlCursor::fragment(xml, 1, 0, &[&scope])?;
    let mut out = String::with_capacity(xml.len() + xml.len() / 4);
    // xml[..copied] is dealt with.
    let mut copied = 0;
    let mut feature_id: Option<String> = None;
    let mut first = true;
    let mut generated = 0usize;
    loop {
        let e = match cur.next_event()? {
            Ev::Start(e) => e,
            Ev::Eof => break,
            _ => continue,
        };
        if first {
            first = false;
            feature_id = match cur.attr(&e, GML_NS, "id")? {
                Some(id) => Some(id),
                None => cur.attr(&e, super::GML31_NS, "id")?,
            };
        }
        if e.ns != NsKind::Gml {
            continue;
        }
        let geometry = is_geometry_element(&e.local);
        if !geometry && e.local != "Envelope" {
            continue;
        }
        let qname_len = e.start.name().as_ref().len();
        let qname = &xml[e.offset + 1..e.offset + 1 + qname_len];
        let prefix = qname.split_once(':').map_or("", |(p, _)| p);
        let source = match cur.attr(&e, "", "srsName")? {
            Some(n) => parse_srs_name(&n)
                .ok_or_else(|| cur.error_at(e.offset, format!("unknown srsName '{n}'")))?,
            None => from,
        };
        out.push_str(&xml[copied..e.offset]);
        if source == to && !swap_axes {
            // Same CRS: only the srsName changes.
            let tag_end = start_tag_end(xml, e.offset)
                .ok_or_else(|| cur.error_at(e.offset, "unterminated start tag"))?;
            set_srs_name(&cur, &e, qname, &xml[e.offset..tag_end], srs_name, &mut out)?;
            cur.skip()?;
            copied = tag_end;
        } else if geometry {
            let id = match cur.attr(&e, &e.ns_uri, "id")? {
                Some(id) => id,
                None => {
                    generated += 1;
                    format!("{}_geom{generated}", feature_id.as_deref().unwrap_or("GML"))
                }
            };
            let mut parsed = read_geometry(&mut cur, &e, None)?;
            copied = cur.position();
            crate::crs::transform(&mut parsed.geometry, source, to)?;
            let opts = WriteOptions {
                prefix,
                srs_name: Some(srs_name),
                swap_axes,
                decimals,
            };
            write_geometry(&parsed.geometry, &id, &opts, &mut out);
        } else {
            let bbox = read_envelope(&mut cur, &e.local)?;
            copied = cur.position();
            let bbox = transform_bbox(&bbox, source, to)?;
            write_envelope(&bbox, prefix, srs_name, swap_axes, decimals, &mut out);
        }
    }
    out.push_str(&xml[copied..]);
    Ok(out)
}

/// Appends the start tag `tag` (the source text of `e`, whose name is
/// `qname`) with its srsName attribute set to `srs_name`: unchanged when it
/// already is, else rewritten with the attributes in their order (srsName
/// in its place, or last when added).
fn set_srs_name(
    cur: &XmlCursor<'_>,
    e: &Elem<'_>,
    qname: &str,
    tag: &str,
    srs_name: &str,
    out: &mut String,
) -> Result<(), GmlError> {
    let bad = |err: quick_xml::events::attributes::AttrError| {
        cur.error_at(e.offset, format!("bad attribute in <{qname}>: {err}"))
    };
    for a in e.start.attributes().with_checks(false) {
        let a = a.map_err(bad)?;
        if a.key.as_ref() == "srsName" && a.value == escape(srs_name) {
            out.push_str(tag);
            return Ok(());
        }
    }
    let mut written = false;
    out.push('<');
    out.push_str(qname);
    for a in e.start.attributes().with_checks(false) {
        let a = a.map_err(bad)?;
        let key: &str = a.key.as_ref();
        out.push(' ');
        out.push_str(key);
        if key == "srsName" {
            out.push_str("=\"");
            out.push_str(&escape(srs_name));
            out.push('"');
            written = true;
        } else {
            let q = if a.value.contains('"') { '\'' } else { '"' };
            out.push('=');
            out.push(q);
            out.push_str(&a.value);
            out.push(q);
        }
    }
    if !written {
        out.push_str(" srsName=\"");
        out.push_str(&escape(srs_name));
        out.push('"');
    }
    out.push_str(if tag.ends_with("/>") { "/>" } else { ">" });
    Ok(())
}

/// The byte offset just after the `>` of the start tag at `offset`
/// (quote-aware: `>` may appear in attribute values).
fn start_tag_end(xml: &str, offset: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in xml.as_bytes()[offset..].iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return Some(offset + i + 1),
            _ => {}
        }
    }
    None
}

/// Reads the corners of the gml:Envelope just started (gml:lowerCorner and
/// gml:upperCorner, or two gml:pos), through its end tag.
fn read_envelope(cur: &mut XmlCursor<'_>, local: &str) -> Result<Bbox, GmlError> {
    let mut b = Bbox::empty();
    let mut corners = 0;
    while let Some(c) = cur.next_child(local)? {
        if c.ns != NsKind::Gml || !matches!(c.local.as_str(), "lowerCorner" | "upperCorner" | "pos")
        {
            return Err(cur.error_at(
                c.offset,
                format!(
                    "<{}> in gml:Envelope is not supported (gml:lowerCorner and gml:upperCorner are)",
                    c.local
                ),
            ));
        }
        let text = cur.read_text(&c)?;
        let mut nums = text.split_ascii_whitespace().map(str::parse::<f64>);
        match (nums.next(), nums.next()) {
            (Some(Ok(x)), Some(Ok(y))) if x.is_finite() && y.is_finite() => {
                b.add(Coord::new(x, y));
                corners += 1;
            }
            _ => {
                return Err(cur.error_at(
                    c.offset,
                    format!("<gml:{}> needs two numbers, has '{}'", c.local, text.trim()),
                ))
            }
        }
    }
    if corners != 2 {
        return Err(cur.error("gml:Envelope needs two corners"));
    }
    Ok(b)
}

/// The bounding box of the corners and edge midpoints of `b` transformed.
fn transform_bbox(b: &Bbox, from: u32, to: u32) -> Result<Bbox, CrsError> {
    let (mx, my) = ((b.min_x + b.max_x) / 2.0, (b.min_y + b.max_y) / 2.0);
    let mut pts = [
        [b.min_x, b.min_y],
        [mx, b.min_y],
        [b.max_x, b.min_y],
        [b.max_x, my],
        [b.max_x, b.max_y],
        [mx, b.max_y],
        [b.min_x, b.max_y],
        [b.min_x, my],
    ];
    crate::crs::transform_xy(&mut pts, from, to)?;
    let mut out = Bbox::empty();
    for [x, y] in pts {
        out.add(Coord::new(x, y));
    }
    Ok(out)
}

fn write_envelope(
    b: &Bbox,
    prefix: &str,
    srs_name: &str,
    swap: bool,
    decimals: usize,
    out: &mut String,
) {
    let tag = |out: &mut String, close: bool, local: &str| {
        out.push('<');
        if close {
            out.push('/');
        }
        if !prefix.is_empty() {
            out.push_str(prefix);
            out.push(':');
        }
        out.push_str(local);
    };
    let corner = |out: &mut String, x: f64, y: f64| {
        let (a, b) = if swap { (y, x) } else { (x, y) };
        push_number(out, a, decimals);
        out.push(' ');
        push_number(out, b, decimals);
    };
    tag(out, false, "Envelope");
    out.push_str(" srsName=\"");
    out.push_str(&escape(srs_name));
    out.push_str("\">");
    tag(out, false, "lowerCorner");
    out.push('>');
    corner(out, b.min_x, b.min_y);
    tag(out, true, "lowerCorner");
    out.push('>');
    tag(out, false, "upperCorner");
    out.push('>');
    corner(out, b.max_x, b.max_y);
    tag(out, true, "upperCorner");
    out.push('>');
    tag(out, true, "Envelope");
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_numbers_equal_formatted_ones() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut fast_used = 0;
        for i in 0..200_000u32 {
            let r = next();
            let v = match i % 4 {
                // geographic, projected, small, any bit pattern
                0 => (r % 360_000_000_000) as f64 / 1e9 - 180.0,
                1 => (r % 10_000_000_000) as f64 / 997.0,
                2 => ((r % 2_000_001) as f64 - 1e6) * 1e-9,
                _ => f64::from_bits(r),
            };
            for d in [0, 1, 3, 8, 9] {
                let (mut a, mut b) = (String::new(), String::new());
                if push_number_fast(&mut a, v, d) {
                    fast_used += 1;
                    push_number_fmt(&mut b, v, d);
                    assert_eq!(a, b, "{v:e} with {d} decimals");
                }
            }
        }
        assert!(fast_used > 500_000, "{fast_used}");
        let mut s = String::new();
        for (v, d) in [(0.5, 0), (1.5, 0), (2.5, 0), (-0.0004, 3), (0.125, 2)] {
            s.clear();
            push_number(&mut s, v, d);
            let mut e = String::new();
            push_number_fmt(&mut e, v, d);
            assert_eq!(s, e);
        }
    }

    fn c(x: f64, y: f64) -> Coord {
        Coord::new(x, y)
    }

    fn ring(x0: f64, y0: f64, size: f64) -> Curve {
        Curve::line(vec![
            c(x0, y0),
            c(x0 + size, y0),
            c(x0 + size, y0 + size),
            c(x0, y0 + size),
            c(x0, y0),
        ])
    }

    /// A ring: line, arc string (2 arcs), line back.
    fn arc_ring() -> Curve {
        Curve {
            segments: vec![
                Segment::Line(vec![c(0.0, 0.0), c(10.0, 0.0)]),
                Segment::Arcs(vec![
                    c(10.0, 0.0),
                    c(12.5, 2.5),
                    c(10.0, 5.0),
                    c(12.5, 7.5),
                    c(10.0, 10.0),
                ]),
                Segment::Line(vec![c(10.0, 10.0), c(0.0, 10.0), c(0.0, 0.0)]),
            ],
        }
    }

    fn circle() -> Curve {
        Curve {
            segments: vec![Segment::Circle([c(1.0, 0.0), c(0.0, 1.0), c(-1.0, 0.0)])],
        }
    }

    fn samples() -> Vec<(&'static str, Geometry)> {
        vec![
            ("point", Geometry::Point(c(565000.125, 5940000.5))),
            (
                "multipoint",
                Geometry::MultiPoint(vec![c(1.0, 2.0), c(3.5, -4.25)]),
            ),
            (
                "linestring",
                Geometry::Curve(Curve::line(vec![c(0.0, 0.0), c(1.5, 2.5), c(3.0, 0.0)])),
            ),
            (
                "curve",
                Geometry::Curve(Curve {
                    segments: vec![
                        Segment::Line(vec![c(0.0, 0.0), c(1.0, 0.0)]),
                        Segment::Arcs(vec![c(1.0, 0.0), c(2.0, 1.0), c(3.0, 0.0)]),
                    ],
                }),
            ),
            ("circle", Geometry::Curve(circle())),
            (
                "multicurve",
                Geometry::MultiCurve(vec![
                    Curve::line(vec![c(0.0, 0.0), c(1.0, 1.0)]),
                    Curve {
                        segments: vec![Segment::Arcs(vec![c(1.0, 0.0), c(2.0, 1.0), c(3.0, 0.0)])],
                    },
                ]),
            ),
            (
                "polygon",
                Geometry::Polygon(Polygon {
                    exterior: ring(0.0, 0.0, 100.0),
                    interiors: vec![ring(10.0, 10.0, 5.0), ring(50.0, 50.0, 5.0)],
                }),
            ),
            (
                "arc polygon with hole",
                Geometry::Polygon(Polygon {
                    exterior: arc_ring(),
                    interiors: vec![ring(1.0, 1.0, 2.0)],
                }),
            ),
            (
                "circle polygon",
                Geometry::Polygon(Polygon {
                    exterior: circle(),
                    interiors: vec![],
                }),
            ),
            (
                "multisurface",
                Geometry::MultiSurface(vec![
                    Polygon {
                        exterior: ring(0.0, 0.0, 10.0),
                        interiors: vec![],
                    },
                    Polygon {
                        exterior: arc_ring(),
                        interiors: vec![circle()],
                    },
                ]),
            ),
        ]
    }

    const ROOT: &str = r#"<r xmlns:gml="http://www.opengis.net/gml/3.2">"#;

    fn write(g: &Geometry, id: &str, srs: Option<&str>, swap: bool, decimals: usize) -> String {
        let mut out = String::new();
        let opts = WriteOptions {
            prefix: "gml",
            srs_name: srs,
            swap_axes: swap,
            decimals,
        };
        write_geometry(g, id, &opts, &mut out);
        out
    }

    /// Parses the first geometry below the root of `doc`.
    fn parse(doc: &str) -> super::super::reader::ParsedGeometry {
        let mut cur = XmlCursor::new(doc);
        loop {
            match cur.next_event().unwrap() {
                Ev::Start(e) if e.ns == NsKind::Gml && is_geometry_element(&e.local) => {
                    return read_geometry(&mut cur, &e, None).unwrap()
                }
                Ev::Eof => panic!("no geometry in {doc}"),
                _ => {}
            }
        }
    }

    /// All gml:id values of a document; panics on a GML geometry element
    /// without one (the schema copy at hand does not require it).
    fn ids(doc: &str) -> Vec<String> {
        let mut cur = XmlCursor::new(doc);
        let mut out = Vec::new();
        loop {
            match cur.next_event().unwrap() {
                Ev::Start(e) => {
                    let id = cur.attr(&e, GML_NS, "id").unwrap();
                    let needs_id = e.ns == NsKind::Gml
                        && matches!(
                            e.local.as_str(),
                            "Point"
                                | "MultiPoint"
                                | "LineString"
                                | "Curve"
                                | "MultiCurve"
                                | "Polygon"
                                | "MultiSurface"
                        );
                    assert!(id.is_some() || !needs_id, "<{}> without gml:id", e.local);
                    out.extend(id);
                }
                Ev::Eof => return out,
                _ => {}
            }
        }
    }

    #[test]
    fn round_trip_every_kind() {
        for (name, g) in samples() {
            let xml = write(&g, "g1", Some("EPSG:25832"), false, 3);
            let doc = format!("{ROOT}{xml}</r>");
            let back = parse(&doc);
            assert_eq!(back.geometry, g, "{name}: {xml}");
            assert_eq!(back.gml_id.as_deref(), Some("g1"), "{name}");
            assert_eq!(back.srid, Some(25832), "{name}");
            assert_eq!(xml.matches("srsName").count(), 1, "{name}: {xml}");
            let ids = ids(&doc);
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(ids.len(), unique.len(), "{name}: duplicate ids {ids:?}");
            assert!(ids.iter().all(|i| i.starts_with("g1")), "{name}: {ids:?}");
        }
    }

    #[test]
    fn encodings() {
        let s = samples();
        let get = |n: &str| &s.iter().find(|(k, _)| *k == n).unwrap().1;
        assert_eq!(
            write(get("point"), "p&1", Some("EPSG:25832"), false, 3),
            r#"<gml:Point gml:id="p&amp;1" srsName="EPSG:25832"><gml:pos>565000.125 5940000.5</gml:pos></gml:Point>"#
        );
        assert_eq!(
            write(get("linestring"), "l", None, false, 3),
            r#"<gml:LineString gml:id="l"><gml:posList srsDimension="2">0 0 1.5 2.5 3 0</gml:posList></gml:LineString>"#
        );
        assert_eq!(
            write(get("multipoint"), "m", None, false, 3),
            r#"<gml:MultiPoint gml:id="m"><gml:pointMember><gml:Point gml:id="m_1"><gml:pos>1 2</gml:pos></gml:Point></gml:pointMember><gml:pointMember><gml:Point gml:id="m_2"><gml:pos>3.5 -4.25</gml:pos></gml:Point></gml:pointMember></gml:MultiPoint>"#
        );
        let arc = write(get("arc polygon with hole"), "a", None, false, 3);
        assert!(
            arc.starts_with(r#"<gml:Polygon gml:id="a"><gml:exterior><gml:Ring><gml:curveMember><gml:Curve gml:id="a_1"><gml:segments><gml:LineStringSegment interpolation="linear"><gml:posList srsDimension="2">0 0 10 0</gml:posList></gml:LineStringSegment><gml:ArcString interpolation="circularArc3Points">"#),
            "{arc}"
        );
        assert!(arc.contains(r#"<gml:interior><gml:LinearRing><gml:posList srsDimension="2">1 1 3 1 3 3 1 3 1 1</gml:posList></gml:LinearRing></gml:interior>"#), "{arc}");
        let circle = write(get("circle"), "c", None, false, 3);
        assert!(circle.contains(r#"<gml:Circle interpolation="circularArc3Points"><gml:posList srsDimension="2">1 0 0 1 -1 0</gml:posList></gml:Circle>"#), "{circle}");
        // Swapped axes.
        assert!(write(get("point"), "p", None, true, 1)
            .contains("<gml:pos>5940000.5 565000.1</gml:pos>"));
        // An empty prefix declares gml.
        let mut out = String::new();
        let opts = WriteOptions {
            prefix: "",
            srs_name: Some("EPSG:4326"),
            swap_axes: false,
            decimals: 2,
        };
        write_geometry(&Geometry::Point(c(1.0, 2.0)), "x", &opts, &mut out);
        assert_eq!(
            out,
            r#"<gml:Point xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="x" srsName="EPSG:4326"><gml:pos>1 2</gml:pos></gml:Point>"#
        );
    }

    #[test]
    fn linear_curve_of_several_segments_becomes_one_line() {
        let g = Geometry::Polygon(Polygon {
            exterior: Curve {
                segments: vec![
                    Segment::Line(vec![c(0.0, 0.0), c(1.0, 0.0), c(1.0, 1.0)]),
                    Segment::Line(vec![c(1.0, 1.0), c(0.0, 1.0), c(0.0, 0.0)]),
                ],
            },
            interiors: vec![],
        });
        let xml = write(&g, "p", None, false, 3);
        assert!(
            xml.contains(
                "<gml:LinearRing><gml:posList srsDimension=\"2\">0 0 1 0 1 1 0 1 0 0</gml:posList>"
            ),
            "{xml}"
        );
        let back = parse(&format!("{ROOT}{xml}</r>"));
        let Geometry::Polygon(p) = back.geometry else {
            panic!()
        };
        assert_eq!(p.exterior.control_points().len(), 5);
    }

    #[test]
    fn number_formatting() {
        let f = |v: f64, d: usize| {
            let mut s = String::from("x");
            push_number(&mut s, v, d);
            s[1..].to_string()
        };
        assert_eq!(f(1.0, 3), "1");
        assert_eq!(f(1.23, 4), "1.23");
        assert_eq!(f(123.456789, 2), "123.46");
        assert_eq!(f(100.0, 3), "100");
        assert_eq!(f(100.0, 0), "100");
        assert_eq!(f(-0.0001, 3), "0");
        assert_eq!(f(-0.0, 3), "0");
        assert_eq!(f(-0.4, 0), "0");
        assert_eq!(f(-1.5e-12, 9), "0");
        assert_eq!(f(-2.25, 3), "-2.25");
        assert_eq!(f(53.123456789012, 9), "53.123456789");
        assert_eq!(f(5940000.0, 9), "5940000");
        assert_eq!(f(0.1 + 0.2, 9), "0.3");
    }

    // --- reproject_fragment -------------------------------------------------

    const PLAN: &str = include_str!("../../fixtures/plans/BPlan001_5-1.gml");

    /// The root's namespace bindings of `doc`.
    fn root_namespaces(doc: &str) -> Vec<(String, String)> {
        let mut cur = XmlCursor::new(doc.trim_start_matches('\u{feff}'));
        loop {
            if let Ev::Start(_) = cur.next_event().unwrap() {
                return cur.namespace_bindings();
            }
        }
    }

    /// The feature (the child of gml:featureMember) around byte `at`.
    fn feature_around(doc: &str, at: usize) -> &str {
        let open = "<gml:featureMember>";
        let start = doc[..at].rfind(open).unwrap() + open.len();
        let end = at + doc[at..].find("</gml:featureMember>").unwrap();
        doc[start..end].trim()
    }

    fn baugebiet() -> &'static str {
        let at = PLAN
            .find(r#"<xplan:BP_BaugebietsTeilFlaeche gml:id="GML_ccd77d13-a8d5-4520-b0c7-b0878bb79c10">"#)
            .unwrap();
        feature_around(PLAN, at + 10)
    }

    /// All geometries of a fragment, as (gml:id, srsName, geometry).
    fn geometries(xml: &str, ns: &[(String, String)]) -> Vec<(String, Option<String>, Geometry)> {
        let mut scope = BytesStart::new("r");
        for (p, u) in ns {
            let k = format!("xmlns:{p}");
            scope.push_attribute((k.as_str(), u.as_str()));
        }
        let mut cur = XmlCursor::fragment(xml, 1, 0, &[&scope]).unwrap();
        let mut out = Vec::new();
        loop {
            match cur.next_event().unwrap() {
                Ev::Start(e) if e.ns == NsKind::Gml && is_geometry_element(&e.local) => {
                    let g = read_geometry(&mut cur, &e, None).unwrap();
                    out.push((g.gml_id.unwrap(), g.srs_name, g.geometry));
                }
                Ev::Eof => return out,
                _ => {}
            }
        }
    }

    /// The text of `s` outside the elements `<gml:{local}` ... `</gml:{local}>`.
    fn outside<'s>(s: &'s str, locals: &[&str]) -> Vec<&'s str> {
        let mut pieces = Vec::new();
        let mut rest = s;
        loop {
            let next = locals
                .iter()
                .filter_map(|l| rest.find(&format!("<gml:{l} ")).map(|i| (i, *l)))
                .min();
            let Some((i, l)) = next else {
                pieces.push(rest);
                return pieces;
            };
            pieces.push(&rest[..i]);
            let close = format!("</gml:{l}>");
            let j = rest[i..].find(&close).unwrap() + i + close.len();
            rest = &rest[j..];
        }
    }

    fn corners(xml: &str) -> Vec<[f64; 2]> {
        ["lowerCorner>", "upperCorner>"]
            .iter()
            .flat_map(|t| {
                xml.match_indices(&format!("<gml:{t}"))
                    .map(|(i, _)| {
                        let s = &xml[i + t.len() + 5..];
                        let s = &s[..s.find('<').unwrap()];
                        let v: Vec<f64> =
                            s.split_whitespace().map(|n| n.parse().unwrap()).collect();
                        [v[0], v[1]]
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn assert_near_swapped(got: &Geometry, expected: &Geometry, tol: f64) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        got.for_each_point(&mut |c| a.push(c));
        expected.for_each_point(&mut |c| b.push(c));
        assert_eq!(a.len(), b.len());
        for (g, e) in a.iter().zip(&b) {
            assert!(
                (g.x - e.y).abs() < tol && (g.y - e.x).abs() < tol,
                "{g:?} vs {e:?}"
            );
        }
    }

    #[test]
    fn reproject_feature_to_wgs84_lat_lon() {
        let ns = root_namespaces(PLAN);
        let frag = baugebiet();
        let srs = "urn:ogc:def:crs:EPSG::4326";
        let out = reproject_fragment(frag, &ns, 25832, 4326, srs, true, 9).unwrap();
        // Non-geometry text is identical.
        assert_eq!(
            outside(frag, &["Polygon", "Envelope"]),
            outside(&out, &["Polygon", "Envelope"])
        );
        let before = geometries(frag, &ns);
        let after = geometries(&out, &ns);
        assert_eq!(before.len(), 1);
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].0, "GML_d09bfc0e-a49f-4294-bf2a-9ce6d0db39dc");
        assert_eq!(after[0].1.as_deref(), Some(srs));
        let mut expected = before[0].2.clone();
        crate::crs::transform(&mut expected, 25832, 4326).unwrap();
        assert_near_swapped(&after[0].2, &expected, 1e-8);
        // Hamburg: lat ~53.5, lon ~9.8.
        let Geometry::Polygon(p) = &after[0].2 else {
            panic!()
        };
        let first = p.exterior.control_points()[0];
        assert!(
            (first.x - 53.56).abs() < 0.1 && (first.y - 9.84).abs() < 0.1,
            "{first:?}"
        );
        // The envelope is transformed (lat lon) and holds the geometry.
        assert!(
            out.contains(&format!(r#"<gml:Envelope srsName="{srs}">"#)),
            "{out}"
        );
        let env = corners(&out);
        assert_eq!(env.len(), 2);
        let bb = expected.bbox().unwrap();
        assert!(
            env[0][0] <= bb.min_y && env[0][1] <= bb.min_x,
            "{env:?} {bb:?}"
        );
        assert!(
            env[1][0] >= bb.max_y && env[1][1] >= bb.max_x,
            "{env:?} {bb:?}"
        );
        assert!((env[0][0] - bb.min_y).abs() < 1e-4 && (env[1][1] - bb.max_x).abs() < 1e-4);
        assert!(!out.contains("25832"), "{out}");
    }

    #[test]
    fn reproject_keeps_arcs() {
        let ns = root_namespaces(PLAN);
        let frag = feature_around(PLAN, PLAN.find("<gml:ArcString").unwrap());
        let out = reproject_fragment(frag, &ns, 25832, 4258, "EPSG:4258", false, 9).unwrap();
        assert_eq!(
            frag.matches("<gml:ArcString").count(),
            out.matches(r#"<gml:ArcString interpolation="circularArc3Points">"#)
                .count()
        );
        let before = geometries(frag, &ns);
        let after = geometries(&out, &ns);
        assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(a.0, b.0);
            assert!(a.2.has_arcs());
            let mut e = b.2.clone();
            crate::crs::transform(&mut e, 25832, 4258).unwrap();
            // Not swapped: compare by swapping the expectation twice.
            let mut swapped = e.clone();
            swapped
                .map_points(&mut |c: &mut Coord| {
                    std::mem::swap(&mut c.x, &mut c.y);
                    Ok::<_, ()>(())
                })
                .unwrap();
            assert_near_swapped(&a.2, &swapped, 1e-8);
        }
        // Child ids are unique and derived.
        let doc = format!(
            r#"<r xmlns:gml="{GML_NS}" xmlns:xplan="http://www.xplanung.de/xplangml/5/1" xmlns:xlink="http://www.w3.org/1999/xlink">{out}</r>"#
        );
        let ids = ids(&doc);
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(ids.len(), unique.len(), "{ids:?}");
    }

    #[test]
    fn same_crs_only_sets_srs_name() {
        let ns = root_namespaces(PLAN);
        let frag = baugebiet();
        // With srsName everywhere: unchanged.
        let out = reproject_fragment(frag, &ns, 25832, 25832, "EPSG:25832", false, 3).unwrap();
        assert_eq!(out, frag);
        // Geometries without srsName get it, nothing else changes.
        let bare = frag.replace(
            r#"<gml:Polygon srsName="EPSG:25832" gml:id="#,
            r#"<gml:Polygon gml:id="#,
        );
        assert_ne!(bare, frag);
        let out = reproject_fragment(&bare, &ns, 25832, 25832, "EPSG:25832", false, 3).unwrap();
        let expected = bare.replace(
            r#"<gml:Polygon gml:id="GML_d09bfc0e-a49f-4294-bf2a-9ce6d0db39dc">"#,
            r#"<gml:Polygon gml:id="GML_d09bfc0e-a49f-4294-bf2a-9ce6d0db39dc" srsName="EPSG:25832">"#,
        );
        assert_eq!(out, expected);
        // Another spelling of the same CRS is normalised in the start tags.
        let urn = "urn:ogc:def:crs:EPSG::25832";
        let out = reproject_fragment(frag, &ns, 25832, 25832, urn, false, 3).unwrap();
        assert_eq!(out.matches(&format!("srsName=\"{urn}\"")).count(), 2);
        assert_eq!(
            outside(frag, &["Polygon", "Envelope"]),
            outside(&out, &["Polygon", "Envelope"])
        );
        assert!(out.contains("555714.935 5936776.660 555713.150"));
    }

    #[test]
    fn envelope_is_transformed() {
        let ns = vec![
            ("gml".to_string(), GML_NS.to_string()),
            (
                "".to_string(),
                "http://www.xplanung.de/xplangml/6/0".to_string(),
            ),
        ];
        let frag = r#"<BP_Plan g:id="f1" xmlns:g="http://www.opengis.net/gml/3.2"><g:boundedBy><g:Envelope srsDimension="2"><g:lowerCorner>555018.905 5936438.472</g:lowerCorner><g:upperCorner>556165.093 5938795.485</g:upperCorner></g:Envelope></g:boundedBy><name>x &amp; y</name><raeumlicherGeltungsbereich><g:Point><g:pos>555018.905 5936438.472</g:pos></g:Point></raeumlicherGeltungsbereich></BP_Plan>"#;
        let out = reproject_fragment(frag, &ns, 25832, 4326, "EPSG:4326", false, 7).unwrap();
        assert!(out.starts_with(r#"<BP_Plan g:id="f1" xmlns:g="http://www.opengis.net/gml/3.2"><g:boundedBy><g:Envelope srsName="EPSG:4326"><g:lowerCorner>"#), "{out}");
        assert!(
            out.contains("</g:Envelope></g:boundedBy><name>x &amp; y</name>"),
            "{out}"
        );
        // The point without gml:id gets one derived from the feature's.
        assert!(
            out.contains(r#"<g:Point g:id="f1_geom1" srsName="EPSG:4326"><g:pos>"#),
            "{out}"
        );
        let mut pts = [
            [555018.905, 5936438.472],
            [556165.093, 5938795.485],
            [555018.905, 5938795.485],
            [556165.093, 5936438.472],
        ];
        crate::crs::transform_xy(&mut pts, 25832, 4326).unwrap();
        let env = {
            let find = |t: &str| {
                let i = out.find(&format!("<g:{t}>")).unwrap() + t.len() + 4;
                let s = &out[i..i + out[i..].find('<').unwrap()];
                let v: Vec<f64> = s.split(' ').map(|n| n.parse().unwrap()).collect();
                (v[0], v[1])
            };
            (find("lowerCorner"), find("upperCorner"))
        };
        let min_x = pts.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        let max_y = pts.iter().map(|p| p[1]).fold(f64::NEG_INFINITY, f64::max);
        assert!((env.0 .0 - min_x).abs() < 1e-6, "{env:?} {pts:?}");
        assert!((env.1 .1 - max_y).abs() < 1e-6, "{env:?} {pts:?}");
        assert!(env.0 .0 < env.1 .0 && env.0 .1 < env.1 .1);
        // The point was transformed as well.
        assert!(
            out.contains(&format!(
                "<g:pos>{} {}</g:pos>",
                {
                    let mut s = String::new();
                    push_number(&mut s, pts[0][0], 7);
                    s
                },
                {
                    let mut s = String::new();
                    push_number(&mut s, pts[0][1], 7);
                    s
                }
            )),
            "{out}"
        );
    }

    #[test]
    fn geometry_with_own_srs_name_and_errors() {
        let ns = vec![("gml".to_string(), GML_NS.to_string())];
        // A geometry in its own CRS (Gauss-Krüger) is transformed from it.
        let frag = r#"<f xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="f"><gml:Point gml:id="p" srsName="EPSG:31467"><gml:pos>3566000 5934000</gml:pos></gml:Point></f>"#;
        let out = reproject_fragment(frag, &ns, 25832, 25832, "EPSG:25832", false, 3).unwrap();
        let g = geometries(&out, &ns);
        let Geometry::Point(p) = g[0].2 else { panic!() };
        assert!(
            (p.x - 566_000.0).abs() < 1500.0 && (p.y - 5_932_000.0).abs() < 2500.0,
            "{p:?}"
        );
        // Unknown srsName and broken XML are errors.
        let bad = frag.replace("EPSG:31467", "EPSG:nope");
        assert!(matches!(
            reproject_fragment(&bad, &ns, 25832, 4326, "EPSG:4326", false, 7),
            Err(ReprojectError::Gml(_))
        ));
        assert!(
            reproject_fragment("<f><gml:Point>", &ns, 25832, 4326, "EPSG:4326", false, 7).is_err()
        );
    }

    /// Validates written geometries against the GML 3.2.1 schema with
    /// xmllint and the offline OGC schemas, when both are available.
    #[test]
    fn written_geometries_are_schema_valid() {
        let catalog = std::path::Path::new("/work/shared/ogc-schemas/catalog.xml");
        let xmllint = std::process::Command::new("xmllint")
            .arg("--version")
            .output();
        if !catalog.exists() || xmllint.is_err() {
            eprintln!("skipped: xmllint or the OGC schemas are not available");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for (i, (_, g)) in samples().iter().enumerate() {
            let mut out = String::new();
            let opts = WriteOptions {
                prefix: "",
                srs_name: Some("urn:ogc:def:crs:EPSG::25832"),
                swap_axes: false,
                decimals: 3,
            };
            write_geometry(g, &format!("GML_{i}"), &opts, &mut out);
            let path = dir.path().join(format!("g{i}.xml"));
            std::fs::write(&path, out).unwrap();
            files.push(path);
        }
        let res = std::process::Command::new("xmllint")
            .env("XML_CATALOG_FILES", catalog)
            .args([
                "--nonet",
                "--noout",
                "--schema",
                "http://schemas.opengis.net/gml/3.2.1/gml.xsd",
            ])
            .args(&files)
            .output()
            .unwrap();
        assert!(
            res.status.success(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
    }
}
