//! Drawing one feature with its rule onto a pixmap: fills, hatches,
//! strokes with dashes, markers (at points and along lines) and labels.

use super::index::MapFeature;
use super::labels::LabelKind;
use super::style::{Color, GeomKind, Hatch, LabelStyle, Marker, Rule, Shape};
use super::text::{fonts, TextStyle};
use crate::gml::wkb::Paths;
use tiny_skia::{
    FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, Pattern, Pixmap, SpreadMode, Stroke,
    StrokeDash, Transform,
};

/// World to pixel: px = (x - x0) * k, py = (y0 - y) * k (with separate
/// factors for non-square pixels).
#[derive(Debug, Clone, Copy)]
pub struct View {
    pub x0: f64,
    pub y0: f64,
    pub kx: f64,
    pub ky: f64,
    /// Ground metres per pixel (for lengths in metres).
    pub res_m: f64,
    pub scale: f64,
    /// Band offset: pixel rows above this band.
    pub row0: f64,
}

impl View {
    /// Pixel position, kept within ±1e7 px (far outside any image) so
    /// that points of extreme zooms stay finite.
    #[inline]
    pub fn px(&self, c: [f64; 2]) -> (f32, f32) {
        const LIM: f64 = 1e7;
        (
            ((c[0] - self.x0) * self.kx).clamp(-LIM, LIM) as f32,
            ((self.y0 - c[1]) * self.ky - self.row0).clamp(-LIM, LIM) as f32,
        )
    }
}

/// Pixel coordinates beyond this distance from the image are clipped away
/// before drawing (the rasteriser is not made for coordinates of 1e9 px,
/// which extreme zooms produce).
const CLIP_PAD: f64 = 4096.0;

#[inline]
fn px64(v: &View, c: [f64; 2]) -> (f64, f64) {
    ((c[0] - v.x0) * v.kx, (v.y0 - c[1]) * v.ky - v.row0)
}

/// Sutherland–Hodgman: a ring clipped to the rectangle.
fn clip_ring(pts: Vec<(f64, f64)>, r: [f64; 4]) -> Vec<(f64, f64)> {
    let mut out = pts;
    for edge in 0..4 {
        let inside = |p: (f64, f64)| match edge {
            0 => p.0 >= r[0],
            1 => p.0 <= r[2],
            2 => p.1 >= r[1],
            _ => p.1 <= r[3],
        };
        let cut = |a: (f64, f64), b: (f64, f64)| {
            let t = match edge {
                0 => (r[0] - a.0) / (b.0 - a.0),
                1 => (r[2] - a.0) / (b.0 - a.0),
                2 => (r[1] - a.1) / (b.1 - a.1),
                _ => (r[3] - a.1) / (b.1 - a.1),
            };
            (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
        };
        let input = std::mem::take(&mut out);
        let n = input.len();
        for i in 0..n {
            let (a, b) = (input[(i + n - 1) % n], input[i]);
            match (inside(a), inside(b)) {
                (true, true) => out.push(b),
                (true, false) => out.push(cut(a, b)),
                (false, true) => {
                    out.push(cut(a, b));
                    out.push(b);
                }
                (false, false) => {}
            }
        }
        if out.is_empty() {
            break;
        }
    }
    out
}

/// A polyline clipped to the rectangle: the pieces inside (Liang–Barsky).
fn clip_line(pts: &[(f64, f64)], r: [f64; 4]) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = vec![];
    let mut cur: Vec<(f64, f64)> = vec![];
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let mut visible = true;
        for (p, q) in [
            (-dx, a.0 - r[0]),
            (dx, r[2] - a.0),
            (-dy, a.1 - r[1]),
            (dy, r[3] - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    visible = false;
                }
            } else if p < 0.0 {
                t0 = t0.max(q / p);
            } else {
                t1 = t1.min(q / p);
            }
        }
        if !visible || t0 > t1 {
            if cur.len() > 1 {
                pieces.push(std::mem::take(&mut cur));
            }
            cur.clear();
            continue;
        }
        let s = (a.0 + dx * t0, a.1 + dy * t0);
        let e = (a.0 + dx * t1, a.1 + dy * t1);
        if cur.is_empty() {
            cur.push(s);
        }
        cur.push(e);
        if t1 < 1.0 {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    if cur.len() > 1 {
        pieces.push(cur);
    }
    pieces
}

