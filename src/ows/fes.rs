//! Filter Encoding 2.0 (and the FES 1.1 names old WFS 1.1.0 clients send)
//! parsed into the store's filter model, value references into property
//! paths, geometry literals into EWKB in the storage CRS; and the WFS
//! request bodies of POST requests (GetFeature, GetPropertyValue and the
//! others) parsed into the same request model as KVP.

use super::OwsError;
use crate::gml::reader::{is_geometry_element, read_geometry, Elem, Ev, NsKind, XmlCursor};
use crate::gml::{wkb, Coord, Curve, Geometry, Polygon};
use crate::store::features::{CmpOp, Filter, Prop, SpatialOp};

/// Largest filter or request document accepted (bytes).
pub const MAX_FILTER_BYTES: usize = 4 << 20;

/// Arcs accepted in one filter geometry (each is linearised into up to
/// 20 000 points).
pub const MAX_FILTER_ARCS: usize = 100;

/// The CRSs offered besides the storage CRS (WFS, OGC API, filters).
pub const OTHER_CRS: [u32; 9] = [25832, 25833, 31466, 31467, 31468, 31469, 4258, 4326, 3857];

/// True for the CRSs requests may use.
pub fn is_offered(srid: u32, ctx: &GeomContext) -> bool {
    srid == ctx.storage_srid || OTHER_CRS.contains(&srid)
}

fn arc_count(g: &Geometry) -> usize {
    fn curve(c: &Curve) -> usize {
        c.segments
            .iter()
            .map(|s| match s {
                crate::gml::Segment::Line(_) => 0,
                crate::gml::Segment::Arcs(p) => p.len() / 2,
                crate::gml::Segment::Circle(_) => 1,
            })
            .sum()
    }
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => 0,
        Geometry::Curve(c) => curve(c),
        Geometry::MultiCurve(cs) => cs.iter().map(curve).sum(),
        Geometry::Polygon(p) => p.rings().map(curve).sum(),
        Geometry::MultiSurface(ps) => ps.iter().flat_map(Polygon::rings).map(curve).sum(),
    }
}

/// How geometry literals are interpreted.
#[derive(Debug, Clone, Copy)]
pub struct GeomContext {
    /// The CRS the store keeps `geom_lin` in.
    pub storage_srid: u32,
    /// The CRS of literals without srsName (the query's or the service's).
    pub default_srid: u32,
    /// Literals without srsName are in lat/lon order.
    pub default_lat_lon: bool,
}

/// A CRS name as WFS clients send it: (EPSG code, coordinates in lat/lon
/// order). `EPSG:4326` is lon/lat (the traditional GIS order),
/// `urn:ogc:def:crs:EPSG::4326` and the http form are lat/lon as EPSG
/// defines; CRS84 is lon/lat. Projected CRSs are always easting first, as
/// XPlanGML documents write them.
pub fn parse_crs(name: &str) -> Option<(u32, bool)> {
    let n = name.trim();
    let lower = n.to_ascii_lowercase();
    if lower == "crs:84"
        || lower.ends_with("ogc:1.3:crs84")
        || lower.ends_with("/ogc/1.3/crs84")
        || lower.ends_with("ogc::crs84")
    {
        return Some((4326, false));
    }
    let srid = crate::gml::parse_srs_name(n)?;
    let long_form = lower.starts_with("urn:") || lower.starts_with("http");
    Some((srid, long_form && crate::crs::is_geographic(srid)))
}

fn err(msg: impl Into<String>) -> OwsError {
    OwsError::new(Some("FILTER"), "InvalidParameterValue", msg)
}

fn gml_err(e: crate::gml::GmlError) -> OwsError {
    err(format!("the filter is not valid XML: {e}"))
}

/// Parses a `fes:Filter` document (KVP FILTER value).
pub fn parse_filter(xml: &str, ctx: &GeomContext) -> Result<Filter, OwsError> {
    if xml.len() > MAX_FILTER_BYTES {
        return Err(err("the filter is too large"));
    }
    let mut cur = XmlCursor::new(xml);
    loop {
        match cur.next_event().map_err(gml_err)? {
            Ev::Start(e) => {
                if e.local != "Filter" {
                    return Err(err(format!(
                        "the filter must be a Filter element (fes:Filter, or ogc:Filter in WFS 1.1.0), not <{}>",
                        e.local
                    )));
                }
                return filter_element(&mut cur, &e, ctx);
            }
            Ev::Eof => return Err(err("the filter is empty")),
            _ => {}
        }
    }
}

