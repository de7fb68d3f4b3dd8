//! PostGIS EWKB (little endian, with SRID) for the geometry model, in the
//! curved form (CIRCULARSTRING, COMPOUNDCURVE, CURVEPOLYGON, MULTICURVE,
//! MULTISURFACE where the plan has arcs) and for linearised geometries.

use super::{Coord, Curve, Geometry, Polygon, Segment};

const POINT: u32 = 1;
const LINESTRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTIPOINT: u32 = 4;
const MULTILINESTRING: u32 = 5;
const MULTIPOLYGON: u32 = 6;
const CIRCULARSTRING: u32 = 8;
const COMPOUNDCURVE: u32 = 9;
const CURVEPOLYGON: u32 = 10;
const MULTICURVE: u32 = 11;
const MULTISURFACE: u32 = 12;
const SRID_FLAG: u32 = 0x2000_0000;

/// Writes `g` as EWKB with `srid`. Linear geometries become the OGC simple
/// types; geometries with arcs keep them as SQL/MM curve types.
pub fn to_ewkb(g: &Geometry, srid: u32) -> Vec<u8> {
    let mut w = Vec::with_capacity(16 + g.num_points() * 16 + 64);
    write_geometry(&mut w, g, Some(srid));
    w
}

fn header(w: &mut Vec<u8>, ty: u32, srid: Option<u32>) {
    w.push(1);
    match srid {
        Some(s) => {
            w.extend_from_slice(&(ty | SRID_FLAG).to_le_bytes());
            w.extend_from_slice(&s.to_le_bytes());
        }
        None => w.extend_from_slice(&ty.to_le_bytes()),
    }
}

fn u32le(w: &mut Vec<u8>, v: usize) {
    w.extend_from_slice(&(v as u32).to_le_bytes());
}

fn coord(w: &mut Vec<u8>, c: Coord) {
    w.extend_from_slice(&c.x.to_le_bytes());
    w.extend_from_slice(&c.y.to_le_bytes());
}

fn points(w: &mut Vec<u8>, pts: &[Coord]) {
    u32le(w, pts.len());
    for &p in pts {
        coord(w, p);
    }
}

fn write_geometry(w: &mut Vec<u8>, g: &Geometry, srid: Option<u32>) {
    match g {
        Geometry::Point(c) => {
            header(w, POINT, srid);
            coord(w, *c);
        }
        Geometry::MultiPoint(pts) => {
            header(w, MULTIPOINT, srid);
            u32le(w, pts.len());
            for &p in pts {
                header(w, POINT, None);
                coord(w, p);
            }
        }
        Geometry::Curve(c) => write_curve(w, c, srid),
        Geometry::MultiCurve(cs) => {
            let linear = cs.iter().all(Curve::is_linear);
            header(w, if linear { MULTILINESTRING } else { MULTICURVE }, srid);
            u32le(w, cs.len());
            for c in cs {
                write_curve(w, c, None);
            }
        }
        Geometry::Polygon(p) => write_polygon(w, p, srid),
        Geometry::MultiSurface(ps) => {
            let linear = ps.iter().all(Polygon::is_linear);
            header(w, if linear { MULTIPOLYGON } else { MULTISURFACE }, srid);
            u32le(w, ps.len());
            for p in ps {
                write_polygon(w, p, None);
            }
        }
    }
}

/// Circle through three points as a PostGIS full-circle CIRCULARSTRING
/// (start, the point opposite the start, start).
fn circle_points(p: &[Coord; 3]) -> Vec<Coord> {
    match super::arc::circumcircle(p[0], p[1], p[2]) {
        Some(c) => {
            let opposite = Coord::new(2.0 * c.center.x - p[0].x, 2.0 * c.center.y - p[0].y);
            vec![p[0], opposite, p[0]]
        }
        None => vec![p[0], p[1], p[0]],
    }
}

fn write_segment_as_part(w: &mut Vec<u8>, s: &Segment, srid: Option<u32>) {
    match s {
        Segment::Line(p) => {
            header(w, LINESTRING, srid);
            points(w, p);
        }
        Segment::Arcs(p) => {
            header(w, CIRCULARSTRING, srid);
            points(w, p);
        }
        Segment::Circle(p) => {
            header(w, CIRCULARSTRING, srid);
            points(w, &circle_points(p));
        }
    }
}

