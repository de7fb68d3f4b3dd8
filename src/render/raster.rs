//! Georeferenced plan scans (PNG, JPEG or TIFF with a world file, or a
//! GeoTIFF with its own georeferencing; in the plan's CRS) drawn below the
//! vector content. Decoded images and their halved
//! levels (for small scales) are kept in a cache bounded by bytes.

use super::draw::View;
use super::RenderError;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use tiny_skia::{FilterQuality, Pixmap, PixmapPaint, Transform};

/// Decoded scans kept in memory at most (bytes of RGBA pixels).
pub const CACHE_BYTES: usize = 384 << 20;

/// A scan: encoded image bytes and the world file's affine transform.
#[derive(Debug)]
pub struct RasterScan {
    pub key: String,
    pub srid: u32,
    /// Pixel (column, row) of the top-left corner → world: x = a*c + b*r + e, y = d*c + f2*r + g.
    pub affine: [f64; 6],
    pub width: u32,
    pub height: u32,
    /// Bounding box in the storage CRS.
    pub bbox: [f64; 4],
    data: Arc<Vec<u8>>,
}

/// Parses a world file (six numbers: A D B E C F, C/F the centre of the
/// top-left pixel) into [A, B, C', D, E, F'] for pixel corners.
pub fn parse_world_file(text: &str) -> Option<[f64; 6]> {
    let v: Vec<f64> = text
        .split_whitespace()
        .map(|t| t.parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    if v.len() != 6 || v.iter().any(|x| !x.is_finite()) {
        return None;
    }
    let (a, d, b, e, c, f) = (v[0], v[1], v[2], v[3], v[4], v[5]);
    // shift from the pixel centre to its corner
    Some([a, b, c - 0.5 * a - 0.5 * b, d, e, f - 0.5 * d - 0.5 * e])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Png,
    Jpeg,
    Tiff,
}

fn kind(data: &[u8]) -> Option<Kind> {
    if data.starts_with(b"\x89PNG") {
        Some(Kind::Png)
    } else if data.starts_with(&[0xFF, 0xD8]) {
        Some(Kind::Jpeg)
    } else if data.starts_with(b"II*\0") || data.starts_with(b"MM\0*") {
        Some(Kind::Tiff)
    } else {
        None
    }
}

fn image_size(data: &[u8]) -> Option<(u32, u32)> {
    match kind(data)? {
        Kind::Png => {
            let r = png::Decoder::new(std::io::Cursor::new(data))
                .read_info()
                .ok()?;
            let i = r.info();
            Some((i.width, i.height))
        }
        Kind::Jpeg => {
            let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(data));
            d.read_info().ok()?;
            let i = d.info()?;
            Some((i.width as u32, i.height as u32))
        }
        Kind::Tiff => tiff::decoder::Decoder::new(std::io::Cursor::new(data))
            .ok()?
            .dimensions()
            .ok(),
    }
}

/// The pixel-corner affine of a GeoTIFF from ModelPixelScale and
/// ModelTiepoint (north-up images), or from ModelTransformation.
fn geotiff_affine(data: &[u8]) -> Option<[f64; 6]> {
    use tiff::tags::Tag;
    // (named variants in tiff's Tag enum: look them up by number)
    let mut d = tiff::decoder::Decoder::new(std::io::Cursor::new(data)).ok()?;
    if let Ok(m) = d.get_tag_f64_vec(Tag::from_u16_exhaustive(34264)) {
        if m.len() >= 8 {
            return Some([m[0], m[1], m[3], m[4], m[5], m[7]]);
        }
    }
    let scale = d.get_tag_f64_vec(Tag::from_u16_exhaustive(33550)).ok()?;
    let tie = d.get_tag_f64_vec(Tag::from_u16_exhaustive(33922)).ok()?;
    if scale.len() < 2 || tie.len() < 6 {
        return None;
    }
    // tie point (i, j) -> (x, y); PixelIsArea: pixel corners
    let (i, j, x, y) = (tie[0], tie[1], tie[3], tie[4]);
    Some([
        scale[0],
        0.0,
        x - i * scale[0],
        0.0,
        -scale[1],
        y + j * scale[1],
    ])
}