/// The content of a fes:Filter element just started: one operator, or
/// several resource ids.
pub fn filter_element(
    cur: &mut XmlCursor<'_>,
    e: &Elem<'_>,
    ctx: &GeomContext,
) -> Result<Filter, OwsError> {
    let mut ops = vec![];
    while let Some(c) = cur.next_child(&e.local).map_err(gml_err)? {
        ops.push(operator(cur, &c, ctx)?);
    }
    let mut ids = vec![];
    let mut rest = vec![];
    for o in ops {
        match o {
            Filter::ResourceId(mut v) => ids.append(&mut v),
            other => rest.push(other),
        }
    }
    match (ids.is_empty(), rest.len()) {
        (false, 0) => Ok(Filter::ResourceId(ids)),
        (true, 1) => Ok(rest.pop().unwrap_or(Filter::And(vec![]))),
        (true, 0) => Err(err("the filter has no operator")),
        _ => Err(err(
            "a filter holds one operator, or only resource ids (use fes:And to combine operators)",
        )),
    }
}

fn attr(cur: &XmlCursor<'_>, e: &Elem<'_>, name: &str) -> Result<Option<String>, OwsError> {
    cur.attr(e, "", name).map_err(gml_err)
}

fn bool_attr(
    cur: &XmlCursor<'_>,
    e: &Elem<'_>,
    name: &str,
    default: bool,
) -> Result<bool, OwsError> {
    Ok(match attr(cur, e, name)?.as_deref().map(str::trim) {
        Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(v) => return Err(err(format!("{name}='{v}' is not a boolean"))),
        None => default,
    })
}

/// Maps a value reference (XPath subset) to a property: prefixes dropped,
/// type steps (`BP_Plan/`, `XP_Gemeinde/`) dropped, `@gml:id` to the id.
pub fn value_reference(v: &str) -> Result<Prop, OwsError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(err("an empty ValueReference"));
    }
    let mut steps = vec![];
    for raw in v.split('/') {
        let s = raw.trim();
        if s.is_empty() || s == "." {
            continue;
        }
        if s.contains('[') || s.contains('(') || s == ".." || s.contains('*') {
            return Err(err(format!(
                "ValueReference '{v}': predicates, functions and wildcards are not supported; use a property path such as xplan:gemeinde/xplan:XP_Gemeinde/xplan:ags"
            )));
        }
        let (prefix, local) = match s.trim_start_matches('@').rsplit_once(':') {
            Some((p, l)) => (p, l),
            None => ("", s.trim_start_matches('@')),
        };
        if local == "id" && (prefix == "gml" || s.starts_with('@')) {
            return Ok(Prop::GmlId);
        }
        if !local
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Err(err(format!("ValueReference '{v}' is not a property path")));
        }
        // type steps (BP_Plan, XP_Gemeinde) are skipped; properties never
        // have such a prefix (GRZ, Z_Ausn, gemeinde)
        if is_type_name(local) {
            continue;
        }
        if prefix == "gml" {
            steps.push(format!("gml:{local}"));
        } else {
            steps.push(local.to_string());
        }
    }
    if steps.is_empty() {
        return Err(err(format!("ValueReference '{v}' names no property")));
    }
    Ok(Prop::Path(steps))
}

/// True for XPlanGML type names (feature and data types): BP_Plan, XP_Gemeinde.
pub fn is_type_name(local: &str) -> bool {
    ["BP_", "FP_", "RP_", "LP_", "SO_", "XP_"]
        .iter()
        .any(|p| local.starts_with(p))
}

/// Reads the text of the element just started, allowing nothing else.
fn text(cur: &mut XmlCursor<'_>, e: &Elem<'_>) -> Result<String, OwsError> {
    cur.read_text(e).map_err(gml_err)
}

fn is_value_ref(e: &Elem<'_>) -> bool {
    matches!(e.local.as_str(), "ValueReference" | "PropertyName")
}

/// A comparison's operands: a value reference and a literal, in any order.
fn operands(cur: &mut XmlCursor<'_>, e: &Elem<'_>) -> Result<(Prop, String), OwsError> {
    let mut prop = None;
    let mut lit = None;
    while let Some(c) = cur.next_child(&e.local).map_err(gml_err)? {
        if is_value_ref(&c) {
            prop = Some(value_reference(&text(cur, &c)?)?);
        } else if c.local == "Literal" {
            lit = Some(literal(cur, &c)?);
        } else {
            return Err(err(format!(
                "<{}> is not supported in {}: use a ValueReference and a Literal",
                c.local, e.local
            )));
        }
    }
    match (prop, lit) {
        (Some(p), Some(l)) => Ok((p, l)),
        _ => Err(err(format!(
            "{} needs a ValueReference and a Literal",
            e.local
        ))),
    }
}

