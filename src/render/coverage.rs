//! Anti-aliased filling by exact pixel area, for the solid strokes of
//! lines and outlines.
//!
//! Every edge of a path adds to the cells of the rows it crosses the
//! signed area it covers in them; a running sum along a row then gives
//! each pixel's coverage (non-zero winding: the sum's magnitude, capped at
//! 1). Map strokes are long and thin, and tiny-skia's supersampling scan
//! converter sends the few pixels such a shape has in a row through its
//! blending pipeline one short run at a time, which made strokes most of
//! a map's drawing time; here a row of a stroke costs a few additions per
//! cell and one blend per pixel.
//!
//! The cells cover `STRIP` rows of the image at a time, so memory is
//! bounded for any image size; they are zero outside a fill, and one bit
//! per `BLOCK` cells marks the ones a fill touched, so that a row is read
//! only where edges are (an outline's inside is one constant span).

use tiny_skia::{Path, PathSegment, Pixmap};

/// Rows of cells held at a time.
const STRIP: usize = 32;
/// Cells per mask bit.
const BLOCK: usize = 4;
/// Curves are flattened to lines within this distance (pixels).
const FLATNESS: f32 = 0.2;

/// A fill's cell buffer and flattened edges, kept between fills (one per
/// thread: see [`with`]).
#[derive(Default)]
pub struct Coverage {
    /// Edges as (x0, y0, x1, y1) in pixels, horizontal ones left out.
    lines: Vec<[f32; 4]>,
    /// `stride` cells per row, `STRIP` rows; all zero between fills.
    cells: Vec<f32>,
    /// `words` mask words per row; all zero between fills.
    mask: Vec<u64>,
}

thread_local! {
    static COVERAGE: std::cell::RefCell<Coverage> = std::cell::RefCell::new(Coverage::default());
}

/// Runs `f` with this thread's buffer.
pub fn with<R>(f: impl FnOnce(&mut Coverage) -> R) -> R {
    COVERAGE.with(|c| f(&mut c.borrow_mut()))
}

/// One row's cells and mask words, with the image width.
struct Row<'a> {
    cells: &'a mut [f32],
    mask: &'a mut [u64],
    w: usize,
}

impl Row<'_> {
    #[inline]
    fn add(&mut self, i: usize, v: f32) {
        self.cells[i] += v;
        self.mask[i / BLOCK / 64] |= 1 << ((i / BLOCK) % 64);
    }

    /// Adds the area of an edge piece within this row: from x `xa` to
    /// `xb` (both within 0..=w) over `d` of the row's height (signed by
    /// direction). The running sum of the cells is the area to the left
    /// of the edge, per pixel.
    #[inline]
    fn edge(&mut self, xa: f32, xb: f32, d: f32) {
        let (x0, x1) = if xa < xb { (xa, xb) } else { (xb, xa) };
        // (both are >= 0: truncation is floor; no libm call without SSE4.1)
        let x0i = x0 as usize;
        let x0f = x0i as f32;
        let x1i = ceil(x1);
        let x1c = x1i as f32;
        if x1i <= x0i + 1 {
            // within one pixel column: split by the mean x
            let xm = 0.5 * (x0 + x1) - x0f;
            self.add(x0i, d * (1.0 - xm));
            self.add(x0i + 1, d * xm);
            return;
        }
        let s = (x1 - x0).recip();
        let fr0 = x0 - x0f;
        let a0 = 0.5 * s * (1.0 - fr0) * (1.0 - fr0);
        let fr1 = x1 - x1c + 1.0;
        let am = 0.5 * s * fr1 * fr1;
        self.add(x0i, d * a0);
        if x1i == x0i + 2 {
            self.add(x0i + 1, d * (1.0 - a0 - am));
        } else {
            let a1 = s * (1.5 - fr0);
            self.add(x0i + 1, d * (a1 - a0));
            for xi in x0i + 2..x1i - 1 {
                self.cells[xi] += d * s;
            }
            let first = (x0i + 2) / BLOCK;
            let last = (x1i - 1) / BLOCK;
            for b in first..=last {
                self.mask[b / 64] |= 1 << (b % 64);
            }
            let a2 = a1 + (x1i - x0i - 3) as f32 * s;
            self.add(x1i - 1, d * (1.0 - a2 - am));
        }
        self.add(x1i, d * am);
        debug_assert!(x1i <= self.w + 1);
    }
}