/// Builds the pixel path of a feature, clipped `pad` pixels outside the
/// image (at most `CLIP_PAD`), and whether anything was clipped; vertices
/// closer than `TOL` pixels to the previous one are skipped.
fn build_path(
    paths: &Paths,
    v: &View,
    close: bool,
    size: (f64, f64),
    pad: f64,
) -> Option<(Path, bool)> {
    let mut pb =
        PathBuilder::with_capacity(paths.coords.len() + paths.ends.len(), paths.coords.len());
    const TOL: f64 = 0.35;
    let pad = pad.min(CLIP_PAD);
    let rect = [-pad, -pad, size.0 + pad, size.1 + pad];
    let mut clipped = false;
    let emit = |pts: &[(f64, f64)], pb: &mut PathBuilder| {
        let Some(&(fx, fy)) = pts.first() else { return };
        pb.move_to(fx as f32, fy as f32);
        let (mut lx, mut ly) = (fx, fy);
        let n = pts.len();
        for (i, &(x, y)) in pts.iter().enumerate().skip(1) {
            if (x - lx).abs() < TOL && (y - ly).abs() < TOL && i + 1 != n {
                continue;
            }
            pb.line_to(x as f32, y as f32);
            lx = x;
            ly = y;
        }
        if close {
            pb.close();
        }
    };
    let mut buf: Vec<(f64, f64)> = Vec::new();
    for part in paths.parts() {
        buf.clear();
        buf.extend(part.iter().map(|c| px64(v, *c)));
        let pts = std::mem::take(&mut buf);
        let inside = pts
            .iter()
            .all(|p| p.0 >= rect[0] && p.0 <= rect[2] && p.1 >= rect[1] && p.1 <= rect[3]);
        if inside {
            emit(&pts, &mut pb);
            buf = pts;
        } else if !pts.iter().all(|p| p.0.is_finite() && p.1.is_finite()) {
            continue;
        } else if close {
            clipped = true;
            let ring = clip_ring(pts, rect);
            if ring.len() >= 3 {
                emit(&ring, &mut pb);
            }
        } else {
            clipped = true;
            for piece in clip_line(&pts, rect) {
                emit(&piece, &mut pb);
            }
        }
    }
    pb.finish().map(|p| (p, clipped))
}

fn paint(c: Color) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(c.skia());
    p.anti_alias = true;
    p
}

fn hatch_pattern(h: &Hatch) -> Option<Pixmap> {
    let n = h.spacing.clamp(3.0, 64.0).round() as u32;
    let mut tile = Pixmap::new(n, n)?;
    let mut pb = PathBuilder::new();
    let f = n as f32;
    let diag = |pb: &mut PathBuilder, flip: bool| {
        // lines through the tile corners, extended so the repeat joins up
        for k in [-1.0f32, 0.0, 1.0] {
            if flip {
                pb.move_to(k * f, 0.0);
                pb.line_to(k * f + f, f);
            } else {
                pb.move_to(k * f, f);
                pb.line_to(k * f + f, 0.0);
            }
        }
    };
    match h.kind.as_str() {
        "horizontal" => {
            pb.move_to(0.0, f / 2.0);
            pb.line_to(f, f / 2.0);
        }
        "cross" => {
            diag(&mut pb, false);
            diag(&mut pb, true);
        }
        _ => diag(&mut pb, false),
    }
    let path = pb.finish()?;
    let stroke = Stroke {
        width: h.width,
        ..Default::default()
    };
    tile.stroke_path(&path, &paint(h.color), &stroke, Transform::identity(), None);
    Some(tile)
}