/// A literal's text (a literal with element content is refused).
fn literal(cur: &mut XmlCursor<'_>, e: &Elem<'_>) -> Result<String, OwsError> {
    let mut out = String::new();
    loop {
        match cur.next_event().map_err(gml_err)? {
            Ev::Text(t) => out.push_str(&t),
            Ev::End { .. } => return Ok(out.trim().to_string()),
            Ev::Start(c) => {
                return Err(err(format!(
                    "<{}> inside a Literal of {}: only text literals are supported here",
                    c.local, e.local
                )))
            }
            Ev::Eof => return Err(err("unexpected end of the filter")),
        }
    }
}

fn operator(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &GeomContext) -> Result<Filter, OwsError> {
    let name = e.local.as_str();
    let cmp = match name {
        "PropertyIsEqualTo" => Some(CmpOp::Eq),
        "PropertyIsNotEqualTo" => Some(CmpOp::Ne),
        "PropertyIsLessThan" => Some(CmpOp::Lt),
        "PropertyIsLessThanOrEqualTo" => Some(CmpOp::Le),
        "PropertyIsGreaterThan" => Some(CmpOp::Gt),
        "PropertyIsGreaterThanOrEqualTo" => Some(CmpOp::Ge),
        _ => None,
    };
    if let Some(op) = cmp {
        let match_case = bool_attr(cur, e, "matchCase", true)?;
        let (prop, value) = operands(cur, e)?;
        return Ok(Filter::Compare {
            prop,
            op,
            value,
            match_case,
        });
    }
    match name {
        "And" | "Or" => {
            let mut v = vec![];
            while let Some(c) = cur.next_child(name).map_err(gml_err)? {
                v.push(operator(cur, &c, ctx)?);
            }
            if v.len() < 2 {
                return Err(err(format!("fes:{name} needs at least two operands")));
            }
            Ok(if name == "And" {
                Filter::And(v)
            } else {
                Filter::Or(v)
            })
        }
        "Not" => {
            let mut v = vec![];
            while let Some(c) = cur.next_child(name).map_err(gml_err)? {
                v.push(operator(cur, &c, ctx)?);
            }
            if v.len() != 1 {
                return Err(err("fes:Not needs exactly one operand"));
            }
            Ok(Filter::Not(Box::new(v.remove(0))))
        }
        "PropertyIsLike" => {
            let one = |n: &str, alt: &str, d: char| -> Result<char, OwsError> {
                let v = attr(cur, e, n)?.or(attr(cur, e, alt)?);
                match v {
                    None => Ok(d),
                    Some(s) if s.chars().count() == 1 => Ok(s.chars().next().unwrap_or(d)),
                    Some(s) => Err(err(format!(
                        "PropertyIsLike {n}='{s}' must be one character"
                    ))),
                }
            };
            let wild = one("wildCard", "wildCard", '*')?;
            let single = one("singleChar", "singleChar", '.')?;
            let escape = one("escapeChar", "escape", '\\')?;
            let match_case = bool_attr(cur, e, "matchCase", true)?;
            let (prop, pattern) = operands(cur, e)?;
            Ok(Filter::Like {
                prop,
                pattern,
                wild,
                single,
                escape,
                match_case,
            })
        }
        "PropertyIsNull" | "PropertyIsNil" => {
            let mut prop = None;
            while let Some(c) = cur.next_child(name).map_err(gml_err)? {
                if is_value_ref(&c) {
                    prop = Some(value_reference(&text(cur, &c)?)?);
                } else {
                    return Err(err(format!("<{}> is not allowed in {name}", c.local)));
                }
            }
            Ok(Filter::IsNull(prop.ok_or_else(|| {
                err(format!("{name} needs a ValueReference"))
            })?))
        }
        "PropertyIsBetween" => {
            let (mut prop, mut lo, mut hi) = (None, None, None);
            while let Some(c) = cur.next_child(name).map_err(gml_err)? {
                match c.local.as_str() {
                    "ValueReference" | "PropertyName" => {
                        prop = Some(value_reference(&text(cur, &c)?)?)
                    }
                    "LowerBoundary" | "UpperBoundary" => {
                        let mut v = None;
                        while let Some(l) = cur.next_child(&c.local).map_err(gml_err)? {
                            if l.local != "Literal" {
                                return Err(err(format!("{} takes a Literal", c.local)));
                            }
                            v = Some(literal(cur, &l)?);
                        }
                        if c.local == "LowerBoundary" {
                            lo = v;
                        } else {
                            hi = v;
                        }
                    }
                    other => return Err(err(format!("<{other}> is not allowed in {name}"))),
                }
            }
            match (prop, lo, hi) {
                (Some(prop), Some(lower), Some(upper)) => Ok(Filter::Between { prop, lower, upper }),
                _ => Err(err(
                    "PropertyIsBetween needs a ValueReference, a LowerBoundary and an UpperBoundary",
                )),
            }
        }
        "ResourceId" | "FeatureId" | "GmlObjectId" => {
            let id = attr(cur, e, "rid")?
                .or(attr(cur, e, "fid")?)
                .or(cur.attr(e, crate::gml::GML_NS, "id").map_err(gml_err)?)
                .or(cur.attr(e, crate::gml::GML31_NS, "id").map_err(gml_err)?)
                // GDAL writes <GmlObjectId id="…"/> (WFS 1.1.0)
                .or(attr(cur, e, "id")?);
            cur.skip().map_err(gml_err)?;
            let id = id.ok_or_else(|| err(format!("{name} without an id (rid)")))?;
            Ok(Filter::ResourceId(vec![id]))
        }
        "BBOX" | "Intersects" | "Disjoint" | "Within" | "Contains" | "Touches" | "Crosses"
        | "Overlaps" | "Equals" | "DWithin" | "Beyond" => {
            let mut geom = None;
            let mut distance = None;
            while let Some(c) = cur.next_child(name).map_err(gml_err)? {
                if is_value_ref(&c) {
                    // one geometry per feature: any geometry property means it
                    text(cur, &c)?;
                } else if c.local == "Distance" {
                    let uom = attr(cur, &c, "uom")?.unwrap_or_else(|| "m".into());
                    let t = text(cur, &c)?;
                    let d: f64 = t
                        .trim()
                        .parse()
                        .ok()
                        .filter(|d: &f64| d.is_finite() && *d >= 0.0)
                        .ok_or_else(|| err(format!("Distance '{t}' is not a number")))?;
                    distance = Some(d * metres_per(&uom)?);
                } else if c.ns == NsKind::Gml && c.local == "Envelope" {
                    geom = Some(envelope(cur, &c, ctx)?);
                } else if c.ns == NsKind::Gml && is_geometry_element(&c.local) {
                    geom = Some(geometry(cur, &c, ctx)?);
                } else {
                    return Err(err(format!("<{}> is not allowed in {name}", c.local)));
                }
            }
            let ewkb =
                geom.ok_or_else(|| err(format!("{name} needs a GML geometry or gml:Envelope")))?;
            let op = match name {
                "BBOX" | "Intersects" => SpatialOp::Intersects,
                "Disjoint" => SpatialOp::Disjoint,
                "Within" => SpatialOp::Within,
                "Contains" => SpatialOp::Contains,
                "Touches" => SpatialOp::Touches,
                "Crosses" => SpatialOp::Crosses,
                "Overlaps" => SpatialOp::Overlaps,
                "Equals" => SpatialOp::Equals,
                "DWithin" | "Beyond" => {
                    let d = distance.ok_or_else(|| err(format!("{name} needs a Distance")))?;
                    if name == "DWithin" {
                        SpatialOp::DWithin(d)
                    } else {
                        SpatialOp::Beyond(d)
                    }
                }
                _ => unreachable!("spatial operator names are matched above"),
            };
            Ok(Filter::Spatial { op, ewkb })
        }
        "Function" => Err(OwsError::new(
            Some("FILTER"),
            "OperationProcessingFailed",
            "filter functions are not supported",
        )),
        other => Err(err(format!(
            "the filter operator '{other}' is not supported"
        ))),
    }
}