impl Coverage {
    /// Fills `path` with the non-zero rule in `color` (premultiplied
    /// RGBA), source-over.
    pub fn fill(&mut self, pm: &mut Pixmap, path: &Path, color: [u8; 4]) {
        self.lines.clear();
        let (ymin, ymax) = self.flatten(path);
        let (w, h) = (pm.width() as usize, pm.height() as usize);
        if self.lines.is_empty()
            || color[3] == 0
            || ymin.partial_cmp(&ymax) != Some(std::cmp::Ordering::Less)
        {
            return;
        }
        let stride = w + 2;
        let words = stride.div_ceil(BLOCK).div_ceil(64);
        if self.cells.len() < stride * STRIP {
            self.cells.resize(stride * STRIP, 0.0);
        }
        if self.mask.len() < words * STRIP {
            self.mask.resize(words * STRIP, 0);
        }
        let r0 = (ymin.max(0.0).floor() as usize).min(h);
        let r1 = (ymax.min(h as f32).ceil() as usize).min(h);
        let mut s = r0;
        while s < r1 {
            let e = (s + STRIP).min(r1);
            self.accumulate(s, e, w, stride, words);
            self.blend(pm, s, e, stride, words, u32::from_le_bytes(color));
            s = e;
        }
        self.lines.clear();
    }

