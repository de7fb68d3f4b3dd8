//! Arc linearisation with a chord-error (sagitta) bound.

use super::{Coord, Curve, Geometry, Polygon, Segment};
use std::f64::consts::PI;

/// Default maximum distance between an arc and its chords, in CRS units (m).
pub const DEFAULT_CHORD_ERROR: f64 = 0.05;

/// Upper bound of vertices produced for one arc, so that hostile input (a
/// circle with a radius of thousands of kilometres) cannot exhaust memory.
/// Real plans stay far below it at 5 cm chord error.
pub const MAX_POINTS_PER_ARC: usize = 20_000;

/// A circle through three points.
#[derive(Debug, Clone, Copy)]
pub struct Circle {
    pub center: Coord,
    pub radius: f64,
}

/// Circumcircle of three points; `None` when they are (nearly) collinear.
pub fn circumcircle(a: Coord, b: Coord, c: Coord) -> Option<Circle> {
    // Work relative to a for numeric stability with UTM-sized coordinates.
    let (bx, by) = (b.x - a.x, b.y - a.y);
    let (cx, cy) = (c.x - a.x, c.y - a.y);
    let d = 2.0 * (bx * cy - by * cx);
    let scale = (bx * bx + by * by).max(cx * cx + cy * cy);
    if scale == 0.0 || d.abs() <= 1e-12 * scale {
        return None;
    }
    let b2 = bx * bx + by * by;
    let c2 = cx * cx + cy * cy;
    let ux = (cy * b2 - by * c2) / d;
    let uy = (bx * c2 - cx * b2) / d;
    Some(Circle {
        center: Coord::new(a.x + ux, a.y + uy),
        radius: (ux * ux + uy * uy).sqrt(),
    })
}

/// Signed area test: > 0 when a, b, c turn counter-clockwise.
fn orient(a: Coord, b: Coord, c: Coord) -> f64 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

fn steps_for(radius: f64, sweep: f64, tol: f64) -> usize {
    let max_step = if tol >= radius {
        PI / 2.0
    } else {
        (2.0 * (1.0 - tol / radius).acos()).min(PI / 2.0)
    };
    let n = (sweep.abs() / max_step).ceil();
    if n.is_finite() {
        (n as usize).clamp(1, MAX_POINTS_PER_ARC)
    } else {
        MAX_POINTS_PER_ARC
    }
}

/// Appends the linearisation of the arc p0 → p1 → p2 (p0 not included).
pub fn linearize_arc(p0: Coord, p1: Coord, p2: Coord, tol: f64, out: &mut Vec<Coord>) {
    if p0 == p2 {
        // Full circle written as an arc: p1 is the opposite point.
        let center = Coord::new((p0.x + p1.x) / 2.0, (p0.y + p1.y) / 2.0);
        let radius = ((p0.x - center.x).powi(2) + (p0.y - center.y).powi(2)).sqrt();
        if radius == 0.0 {
            out.push(p2);
            return;
        }
        sweep_points(Circle { center, radius }, p0, 2.0 * PI, tol, out);
        out.push(p2);
        return;
    }
    let Some(circle) = circumcircle(p0, p1, p2) else {
        // Collinear control points: the arc degenerates to straight lines.
        if p1 != p0 && p1 != p2 {
            out.push(p1);
        }
        out.push(p2);
        return;
    };
    let a0 = (p0.y - circle.center.y).atan2(p0.x - circle.center.x);
    let a2 = (p2.y - circle.center.y).atan2(p2.x - circle.center.x);
    let ccw = orient(p0, p1, p2) > 0.0;
    let mut sweep = a2 - a0;
    if ccw {
        while sweep <= 0.0 {
            sweep += 2.0 * PI;
        }
    } else {
        while sweep >= 0.0 {
            sweep -= 2.0 * PI;
        }
    }
    sweep_points(circle, p0, sweep, tol, out);
    out.push(p2);
}

/// Pushes the intermediate vertices of an arc starting at `start` that turns
/// by `sweep` radians (the end point is pushed by the caller, exactly).
fn sweep_points(circle: Circle, start: Coord, sweep: f64, tol: f64, out: &mut Vec<Coord>) {
    let n = steps_for(circle.radius, sweep, tol);
    let a0 = (start.y - circle.center.y).atan2(start.x - circle.center.x);
    let step = sweep / n as f64;
    out.reserve(n);
    for k in 1..n {
        let a = a0 + step * k as f64;
        out.push(Coord::new(
            circle.center.x + circle.radius * a.cos(),
            circle.center.y + circle.radius * a.sin(),
        ));
    }
}

/// Linearises a circle through three points, starting and ending at `p[0]`.
pub fn linearize_circle(p: [Coord; 3], tol: f64, out: &mut Vec<Coord>) {
    match circumcircle(p[0], p[1], p[2]) {
        Some(c) => {
            let sweep = if orient(p[0], p[1], p[2]) > 0.0 {
                2.0 * PI
            } else {
                -2.0 * PI
            };
            sweep_points(c, p[0], sweep, tol, out);
            out.push(p[0]);
        }
        None => {
            out.extend_from_slice(&p[1..]);
            out.push(p[0]);
        }
    }
}

