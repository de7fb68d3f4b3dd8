//! Legend images (WMS GetLegendGraphic): one swatch and title per style
//! rule of a layer's class.

use super::draw::{draw_feature, View};
use super::index::MapFeature;
use super::style::{GeomKind, Rule, Styles, ZGroup};
use super::text::{fonts, TextStyle};
use super::RenderError;
use crate::gml::wkb::Paths;
use tiny_skia::{Pixmap, Transform};

const ROW: u32 = 22;
const SWATCH_W: f64 = 28.0;

/// The legend of one layer; `kind` chooses the swatch geometry for the
/// default rule of unstyled classes.
pub fn legend(
    styles: &Styles,
    layer: usize,
    width: Option<u32>,
    outline_only: bool,
) -> Result<Pixmap, RenderError> {
    let def = &styles.layers[layer];
    let rules: Vec<&Rule> = match styles.rules_of(&def.feature_type) {
        Some(r) => r.iter().collect(),
        None => vec![styles.default_rule(GeomKind::Area)],
    };
    let f = fonts();
    let size = 12.0f32;
    let s = f.scale(size);
    let text_w = rules
        .iter()
        .map(|r| f.line_width(&r.title) * s)
        .fold(0.0f32, f32::max);
    let w = width.unwrap_or((SWATCH_W as f32 + 12.0 + text_w + 6.0).ceil() as u32);
    let h = ROW * rules.len() as u32 + 4;
    let mut pm = Pixmap::new(w.clamp(16, 2048), h.clamp(8, 4096))
        .ok_or_else(|| RenderError::Request("bad legend size".into()))?;
    let style = TextStyle {
        size_px: size,
        color: tiny_skia::Color::BLACK,
        halo: None,
    };
    for (i, r) in rules.iter().enumerate() {
        let top = 2.0 + (i as u32 * ROW) as f64;
        // a swatch in a view where 1 px = 1 m at a large scale
        let view = View {
            x0: 0.0,
            y0: 0.0,
            kx: 1.0,
            ky: 1.0,
            res_m: 0.15,
            scale: 500.0,
            row0: 0.0,
        };
        let kind = if r.marker.is_some() && r.fill.is_none() && r.stroke.is_empty() {
            GeomKind::Point
        } else if (r.fill.is_none()
            && r.hatch.is_none()
            && r.marker.as_ref().is_some_and(|m| m.spacing.is_some()))
            || def.feature_type.ends_with("Grenze")
            || def.feature_type.ends_with("Linie")
        {
            GeomKind::Line
        } else {
            GeomKind::Area
        };
        let (x0, y0, x1, y1) = (4.0, -(top + 3.0), 4.0 + SWATCH_W, -(top + ROW as f64 - 5.0));
        let paths = match kind {
            GeomKind::Point => Paths {
                dim: 0,
                coords: vec![[(x0 + x1) / 2.0, (y0 + y1) / 2.0]],
                ends: vec![1],
            },
            GeomKind::Line => Paths {
                dim: 1,
                coords: vec![[x0, (y0 + y1) / 2.0], [x1, (y0 + y1) / 2.0]],
                ends: vec![2],
            },
            GeomKind::Area => Paths {
                dim: 2,
                coords: vec![[x0, y1], [x1, y1], [x1, y0], [x0, y0], [x0, y1]],
                ends: vec![5],
            },
        };
        let feature = MapFeature {
            gml_id: "legend".into(),
            layer: layer as u32,
            rule: None,
            kind,
            z: ZGroup::Fill,
            seq: 0,
            bbox: paths.bbox().unwrap_or_default(),
            paths,
            label: None,
            codes: Box::new([]),
        };
        // clamp ground widths so bands stay inside the swatch
        let mut r2 = (*r).clone();
        for st in &mut r2.stroke {
            st.min_px = st.min_px.min(4.0);
            if st.width.px(view.res_m) > 6.0 {
                st.width = super::style::Length::Pixels(6.0);
            }
        }
        draw_feature(
            &mut pm,
            &feature,
            &feature.paths,
            &r2,
            &styles.labels,
            &view,
            outline_only,
        );
        let baseline = top as f32 + ROW as f32 / 2.0 + size * 0.35;
        f.draw_line(
            &mut pm,
            &r.title,
            Transform::from_translate(SWATCH_W as f32 + 12.0, baseline),
            &style,
        );
    }
    Ok(pm)
}