    /// Path to edges (subpaths closed), with the y range.
    fn flatten(&mut self, path: &Path) -> (f32, f32) {
        let mut ys = (f32::INFINITY, f32::NEG_INFINITY);
        let lines = &mut self.lines;
        let mut push = |a: (f32, f32), b: (f32, f32)| {
            if a.1 != b.1
                && a.0.is_finite()
                && a.1.is_finite()
                && b.0.is_finite()
                && b.1.is_finite()
            {
                ys.0 = ys.0.min(a.1.min(b.1));
                ys.1 = ys.1.max(a.1.max(b.1));
                lines.push([a.0, a.1, b.0, b.1]);
            }
        };
        let mut start = (0.0f32, 0.0f32);
        let mut cur = start;
        for seg in path.segments() {
            match seg {
                PathSegment::MoveTo(p) => {
                    push(cur, start);
                    start = (p.x, p.y);
                    cur = start;
                }
                PathSegment::LineTo(p) => {
                    push(cur, (p.x, p.y));
                    cur = (p.x, p.y);
                }
                PathSegment::QuadTo(c, p) => {
                    // error of n uniform steps <= |p0 - 2c + p| / (4 n^2)
                    let dd = (cur.0 - 2.0 * c.x + p.x).hypot(cur.1 - 2.0 * c.y + p.y);
                    let n = ((dd / (4.0 * FLATNESS)).sqrt().ceil() as usize).clamp(1, 100);
                    let mut prev = cur;
                    for i in 1..=n {
                        let t = i as f32 / n as f32;
                        let u = 1.0 - t;
                        let q = (
                            u * u * cur.0 + 2.0 * u * t * c.x + t * t * p.x,
                            u * u * cur.1 + 2.0 * u * t * c.y + t * t * p.y,
                        );
                        push(prev, q);
                        prev = q;
                    }
                    cur = (p.x, p.y);
                }
                PathSegment::CubicTo(c1, c2, p) => {
                    // error of n uniform steps <= 3/4 max|second differences| / n^2
                    let dd = (cur.0 - 2.0 * c1.x + c2.x)
                        .hypot(cur.1 - 2.0 * c1.y + c2.y)
                        .max((c1.x - 2.0 * c2.x + p.x).hypot(c1.y - 2.0 * c2.y + p.y));
                    let n = ((0.75 * dd / FLATNESS).sqrt().ceil() as usize).clamp(1, 100);
                    let mut prev = cur;
                    for i in 1..=n {
                        let t = i as f32 / n as f32;
                        let u = 1.0 - t;
                        let (b0, b1, b2, b3) =
                            (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
                        let q = (
                            b0 * cur.0 + b1 * c1.x + b2 * c2.x + b3 * p.x,
                            b0 * cur.1 + b1 * c1.y + b2 * c2.y + b3 * p.y,
                        );
                        push(prev, q);
                        prev = q;
                    }
                    cur = (p.x, p.y);
                }
                PathSegment::Close => {
                    push(cur, start);
                    cur = start;
                }
            }
        }
        push(cur, start);
        ys
    }

    /// Adds the edges' areas to the cells of rows `s..e`.
    fn accumulate(&mut self, s: usize, e: usize, w: usize, stride: usize, words: usize) {
        let wf = w as f32;
        let (sf, ef) = (s as f32, e as f32);
        let (cells, mask) = (&mut self.cells[..], &mut self.mask[..]);
        for &[ax, ay, bx, by] in &self.lines {
            if ay.max(by) <= sf || ay.min(by) >= ef {
                continue;
            }
            // Pieces left of the image count as lying on its left border
            // (all their area is to the left of every pixel), pieces to
            // the right as lying on the right border (they cover nothing).
            let mut ts = [0.0f32, 1.0, 1.0, 1.0];
            let mut n = 1;
            for bound in [0.0, wf] {
                if (ax < bound) != (bx < bound) {
                    ts[n] = (bound - ax) / (bx - ax);
                    n += 1;
                }
            }
            ts[n] = 1.0;
            if n == 3 && ts[1] > ts[2] {
                ts.swap(1, 2);
            }
            for k in 0..n {
                let (t0, t1) = (ts[k], ts[k + 1]);
                let p0 = (ax + (bx - ax) * t0, ay + (by - ay) * t0);
                let p1 = if t1 == 1.0 {
                    (bx, by)
                } else {
                    (ax + (bx - ax) * t1, ay + (by - ay) * t1)
                };
                edge(cells, mask, p0, p1, (s, e), wf, (stride, words));
            }
        }
    }

    /// Sums the cells of rows `s..e` into coverage, blends the colour
    /// onto the image and clears the cells.
    fn blend(
        &mut self,
        pm: &mut Pixmap,
        s: usize,
        e: usize,
        stride: usize,
        words: usize,
        color: u32,
    ) {
        let w = pm.width() as usize;
        let data = pm.data_mut();
        for y in s..e {
            let r = y - s;
            let mask = &mut self.mask[r * words..(r + 1) * words];
            if mask.iter().all(|&m| m == 0) {
                continue;
            }
            let cells = &mut self.cells[r * stride..(r + 1) * stride];
            let (px, below) = data[y * w * 4..].split_at_mut(w * 4);
            let data_ahead: &[u8] = below.get(w * 4..).unwrap_or_default();
            let mut acc = 0.0f32;
            // cells before `done` are summed and blended
            let mut done = 0usize;
            for (wi, m) in mask.iter_mut().enumerate() {
                let mut bits = std::mem::take(m);
                while bits != 0 {
                    let b = wi * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let c0 = b * BLOCK;
                    // an outline's pixels two rows down are next to these:
                    // start loading them (rows are pages apart, which the
                    // hardware prefetcher does not follow)
                    if let Some(ahead) = data_ahead.get(c0 * 4) {
                        prefetch(ahead);
                    }
                    span(px, done, c0.min(w), acc, color);
                    let c1 = (c0 + BLOCK).min(stride);
                    for (i, c) in cells[c0..c1].iter_mut().enumerate() {
                        acc += *c;
                        *c = 0.0;
                        if c0 + i < w {
                            pixel(px, c0 + i, level(acc), color);
                        }
                    }
                    done = c1;
                }
            }
            span(px, done, w, acc, color);
        }
    }
}

/// One edge, x clamped to 0..=w, over rows `s..e` of the cells.
#[inline]
fn edge(
    cells: &mut [f32],
    mask: &mut [u64],
    a: (f32, f32),
    b: (f32, f32),
    (s, e): (usize, usize),
    wf: f32,
    (stride, words): (usize, usize),
) {
    let (dir, (x0, y0), (x1, y1)) = if a.1 < b.1 {
        (1.0, a, b)
    } else if a.1 > b.1 {
        (-1.0, b, a)
    } else {
        return;
    };
    let top = y0.max(s as f32);
    let bottom = y1.min(e as f32);
    if top >= bottom {
        return;
    }
    let dxdy = (x1 - x0) / (y1 - y0);
    let mut x = x0 + (top - y0) * dxdy;
    let first = top as usize;
    let last = ceil(bottom).min(e);
    for y in first..last {
        let dy = ((y + 1) as f32).min(bottom) - (y as f32).max(top);
        let xn = x + dxdy * dy;
        let r = y - s;
        let mut row = Row {
            cells: &mut cells[r * stride..(r + 1) * stride],
            mask: &mut mask[r * words..(r + 1) * words],
            w: wf as usize,
        };
        row.edge(x.clamp(0.0, wf), xn.clamp(0.0, wf), dy * dir);
        x = xn;
    }
}

/// Asks the CPU to load the cache line of `p`.
#[inline]
fn prefetch(p: &u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint that reads nothing architecturally
        // (and never faults); SSE is part of x86_64's baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p as *const u8 as *const i8) };
    }
}