fn write_curve(w: &mut Vec<u8>, c: &Curve, srid: Option<u32>) {
    if c.is_linear() {
        header(w, LINESTRING, srid);
        points(w, &c.control_points());
    } else if c.segments.len() == 1 {
        write_segment_as_part(w, &c.segments[0], srid);
    } else {
        header(w, COMPOUNDCURVE, srid);
        // Merge consecutive linear segments into one LINESTRING part.
        let mut parts: Vec<Segment> = Vec::with_capacity(c.segments.len());
        for s in &c.segments {
            match (parts.last_mut(), s) {
                (Some(Segment::Line(acc)), Segment::Line(p)) => {
                    let skip = usize::from(acc.last() == p.first());
                    acc.extend_from_slice(&p[skip..]);
                }
                _ => parts.push(s.clone()),
            }
        }
        u32le(w, parts.len());
        for p in &parts {
            write_segment_as_part(w, p, None);
        }
    }
}

/// PostGIS only stores closed rings: an unclosed ring (an error the
/// validator reports; the original XML is kept as it is) is closed with a
/// straight segment.
fn closed_ring(r: &Curve) -> std::borrow::Cow<'_, Curve> {
    match (
        r.segments.first().and_then(Segment::first),
        r.segments.last().and_then(Segment::last),
    ) {
        (Some(a), Some(b)) if a != b => {
            let mut c = r.clone();
            c.segments.push(Segment::Line(vec![b, a]));
            std::borrow::Cow::Owned(c)
        }
        _ => std::borrow::Cow::Borrowed(r),
    }
}

fn write_polygon(w: &mut Vec<u8>, p: &Polygon, srid: Option<u32>) {
    if p.is_linear() {
        header(w, POLYGON, srid);
        u32le(w, 1 + p.interiors.len());
        for r in p.rings() {
            points(w, &closed_ring(r).control_points());
        }
    } else {
        header(w, CURVEPOLYGON, srid);
        u32le(w, 1 + p.interiors.len());
        for r in p.rings() {
            write_curve(w, &closed_ring(r), None);
        }
    }
}

/// Why PostGIS would refuse the geometry, if it would: rings need at least
/// four points (three distinct) once closed.
pub fn storage_problem(g: &Geometry) -> Option<String> {
    let ring_ok = |r: &Curve| !r.is_linear() || closed_ring(r).control_points().len() >= 4;
    let poly_ok = |p: &Polygon| p.rings().all(ring_ok);
    let ok = match g {
        Geometry::Polygon(p) => poly_ok(p),
        Geometry::MultiSurface(ps) => ps.iter().all(poly_ok),
        _ => true,
    };
    (!ok).then(|| "a polygon ring has fewer than 4 points and cannot be stored".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_ewkb() {
        let w = to_ewkb(&Geometry::Point(Coord::new(1.0, 2.0)), 25832);
        assert_eq!(w.len(), 1 + 4 + 4 + 16);
        assert_eq!(&w[1..5], &(1u32 | SRID_FLAG).to_le_bytes());
        assert_eq!(&w[5..9], &25832u32.to_le_bytes());
    }

    #[test]
    fn single_arc_curve_gets_srid() {
        let c = Curve {
            segments: vec![Segment::Arcs(vec![
                Coord::new(0.0, 0.0),
                Coord::new(1.0, 1.0),
                Coord::new(2.0, 0.0),
            ])],
        };
        let w = to_ewkb(&Geometry::Curve(c), 25832);
        assert_eq!(&w[1..5], &(CIRCULARSTRING | SRID_FLAG).to_le_bytes());
        assert_eq!(&w[5..9], &25832u32.to_le_bytes());
        assert_eq!(&w[9..13], &3u32.to_le_bytes());
        assert_eq!(w.len(), 13 + 48);
    }
}

/// A linear geometry flattened for drawing and indexing: all coordinates in
/// one array, `ends[i]` the end of part i (ring, line or single point).
/// `dim` is 0 for points, 1 for lines, 2 for areas (rings of all polygons;
/// drawn with the even-odd rule).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Paths {
    pub dim: u8,
    pub coords: Vec<[f64; 2]>,
    pub ends: Vec<u32>,
}

impl Paths {
    pub fn parts(&self) -> impl Iterator<Item = &[[f64; 2]]> {
        let mut start = 0usize;
        self.ends.iter().map(move |&e| {
            let s = &self.coords[start..e as usize];
            start = e as usize;
            s
        })
    }