impl RasterScan {
    /// A scan from its image and world file (or, for a GeoTIFF without
    /// one, its own tags); None when the image cannot be read or is not
    /// georeferenced.
    pub fn new(
        key: String,
        data: Vec<u8>,
        world: Option<&str>,
        srid: u32,
        storage: u32,
    ) -> Option<RasterScan> {
        let affine = match world {
            Some(w) => parse_world_file(w)?,
            None if kind(&data) == Some(Kind::Tiff) => geotiff_affine(&data)?,
            None => return None,
        };
        // a usable transform: invertible, pixel sizes from 0.1 mm to 1 km
        let det = affine[0] * affine[4] - affine[1] * affine[3];
        let px = det.abs().sqrt();
        if !(det.is_finite() && (1e-4..=1e3).contains(&px)) {
            return None;
        }
        let (width, height) = image_size(&data)?;
        let mut corners = [
            [0.0, 0.0],
            [width as f64, 0.0],
            [0.0, height as f64],
            [width as f64, height as f64],
        ]
        .map(|[c, r]| {
            [
                affine[0] * c + affine[1] * r + affine[2],
                affine[3] * c + affine[4] * r + affine[5],
            ]
        });
        crate::crs::transform_xy(&mut corners, srid, storage).ok()?;
        if !corners.iter().flatten().all(|c| c.is_finite()) {
            return None;
        }
        let bbox = corners.iter().fold(
            [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            },
        );
        Some(RasterScan {
            key,
            srid,
            affine,
            width,
            height,
            bbox,
            data: Arc::new(data),
        })
    }

    /// The image at `level` (0 = full size, each level half the previous).
    fn level(&self, level: u32) -> Result<Arc<Pixmap>, RenderError> {
        let key = format!("{}#{level}", self.key);
        if let Some(p) = cache_get(&key) {
            return Ok(p);
        }
        let pm = if level == 0 {
            decode(&self.data)?
        } else {
            halve(self.level(level - 1)?.as_ref())
        };
        let pm = Arc::new(pm);
        cache_put(key, pm.clone());
        Ok(pm)
    }

    /// Draws the scan into a view of the request (CRS `srid`).
    pub fn draw(&self, pm: &mut Pixmap, v: &View, srid: u32) -> Result<(), RenderError> {
        // three corners of the image → request CRS → pixels: an affine map
        // (exact at the corners; plan scans cover a few km, where the
        // difference between the CRSs is far below a pixel)
        let (w, h) = (self.width as f64, self.height as f64);
        let a = &self.affine;
        let mut pts = [[0.0, 0.0], [w, 0.0], [0.0, h]]
            .map(|[c, r]| [a[0] * c + a[1] * r + a[2], a[3] * c + a[4] * r + a[5]]);
        crate::crs::transform_xy(&mut pts, self.srid, srid)
            .map_err(|e| RenderError::Crs(e.to_string()))?;
        let p: Vec<(f32, f32)> = pts.iter().map(|c| v.px(*c)).collect();
        // pixels per image pixel along the columns: choose the pyramid level
        let sx = ((p[1].0 - p[0].0).powi(2) + (p[1].1 - p[0].1).powi(2)).sqrt() / w as f32;
        let mut level = 0u32;
        let mut f = sx;
        while f < 0.5 && level < 8 && (self.width >> (level + 1)) > 16 {
            f *= 2.0;
            level += 1;
        }
        let img = self.level(level)?;
        let (iw, ih) = (img.width() as f32, img.height() as f32);
        let t = Transform::from_row(
            (p[1].0 - p[0].0) / iw,
            (p[1].1 - p[0].1) / iw,
            (p[2].0 - p[0].0) / ih,
            (p[2].1 - p[0].1) / ih,
            p[0].0,
            p[0].1,
        );
        let paint = PixmapPaint {
            quality: FilterQuality::Bilinear,
            ..Default::default()
        };
        pm.draw_pixmap(0, 0, img.as_ref().as_ref(), &paint, t, None);
        Ok(())
    }
}

