//! A MapLibre style (style spec v8) for the vector tiles, made from the
//! same cartography rules as the raster maps: per map layer and rule a
//! fill (hatches as a translucent fill of their colour), line layers for
//! its strokes (ground widths in metres grow with the zoom, dashes),
//! circles for point symbols; scale ranges become zoom ranges; drawing
//! order as the raster maps (fills, overlays, lines, points, plan
//! boundaries). Text is left out: it needs glyph files this server does not
//! serve.

use crate::render::style::{Color, GeomKind, Length, Rule, Styles, ZGroup};
use serde_json::{json, Value};

/// Ground metres per pixel of WebMercatorQuad at zoom 0 and latitude 51°
/// (the middle of Germany).
const RES0_AT_51: f64 = 156_543.033_928_040_97 * 0.629_320_391_049_837_4;

fn zoom_of_scale(scale: f64) -> f64 {
    // scale = res * (1 / 0.28 mm)
    (RES0_AT_51 / (scale * crate::render::PIXEL_SIZE_M))
        .log2()
        .clamp(0.0, 24.0)
}

fn rgba(c: Color) -> String {
    let [r, g, b, a] = c.0;
    format!("rgba({r}, {g}, {b}, {:.3})", a as f64 / 255.0)
}

/// A width as a MapLibre expression: metres grow with the zoom (exponential
/// base 2), at least `min_px`; pixels stay.
fn width(l: Length, min_px: f32) -> Value {
    scaled(l, min_px, 1.0)
}

/// `factor` times a length in pixels (see `width`).
fn scaled(l: Length, min_px: f32, factor: f64) -> Value {
    match l {
        Length::Pixels(p) => json!(p as f64 * factor),
        Length::Metres(m) => {
            let at = |z: f64| (m as f64 * 2f64.powf(z) / RES0_AT_51).max(min_px as f64) * factor;
            json!([
                "interpolate",
                ["exponential", 2],
                ["zoom"],
                0,
                at(0.0),
                24,
                at(24.0)
            ])
        }
    }
}

fn zoom_range(layer: &mut Value, r: &Rule) {
    if let Some(max) = r.max_scale {
        layer["minzoom"] = json!((zoom_of_scale(max) * 100.0).floor() / 100.0);
    }
    if let Some(min) = r.min_scale {
        layer["maxzoom"] = json!((zoom_of_scale(min) * 100.0).ceil() / 100.0);
    }
}

/// The style JSON; `tiles` is the URL template of the vector tiles.
pub fn maplibre_style(styles: &Styles, tiles: &str, used_layers: &[u32]) -> Value {
    // (draw group, order, layer JSON)
    let mut out: Vec<(ZGroup, usize, Value)> = Vec::new();
    for &l in used_layers {
        let Some(def) = styles.layers.get(l as usize) else {
            continue;
        };
        let class = def.feature_type.as_str();
        let rules: Vec<(i64, &Rule)> = match styles.rules_of(class) {
            Some(rs) => rs.iter().enumerate().map(|(i, r)| (i as i64, r)).collect(),
            None => [GeomKind::Area, GeomKind::Line, GeomKind::Point]
                .into_iter()
                .map(|k| (-1, styles.default_rule(k)))
                .collect(),
        };
        for (i, (idx, r)) in rules.into_iter().enumerate() {
            let filter = json!([
                "all",
                ["==", ["get", "class"], class],
                ["==", ["get", "rule"], idx]
            ]);
            let id = |kind: &str, n: usize| format!("{}-{idx}-{kind}{n}-{i}", def.name);
            let group = |default: ZGroup| r.z.unwrap_or(default);
            let base = |kind: &str, ty: &str, n: usize| {
                let mut v = json!({
                    "id": id(kind, n), "type": ty, "source": "xplan",
                    "source-layer": def.name, "filter": filter.clone(),
                });
                zoom_range(&mut v, r);
                v
            };
            if let Some(c) = r.fill {
                let mut v = base("fill", "fill", 0);
                v["paint"] = json!({"fill-color": rgba(c)});
                v["filter"] = json!(["all", filter.clone(), ["==", ["geometry-type"], "Polygon"]]);
                out.push((group(ZGroup::Fill), out.len(), v));
            }
            if let Some(h) = &r.hatch {
                let mut v = base("hatch", "fill", 0);
                v["paint"] = json!({"fill-color": rgba(h.color), "fill-opacity": 0.35});
                v["filter"] = json!(["all", filter.clone(), ["==", ["geometry-type"], "Polygon"]]);
                out.push((group(ZGroup::Overlay), out.len(), v));
            }
            for (n, s) in r.stroke.iter().enumerate() {
                let mut v = base("line", "line", n);
                let mut paint =
                    json!({"line-color": rgba(s.color), "line-width": width(s.width, s.min_px)});
                if !s.dash.is_empty() {
                    // MapLibre dashes are in line widths
                    let w = match s.width {
                        Length::Pixels(p) => p.max(0.1) as f64,
                        Length::Metres(m) => (m as f64).max(0.01),
                    };
                    let d: Vec<f64> = s
                        .dash
                        .iter()
                        .map(|l| match l {
                            Length::Pixels(p) => *p as f64 / w,
                            Length::Metres(m) => *m as f64 / w,
                        })
                        .collect();
                    paint["line-dasharray"] = json!(d);
                }
                v["paint"] = paint;
                v["layout"] = if s.round {
                    json!({"line-cap": "round", "line-join": "round"})
                } else {
                    json!({"line-cap": "butt", "line-join": "miter"})
                };
                let default = if r.fill.is_some() || r.hatch.is_some() {
                    ZGroup::Line
                } else if class.ends_with("_Plan") || class.ends_with("_Bereich") {
                    ZGroup::Boundary
                } else {
                    ZGroup::Line
                };
                out.push((group(default), out.len(), v));
            }
            if let Some(m) = &r.marker {
                let mut v = base("marker", "circle", 0);
                let mut paint = json!({"circle-radius": scaled(m.size, 2.0, 0.5)});
                if let Some(f) = m.fill {
                    paint["circle-color"] = json!(rgba(f));
                } else {
                    paint["circle-opacity"] = json!(0);
                }
                if let Some(s) = m.stroke {
                    paint["circle-stroke-color"] = json!(rgba(s));
                    paint["circle-stroke-width"] = json!(m.stroke_width);
                }
                v["paint"] = paint;
                v["filter"] = json!(["all", filter.clone(), ["==", ["geometry-type"], "Point"]]);
                out.push((group(ZGroup::Point), out.len(), v));
            }
        }
    }
    out.sort_by_key(|(g, n, _)| (*g, *n));
    let mut layers = vec![
        json!({"id": "hintergrund", "type": "background", "paint": {"background-color": "#ffffff"}}),
    ];
    layers.extend(out.into_iter().map(|(_, _, v)| v));
    json!({
        "version": 8,
        "name": "XPlanung (Planzeichenverordnung)",
        "metadata": {"xplanserver:note": "Farben, Signaturen und Maßstabsbereiche der Rasterkarten; Schraffuren als transparente Flächen, ohne Beschriftung"},
        "sources": {"xplan": {
            "type": "vector",
            "tiles": [tiles],
            "minzoom": 0,
            "maxzoom": 22,
            "attribution": "XPlanServer",
        }},
        "layers": layers,
    })
}