fn metres_per(uom: &str) -> Result<f64, OwsError> {
    let u = uom.trim().to_ascii_lowercase();
    let u = u.rsplit(['#', ':', '/']).next().unwrap_or(&u).to_string();
    match u.as_str() {
        "m" | "meter" | "metre" | "meters" | "metres" | "9001" => Ok(1.0),
        "km" | "kilometer" | "kilometre" | "kilometers" | "kilometres" | "9036" => Ok(1000.0),
        _ => Err(err(format!(
            "Distance uom '{uom}' is not supported (m or km)"
        ))),
    }
}

fn srs_of(cur: &XmlCursor<'_>, e: &Elem<'_>, ctx: &GeomContext) -> Result<(u32, bool), OwsError> {
    match attr(cur, e, "srsName")? {
        Some(n) => parse_crs(&n).ok_or_else(|| err(format!("unknown srsName '{n}'"))),
        None => Ok((ctx.default_srid, ctx.default_lat_lon)),
    }
}

/// A geometry (in `srid`, given axis order) as linearised EWKB in the
/// storage CRS.
pub fn to_storage(
    mut g: Geometry,
    srid: u32,
    lat_lon: bool,
    ctx: &GeomContext,
) -> Result<Vec<u8>, OwsError> {
    if !is_offered(srid, ctx) {
        return Err(err(format!(
            "EPSG:{srid} is not offered for filter geometries (the storage CRS and EPSG:25832, 25833, 31466-31469, 4258, 4326, 3857 are)"
        )));
    }
    // each arc becomes up to 20 000 points: a request may not have many
    let arcs = arc_count(&g);
    if arcs > MAX_FILTER_ARCS {
        return Err(err(format!(
            "the filter geometry has {arcs} arcs; at most {MAX_FILTER_ARCS} are accepted"
        )));
    }
    if lat_lon {
        let _: Result<(), ()> = g.map_points(&mut |c: &mut Coord| {
            std::mem::swap(&mut c.x, &mut c.y);
            Ok(())
        });
    }
    crate::crs::transform(&mut g, srid, ctx.storage_srid)
        .map_err(|e| err(format!("the filter geometry cannot be transformed: {e}")))?;
    Ok(wkb::to_ewkb(
        &crate::gml::arc::linearize(&g, crate::gml::arc::DEFAULT_CHORD_ERROR),
        ctx.storage_srid,
    ))
}