fn sk_stroke(width: f32, round: bool, dash: Option<StrokeDash>) -> Stroke {
    Stroke {
        width,
        line_cap: if round { LineCap::Round } else { LineCap::Butt },
        line_join: if round {
            LineJoin::Round
        } else {
            LineJoin::Miter
        },
        miter_limit: 4.0,
        dash,
    }
}

/// Strokes a path in a solid colour through the exact-area filler
/// (`coverage`). As in tiny-skia, a line thinner than a pixel is drawn
/// one pixel wide with its colour's alpha scaled by the width.
fn stroke_solid(
    pm: &mut Pixmap,
    path: &Path,
    color: Color,
    width: f32,
    round: bool,
    dash: Option<StrokeDash>,
) {
    let dashed;
    let path = match dash {
        Some(d) => match path.dash(&d, 1.0) {
            Some(p) => {
                dashed = p;
                &dashed
            }
            None => return,
        },
        None => path,
    };
    let (width, opacity) = if width < 1.0 {
        (1.0, width.max(0.0))
    } else {
        (width, 1.0)
    };
    let Some(outline) = path.stroke(&sk_stroke(width, round, None), 1.0) else {
        return;
    };
    let mut c = color.skia();
    c.apply_opacity(opacity);
    let c = c.premultiply().to_color_u8();
    let rgba = [c.red(), c.green(), c.blue(), c.alpha()];
    super::coverage::with(|cv| cv.fill(pm, &outline, rgba));
}

fn marker_path(shape: Shape, cx: f32, cy: f32, r: f32) -> Option<Path> {
    let mut pb = PathBuilder::new();
    match shape {
        Shape::Circle => return PathBuilder::from_circle(cx, cy, r),
        Shape::Square => {
            return tiny_skia::Rect::from_xywh(cx - r, cy - r, 2.0 * r, 2.0 * r)
                .map(PathBuilder::from_rect)
        }
        Shape::Triangle => {
            pb.move_to(cx, cy - r);
            pb.line_to(cx + r * 0.866, cy + r * 0.5);
            pb.line_to(cx - r * 0.866, cy + r * 0.5);
            pb.close();
        }
        Shape::Diamond => {
            pb.move_to(cx, cy - r);
            pb.line_to(cx + r, cy);
            pb.line_to(cx, cy + r);
            pb.line_to(cx - r, cy);
            pb.close();
        }
        Shape::Cross => {
            pb.move_to(cx - r, cy);
            pb.line_to(cx + r, cy);
            pb.move_to(cx, cy - r);
            pb.line_to(cx, cy + r);
        }
    }
    pb.finish()
}