/// Ceiling of a non-negative value.
#[inline]
fn ceil(v: f32) -> usize {
    let t = v as usize;
    t + usize::from((t as f32) < v)
}

/// Coverage 0..=255 of a running sum.
#[inline]
fn level(acc: f32) -> u32 {
    (acc.abs().min(1.0) * 255.0 + 0.5) as u32
}

/// `x * a / 255` rounded to nearest, for each byte of `x`, as
/// `(t + (t >> 8)) >> 8` with `t = x * a + 128`; two 16-bit lanes per
/// multiply: `t + (t >> 8)` stays below 2^16, so no lane carries into the
/// next.
#[inline]
fn mul_div255(x: u32, a: u32) -> u32 {
    const LO: u32 = 0x00FF_00FF;
    let rb = (x & LO) * a + 0x0080_0080;
    let ag = ((x >> 8) & LO) * a + 0x0080_0080;
    let rb = ((rb + ((rb >> 8) & LO)) >> 8) & LO;
    let ag = (ag + ((ag >> 8) & LO)) & !LO;
    rb | ag
}

/// Source-over of `color` (premultiplied RGBA as a little-endian word) at
/// coverage `cov` onto pixel `i`. Each byte of the sum is at most 255:
/// a channel of a premultiplied colour is at most its alpha.
#[inline]
fn pixel(px: &mut [u8], i: usize, cov: u32, color: u32) {
    if cov == 0 {
        return;
    }
    let p = &mut px[i * 4..i * 4 + 4];
    let v = if cov == 255 && color >> 24 == 255 {
        color
    } else {
        let src = mul_div255(color, cov);
        src + mul_div255(
            u32::from_le_bytes([p[0], p[1], p[2], p[3]]),
            255 - (src >> 24),
        )
    };
    p.copy_from_slice(&v.to_le_bytes());
}