fn decode(data: &[u8]) -> Result<Pixmap, RenderError> {
    let bad = |e: &dyn std::fmt::Display| RenderError::Encode(format!("plan scan: {e}"));
    let (w, h, ch, buf) = match kind(data) {
        Some(Kind::Png) => {
            let mut dec = png::Decoder::new(std::io::Cursor::new(data));
            dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
            let mut r = dec.read_info().map_err(|e| bad(&e))?;
            let (w, h) = (r.info().width, r.info().height);
            check_size(w, h)?;
            let mut buf = vec![0; r.output_buffer_size().ok_or_else(|| bad(&"size"))?];
            let info = r.next_frame(&mut buf).map_err(|e| bad(&e))?;
            buf.truncate(info.buffer_size());
            (w, h, r.output_color_type().0.samples(), buf)
        }
        Some(Kind::Jpeg) => {
            let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(data));
            d.read_info().map_err(|e| bad(&e))?;
            let info = d.info().ok_or_else(|| bad(&"no JPEG header"))?;
            let (w, h) = (info.width as u32, info.height as u32);
            check_size(w, h)?;
            let ch = match info.pixel_format {
                jpeg_decoder::PixelFormat::L8 => 1,
                jpeg_decoder::PixelFormat::RGB24 => 3,
                f => return Err(bad(&format!("JPEG pixel format {f:?} not supported"))),
            };
            (w, h, ch, d.decode().map_err(|e| bad(&e))?)
        }
        Some(Kind::Tiff) => {
            let mut d =
                tiff::decoder::Decoder::new(std::io::Cursor::new(data)).map_err(|e| bad(&e))?;
            let (w, h) = d.dimensions().map_err(|e| bad(&e))?;
            check_size(w, h)?;
            let ch = match d.colortype().map_err(|e| bad(&e))? {
                tiff::ColorType::Gray(8) => 1,
                tiff::ColorType::GrayA(8) => 2,
                tiff::ColorType::RGB(8) => 3,
                tiff::ColorType::RGBA(8) => 4,
                c => return Err(bad(&format!("TIFF colour type {c:?} not supported"))),
            };
            match d.read_image().map_err(|e| bad(&e))? {
                tiff::decoder::DecodingResult::U8(buf) => (w, h, ch, buf),
                _ => return Err(bad(&"TIFF sample format not supported")),
            }
        }
        None => return Err(bad(&"not a PNG, JPEG or TIFF image")),
    };
    let mut pm = Pixmap::new(w, h).ok_or_else(|| bad(&"empty image"))?;
    for (dst, src) in pm.pixels_mut().iter_mut().zip(buf.chunks(ch)) {
        let (r, g, b, a) = match ch {
            4 => (src[0], src[1], src[2], src[3]),
            3 => (src[0], src[1], src[2], 255),
            2 => (src[0], src[0], src[0], src[1]),
            _ => (src[0], src[0], src[0], 255),
        };
        *dst = tiny_skia::ColorU8::from_rgba(r, g, b, a).premultiply();
    }
    Ok(pm)
}

fn check_size(w: u32, h: u32) -> Result<(), RenderError> {
    if (w as u64) * (h as u64) > 150_000_000 {
        return Err(RenderError::Encode(
            "plan scan: image larger than 150 megapixels".into(),
        ));
    }
    Ok(())
}

/// Half size with a 2×2 box filter (premultiplied, so averaging is right).
fn halve(src: &Pixmap) -> Pixmap {
    let (w, h) = ((src.width() / 2).max(1), (src.height() / 2).max(1));
    let mut out = Pixmap::new(w, h).expect("non-empty");
    let sw = src.width() as usize;
    let s = src.data();
    let maxx = src.width() as usize - 1;
    let maxy = src.height() as usize - 1;
    let d = out.data_mut();
    for y in 0..h as usize {
        for x in 0..w as usize {
            for c in 0..4 {
                let at =
                    |xx: usize, yy: usize| s[(yy.min(maxy) * sw + xx.min(maxx)) * 4 + c] as u32;
                let sum = at(2 * x, 2 * y)
                    + at(2 * x + 1, 2 * y)
                    + at(2 * x, 2 * y + 1)
                    + at(2 * x + 1, 2 * y + 1);
                d[(y * w as usize + x) * 4 + c] = ((sum + 2) / 4) as u8;
            }
        }
    }
    out
}

type Cache = Mutex<(VecDeque<(String, Arc<Pixmap>)>, usize)>;

fn cache() -> &'static Cache {
    static C: OnceLock<Cache> = OnceLock::new();
    C.get_or_init(|| Mutex::new((VecDeque::new(), 0)))
}

fn cache_get(key: &str) -> Option<Arc<Pixmap>> {
    let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
    let i = c.0.iter().position(|(k, _)| k == key)?;
    let e = c.0.remove(i)?;
    let p = e.1.clone();
    c.0.push_back(e);
    Some(p)
}

fn cache_put(key: String, p: Arc<Pixmap>) {
    let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
    c.1 += p.data().len();
    c.0.push_back((key, p));
    while c.1 > CACHE_BYTES && c.0.len() > 1 {
        if let Some((_, old)) = c.0.pop_front() {
            c.1 -= old.data().len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_file_to_corner_affine() {
        let a = parse_world_file("0.5\n0\n0\n-0.5\n1000.25\n2000.25\n").unwrap();
        assert_eq!(a, [0.5, 0.0, 1000.0, 0.0, -0.5, 2000.5]);
        assert!(parse_world_file("1 2 3").is_none());
        let mut pm = Pixmap::new(5, 3).unwrap();
        pm.fill(tiny_skia::Color::from_rgba8(200, 100, 50, 255));
        let h = halve(&pm);
        assert_eq!((h.width(), h.height()), (2, 1));
        assert_eq!(h.pixel(0, 0).unwrap().red(), 200);
    }
}