fn geometry(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &GeomContext) -> Result<Vec<u8>, OwsError> {
    let (srid, lat_lon) = srs_of(cur, e, ctx)?;
    let g = read_geometry(cur, e, None).map_err(|er| err(format!("filter geometry: {er}")))?;
    to_storage(g.geometry, srid, lat_lon, ctx)
}

fn corner(s: &str) -> Result<Coord, OwsError> {
    let v: Vec<f64> = s
        .split_whitespace()
        .map(|t| t.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| err(format!("envelope corner '{s}' is not a coordinate pair")))?;
    if v.len() < 2 || !v.iter().all(|x| x.is_finite()) {
        return Err(err(format!(
            "envelope corner '{s}' is not a coordinate pair"
        )));
    }
    Ok(Coord::new(v[0], v[1]))
}

/// A box as a polygon geometry (in the given axis order).
pub fn box_geometry(a: Coord, b: Coord) -> Geometry {
    let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
    let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
    // densified edges keep the box's shape when transformed
    let mut ring = vec![];
    let n = 8;
    for i in 0..n {
        ring.push(Coord::new(x0 + (x1 - x0) * i as f64 / n as f64, y0));
    }
    for i in 0..n {
        ring.push(Coord::new(x1, y0 + (y1 - y0) * i as f64 / n as f64));
    }
    for i in 0..n {
        ring.push(Coord::new(x1 - (x1 - x0) * i as f64 / n as f64, y1));
    }
    for i in 0..n {
        ring.push(Coord::new(x0, y1 - (y1 - y0) * i as f64 / n as f64));
    }
    ring.push(Coord::new(x0, y0));
    Geometry::Polygon(Polygon {
        exterior: Curve::line(ring),
        interiors: vec![],
    })
}

/// A box (in `srid`, given axis order) as EWKB in the storage CRS.
pub fn box_ewkb(
    a: Coord,
    b: Coord,
    srid: u32,
    lat_lon: bool,
    ctx: &GeomContext,
) -> Result<Vec<u8>, OwsError> {
    to_storage(box_geometry(a, b), srid, lat_lon, ctx)
}

