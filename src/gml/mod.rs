//! Streaming GML 3.2 geometry reader for the XPlanGML GML profile.
//!
//! The model keeps curves (arcs, arc strings, circles) as they are in the
//! document; [`arc`] linearises them with a chord-error bound and [`wkb`]
//! writes both the curved form (CURVEPOLYGON, COMPOUNDCURVE, ...) and the
//! linear form as PostGIS EWKB.

pub mod arc;
pub mod reader;
pub mod srs;
pub mod wkb;
pub mod write;

pub use reader::{read_geometry, GmlError, GML31_NS, GML_NS};
pub use srs::parse_srs_name;

/// A 2D coordinate in the axis order of the document (easting, northing for
/// the projected CRSs XPlanGML uses).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coord {
    pub x: f64,
    pub y: f64,
}

impl Coord {
    pub fn new(x: f64, y: f64) -> Self {
        Coord { x, y }
    }
}

/// One segment of a `gml:Curve` (or a whole `gml:LineString`).
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// A polyline (`gml:LineString`, `gml:LineStringSegment`, `gml:LinearRing`).
    Line(Vec<Coord>),
    /// Circular arcs through three points each, 2n+1 points for n arcs
    /// (`gml:Arc`, `gml:ArcString`).
    Arcs(Vec<Coord>),
    /// A full circle through three distinct points (`gml:Circle`).
    Circle([Coord; 3]),
}

impl Segment {
    pub fn is_linear(&self) -> bool {
        matches!(self, Segment::Line(_))
    }
    pub fn first(&self) -> Option<Coord> {
        match self {
            Segment::Line(p) | Segment::Arcs(p) => p.first().copied(),
            Segment::Circle(p) => Some(p[0]),
        }
    }
    pub fn last(&self) -> Option<Coord> {
        match self {
            Segment::Line(p) | Segment::Arcs(p) => p.last().copied(),
            Segment::Circle(p) => Some(p[0]),
        }
    }
    /// Number of control points as written in the document.
    pub fn num_points(&self) -> usize {
        match self {
            Segment::Line(p) | Segment::Arcs(p) => p.len(),
            Segment::Circle(_) => 3,
        }
    }
}

/// A curve: a sequence of segments, each starting where the previous ended.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curve {
    pub segments: Vec<Segment>,
}

impl Curve {
    pub fn line(points: Vec<Coord>) -> Self {
        Curve {
            segments: vec![Segment::Line(points)],
        }
    }
    pub fn is_linear(&self) -> bool {
        self.segments.iter().all(Segment::is_linear)
    }
    pub fn has_arcs(&self) -> bool {
        !self.is_linear()
    }
    pub fn num_points(&self) -> usize {
        self.segments.iter().map(Segment::num_points).sum()
    }
    /// Appends the segments of `other` (used for `gml:Ring` and
    /// `gml:CompositeCurve` members).
    pub fn extend(&mut self, other: Curve) {
        self.segments.extend(other.segments);
    }
    /// The control points of all segments, with the shared end/start point
    /// of consecutive segments only once.
    pub fn control_points(&self) -> Vec<Coord> {
        let mut out: Vec<Coord> = Vec::with_capacity(self.num_points());
        for s in &self.segments {
            let pts: &[Coord] = match s {
                Segment::Line(p) | Segment::Arcs(p) => p,
                Segment::Circle(p) => p,
            };
            let skip = usize::from(!out.is_empty() && out.last() == pts.first());
            out.extend_from_slice(&pts[skip..]);
        }
        out
    }
}

/// A polygon whose rings may contain arcs (`gml:Polygon`, `gml:PolygonPatch`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polygon {
    pub exterior: Curve,
    pub interiors: Vec<Curve>,
}

impl Polygon {
    pub fn is_linear(&self) -> bool {
        self.exterior.is_linear() && self.interiors.iter().all(Curve::is_linear)
    }
    pub fn rings(&self) -> impl Iterator<Item = &Curve> {
        std::iter::once(&self.exterior).chain(self.interiors.iter())
    }
}

/// The geometry kinds of the XPlanGML GML profile.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    Point(Coord),
    MultiPoint(Vec<Coord>),
    /// `gml:LineString`, `gml:Curve` or `gml:CompositeCurve`.
    Curve(Curve),
    MultiCurve(Vec<Curve>),
    /// `gml:Polygon`.
    Polygon(Polygon),
    /// `gml:Surface` (its patches) or `gml:MultiSurface` (its members).
    MultiSurface(Vec<Polygon>),
}