/// Pixels `from..to` at the constant coverage of `acc`.
fn span(px: &mut [u8], from: usize, to: usize, acc: f32, color: u32) {
    let cov = level(acc);
    if cov == 0 || from >= to {
        return;
    }
    if cov == 255 && color >> 24 == 255 {
        let c = color.to_le_bytes();
        for p in px[from * 4..to * 4].chunks_exact_mut(4) {
            p.copy_from_slice(&c);
        }
        return;
    }
    for i in from..to {
        pixel(px, i, cov, color);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tiny_skia::{FillRule, Paint, PathBuilder, Transform};

    fn polygon(pts: &[(f32, f32)]) -> Path {
        let mut pb = PathBuilder::new();
        pb.move_to(pts[0].0, pts[0].1);
        for p in &pts[1..] {
            pb.line_to(p.0, p.1);
        }
        pb.close();
        pb.finish().unwrap()
    }

    fn alpha(pm: &Pixmap, x: u32, y: u32) -> u8 {
        pm.pixel(x, y).unwrap().alpha()
    }

    const BLACK: [u8; 4] = [0, 0, 0, 255];

    #[test]
    fn lane_products_round_like_division() {
        for a in 0..=255u32 {
            for c in 0..=255u32 {
                // four different bytes per word: lanes must not mix
                let x =
                    u32::from_le_bytes([c as u8, 255 - c as u8, (c / 2) as u8, (c ^ 0x5a) as u8]);
                let got = mul_div255(x, a).to_le_bytes();
                for (k, b) in x.to_le_bytes().into_iter().enumerate() {
                    let want = (2 * b as u32 * a + 255) / 510;
                    assert_eq!(got[k] as u32, want, "byte {b} times {a}");
                }
            }
        }
    }

    #[test]
    fn pixel_aligned_rectangles_fill_whole_pixels() {
        let mut pm = Pixmap::new(20, 300).unwrap();
        let mut c = Coverage::default();
        // taller than a strip, so it is filled in several strips
        c.fill(
            &mut pm,
            &polygon(&[(2.0, 1.0), (7.0, 1.0), (7.0, 290.0), (2.0, 290.0)]),
            BLACK,
        );
        for y in 0..300 {
            for x in 0..20 {
                let inside = (2..7).contains(&x) && (1..290).contains(&y);
                assert_eq!(alpha(&pm, x, y), if inside { 255 } else { 0 }, "{x},{y}");
            }
        }
        // the buffers are left clean
        assert!(c.cells.iter().all(|&v| v == 0.0) && c.mask.iter().all(|&m| m == 0));
    }

    #[test]
    fn partial_pixels_get_their_area() {
        let mut pm = Pixmap::new(10, 10).unwrap();
        // half a pixel wide, a quarter pixel high at the top
        with(|c| {
            c.fill(
                &mut pm,
                &polygon(&[(2.5, 1.75), (3.0, 1.75), (3.0, 4.0), (2.5, 4.0)]),
                BLACK,
            )
        });
        assert_eq!(alpha(&pm, 2, 1), 32); // 0.5 * 0.25
        assert_eq!(alpha(&pm, 2, 2), 128);
        assert_eq!(alpha(&pm, 3, 2), 0);
        // a triangle: half of the pixel under the diagonal
        let mut pm = Pixmap::new(4, 4).unwrap();
        with(|c| {
            c.fill(
                &mut pm,
                &polygon(&[(1.0, 1.0), (2.0, 2.0), (1.0, 2.0)]),
                BLACK,
            )
        });
        assert_eq!(alpha(&pm, 1, 1), 128);
    }

    #[test]
    fn non_zero_winding_and_either_orientation() {
        let mut pm = Pixmap::new(30, 30).unwrap();
        let mut pb = PathBuilder::new();
        // two overlapping squares of the same orientation: the overlap
        // is filled once; a clockwise one elsewhere fills too
        for (x, y, cw) in [(2.0, 2.0, false), (6.0, 6.0, false), (20.0, 20.0, true)] {
            let pts: [(f32, f32); 4] = [(x, y), (x + 8.0, y), (x + 8.0, y + 8.0), (x, y + 8.0)];
            let order: Vec<_> = if cw {
                pts.iter().rev().collect()
            } else {
                pts.iter().collect()
            };
            pb.move_to(order[0].0, order[0].1);
            for p in &order[1..] {
                pb.line_to(p.0, p.1);
            }
            pb.close();
        }
        with(|c| c.fill(&mut pm, &pb.finish().unwrap(), [0, 0, 128, 128]));
        let p = pm.pixel(7, 7).unwrap();
        assert_eq!((p.blue(), p.alpha()), (128, 128));
        assert_eq!(pm.pixel(22, 22).unwrap().alpha(), 128);
        assert_eq!(pm.pixel(12, 3).unwrap().alpha(), 0);
    }

    #[test]
    fn shapes_beyond_the_image_are_clipped() {
        let mut pm = Pixmap::new(40, 40).unwrap();
        // crosses all four sides, with a slanted edge out of the left side
        let path = polygon(&[(-30.0, -10.0), (60.0, -5.0), (55.0, 50.0), (-20.0, 60.0)]);
        with(|c| c.fill(&mut pm, &path, BLACK));
        assert!(pm.pixels().iter().all(|p| p.alpha() == 255));
        // a shape wholly right of the image draws nothing, one wholly to
        // the left neither
        let mut pm = Pixmap::new(40, 40).unwrap();
        with(|c| {
            c.fill(
                &mut pm,
                &polygon(&[(45.0, 0.0), (60.0, 5.0), (50.0, 30.0)]),
                BLACK,
            );
            c.fill(
                &mut pm,
                &polygon(&[(-45.0, 0.0), (-60.0, 5.0), (-50.0, 30.0)]),
                BLACK,
            );
        });
        assert!(pm.pixels().iter().all(|p| p.alpha() == 0));
    }

    /// Agrees with tiny-skia's own anti-aliased fill (4x4 supersampling)
    /// on random polygons, strokes and curves within its sampling error.
    #[test]
    fn agrees_with_tiny_skia() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f32 / (1u64 << 53) as f32
        };
        for case in 0..60 {
            let (w, h) = (64 + (case % 7) * 37, 48 + (case % 5) * 61);
            let mut pb = PathBuilder::new();
            let n = 3 + case % 9;
            pb.move_to(rnd() * w as f32 * 1.4 - 0.2 * w as f32, rnd() * h as f32);
            for i in 0..n {
                let (x, y) = (
                    rnd() * w as f32 * 1.4 - 0.2 * w as f32,
                    rnd() * h as f32 * 1.2,
                );
                match i % 3 {
                    0 => pb.line_to(x, y),
                    1 => pb.quad_to(rnd() * w as f32, rnd() * h as f32, x, y),
                    _ => pb.cubic_to(
                        rnd() * w as f32,
                        rnd() * h as f32,
                        rnd() * w as f32,
                        0.0,
                        x,
                        y,
                    ),
                }
            }
            let path = pb.finish().unwrap();
            let path = if case % 2 == 0 {
                path.stroke(
                    &tiny_skia::Stroke {
                        width: 1.0 + rnd() * 6.0,
                        ..Default::default()
                    },
                    1.0,
                )
                .unwrap()
            } else {
                path
            };
            let mut ours = Pixmap::new(w as u32, h as u32).unwrap();
            with(|c| c.fill(&mut ours, &path, BLACK));
            let mut theirs = Pixmap::new(w as u32, h as u32).unwrap();
            let mut paint = Paint::default();
            paint.set_color_rgba8(0, 0, 0, 255);
            theirs.fill_path(
                &path,
                &paint,
                FillRule::Winding,
                Transform::identity(),
                None,
            );
            let (mut sum_o, mut sum_t, mut inked, mut off) = (0i64, 0i64, 0usize, 0usize);
            for (o, t) in ours.pixels().iter().zip(theirs.pixels()) {
                sum_o += o.alpha() as i64;
                sum_t += t.alpha() as i64;
                inked += usize::from(o.alpha() > 0 || t.alpha() > 0);
                off += usize::from((o.alpha() as i32 - t.alpha() as i32).abs() > 64);
            }
            assert!(sum_t > 0, "case {case}: nothing drawn");
            let rel = (sum_o - sum_t).abs() as f64 / sum_t as f64;
            assert!(rel < 0.015, "case {case}: ink {sum_o} vs {sum_t}");
            // 4x4 supersampling is off by up to 1/8 at a pixel; beyond that
            // only where a stroke overlaps itself (summed coverage saturates
            // where supersampling counts samples)
            assert!(
                off * 50 <= inked,
                "case {case}: {off} of {inked} pixels differ by > 64"
            );
        }
    }
}