    /// [minx, miny, maxx, maxy], or None when empty.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        let mut it = self.coords.iter();
        let f = it.next()?;
        let mut b = [f[0], f[1], f[0], f[1]];
        for c in it {
            b[0] = b[0].min(c[0]);
            b[1] = b[1].min(c[1]);
            b[2] = b[2].max(c[0]);
            b[3] = b[3].max(c[1]);
        }
        Some(b)
    }
}

/// Reads (E)WKB of linear types (points, lines, polygons, their multi forms
/// and collections; Z/M dropped) into [`Paths`]. Parts of lower dimension
/// than the highest one in a collection are dropped.
pub fn read_paths(bytes: &[u8]) -> Result<Paths, String> {
    let mut r = WkbReader { b: bytes, pos: 0 };
    let mut p = Paths::default();
    r.geometry(&mut p, 0)?;
    Ok(p)
}

struct WkbReader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl WkbReader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let s = self.b.get(self.pos..self.pos + N).ok_or("truncated WKB")?;
        self.pos += N;
        Ok(s.try_into().expect("length checked"))
    }

    fn u32(&mut self, le: bool) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, le: bool) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if le {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    fn coords(&mut self, p: &mut Paths, le: bool, n: u32, extra: usize) -> Result<(), String> {
        if (n as usize) * (16 + 8 * extra) > self.b.len() - self.pos {
            return Err("truncated WKB".into());
        }
        for _ in 0..n {
            let x = self.f64(le)?;
            let y = self.f64(le)?;
            for _ in 0..extra {
                self.f64(le)?;
            }
            p.coords.push([x, y]);
        }
        p.ends.push(p.coords.len() as u32);
        Ok(())
    }

    fn geometry(&mut self, p: &mut Paths, depth: u32) -> Result<(), String> {
        if depth > 32 {
            return Err("WKB nested too deeply".into());
        }
        let le = self.take::<1>()?[0] == 1;
        let raw = self.u32(le)?;
        if raw & SRID_FLAG != 0 {
            self.u32(le)?;
        }
        let mut extra = 0;
        if raw & 0x8000_0000 != 0 {
            extra += 1;
        }
        if raw & 0x4000_0000 != 0 {
            extra += 1;
        }
        let mut ty = raw & 0x0FFF_FFFF;
        // ISO WKB: 1000s for Z, 2000s for M, 3000s for ZM
        if ty >= 1000 {
            extra += (ty / 1000) as usize - usize::from(ty / 1000 == 3);
            ty %= 1000;
        }
        let set_dim = |p: &mut Paths, d: u8| -> bool {
            if p.coords.is_empty() || d > p.dim {
                if d > p.dim {
                    p.coords.clear();
                    p.ends.clear();
                }
                p.dim = d;
                true
            } else {
                d == p.dim
            }
        };
        match ty {
            POINT => {
                let keep = set_dim(p, 0);
                let mut tmp = Paths::default();
                self.coords(&mut tmp, le, 1, extra)?;
                if keep && !tmp.coords[0][0].is_nan() {
                    p.coords.extend(tmp.coords);
                    p.ends.push(p.coords.len() as u32);
                }
            }
            LINESTRING => {
                let keep = set_dim(p, 1);
                let n = self.u32(le)?;
                let mut tmp = Paths::default();
                self.coords(&mut tmp, le, n, extra)?;
                if keep && n > 0 {
                    p.coords.extend(tmp.coords);
                    p.ends.push(p.coords.len() as u32);
                }
            }
            POLYGON => {
                let keep = set_dim(p, 2);
                let rings = self.u32(le)?;
                let mut tmp = Paths::default();
                for _ in 0..rings {
                    let n = self.u32(le)?;
                    self.coords(&mut tmp, le, n, extra)?;
                }
                if keep {
                    let base = p.coords.len() as u32;
                    p.coords.extend(tmp.coords);
                    p.ends.extend(tmp.ends.iter().map(|e| e + base));
                }
            }
            MULTIPOINT | MULTILINESTRING | MULTIPOLYGON | 7 => {
                let n = self.u32(le)?;
                for _ in 0..n {
                    self.geometry(p, depth + 1)?;
                }
            }
            t => return Err(format!("WKB type {t} is not linear")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod paths_tests {
    use super::*;

    #[test]
    fn reads_back_linear_ewkb() {
        let ring = Curve::line(vec![
            Coord::new(0.0, 0.0),
            Coord::new(4.0, 0.0),
            Coord::new(4.0, 3.0),
            Coord::new(0.0, 0.0),
        ]);
        let g = Geometry::MultiSurface(vec![
            Polygon {
                exterior: ring.clone(),
                interiors: vec![],
            },
            Polygon {
                exterior: ring,
                interiors: vec![],
            },
        ]);
        let p = read_paths(&to_ewkb(&g, 25832)).unwrap();
        assert_eq!(p.dim, 2);
        assert_eq!(p.ends, vec![4, 8]);
        assert_eq!(p.bbox(), Some([0.0, 0.0, 4.0, 3.0]));
        let pt = read_paths(&to_ewkb(&Geometry::Point(Coord::new(1.0, 2.0)), 25832)).unwrap();
        assert_eq!((pt.dim, pt.coords.clone()), (0, vec![[1.0, 2.0]]));
        assert!(read_paths(&[1, 2, 0]).is_err());
    }
}

/// Writes (E)WKB of linear types as a GeoJSON geometry object, each
/// coordinate passed through `map` (transformation, axis order) and
/// written with `decimals` digits. Z/M values are dropped.
pub fn write_geojson(
    bytes: &[u8],
    map: &mut dyn FnMut([f64; 2]) -> Result<[f64; 2], String>,
    decimals: usize,
    out: &mut String,
) -> Result<(), String> {
    let mut r = WkbReader { b: bytes, pos: 0 };
    let mut j = JsonOut { map, decimals, out };
    r.geojson(&mut j, 0)
}

/// Where and how [`write_geojson`] writes.
struct JsonOut<'m, 'o> {
    map: &'m mut dyn FnMut([f64; 2]) -> Result<[f64; 2], String>,
    decimals: usize,
    out: &'o mut String,
}

/// (little endian, type without flags, extra ordinates per coordinate)
type Header = (bool, u32, usize);

impl WkbReader<'_> {
    fn header(&mut self) -> Result<Header, String> {
        let le = self.take::<1>()?[0] == 1;
        let raw = self.u32(le)?;
        if raw & SRID_FLAG != 0 {
            self.u32(le)?;
        }
        let mut extra = usize::from(raw & 0x8000_0000 != 0) + usize::from(raw & 0x4000_0000 != 0);
        let mut ty = raw & 0x0FFF_FFFF;
        if ty >= 1000 {
            extra += (ty / 1000) as usize - usize::from(ty / 1000 == 3);
            ty %= 1000;
        }
        Ok((le, ty, extra))
    }

    /// `n` coordinates as `[[x,y],...]`, or one as `[x,y]` when `single`.
    fn json_coords(
        &mut self,
        h: Header,
        n: u32,
        j: &mut JsonOut,
        single: bool,
    ) -> Result<(), String> {
        let (le, _, extra) = h;
        if (n as usize) * (16 + 8 * extra) > self.b.len() - self.pos {
            return Err("truncated WKB".into());
        }
        if !single {
            j.out.push('[');
        }
        for i in 0..n {
            let x = self.f64(le)?;
            let y = self.f64(le)?;
            for _ in 0..extra {
                self.f64(le)?;
            }
            let [a, b] = (j.map)([x, y])?;
            if !a.is_finite() || !b.is_finite() {
                return Err("a coordinate is not a finite number".into());
            }
            if i > 0 {
                j.out.push(',');
            }
            j.out.push('[');
            super::write::push_number(j.out, a, j.decimals);
            j.out.push(',');
            super::write::push_number(j.out, b, j.decimals);
            j.out.push(']');
        }
        if !single {
            j.out.push(']');
        }
        Ok(())
    }

    /// The coordinates array of a geometry whose header was read.
    fn json_body(&mut self, h: Header, j: &mut JsonOut) -> Result<(), String> {
        let (le, ty, _) = h;
        match ty {
            POINT => self.json_coords(h, 1, j, true),
            LINESTRING => {
                let n = self.u32(le)?;
                self.json_coords(h, n, j, false)
            }
            POLYGON => {
                let rings = self.u32(le)?;
                j.out.push('[');
                for i in 0..rings {
                    if i > 0 {
                        j.out.push(',');
                    }
                    let n = self.u32(le)?;
                    self.json_coords(h, n, j, false)?;
                }
                j.out.push(']');
                Ok(())
            }
            MULTIPOINT | MULTILINESTRING | MULTIPOLYGON => {
                let parts = self.u32(le)?;
                j.out.push('[');
                for i in 0..parts {
                    if i > 0 {
                        j.out.push(',');
                    }
                    let member = self.header()?;
                    if member.1 != ty - 3 {
                        return Err(format!(
                            "WKB type {} inside a multi-geometry of type {ty}",
                            member.1
                        ));
                    }
                    self.json_body(member, j)?;
                }
                j.out.push(']');
                Ok(())
            }
            other => Err(format!("WKB type {other} is not a linear simple feature")),
        }
    }

    fn geojson(&mut self, j: &mut JsonOut, depth: u32) -> Result<(), String> {
        if depth > 32 {
            return Err("WKB nested too deeply".into());
        }
        let h = self.header()?;
        let (le, ty, _) = h;
        let name = match ty {
            POINT => "Point",
            LINESTRING => "LineString",
            POLYGON => "Polygon",
            MULTIPOINT => "MultiPoint",
            MULTILINESTRING => "MultiLineString",
            MULTIPOLYGON => "MultiPolygon",
            7 => "GeometryCollection",
            other => return Err(format!("WKB type {other} is not a linear simple feature")),
        };
        j.out.push_str("{\"type\":\"");
        j.out.push_str(name);
        if ty == 7 {
            j.out.push_str("\",\"geometries\":[");
            let n = self.u32(le)?;
            for i in 0..n {
                if i > 0 {
                    j.out.push(',');
                }
                self.geojson(j, depth + 1)?;
            }
            j.out.push_str("]}");
            return Ok(());
        }
        j.out.push_str("\",\"coordinates\":");
        self.json_body(h, j)?;
        j.out.push('}');
        Ok(())
    }
}

#[cfg(test)]
mod geojson_tests {
    use super::*;
    use crate::gml::{Coord, Curve, Polygon};

    #[test]
    fn linear_geometries_as_geojson() {
        let sq = |o: f64| {
            Curve::line(vec![
                Coord::new(o, 0.0),
                Coord::new(o + 1.0, 0.0),
                Coord::new(o + 1.0, 1.0),
                Coord::new(o, 0.0),
            ])
        };
        let cases = [
            (
                Geometry::Point(Coord::new(1.5, -2.0)),
                r#"{"type":"Point","coordinates":[1.5,-2]}"#,
            ),
            (
                Geometry::Curve(Curve::line(vec![
                    Coord::new(0.0, 0.0),
                    Coord::new(1.0, 2.25),
                ])),
                r#"{"type":"LineString","coordinates":[[0,0],[1,2.25]]}"#,
            ),
            (
                Geometry::Polygon(Polygon {
                    exterior: sq(0.0),
                    interiors: vec![],
                }),
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
            ),
            (
                Geometry::MultiSurface(vec![
                    Polygon {
                        exterior: sq(0.0),
                        interiors: vec![],
                    },
                    Polygon {
                        exterior: sq(5.0),
                        interiors: vec![],
                    },
                ]),
                r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,0],[6,0],[6,1],[5,0]]]]}"#,
            ),
            (
                Geometry::MultiPoint(vec![Coord::new(1.0, 2.0), Coord::new(3.0, 4.0)]),
                r#"{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}"#,
            ),
        ];
        for (g, want) in cases {
            let mut out = String::new();
            write_geojson(&to_ewkb(&g, 25832), &mut |c| Ok(c), 3, &mut out).unwrap();
            assert_eq!(out, want);
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert!(v.is_object());
        }
        // the mapping is applied (axis swap here), errors pass through
        let mut out = String::new();
        write_geojson(
            &to_ewkb(&cases_point(), 25832),
            &mut |c| Ok([c[1], c[0]]),
            1,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, r#"{"type":"Point","coordinates":[2,1]}"#);
        assert!(write_geojson(
            &to_ewkb(&cases_point(), 1),
            &mut |_| Err("no".into()),
            1,
            &mut String::new()
        )
        .is_err());
        assert!(write_geojson(&[1, 2, 0], &mut |c| Ok(c), 1, &mut String::new()).is_err());
    }

    fn cases_point() -> Geometry {
        Geometry::Point(Coord::new(1.0, 2.0))
    }
}
