//! Image encoding: PNG (32-bit with alpha, 24-bit, 8-bit palette) and JPEG.

use super::RenderError;
use std::collections::HashMap;
use tiny_skia::Pixmap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Png8,
    Jpeg,
}

impl ImageFormat {
    /// From a WMS FORMAT value.
    pub fn from_mime(s: &str) -> Option<ImageFormat> {
        let s = s.trim().to_ascii_lowercase();
        let base = s.split(';').next().unwrap_or("").trim();
        match base {
            "image/png" | "png" if s.contains("mode=8bit") || s.contains("palette") => {
                Some(ImageFormat::Png8)
            }
            "image/png" | "png" => Some(ImageFormat::Png),
            "image/png8" | "png8" => Some(ImageFormat::Png8),
            "image/jpeg" | "image/jpg" | "jpeg" | "jpg" => Some(ImageFormat::Jpeg),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Png8 => "image/png; mode=8bit",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Png | ImageFormat::Png8 => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }
}

/// Encodes a pixmap (consumed: PNG demultiplies it in place). `alpha`:
/// keep transparency (PNG only).
pub fn encode(pm: Pixmap, format: ImageFormat, alpha: bool) -> Result<Vec<u8>, RenderError> {
    match format {
        ImageFormat::Png => png_truecolor(pm, alpha),
        ImageFormat::Png8 => png_palette(&pm, alpha),
        ImageFormat::Jpeg => jpeg(&pm),
    }
}

fn demultiplied(pm: &Pixmap) -> Vec<[u8; 4]> {
    pm.pixels()
        .iter()
        .map(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect()
}

fn png_writer(
    out: &mut Vec<u8>,
    w: u32,
    h: u32,
    color: png::ColorType,
) -> png::Encoder<'_, &mut Vec<u8>> {
    let mut e = png::Encoder::new(out, w, h);
    e.set_color(color);
    e.set_depth(png::BitDepth::Eight);
    e.set_compression(png::Compression::Fast);
    // maps are mostly flat areas: the Up filter compresses them well and is
    // far cheaper than adaptive filtering
    e.set_filter(png::Filter::Up);
    e
}

fn err(e: impl std::fmt::Display) -> RenderError {
    RenderError::Encode(e.to_string())
}

/// `c * 255 / a` rounded and capped at 255, for every alpha `a` (rows) and
/// channel `c` (columns): a table lookup instead of a division per channel.
fn demultiply_table() -> &'static [u8] {
    static TABLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = vec![0u8; 256 * 256];
        for a in 1..256u32 {
            for c in 0..256u32 {
                t[(a * 256 + c) as usize] = ((c * 255 + a / 2) / a).min(255) as u8;
            }
        }
        t
    })
}

fn png_truecolor(mut pm: Pixmap, alpha: bool) -> Result<Vec<u8>, RenderError> {
    let (w, h) = (pm.width(), pm.height());
    // demultiply in place: the pixmap's buffer becomes the PNG rows
    let data = pm.data_mut();
    let table = demultiply_table();
    for px in data.chunks_exact_mut(4) {
        let a = px[3] as usize;
        if a != 255 && a != 0 {
            let row = &table[a * 256..a * 256 + 256];
            for c in &mut px[..3] {
                *c = row[*c as usize];
            }
        }
    }
    let rgb: Vec<u8>;
    let rows: &[u8] = if alpha {
        data
    } else {
        rgb = data
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        &rgb
    };
    let mut out = Vec::with_capacity(rows.len() / 3 + 4096);
    {
        let color = if alpha {
            png::ColorType::Rgba
        } else {
            png::ColorType::Rgb
        };
        let mut w = png_writer(&mut out, w, h, color)
            .write_header()
            .map_err(err)?;
        w.write_image_data(rows).map_err(err)?;
    }
    Ok(out)
}

fn png_palette(pm: &Pixmap, alpha: bool) -> Result<Vec<u8>, RenderError> {
    let mut px = demultiplied(pm);
    if !alpha {
        for p in &mut px {
            p[3] = 255;
        }
    }
    // exact palette when the image has at most 256 colours, else NeuQuant
    let mut exact: HashMap<[u8; 4], u8> = HashMap::new();
    let mut indices = Vec::with_capacity(px.len());
    let mut palette: Vec<[u8; 4]> = vec![];
    for p in &px {
        if let Some(&i) = exact.get(p) {
            indices.push(i);
            continue;
        }
        if palette.len() == 256 {
            palette.clear();
            break;
        }
        let i = palette.len() as u8;
        palette.push(*p);
        exact.insert(*p, i);
        indices.push(i);
    }
    if palette.is_empty() {
        let flat: Vec<u8> = px.iter().flatten().copied().collect();
        let nq = color_quant::NeuQuant::new(10, 256, &flat);
        indices = px.iter().map(|p| nq.index_of(p) as u8).collect();
        palette = nq
            .color_map_rgba()
            .chunks(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect();
    }
    let mut out = Vec::with_capacity(px.len() / 4 + 2048);
    {
        let mut e = png_writer(&mut out, pm.width(), pm.height(), png::ColorType::Indexed);
        e.set_palette(
            palette
                .iter()
                .flat_map(|c| [c[0], c[1], c[2]])
                .collect::<Vec<u8>>(),
        );
        if palette.iter().any(|c| c[3] != 255) {
            e.set_trns(palette.iter().map(|c| c[3]).collect::<Vec<u8>>());
        }
        let mut w = e.write_header().map_err(err)?;
        w.write_image_data(&indices).map_err(err)?;
    }
    Ok(out)
}

fn jpeg(pm: &Pixmap) -> Result<Vec<u8>, RenderError> {
    // JPEG has no alpha: composite over white
    let rgb: Vec<u8> = demultiplied(pm)
        .iter()
        .flat_map(|p| {
            let a = p[3] as u32;
            let mix = |c: u8| ((c as u32 * a + 255 * (255 - a)) / 255) as u8;
            [mix(p[0]), mix(p[1]), mix(p[2])]
        })
        .collect();
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, 85);
    let (w, h) = (pm.width(), pm.height());
    if w > u16::MAX as u32 || h > u16::MAX as u32 {
        return Err(RenderError::Encode("image too large for JPEG".into()));
    }
    enc.encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .map_err(err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip_headers() {
        let mut pm = Pixmap::new(40, 30).unwrap();
        pm.fill(tiny_skia::Color::from_rgba8(200, 10, 10, 255));
        for f in [ImageFormat::Png, ImageFormat::Png8] {
            let b = encode(pm.clone(), f, true).unwrap();
            assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
            let dec = png::Decoder::new(std::io::Cursor::new(b));
            let r = dec.read_info().unwrap();
            assert_eq!((r.info().width, r.info().height), (40, 30));
        }
        let j = encode(pm, ImageFormat::Jpeg, false).unwrap();
        assert_eq!(&j[..2], &[0xFF, 0xD8]);
        assert_eq!(
            ImageFormat::from_mime("image/png; mode=8bit"),
            Some(ImageFormat::Png8)
        );
        assert_eq!(ImageFormat::from_mime("image/gif"), None);
    }
}