fn envelope(cur: &mut XmlCursor<'_>, e: &Elem<'_>, ctx: &GeomContext) -> Result<Vec<u8>, OwsError> {
    let (srid, lat_lon) = srs_of(cur, e, ctx)?;
    let (mut lo, mut hi) = (None, None);
    while let Some(c) = cur.next_child("Envelope").map_err(gml_err)? {
        match c.local.as_str() {
            "lowerCorner" => lo = Some(corner(&text(cur, &c)?)?),
            "upperCorner" => hi = Some(corner(&text(cur, &c)?)?),
            other => return Err(err(format!("<{other}> is not allowed in gml:Envelope"))),
        }
    }
    match (lo, hi) {
        (Some(a), Some(b)) => box_ewkb(a, b, srid, lat_lon, ctx),
        _ => Err(err("gml:Envelope needs a lowerCorner and an upperCorner")),
    }
}

/// A fes:SortBy list ("name DESC,nummer" in KVP or the XML form).
pub fn parse_sort_kvp(v: &str) -> Result<Vec<(Prop, bool)>, OwsError> {
    let mut out = vec![];
    for part in v.split(',') {
        let mut it = part.split_whitespace();
        let Some(name) = it.next() else { continue };
        let desc = match it.next().map(|s| s.to_ascii_uppercase()) {
            None => false,
            Some(s) if s == "ASC" || s == "A" => false,
            Some(s) if s == "DESC" || s == "D" => true,
            Some(s) => {
                return Err(OwsError::new(
                    Some("SORTBY"),
                    "InvalidParameterValue",
                    format!("sort order '{s}' is neither ASC nor DESC"),
                ))
            }
        };
        let prop = value_reference(name).map_err(|e| OwsError {
            locator: Some("SORTBY".into()),
            ..e
        })?;
        out.push((prop, desc));
    }
    Ok(out)
}

fn sort_by(cur: &mut XmlCursor<'_>, e: &Elem<'_>) -> Result<Vec<(Prop, bool)>, OwsError> {
    let mut out = vec![];
    while let Some(p) = cur.next_child(&e.local).map_err(gml_err)? {
        let (mut prop, mut desc) = (None, false);
        while let Some(c) = cur.next_child(&p.local).map_err(gml_err)? {
            match c.local.as_str() {
                "ValueReference" | "PropertyName" => prop = Some(value_reference(&text(cur, &c)?)?),
                "SortOrder" => desc = text(cur, &c)?.trim().eq_ignore_ascii_case("DESC"),
                other => return Err(err(format!("<{other}> is not allowed in fes:SortProperty"))),
            }
        }
        out.push((
            prop.ok_or_else(|| err("fes:SortProperty without ValueReference"))?,
            desc,
        ));
    }
    Ok(out)
}

/// One query of a GetFeature or GetPropertyValue request.
#[derive(Debug, Clone, Default)]
pub struct QuerySpec {
    /// Feature type names as given (prefixes kept; resolved by the WFS).
    pub type_names: Vec<String>,
    pub filter: Option<Filter>,
    pub sort: Vec<(Prop, bool)>,
    pub srs_name: Option<String>,
}

/// A stored query call.
#[derive(Debug, Clone, Default)]
pub struct StoredQueryCall {
    pub id: String,
    pub params: Vec<(String, String)>,
}

/// A WFS request from a POST body.
#[derive(Debug, Clone, Default)]
pub struct PostRequest {
    pub request: String,
    pub version: Option<String>,
    /// Attributes of the root element (count, startIndex, outputFormat, ...).
    pub attrs: Vec<(String, String)>,
    pub queries: Vec<QuerySpec>,
    pub stored: Option<StoredQueryCall>,
    /// DescribeFeatureType TypeName elements, DescribeStoredQueries ids.
    pub names: Vec<String>,
}

