//! Text drawing with the bundled DejaVu Sans: glyph outlines become
//! tiny-skia paths (cached per glyph), placed with one transform per glyph,
//! so rotation and halos come for free.

use super::labels::{HAlign, VAlign};
use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use tiny_skia::{FillRule, Paint, Path, PathBuilder, Pixmap, Stroke as SkStroke, Transform};

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Cached outlines by key (None: the glyph has no outline, e.g. a space).
type PathCache<K> = RwLock<HashMap<K, Option<Arc<Path>>>>;

pub struct Fonts {
    font: FontRef<'static>,
    glyphs: PathCache<GlyphId>,
    /// Halo outlines (the glyph stroked), per glyph and halo width in
    /// steps of 16 font units: stroking once instead of on every draw.
    halos: PathCache<(GlyphId, u32)>,
    units: f32,
}

pub fn fonts() -> &'static Fonts {
    static F: OnceLock<Fonts> = OnceLock::new();
    F.get_or_init(|| {
        let font = FontRef::try_from_slice(FONT_BYTES).expect("bundled font is valid");
        let units = font.units_per_em().unwrap_or(2048.0);
        Fonts {
            font,
            glyphs: RwLock::new(HashMap::new()),
            halos: RwLock::new(HashMap::new()),
            units,
        }
    })
}

/// A text placed in pixel space.
pub struct TextStyle {
    pub size_px: f32,
    pub color: tiny_skia::Color,
    pub halo: Option<tiny_skia::Color>,
}

/// The cached path for `key`, made by `make` on first use.
fn cached<K: std::hash::Hash + Eq + Copy>(
    cache: &PathCache<K>,
    key: K,
    make: impl FnOnce() -> Option<Path>,
) -> Option<Arc<Path>> {
    if let Some(p) = cache.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return p.clone();
    }
    let path = make().map(Arc::new);
    cache
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, path.clone());
    path
}

impl Fonts {
    fn glyph_path(&self, id: GlyphId) -> Option<Arc<Path>> {
        cached(&self.glyphs, id, || {
            self.font.outline(id).and_then(|o| {
                let mut pb = PathBuilder::new();
                let mut last: Option<ab_glyph::Point> = None;
                for c in &o.curves {
                    let (start, end) = match c {
                        OutlineCurve::Line(a, b) => (*a, *b),
                        OutlineCurve::Quad(a, _, b) => (*a, *b),
                        OutlineCurve::Cubic(a, _, _, b) => (*a, *b),
                    };
                    if last.is_none_or(|l| {
                        (l.x - start.x).abs() > 1e-3 || (l.y - start.y).abs() > 1e-3
                    }) {
                        if last.is_some() {
                            pb.close();
                        }
                        pb.move_to(start.x, start.y);
                    }
                    match c {
                        OutlineCurve::Line(_, b) => pb.line_to(b.x, b.y),
                        OutlineCurve::Quad(_, q, b) => pb.quad_to(q.x, q.y, b.x, b.y),
                        OutlineCurve::Cubic(_, q, r, b) => {
                            pb.cubic_to(q.x, q.y, r.x, r.y, b.x, b.y)
                        }
                    }
                    last = Some(end);
                }
                if last.is_some() {
                    pb.close();
                }
                pb.finish()
            })
        })
    }

    fn halo_path(&self, id: GlyphId, glyph: &Path, width_units: f32) -> Option<Arc<Path>> {
        let step = (width_units / 16.0).round().max(1.0) as u32;
        cached(&self.halos, (id, step), || {
            let stroke = SkStroke {
                width: step as f32 * 16.0,
                line_join: tiny_skia::LineJoin::Round,
                ..Default::default()
            };
            glyph.stroke(&stroke, 1.0)
        })
    }

    /// Width of a line of text in font units.
    pub fn line_width(&self, text: &str) -> f32 {
        let mut w = 0.0;
        let mut prev: Option<GlyphId> = None;
        for ch in text.chars() {
            let id = self.font.glyph_id(ch);
            if let Some(p) = prev {
                w += self.font.kern_unscaled(p, id);
            }
            w += self.font.h_advance_unscaled(id);
            prev = Some(id);
        }
        w
    }

    pub fn ascent(&self) -> f32 {
        self.font.ascent_unscaled()
    }

    pub fn descent(&self) -> f32 {
        self.font.descent_unscaled()
    }

    /// Line height in font units.
    pub fn line_height(&self) -> f32 {
        self.font.ascent_unscaled() - self.font.descent_unscaled() + self.font.line_gap_unscaled()
    }

    /// Pixels per font unit at a text size (em height) in pixels.
    pub fn scale(&self, size_px: f32) -> f32 {
        size_px / self.units
    }