impl Geometry {
    /// The GML-independent kind name used in the database and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Geometry::Point(_) => "Point",
            Geometry::MultiPoint(_) => "MultiPoint",
            Geometry::Curve(_) => "Curve",
            Geometry::MultiCurve(_) => "MultiCurve",
            Geometry::Polygon(_) => "Polygon",
            Geometry::MultiSurface(_) => "MultiSurface",
        }
    }

    /// Dimension: 0 points, 1 lines, 2 areas.
    pub fn dimension(&self) -> u8 {
        match self {
            Geometry::Point(_) | Geometry::MultiPoint(_) => 0,
            Geometry::Curve(_) | Geometry::MultiCurve(_) => 1,
            Geometry::Polygon(_) | Geometry::MultiSurface(_) => 2,
        }
    }

    pub fn has_arcs(&self) -> bool {
        match self {
            Geometry::Point(_) | Geometry::MultiPoint(_) => false,
            Geometry::Curve(c) => c.has_arcs(),
            Geometry::MultiCurve(cs) => cs.iter().any(Curve::has_arcs),
            Geometry::Polygon(p) => !p.is_linear(),
            Geometry::MultiSurface(ps) => ps.iter().any(|p| !p.is_linear()),
        }
    }

    /// Number of control points as written in the document.
    pub fn num_points(&self) -> usize {
        match self {
            Geometry::Point(_) => 1,
            Geometry::MultiPoint(p) => p.len(),
            Geometry::Curve(c) => c.num_points(),
            Geometry::MultiCurve(cs) => cs.iter().map(Curve::num_points).sum(),
            Geometry::Polygon(p) => p.rings().map(Curve::num_points).sum(),
            Geometry::MultiSurface(ps) => ps
                .iter()
                .flat_map(Polygon::rings)
                .map(Curve::num_points)
                .sum(),
        }
    }

    /// Calls `f` for every control point.
    pub fn for_each_point(&self, f: &mut impl FnMut(Coord)) {
        fn curve(c: &Curve, f: &mut impl FnMut(Coord)) {
            for s in &c.segments {
                match s {
                    Segment::Line(p) | Segment::Arcs(p) => p.iter().copied().for_each(&mut *f),
                    Segment::Circle(p) => p.iter().copied().for_each(&mut *f),
                }
            }
        }
        match self {
            Geometry::Point(c) => f(*c),
            Geometry::MultiPoint(p) => p.iter().copied().for_each(f),
            Geometry::Curve(c) => curve(c, f),
            Geometry::MultiCurve(cs) => cs.iter().for_each(|c| curve(c, f)),
            Geometry::Polygon(p) => p.rings().for_each(|c| curve(c, f)),
            Geometry::MultiSurface(ps) => {
                ps.iter().flat_map(Polygon::rings).for_each(|c| curve(c, f))
            }
        }
    }

    /// Bounding box of the linearised geometry (arcs bulge beyond their
    /// control points).
    pub fn bbox(&self) -> Option<Bbox> {
        let mut b = Bbox::empty();
        arc::linearize(self, arc::DEFAULT_CHORD_ERROR).for_each_point(&mut |c| b.add(c));
        b.is_valid().then_some(b)
    }
}

/// An axis-aligned bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl Bbox {
    pub fn empty() -> Self {
        Bbox {
            min_x: f64::INFINITY,
            min_y: f64::INFINITY,
            max_x: f64::NEG_INFINITY,
            max_y: f64::NEG_INFINITY,
        }
    }
    pub fn add(&mut self, c: Coord) {
        self.min_x = self.min_x.min(c.x);
        self.min_y = self.min_y.min(c.y);
        self.max_x = self.max_x.max(c.x);
        self.max_y = self.max_y.max(c.y);
    }
    pub fn merge(&mut self, o: &Bbox) {
        self.min_x = self.min_x.min(o.min_x);
        self.min_y = self.min_y.min(o.min_y);
        self.max_x = self.max_x.max(o.max_x);
        self.max_y = self.max_y.max(o.max_y);
    }
    pub fn is_valid(&self) -> bool {
        self.min_x <= self.max_x && self.min_y <= self.max_y
    }
    /// The box of some points (empty for none).
    pub fn of(points: impl IntoIterator<Item = Coord>) -> Self {
        let mut b = Bbox::empty();
        points.into_iter().for_each(|c| b.add(c));
        b
    }
    /// Whether the two boxes share a point (touching counts).
    pub fn meets(&self, o: &Bbox) -> bool {
        self.min_x <= o.max_x
            && o.min_x <= self.max_x
            && self.min_y <= o.max_y
            && o.min_y <= self.max_y
    }
    /// Whether the two boxes share an interior point.
    pub fn overlaps(&self, o: &Bbox) -> bool {
        self.min_x < o.max_x && o.min_x < self.max_x && self.min_y < o.max_y && o.min_y < self.max_y
    }
}

impl Geometry {
    /// Applies `f` to every control point, in place.
    pub fn map_points<E>(
        &mut self,
        f: &mut impl FnMut(&mut Coord) -> Result<(), E>,
    ) -> Result<(), E> {
        fn curve<E>(
            c: &mut Curve,
            f: &mut impl FnMut(&mut Coord) -> Result<(), E>,
        ) -> Result<(), E> {
            for s in &mut c.segments {
                match s {
                    Segment::Line(p) | Segment::Arcs(p) => p.iter_mut().try_for_each(&mut *f)?,
                    Segment::Circle(p) => p.iter_mut().try_for_each(&mut *f)?,
                }
            }
            Ok(())
        }
        fn polygon<E>(
            p: &mut Polygon,
            f: &mut impl FnMut(&mut Coord) -> Result<(), E>,
        ) -> Result<(), E> {
            curve(&mut p.exterior, f)?;
            p.interiors.iter_mut().try_for_each(|r| curve(r, f))
        }
        match self {
            Geometry::Point(c) => f(c),
            Geometry::MultiPoint(p) => p.iter_mut().try_for_each(f),
            Geometry::Curve(c) => curve(c, f),
            Geometry::MultiCurve(cs) => cs.iter_mut().try_for_each(|c| curve(c, f)),
            Geometry::Polygon(p) => polygon(p, f),
            Geometry::MultiSurface(ps) => ps.iter_mut().try_for_each(|p| polygon(p, f)),
        }
    }
}
