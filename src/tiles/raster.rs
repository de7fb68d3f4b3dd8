//! Raster tiles: a metatile (n × n tiles plus a gutter) is drawn once by
//! the rendering core and cut into its tiles, so labels and symbols match
//! across the tile edges inside it and drawing costs less per tile. CPU
//! work: call from rayon or a blocking thread.

use super::grid::TileMatrixSet;
use crate::render::encode::{encode, ImageFormat};
use crate::render::{Color, MapData, MapRequest, PlanFilter, RenderError};
use tiny_skia::Pixmap;

/// A block of tiles drawn together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MetaTile {
    pub z: u8,
    /// Top-left tile.
    pub x0: u32,
    pub y0: u32,
    /// Size in tiles (smaller than n at the matrix's right and bottom edges).
    pub cols: u32,
    pub rows: u32,
}

impl MetaTile {
    /// The n × n metatile containing tile (x, y), clamped to the matrix.
    pub fn containing(tms: &TileMatrixSet, z: u8, x: u32, y: u32, n: u32) -> MetaTile {
        let n = n.max(1);
        let (x0, y0) = tms.metatile_of(z, x, y, n);
        let (mw, mh) = tms.matrix_size(z);
        MetaTile {
            z,
            x0,
            y0,
            cols: n.min(mw.saturating_sub(x0)).max(1),
            rows: n.min(mh.saturating_sub(y0)).max(1),
        }
    }

    pub fn tiles(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.rows).flat_map(move |r| (0..self.cols).map(move |c| (self.x0 + c, self.y0 + r)))
    }

    /// The metatile's box in the matrix set's CRS (without gutter).
    pub fn bbox(&self, tms: &TileMatrixSet) -> Option<[f64; 4]> {
        let a = tms.tile_bbox(self.z, self.x0, self.y0)?;
        let b = tms.tile_bbox(self.z, self.x0 + self.cols - 1, self.y0 + self.rows - 1)?;
        Some([a[0], b[1], b[2], a[3]])
    }
}

/// A rendered tile: its column and row and the PNG, or None when nothing
/// was drawn on it (fully transparent).
pub type Tile = ((u32, u32), Option<Vec<u8>>);

/// Draws a metatile with `gutter` extra pixels on each side and cuts it
/// into PNG tiles.
pub fn render_metatile(
    maps: &MapData,
    tms: &TileMatrixSet,
    mt: &MetaTile,
    layers: &[u32],
    filter: &PlanFilter,
    gutter: u32,
) -> Result<Vec<Tile>, RenderError> {
    let ts = tms.tile_size;
    let res = tms.resolutions[mt.z as usize];
    let b = mt
        .bbox(tms)
        .ok_or_else(|| RenderError::Request(format!("metatile {mt:?} outside the matrix")))?;
    let g = gutter as f64 * res;
    let req = MapRequest {
        bbox: [b[0] - g, b[1] - g, b[2] + g, b[3] + g],
        srid: tms.srid,
        width: mt.cols * ts + 2 * gutter,
        height: mt.rows * ts + 2 * gutter,
        layers: layers.to_vec(),
        filter: filter.clone(),
        background: Color([0, 0, 0, 0]),
        outline_layers: vec![],
    };
    let pm = crate::render::render_in_bands(maps, &req, 1)?;
    let mut out = Vec::with_capacity((mt.cols * mt.rows) as usize);
    for (x, y) in mt.tiles() {
        let left = gutter + (x - mt.x0) * ts;
        let top = gutter + (y - mt.y0) * ts;
        let tile = cut(&pm, left, top, ts)?;
        let empty = tile.pixels().iter().all(|p| p.alpha() == 0);
        let png = if empty {
            None
        } else {
            Some(encode(tile, ImageFormat::Png, true)?)
        };
        out.push(((x, y), png));
    }
    Ok(out)
}

/// The size × size square at (left, top) of a pixmap.
fn cut(pm: &Pixmap, left: u32, top: u32, size: u32) -> Result<Pixmap, RenderError> {
    let mut t = Pixmap::new(size, size)
        .ok_or_else(|| RenderError::Request(format!("bad tile size {size}")))?;
    let src = pm.data();
    let stride = pm.width() as usize * 4;
    let row = size as usize * 4;
    let dst = t.data_mut();
    for r in 0..size as usize {
        let s = (top as usize + r) * stride + left as usize * 4;
        dst[r * row..(r + 1) * row].copy_from_slice(&src[s..s + row]);
    }
    Ok(t)
}

/// A fully transparent PNG tile (served for empty places, never stored).
pub fn empty_png(size: u32) -> Vec<u8> {
    let pm = Pixmap::new(size, size).expect("tile size");
    encode(pm, ImageFormat::Png, true).expect("encoding an empty tile")
}