    /// Draws one line with its origin (left end of the baseline) at (0, 0)
    /// of `base` (a transform from text pixel space to the image).
    pub fn draw_line(&self, pm: &mut Pixmap, text: &str, base: Transform, style: &TextStyle) {
        let s = self.scale(style.size_px);
        let mut pen = 0.0f32;
        let mut prev: Option<GlyphId> = None;
        let mut placed: Vec<(GlyphId, Arc<Path>, Transform)> = Vec::with_capacity(text.len());
        for ch in text.chars() {
            let id = self.font.glyph_id(ch);
            if let Some(p) = prev {
                pen += self.font.kern_unscaled(p, id);
            }
            if let Some(path) = self.glyph_path(id) {
                placed.push((id, path, base.pre_translate(pen * s, 0.0).pre_scale(s, -s)));
            }
            pen += self.font.h_advance_unscaled(id);
            prev = Some(id);
        }
        if let Some(h) = style.halo {
            let mut paint = Paint::default();
            paint.set_color(h);
            paint.anti_alias = true;
            let width = (style.size_px * 0.22).clamp(1.5, 4.0) / s;
            for (id, p, t) in &placed {
                if let Some(h) = self.halo_path(*id, p, width) {
                    pm.fill_path(&h, &paint, FillRule::Winding, *t, None);
                }
            }
        }
        let mut paint = Paint::default();
        paint.set_color(style.color);
        paint.anti_alias = true;
        for (_, p, t) in &placed {
            pm.fill_path(p, &paint, FillRule::Winding, *t, None);
        }
    }

    /// Draws lines of text anchored at `anchor` (pixels), rotated
    /// counter-clockwise by `rotation` degrees, aligned as given.
    pub fn draw_text(
        &self,
        pm: &mut Pixmap,
        lines: &[String],
        anchor: (f32, f32),
        rotation: f32,
        (halign, valign): (HAlign, VAlign),
        style: &TextStyle,
    ) {
        let s = self.scale(style.size_px);
        let lh = self.line_height() * s;
        let asc = self.ascent() * s;
        let total = lh * (lines.len().max(1) as f32 - 1.0);
        // y of the first baseline relative to the anchor
        let y0 = match valign {
            VAlign::Base => -total,
            VAlign::Middle => asc / 2.0 - total / 2.0 - lh * 0.1,
            VAlign::Top => asc,
        };
        let base = Transform::from_translate(anchor.0, anchor.1).pre_rotate(-rotation);
        for (i, line) in lines.iter().enumerate() {
            let w = self.line_width(line) * s;
            let x = match halign {
                HAlign::Left => 0.0,
                HAlign::Center => -w / 2.0,
                HAlign::Right => -w,
            };
            self.draw_line(pm, line, base.pre_translate(x, y0 + i as f32 * lh), style);
        }
    }

    /// Draws a Nutzungsschablone: a grid of `cols` columns, centred on the anchor.
    pub fn draw_grid(
        &self,
        pm: &mut Pixmap,
        cols: usize,
        cells: &[String],
        anchor: (f32, f32),
        rotation: f32,
        style: &TextStyle,
    ) {
        let s = self.scale(style.size_px);
        let rows = cells.len().div_ceil(cols.max(1));
        let pad = style.size_px * 0.5;
        let cell_w = cells
            .iter()
            .map(|c| self.line_width(c) * s)
            .fold(style.size_px * 1.5, f32::max)
            + 2.0 * pad;
        let cell_h = self.line_height() * s + pad;
        let (w, h) = (cell_w * cols as f32, cell_h * rows as f32);
        let base = Transform::from_translate(anchor.0, anchor.1)
            .pre_rotate(-rotation)
            .pre_translate(-w / 2.0, -h / 2.0);
        // white background, then the grid
        if let Some(rect) = tiny_skia::Rect::from_xywh(0.0, 0.0, w, h) {
            let mut paint = Paint::default();
            paint.set_color(style.halo.unwrap_or(tiny_skia::Color::WHITE));
            pm.fill_rect(rect, &paint, base, None);
        }
        let mut pb = PathBuilder::new();
        for c in 0..=cols {
            pb.move_to(c as f32 * cell_w, 0.0);
            pb.line_to(c as f32 * cell_w, h);
        }
        for r in 0..=rows {
            pb.move_to(0.0, r as f32 * cell_h);
            pb.line_to(w, r as f32 * cell_h);
        }
        if let Some(path) = pb.finish() {
            let mut paint = Paint::default();
            paint.set_color(style.color);
            paint.anti_alias = true;
            let stroke = SkStroke {
                width: (style.size_px / 12.0).max(1.0),
                ..Default::default()
            };
            pm.stroke_path(&path, &paint, &stroke, base, None);
        }
        let asc = self.ascent() * s;
        let plain = TextStyle {
            size_px: style.size_px,
            color: style.color,
            halo: None,
        };
        for (i, cell) in cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let (r, c) = (i / cols, i % cols);
            let tw = self.line_width(cell) * s;
            let x = c as f32 * cell_w + (cell_w - tw) / 2.0;
            let y = r as f32 * cell_h + (cell_h + asc) / 2.0 - asc * 0.12;
            self.draw_line(pm, cell, base.pre_translate(x, y), &plain);
        }
    }
}