/// Parses a WFS 2.0 (or 1.1.0) request document.
pub fn parse_post(
    xml: &str,
    ctx_for: &dyn Fn(Option<&str>) -> Result<GeomContext, OwsError>,
) -> Result<PostRequest, OwsError> {
    let bad = |m: String| OwsError::new(None, "OperationParsingFailed", m);
    if xml.len() > MAX_FILTER_BYTES {
        return Err(bad("the request document is too large".into()));
    }
    let mut cur = XmlCursor::new(xml);
    let root = loop {
        match cur
            .next_event()
            .map_err(|e| bad(format!("the request is not valid XML: {e}")))?
        {
            Ev::Start(e) => break e,
            Ev::Eof => return Err(bad("the request document is empty".into())),
            _ => {}
        }
    };
    let mut req = PostRequest {
        request: root.local.clone(),
        ..Default::default()
    };
    for a in root.start.attributes().flatten() {
        let ln = a.key.local_name();
        let k: String = {
            let s: &str = ln.as_ref();
            s.to_string()
        };
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_default();
        if k == "version" {
            req.version = Some(v.clone());
        }
        req.attrs.push((k, v));
    }
    if root.empty {
        return Ok(req);
    }
    while let Some(c) = cur.next_child(&root.local).map_err(gml_err)? {
        match c.local.as_str() {
            "Query" => {
                let names = attr(&cur, &c, "typeNames")?
                    .or(attr(&cur, &c, "typeName")?)
                    .unwrap_or_default();
                let srs_name = attr(&cur, &c, "srsName")?;
                let ctx = ctx_for(srs_name.as_deref())?;
                let mut q = QuerySpec {
                    type_names: names
                        .split([' ', ','])
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    srs_name,
                    ..Default::default()
                };
                if !c.empty {
                    while let Some(k) = cur.next_child("Query").map_err(gml_err)? {
                        match k.local.as_str() {
                            "Filter" => q.filter = Some(filter_element(&mut cur, &k, &ctx)?),
                            "SortBy" => q.sort = sort_by(&mut cur, &k)?,
                            // projections: all properties are always returned
                            "PropertyName" | "ValueReference" => {
                                cur.skip().map_err(gml_err)?;
                            }
                            other => {
                                return Err(bad(format!("<{other}> is not supported in wfs:Query")))
                            }
                        }
                    }
                }
                req.queries.push(q);
            }
            "StoredQuery" => {
                let id = attr(&cur, &c, "id")?.unwrap_or_default();
                let mut call = StoredQueryCall { id, params: vec![] };
                if !c.empty {
                    while let Some(p) = cur.next_child("StoredQuery").map_err(gml_err)? {
                        if p.local != "Parameter" {
                            return Err(bad(format!(
                                "<{}> is not allowed in wfs:StoredQuery",
                                p.local
                            )));
                        }
                        let name = attr(&cur, &p, "name")?.unwrap_or_default();
                        let v = literal(&mut cur, &p)?;
                        call.params.push((name, v));
                    }
                }
                req.stored = Some(call);
            }
            "TypeName" | "StoredQueryId" => {
                let t = text(&mut cur, &c)?;
                req.names.push(t.trim().to_string());
            }
            _ => {
                cur.skip().map_err(gml_err)?;
            }
        }
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> GeomContext {
        GeomContext {
            storage_srid: 25832,
            default_srid: 25832,
            default_lat_lon: false,
        }
    }

    #[test]
    fn value_references() {
        assert_eq!(
            value_reference("xplan:name").unwrap(),
            Prop::Path(vec!["name".into()])
        );
        assert_eq!(
            value_reference("xplan:BP_Plan/xplan:gemeinde/xplan:XP_Gemeinde/xplan:ags").unwrap(),
            Prop::Path(vec!["gemeinde".into(), "ags".into()])
        );
        assert_eq!(value_reference("@gml:id").unwrap(), Prop::GmlId);
        assert_eq!(value_reference("gml:id").unwrap(), Prop::GmlId);
        assert!(value_reference("xplan:name[1]").is_err());
        assert!(value_reference("xplan:BP_Plan").is_err());
        assert!(value_reference("na\"me").is_err());
        assert_eq!(
            value_reference("xplan:GRZ").unwrap(),
            Prop::Path(vec!["GRZ".into()])
        );
        assert_eq!(
            value_reference("Z_Ausn").unwrap(),
            Prop::Path(vec!["Z_Ausn".into()])
        );
    }

    #[test]
    fn crs_names_and_axis_order() {
        assert_eq!(parse_crs("EPSG:4326"), Some((4326, false)));
        assert_eq!(parse_crs("urn:ogc:def:crs:EPSG::4326"), Some((4326, true)));
        assert_eq!(
            parse_crs("http://www.opengis.net/def/crs/EPSG/0/4258"),
            Some((4258, true))
        );
        assert_eq!(
            parse_crs("urn:ogc:def:crs:OGC:1.3:CRS84"),
            Some((4326, false))
        );
        assert_eq!(
            parse_crs("urn:ogc:def:crs:EPSG::25832"),
            Some((25832, false))
        );
        assert_eq!(parse_crs("EPSG:99999999x"), None);
    }

    #[test]
    fn a_nested_filter() {
        let f = parse_filter(
            r#"<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2">
                 <fes:And>
                   <fes:PropertyIsLike wildCard="*" singleChar="?" escapeChar="\"><fes:ValueReference>xplan:name</fes:ValueReference><fes:Literal>BP*</fes:Literal></fes:PropertyIsLike>
                   <fes:Not><fes:PropertyIsNull><fes:ValueReference>xplan:nummer</fes:ValueReference></fes:PropertyIsNull></fes:Not>
                   <fes:BBOX><fes:ValueReference>xplan:position</fes:ValueReference>
                     <gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>53.5 10.0</gml:lowerCorner><gml:upperCorner>53.6 10.1</gml:upperCorner></gml:Envelope></fes:BBOX>
                   <fes:PropertyIsBetween><fes:ValueReference>xplan:GRZ</fes:ValueReference>
                     <fes:LowerBoundary><fes:Literal>0.2</fes:Literal></fes:LowerBoundary><fes:UpperBoundary><fes:Literal>0.4</fes:Literal></fes:UpperBoundary></fes:PropertyIsBetween>
                 </fes:And></fes:Filter>"#,
            &ctx(),
        )
        .unwrap();
        let Filter::And(v) = f else {
            panic!("not an And: {f:?}")
        };
        assert_eq!(v.len(), 4);
        assert!(matches!(
            &v[0],
            Filter::Like {
                wild: '*',
                single: '?',
                ..
            }
        ));
        assert!(matches!(&v[1], Filter::Not(_)));
        let Filter::Spatial {
            op: SpatialOp::Intersects,
            ewkb,
        } = &v[2]
        else {
            panic!("{:?}", v[2])
        };
        // the box in UTM32: Hamburg, easting about 566 000
        let paths = wkb::read_paths(ewkb).unwrap();
        let b = paths.bbox().unwrap();
        assert!(
            b[0] > 560_000.0 && b[0] < 570_000.0 && b[1] > 5_928_000.0 && b[1] < 5_935_000.0,
            "{b:?}"
        );
        assert!(matches!(&v[3], Filter::Between { .. }));
    }

    #[test]
    fn filter_geometries_are_bounded() {
        let arcs: String = (0..=2 * (MAX_FILTER_ARCS + 1))
            .map(|i| if i % 2 == 0 { "0 0 " } else { "20000000 0 " })
            .collect();
        let f = format!(
            r#"<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"><fes:Intersects><fes:ValueReference>p</fes:ValueReference><gml:Curve gml:id="c" srsName="EPSG:25832"><gml:segments><gml:ArcString><gml:posList>{arcs}</gml:posList></gml:ArcString></gml:segments></gml:Curve></fes:Intersects></fes:Filter>"#
        );
        let e = parse_filter(&f, &ctx()).unwrap_err();
        assert!(e.message.contains("arcs"), "{}", e.message);
        let e = parse_filter(
            r#"<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"><fes:BBOX><gml:Envelope srsName="EPSG:2056"><gml:lowerCorner>1 2</gml:lowerCorner><gml:upperCorner>3 4</gml:upperCorner></gml:Envelope></fes:BBOX></fes:Filter>"#,
            &ctx(),
        )
        .unwrap_err();
        assert!(e.message.contains("not offered"), "{}", e.message);
    }

    #[test]
    fn resource_ids_and_errors() {
        let f = parse_filter(
            r#"<Filter xmlns="http://www.opengis.net/fes/2.0"><ResourceId rid="a"/><ResourceId rid="b"/></Filter>"#,
            &ctx(),
        )
        .unwrap();
        assert!(matches!(f, Filter::ResourceId(ref v) if v == &["a", "b"]));
        for bad in [
            "<Filter/>",
            "<Filter><And><PropertyIsNull><ValueReference>a</ValueReference></PropertyIsNull></And></Filter>",
            "<Filter><PropertyIsEqualTo><ValueReference>a</ValueReference></PropertyIsEqualTo></Filter>",
            "<Filter><Foo/></Filter>",
            "<Filter><DWithin><ValueReference>a</ValueReference></DWithin></Filter>",
            "<Filter><PropertyIsEqualTo>",
            "<!DOCTYPE x [<!ENTITY e 'x'>]><Filter/>",
            "<NotAFilter/>",
        ] {
            let e = parse_filter(bad, &ctx()).unwrap_err();
            assert_eq!(e.status, actix_web::http::StatusCode::BAD_REQUEST, "{bad}");
        }
    }
}