fn draw_marker(pm: &mut Pixmap, m: &Marker, x: f32, y: f32, res: f64) {
    let r = (m.size.px(res) / 2.0).clamp(1.0, 64.0);
    let Some(path) = marker_path(m.shape, x, y, r) else {
        return;
    };
    if let (Some(f), false) = (m.fill, m.shape == Shape::Cross) {
        pm.fill_path(
            &path,
            &paint(f),
            FillRule::Winding,
            Transform::identity(),
            None,
        );
    }
    if let Some(s) = m.stroke {
        pm.stroke_path(
            &path,
            &paint(s),
            &sk_stroke(m.stroke_width, false, None),
            Transform::identity(),
            None,
        );
    }
    if let Some(inner) = m.inner {
        if let Some(p) = PathBuilder::from_circle(x, y, (r * inner).max(0.8)) {
            let c = m.inner_color.unwrap_or(Color::BLACK);
            pm.fill_path(
                &p,
                &paint(c),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }
}

/// Markers every `spacing` pixels along the parts of a line, only where
/// they can be seen (segments clipped to the image), at most 20 000.
fn markers_along(pm: &mut Pixmap, m: &Marker, spacing: f32, paths: &Paths, v: &View) {
    let spacing = spacing.max(3.0) as f64;
    let (w, h) = (pm.width() as f64, pm.height() as f64);
    let pad = 64.0;
    let mut budget = 20_000u32;
    for part in paths.parts() {
        // distance along the line in pixels, in f64
        let mut along = 0.0f64;
        for s in part.windows(2) {
            let (a, b) = (px64(v, s[0]), px64(v, s[1]));
            let (ax, ay, bx, by) = (a.0, a.1, b.0, b.1);
            let len = ((bx - ax).powi(2) + (by - ay).powi(2)).sqrt();
            if !len.is_finite() {
                return;
            }
            // the part of the segment inside the padded image (Liang–Barsky)
            let (mut t0, mut t1) = (0.0f64, 1.0f64);
            let (dx, dy) = (bx - ax, by - ay);
            for (p, q) in [
                (-dx, ax + pad),
                (dx, w + pad - ax),
                (-dy, ay + pad),
                (dy, h + pad - ay),
            ] {
                if p == 0.0 {
                    if q < 0.0 {
                        t1 = -1.0;
                    }
                } else {
                    let r = q / p;
                    if p < 0.0 {
                        t0 = t0.max(r);
                    } else {
                        t1 = t1.min(r);
                    }
                }
            }
            if t0 <= t1 && len > 0.0 {
                // first marker position at or after t0 on the global grid
                let first = ((along + t0 * len - spacing / 2.0) / spacing)
                    .ceil()
                    .max(0.0);
                let mut k = first;
                loop {
                    let d = spacing / 2.0 + k * spacing - along;
                    if d > t1 * len || budget == 0 {
                        break;
                    }
                    let t = d / len;
                    draw_marker(pm, m, (ax + dx * t) as f32, (ay + dy * t) as f32, v.res_m);
                    budget -= 1;
                    k += 1.0;
                }
            }
            along += len;
        }
    }
}

/// Draws a feature (with its projected paths) using `rule`.
pub fn draw_feature(
    pm: &mut Pixmap,
    f: &MapFeature,
    paths: &Paths,
    rule: &Rule,
    labels: &LabelStyle,
    v: &View,
    outline_only: bool,
) {
    if let Some(label) = &f.label {
        draw_label(pm, label, paths, labels, v);
        return;
    }
    match f.kind {
        GeomKind::Point => {
            if let Some(m) = &rule.marker {
                for c in &paths.coords {
                    let (x, y) = v.px(*c);
                    draw_marker(pm, m, x, y, v.res_m);
                }
            }
        }
        GeomKind::Line | GeomKind::Area => {
            let area = f.kind == GeomKind::Area;
            let size = (pm.width() as f64, pm.height() as f64);
            // Fills are exact when clipped just outside the image; a
            // stroke needs the shape as far out as its widest join
            // reaches, a dashed one the whole shape (the dashes start at
            // its first point, so tiles and bands must agree on it).
            // Edges left of the image still count for every pixel in
            // their rows: not handing them to the rasteriser saves much.
            let Some((path, clipped)) = build_path(paths, v, area, size, 1.0) else {
                return;
            };
            // (a ring clipped just outside the image may collapse onto
            // the clip rectangle's side: nothing to fill)
            let b = path.bounds();
            if area && b.width() > 0.0 && b.height() > 0.0 {
                if let Some(fill) = rule.fill.filter(|_| !outline_only) {
                    // An outline drawn on top hides the fill's edge: fill
                    // without anti-aliasing then (several times cheaper).
                    let mut p = paint(fill);
                    p.anti_alias = !rule.stroke.iter().any(|s| s.color.0[3] == 255);
                    pm.fill_path(&path, &p, FillRule::EvenOdd, Transform::identity(), None);
                }
                if let Some(h) = rule.hatch.as_ref().filter(|_| !outline_only) {
                    if let Some(tile) = hatch_pattern(h) {
                        let p = Paint {
                            anti_alias: true,
                            shader: Pattern::new(
                                tile.as_ref(),
                                SpreadMode::Repeat,
                                tiny_skia::FilterQuality::Nearest,
                                1.0,
                                // anchored to the map, not the image: tiles join up
                                // (whole pixels: a fractional offset makes
                                // the pattern pipeline far slower)
                                Transform::from_translate(
                                    (-(v.x0 * v.kx)).rem_euclid(tile.width() as f64).round() as f32,
                                    ((v.y0 * v.ky).rem_euclid(tile.height() as f64) - v.row0)
                                        .round() as f32,
                                ),
                            ),
                            ..Default::default()
                        };
                        pm.fill_path(&path, &p, FillRule::EvenOdd, Transform::identity(), None);
                    }
                }
            }
            for s in &rule.stroke {
                // (bounded: a 3 m band at a 1 µm pixel would be 3e6 px wide)
                let w = s.width.px(v.res_m).max(s.min_px).min(2048.0);
                let dash = if s.dash.len() >= 2 && s.dash.len() % 2 == 0 {
                    let d: Vec<f32> = s
                        .dash
                        .iter()
                        .map(|l| l.px(v.res_m).clamp(0.5, 1e5))
                        .collect();
                    // a pattern shorter than 3 px reads as a solid line
                    if d.iter().sum::<f32>() >= 3.0 {
                        StrokeDash::new(d, 0.0)
                    } else {
                        None
                    }
                } else {
                    None
                };
                let pad = if dash.is_some() {
                    CLIP_PAD
                } else {
                    // a miter join (limit 4) reaches 2 widths out
                    (2.0 * w as f64 + 4.0).ceil()
                };
                let wider;
                let sp = if clipped {
                    wider = build_path(paths, v, area, size, pad);
                    match &wider {
                        Some((p, _)) => p,
                        None => continue,
                    }
                } else {
                    &path
                };
                stroke_solid(pm, sp, s.color, w, s.round, dash);
            }
            if let Some(m) = &rule.marker {
                match (m.spacing, f.kind) {
                    (Some(sp), GeomKind::Line) => markers_along(pm, m, sp, paths, v),
                    _ if area => {
                        if let Some(b) = paths.bbox() {
                            let (x, y) = v.px([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]);
                            draw_marker(pm, m, x, y, v.res_m);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn draw_label(
    pm: &mut Pixmap,
    label: &super::labels::Label,
    paths: &Paths,
    ls: &LabelStyle,
    v: &View,
) {
    // anchor: the point, or the middle vertex of a line (LTO)
    let anchor = match paths.coords.len() {
        0 => return,
        n => paths.coords[n / 2],
    };
    let (x, y) = v.px(anchor);
    let size = (ls.height.px(v.res_m) * label.scale).clamp(ls.min_px, ls.max_px);
    let style = TextStyle {
        size_px: size,
        color: ls.color.skia(),
        halo: ls.halo.map(|c| c.skia()),
    };
    let f = fonts();
    match &label.kind {
        LabelKind::Text(lines) => f.draw_text(
            pm,
            lines,
            (x, y),
            label.rotation,
            (label.halign, label.valign),
            &style,
        ),
        LabelKind::Schablone { cols, cells } => {
            f.draw_grid(pm, *cols, cells, (x, y), label.rotation, &style)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_what_is_inside() {
        let r = [0.0, 0.0, 10.0, 10.0];
        // a square far larger than the rectangle: clipped to the rectangle
        let ring = clip_ring(vec![(-1e9, -1e9), (1e9, -1e9), (1e9, 1e9), (-1e9, 1e9)], r);
        let xs: Vec<f64> = ring.iter().map(|p| p.0).collect();
        assert!(
            xs.iter().all(|x| (0.0..=10.0).contains(x)) && ring.len() == 4,
            "{ring:?}"
        );
        // a triangle outside: nothing
        assert!(clip_ring(vec![(20.0, 20.0), (30.0, 20.0), (25.0, 30.0)], r).is_empty());
        // a line through the rectangle, out and in again: two pieces
        let pieces = clip_line(&[(-5.0, 5.0), (15.0, 5.0), (15.0, 8.0), (5.0, 8.0)], r);
        assert_eq!(
            pieces,
            vec![vec![(0.0, 5.0), (10.0, 5.0)], vec![(10.0, 8.0), (5.0, 8.0)]]
        );
    }
}
