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
    #[inline]
    pub fn px(&self, c: [f64; 2]) -> (f32, f32) {
        (
            ((c[0] - self.x0) * self.kx) as f32,
            ((self.y0 - c[1]) * self.ky - self.row0) as f32,
        )
    }
}

/// Builds the pixel path of a feature; vertices closer than `tol` pixels to
/// the previous one are skipped.
fn build_path(paths: &Paths, v: &View, close: bool) -> Option<Path> {
    let mut pb =
        PathBuilder::with_capacity(paths.coords.len() + paths.ends.len(), paths.coords.len());
    const TOL: f32 = 0.35;
    for part in paths.parts() {
        let mut it = part.iter();
        let Some(&first) = it.next() else { continue };
        let (mut lx, mut ly) = v.px(first);
        pb.move_to(lx, ly);
        let n = part.len();
        for (i, &c) in it.enumerate() {
            let (x, y) = v.px(c);
            if (x - lx).abs() < TOL && (y - ly).abs() < TOL && i + 2 != n {
                continue;
            }
            pb.line_to(x, y);
            lx = x;
            ly = y;
        }
        if close {
            pb.close();
        }
    }
    pb.finish()
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
            let (a, b) = (v.px(s[0]), v.px(s[1]));
            let (ax, ay, bx, by) = (a.0 as f64, a.1 as f64, b.0 as f64, b.1 as f64);
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
            let Some(path) = build_path(paths, v, area) else {
                return;
            };
            if area {
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
                                Transform::from_translate(
                                    (-(v.x0 * v.kx)).rem_euclid(tile.width() as f64) as f32,
                                    ((v.y0 * v.ky).rem_euclid(tile.height() as f64) - v.row0)
                                        as f32,
                                ),
                            ),
                            ..Default::default()
                        };
                        pm.fill_path(&path, &p, FillRule::EvenOdd, Transform::identity(), None);
                    }
                }
            }
            for s in &rule.stroke {
                let w = s.width.px(v.res_m).max(s.min_px);
                let dash = if s.dash.len() >= 2 && s.dash.len() % 2 == 0 {
                    let d: Vec<f32> = s.dash.iter().map(|l| l.px(v.res_m).max(0.5)).collect();
                    // a pattern shorter than 3 px reads as a solid line
                    if d.iter().sum::<f32>() >= 3.0 {
                        StrokeDash::new(d, 0.0)
                    } else {
                        None
                    }
                } else {
                    None
                };
                pm.stroke_path(
                    &path,
                    &paint(s.color),
                    &sk_stroke(w, s.round, dash),
                    Transform::identity(),
                    None,
                );
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
