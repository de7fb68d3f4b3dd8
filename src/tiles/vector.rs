//! Mapbox Vector Tiles of the plan features: one MVT layer per map layer
//! (bp_baugebteilfl …), with the attributes clients style by (class, the
//! matched cartography rule, the codes it looks at, label text), only the
//! features the raster maps draw at the tile's scale, clipped to the tile
//! with a buffer and simplified to its pixel size. CPU work.

use super::grid::TileMatrixSet;
use super::mvt::{encode_geometry, encode_tile, Feature, Layer, Value, DEFAULT_EXTENT};
use crate::render::labels::LabelKind;
use crate::render::{MapData, MapRequest, PlanFilter, RenderError};
use std::collections::BTreeMap;

/// Tile units around the tile kept by the clipping (lines and labels
/// reaching in from neighbours).
const BUFFER: u32 = 64;
/// Simplification tolerance in tile units (a 4096 tile of 256 px: 1/8 px).
const TOLERANCE: f64 = 0.5;

/// The MVT of tile (z, x, y) with the features of `layers`.
pub fn mvt_tile(
    maps: &MapData,
    tms: &TileMatrixSet,
    z: u8,
    x: u32,
    y: u32,
    layers: &[u32],
) -> Result<Vec<u8>, RenderError> {
    let tb = tms
        .tile_bbox(z, x, y)
        .ok_or_else(|| RenderError::Request(format!("tile {z}/{x}/{y} outside the matrix")))?;
    // the same selection as a raster map of the tile
    let req = MapRequest {
        bbox: tb,
        srid: tms.srid,
        width: tms.tile_size,
        height: tms.tile_size,
        layers: layers.to_vec(),
        filter: PlanFilter::All,
        background: crate::render::Color([0, 0, 0, 0]),
        outline_layers: vec![],
    };
    let (_, scale) = crate::render::resolution(tb, tms.srid, tms.tile_size, tms.tile_size);
    let storage = maps.storage_srid;
    let Some(qb) = crate::render::storage_bbox(&req, storage, 0.05) else {
        return Ok(Vec::new());
    };
    let styles = maps.styles();
    let wanted = crate::render::layer_mask(layers, styles.layers.len());
    let mut out: BTreeMap<u32, Vec<(crate::render::style::ZGroup, i64, i32, Feature)>> =
        BTreeMap::new();
    let plans = maps.snapshot();
    for (rank, p) in plans.iter().enumerate() {
        let Some(pb) = p.bbox else { continue };
        if pb[0] > qb[2] || pb[2] < qb[0] || pb[1] > qb[3] || pb[3] < qb[1] {
            continue;
        }
        let ids: Vec<u32> = crate::render::drawn_features(p, qb, &wanted, &styles, scale).collect();
        if ids.is_empty() {
            continue;
        }
        let proj = if tms.srid == storage {
            None
        } else {
            Some(p.projected(storage, tms.srid)?)
        };
        for fi in ids {
            let f = &p.features[fi as usize];
            let paths = match &proj {
                Some(v) => &v[fi as usize],
                None => &f.paths,
            };
            let Some((geom_type, geometry)) =
                encode_geometry(paths, tb, DEFAULT_EXTENT, BUFFER, TOLERANCE)
            else {
                continue;
            };
            let class = crate::render::data_layer_type(&styles, f);
            let rule = crate::render::rule_of(&styles, class, f);
            let mut props: Vec<(&str, Value)> = Vec::with_capacity(10 + f.codes.len());
            props.extend([
                ("gml_id", Value::from(&*f.gml_id)),
                ("class", Value::from(class)),
                ("plan_id", Value::Int(p.info.id)),
                ("plan", Value::from(p.info.name.as_str())),
                ("status", Value::from(p.info.status.as_str())),
                ("style", Value::from(rule.title.as_str())),
                ("rule", Value::Int(f.rule.map(i64::from).unwrap_or(-1))),
            ]);
            for (k, v) in f.codes.iter() {
                props.push((&**k, Value::from(&**v)));
            }
            if let Some(l) = &f.label {
                let text = match &l.kind {
                    LabelKind::Text(lines) => lines.join("\n"),
                    LabelKind::Schablone { cols, cells } => cells
                        .chunks((*cols).max(1))
                        .map(|r| r.join(" | "))
                        .collect::<Vec<_>>()
                        .join("\n"),
                };
                props.push(("label", Value::from(text)));
                props.push(("rotation", Value::Double(f64::from(l.rotation))));
            }
            out.entry(f.layer).or_default().push((
                f.z,
                rank as i64,
                f.seq,
                Feature {
                    id: None,
                    geometry,
                    geom_type,
                    properties: props,
                },
            ));
        }
    }
    let layers: Vec<Layer> = out
        .into_iter()
        .map(|(l, mut fs)| {
            // drawing order: as the raster maps
            fs.sort_by_key(|(z, plan, seq, _)| (*z, *plan, *seq));
            Layer {
                name: styles.layers[l as usize].name.clone(),
                extent: DEFAULT_EXTENT,
                features: fs.into_iter().map(|(_, _, _, f)| f).collect(),
            }
        })
        .collect();
    Ok(encode_tile(&layers))
}