/// Linearises a curve into one polyline.
pub fn linearize_curve(c: &Curve, tol: f64) -> Vec<Coord> {
    let mut out: Vec<Coord> = Vec::with_capacity(c.num_points());
    for s in &c.segments {
        match s {
            Segment::Line(p) => {
                let skip = usize::from(!out.is_empty() && out.last() == p.first());
                out.extend_from_slice(&p[skip.min(p.len())..]);
            }
            Segment::Arcs(p) => {
                if p.is_empty() {
                    continue;
                }
                if out.last() != Some(&p[0]) {
                    out.push(p[0]);
                }
                let mut i = 0;
                while i + 2 < p.len() {
                    linearize_arc(p[i], p[i + 1], p[i + 2], tol, &mut out);
                    i += 2;
                }
                // A malformed arc string with an even number of points:
                // keep the dangling point as a straight segment.
                if i + 1 < p.len() {
                    out.push(p[p.len() - 1]);
                }
            }
            Segment::Circle(p) => {
                if out.last() != Some(&p[0]) {
                    out.push(p[0]);
                }
                linearize_circle(*p, tol, &mut out);
            }
        }
    }
    out
}

fn linearize_polygon(p: &Polygon, tol: f64) -> Polygon {
    Polygon {
        exterior: Curve::line(linearize_curve(&p.exterior, tol)),
        interiors: p
            .interiors
            .iter()
            .map(|r| Curve::line(linearize_curve(r, tol)))
            .collect(),
    }
}

/// Returns the geometry with every curve replaced by a single polyline
/// whose distance to the original arcs is at most `tol`.
pub fn linearize(g: &Geometry, tol: f64) -> Geometry {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => g.clone(),
        Geometry::Curve(c) => Geometry::Curve(Curve::line(linearize_curve(c, tol))),
        Geometry::MultiCurve(cs) => Geometry::MultiCurve(
            cs.iter()
                .map(|c| Curve::line(linearize_curve(c, tol)))
                .collect(),
        ),
        Geometry::Polygon(p) => Geometry::Polygon(linearize_polygon(p, tol)),
        Geometry::MultiSurface(ps) => {
            Geometry::MultiSurface(ps.iter().map(|p| linearize_polygon(p, tol)).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_sagitta(circle: Circle, pts: &[Coord]) -> f64 {
        let mut worst: f64 = 0.0;
        for w in pts.windows(2) {
            let m = Coord::new((w[0].x + w[1].x) / 2.0, (w[0].y + w[1].y) / 2.0);
            let d = ((m.x - circle.center.x).powi(2) + (m.y - circle.center.y).powi(2)).sqrt();
            worst = worst.max((circle.radius - d).abs());
        }
        worst
    }

    #[test]
    fn quarter_arc_within_bound() {
        let c = Coord::new(500000.0, 5900000.0);
        let r = 100.0;
        let p0 = Coord::new(c.x + r, c.y);
        let p1 = Coord::new(c.x + r * (PI / 4.0).cos(), c.y + r * (PI / 4.0).sin());
        let p2 = Coord::new(c.x, c.y + r);
        let mut out = vec![p0];
        linearize_arc(p0, p1, p2, 0.05, &mut out);
        assert_eq!(*out.last().unwrap(), p2);
        let circle = circumcircle(p0, p1, p2).unwrap();
        assert!((circle.radius - r).abs() < 1e-6);
        assert!(max_sagitta(circle, &out) <= 0.05 + 1e-9);
        // every vertex lies on the circle and turns counter-clockwise
        for w in out.windows(3) {
            assert!(orient(w[0], w[1], w[2]) > 0.0);
        }
        assert!(out.len() > 3);
    }

    #[test]
    fn clockwise_arc_turns_clockwise() {
        let p0 = Coord::new(0.0, 10.0);
        let p1 = Coord::new(10.0_f64 / 2f64.sqrt(), 10.0 / 2f64.sqrt());
        let p2 = Coord::new(10.0, 0.0);
        let mut out = vec![p0];
        linearize_arc(p0, p1, p2, 0.01, &mut out);
        for w in out.windows(3) {
            assert!(orient(w[0], w[1], w[2]) < 0.0);
        }
        for p in &out {
            assert!(((p.x * p.x + p.y * p.y).sqrt() - 10.0).abs() < 1e-9);
        }
    }

    #[test]
    fn collinear_arc_is_a_line() {
        let mut out = vec![Coord::new(0.0, 0.0)];
        linearize_arc(
            Coord::new(0.0, 0.0),
            Coord::new(1.0, 1.0),
            Coord::new(2.0, 2.0),
            0.05,
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                Coord::new(0.0, 0.0),
                Coord::new(1.0, 1.0),
                Coord::new(2.0, 2.0)
            ]
        );
    }

    #[test]
    fn circle_is_closed() {
        let mut out = vec![Coord::new(1.0, 0.0)];
        linearize_circle(
            [
                Coord::new(1.0, 0.0),
                Coord::new(0.0, 1.0),
                Coord::new(-1.0, 0.0),
            ],
            0.001,
            &mut out,
        );
        assert_eq!(out.first(), out.last());
        let circle = Circle {
            center: Coord::new(0.0, 0.0),
            radius: 1.0,
        };
        assert!(max_sagitta(circle, &out) <= 0.001 + 1e-12);
    }

    #[test]
    fn huge_radius_is_capped() {
        let mut out = vec![];
        linearize_circle(
            [
                Coord::new(1e9, 0.0),
                Coord::new(0.0, 1e9),
                Coord::new(-1e9, 0.0),
            ],
            1e-6,
            &mut out,
        );
        assert!(out.len() <= MAX_POINTS_PER_ARC + 1);
    }
}
