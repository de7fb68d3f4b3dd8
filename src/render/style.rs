//! Cartography as data: the layer tree (styles/layers.tsv) and the style
//! rules per feature class (styles/xplanung.toml, or a file named in the
//! configuration). A feature gets the first rule of its class whose
//! conditions match; classes without rules get a plain default by geometry.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::RenderError;

/// The built-in layer list and style file.
pub const DEFAULT_LAYERS: &str = include_str!("../../styles/layers.tsv");
pub const DEFAULT_STYLE: &str = include_str!("../../styles/xplanung.toml");

/// An RGBA colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub [u8; 4]);

impl Color {
    pub const BLACK: Color = Color([0, 0, 0, 255]);
    pub const WHITE: Color = Color([255, 255, 255, 255]);

    /// `#RGB`, `#RRGGBB` or `#RRGGBBAA` (also without `#`, or `0x` as in WMS BGCOLOR).
    pub fn parse(s: &str) -> Option<Color> {
        let h = s
            .trim()
            .trim_start_matches('#')
            .trim_start_matches("0x")
            .trim_start_matches("0X");
        let byte = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok();
        match h.len() {
            3 => {
                let d = |i: usize| {
                    u8::from_str_radix(h.get(i..i + 1)?, 16)
                        .ok()
                        .map(|v| v * 17)
                };
                Some(Color([d(0)?, d(1)?, d(2)?, 255]))
            }
            6 => Some(Color([byte(0)?, byte(2)?, byte(4)?, 255])),
            8 => Some(Color([byte(0)?, byte(2)?, byte(4)?, byte(6)?])),
            _ => None,
        }
    }

    pub fn skia(self) -> tiny_skia::Color {
        let [r, g, b, a] = self.0;
        tiny_skia::Color::from_rgba8(r, g, b, a)
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Color::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("bad colour '{s}'")))
    }
}

/// A length on the ground ("0.2m") or on the screen ("1.5px", or a bare number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Length {
    Metres(f32),
    Pixels(f32),
}

impl Length {
    /// In pixels at `res` metres per pixel.
    pub fn px(self, res: f64) -> f32 {
        match self {
            Length::Metres(m) => (m as f64 / res) as f32,
            Length::Pixels(p) => p,
        }
    }
}

impl<'de> Deserialize<'de> for Length {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(f64),
            S(String),
        }
        let bad =
            |s: &str| serde::de::Error::custom(format!("bad length '{s}' (use e.g. 0.2m or 2px)"));
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(Length::Pixels(n as f32)),
            Raw::S(s) => {
                let t = s.trim();
                if let Some(v) = t.strip_suffix("px") {
                    v.trim().parse().map(Length::Pixels).map_err(|_| bad(t))
                } else if let Some(v) = t.strip_suffix('m') {
                    v.trim().parse().map(Length::Metres).map_err(|_| bad(t))
                } else {
                    t.parse().map(Length::Pixels).map_err(|_| bad(t))
                }
            }
        }
    }
}

/// Draw-order groups, bottom to top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZGroup {
    Fill,
    Overlay,
    Line,
    Point,
    Label,
    Boundary,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stroke {
    pub color: Color,
    pub width: Length,
    #[serde(default)]
    pub dash: Vec<Length>,
    /// Round caps and joins instead of butt/miter.
    #[serde(default)]
    pub round: bool,
    /// Narrowest width drawn, in pixels (thin ground widths at small scales).
    #[serde(default = "default_min_px")]
    pub min_px: f32,
}

fn default_min_px() -> f32 {
    0.6
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hatch {
    pub color: Color,
    #[serde(default = "default_hatch_spacing")]
    pub spacing: f32,
    #[serde(default = "default_hatch_width")]
    pub width: f32,
    /// `diagonal`, `cross` or `horizontal`.
    #[serde(default = "default_hatch_kind")]
    pub kind: String,
}

fn default_hatch_spacing() -> f32 {
    8.0
}
fn default_hatch_width() -> f32 {
    1.0
}
fn default_hatch_kind() -> String {
    "diagonal".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Circle,
    Square,
    Triangle,
    Cross,
    Diamond,
}

/// A point symbol (for points, or repeated along lines with `spacing`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    pub shape: Shape,
    pub size: Length,
    #[serde(default)]
    pub fill: Option<Color>,
    #[serde(default)]
    pub stroke: Option<Color>,
    #[serde(default = "default_marker_stroke")]
    pub stroke_width: f32,
    /// A filled dot in the centre of this fraction of the size.
    #[serde(default)]
    pub inner: Option<f32>,
    #[serde(default)]
    pub inner_color: Option<Color>,
    /// Along lines: distance between markers in pixels.
    #[serde(default)]
    pub spacing: Option<f32>,
}

fn default_marker_stroke() -> f32 {
    1.0
}

/// One style rule: conditions, scale range and symbolizers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub title: String,
    /// Matches when any of the listed properties has one of the values.
    #[serde(default)]
    pub when: BTreeMap<String, Vec<String>>,
    /// Matches when all of the listed properties have one of their values.
    #[serde(default)]
    pub when_all: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub z: Option<ZGroup>,
    #[serde(default)]
    pub min_scale: Option<f64>,
    #[serde(default)]
    pub max_scale: Option<f64>,
    #[serde(default)]
    pub fill: Option<Color>,
    #[serde(default)]
    pub hatch: Option<Hatch>,
    #[serde(default)]
    pub stroke: Vec<Stroke>,
    #[serde(default)]
    pub marker: Option<Marker>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassStyle {
    types: Vec<String>,
    rule: Vec<Rule>,
}

/// Text settings of presentation objects and Nutzungsschablonen.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelStyle {
    /// Text height on the ground at skalierung 1.
    #[serde(default = "default_label_height")]
    pub height: Length,
    #[serde(default = "default_label_min")]
    pub min_px: f32,
    #[serde(default = "default_label_max")]
    pub max_px: f32,
    #[serde(default = "default_label_color")]
    pub color: Color,
    #[serde(default = "default_halo")]
    pub halo: Option<Color>,
    #[serde(default = "default_label_scale")]
    pub max_scale: f64,
}

fn default_label_height() -> Length {
    Length::Metres(2.5)
}
fn default_label_min() -> f32 {
    9.0
}
fn default_label_max() -> f32 {
    36.0
}
fn default_label_color() -> Color {
    Color::BLACK
}
fn default_halo() -> Option<Color> {
    Some(Color([255, 255, 255, 200]))
}
fn default_label_scale() -> f64 {
    2500.0
}

impl Default for LabelStyle {
    fn default() -> Self {
        LabelStyle {
            height: default_label_height(),
            min_px: default_label_min(),
            max_px: default_label_max(),
            color: default_label_color(),
            halo: default_halo(),
            max_scale: default_label_scale(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleFile {
    #[serde(default)]
    labels: LabelStyle,
    #[serde(default)]
    class: Vec<ClassStyle>,
}

/// A WMS layer: one feature class of one plan type.
#[derive(Debug, Clone)]
pub struct LayerDef {
    pub name: String,
    pub title: String,
    /// Index into `Styles::groups`.
    pub group: usize,
    pub feature_type: String,
}

#[derive(Debug, Clone)]
pub struct GroupDef {
    pub name: String,
    pub title: String,
    pub plan_type: String,
    pub layers: Vec<usize>,
}

/// Name of the layer that stands for all layers (xPlanBox's root layer).
pub const ROOT_LAYER: &str = "vektordaten";

/// Default rules for classes without a style entry, per geometry kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GeomKind {
    Point,
    Line,
    Area,
}

/// Layers, groups and rules, loaded once.
#[derive(Debug, Clone)]
pub struct Styles {
    pub groups: Vec<GroupDef>,
    pub layers: Vec<LayerDef>,
    by_name: HashMap<String, usize>,
    /// (plan type, feature type) -> layer
    by_type: HashMap<(String, String), usize>,
    rules: HashMap<String, Vec<Rule>>,
    default_rules: HashMap<GeomKind, Rule>,
    pub labels: LabelStyle,
}

/// Pseudo class of the plan scans' layers.
pub const RASTER_TYPE: &str = "Rasterdarstellung";

/// The plan types in the order of the layer tree.
pub const PLAN_TYPES: [&str; 5] = ["BP", "FP", "LP", "RP", "SO"];

fn group_title(pt: &str) -> String {
    let long = match pt {
        "BP" => "Bebauungsplan",
        "FP" => "Flächennutzungsplan",
        "LP" => "Landschaftsplan",
        "RP" => "Raumordnungsplan",
        _ => "Sonstiger Plan",
    };
    format!("{pt} Objekte ({long})")
}

impl Styles {
    /// The built-in layers and styles.
    pub fn builtin() -> Result<Styles, RenderError> {
        Styles::from_sources(DEFAULT_LAYERS, DEFAULT_STYLE)
    }

    /// The built-in layers with the style rules from `path`.
    pub fn from_file(path: &Path) -> Result<Styles, RenderError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RenderError::Style(format!("{}: {e}", path.display())))?;
        Styles::from_sources(DEFAULT_LAYERS, &text)
            .map_err(|e| RenderError::Style(format!("{}: {e}", path.display())))
    }

    pub fn from_sources(layers_tsv: &str, style_toml: &str) -> Result<Styles, RenderError> {
        let file: StyleFile =
            toml::from_str(style_toml).map_err(|e| RenderError::Style(e.to_string()))?;
        let l = &file.labels;
        if !(l.min_px.is_finite() && l.max_px.is_finite() && l.min_px > 0.0 && l.min_px <= l.max_px)
        {
            return Err(RenderError::Style(
                "labels: min_px and max_px must be positive with min_px <= max_px".into(),
            ));
        }
        let mut s = Styles {
            groups: PLAN_TYPES
                .iter()
                .map(|pt| GroupDef {
                    name: format!("{}_objekte", pt.to_ascii_lowercase()),
                    title: group_title(pt),
                    plan_type: pt.to_string(),
                    layers: vec![],
                })
                .collect(),
            layers: vec![],
            by_name: HashMap::new(),
            by_type: HashMap::new(),
            rules: HashMap::new(),
            default_rules: default_rules(),
            labels: file.labels,
        };
        for line in layers_tsv.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut it = line.split('\t');
            let (Some(group), Some(name), Some(ft)) = (it.next(), it.next(), it.next()) else {
                return Err(RenderError::Style(format!("bad layer line '{line}'")));
            };
            let pt = group
                .split('_')
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            s.add_layer(&pt, name, ft);
        }
        // Nutzungsschablonen are presentation objects with a layer of their
        // own; scans of each plan type are a layer as in xPlanBox.
        for pt in PLAN_TYPES {
            let name = format!("{}_raster", pt.to_ascii_lowercase());
            s.add_layer(pt, &name, RASTER_TYPE);
            let name = format!("{}_xp_nutzungsschablone", pt.to_ascii_lowercase());
            s.add_layer(pt, &name, "XP_Nutzungsschablone");
        }
        for c in file.class {
            for t in c.types {
                if s.rules.insert(t.clone(), c.rule.clone()).is_some() {
                    return Err(RenderError::Style(format!("class {t} styled twice")));
                }
            }
        }
        Ok(s)
    }

    fn add_layer(&mut self, plan_type: &str, name: &str, feature_type: &str) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        let g = PLAN_TYPES
            .iter()
            .position(|p| *p == plan_type)
            .unwrap_or(PLAN_TYPES.len() - 1);
        let i = self.layers.len();
        self.layers.push(LayerDef {
            name: name.to_string(),
            title: feature_type.to_string(),
            group: g,
            feature_type: feature_type.to_string(),
        });
        self.groups[g].layers.push(i);
        self.by_name.insert(name.to_string(), i);
        self.by_type
            .insert((plan_type.to_string(), feature_type.to_string()), i);
        i
    }

    /// The layer of a feature, created on first sight for classes the layer
    /// list does not name (e.g. classes new in 6.0): `<pt>_<type lowercase>`.
    pub fn layer_for(&mut self, plan_type: &str, feature_type: &str) -> usize {
        if let Some(&i) = self
            .by_type
            .get(&(plan_type.to_string(), feature_type.to_string()))
        {
            return i;
        }
        let pt = plan_type.to_ascii_lowercase();
        let name = match feature_type.split_once('_') {
            Some(("XP", rest)) => format!("{pt}_xp_{}", rest.to_ascii_lowercase()),
            Some((_, rest)) => format!("{pt}_{}", rest.to_ascii_lowercase()),
            None => format!("{pt}_{}", feature_type.to_ascii_lowercase()),
        };
        let name = if self.by_name.contains_key(&name) {
            format!("{pt}_{}", feature_type.to_ascii_lowercase())
        } else {
            name
        };
        self.add_layer(plan_type, &name, feature_type)
    }

    pub fn has_layer_for(&self, plan_type: &str, feature_type: &str) -> bool {
        self.layer_of(plan_type, feature_type).is_some()
    }

    /// The layer of a feature class of a plan type, if registered.
    pub fn layer_of(&self, plan_type: &str, feature_type: &str) -> Option<usize> {
        self.by_type
            .get(&(plan_type.to_string(), feature_type.to_string()))
            .copied()
    }

    pub fn layer_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.name == name)
    }

    /// The layers a name stands for: the root layer (all), a group (its
    /// layers) or one layer; None when unknown.
    pub fn layers_named(&self, name: &str) -> Option<Vec<u32>> {
        if name.eq_ignore_ascii_case(ROOT_LAYER) {
            Some((0..self.layers.len() as u32).collect())
        } else if let Some(g) = self.group_index(name) {
            Some(self.groups[g].layers.iter().map(|&l| l as u32).collect())
        } else {
            self.layer_index(name).map(|l| vec![l as u32])
        }
    }

    /// How far (pixels) what is drawn for a feature can reach beyond its
    /// box at `res` map units per pixel: twice the widest stroke (caps and
    /// joins), the largest marker, and labels up to 16 of their largest
    /// text heights from their anchor. Tiles farther from every plan stay
    /// empty; a changed plan's cached tiles are dropped within it.
    pub fn reach_px(&self, res: f64) -> f64 {
        let mut r = 16.0 * f64::from(self.labels.max_px);
        for rule in self
            .rules
            .values()
            .flatten()
            .chain(self.default_rules.values())
        {
            for s in &rule.stroke {
                r = r.max(2.0 * f64::from(s.width.px(res).max(s.min_px)));
            }
            if let Some(m) = &rule.marker {
                r = r.max(f64::from(m.size.px(res) + m.stroke_width));
            }
        }
        r
    }

    /// The rules of a class (its own, or the default for its geometry).
    pub fn rules_of(&self, feature_type: &str) -> Option<&[Rule]> {
        self.rules.get(feature_type).map(|v| v.as_slice())
    }

    pub fn default_rule(&self, kind: GeomKind) -> &Rule {
        &self.default_rules[&kind]
    }

    /// The index of the first rule matching a feature, or None for the default rule.
    pub fn match_rule(
        &self,
        feature_type: &str,
        props: &serde_json::Value,
        extra: &dyn Fn(&str) -> Option<String>,
    ) -> Option<usize> {
        let rules = self.rules.get(feature_type)?;
        rules.iter().position(|r| rule_matches(r, props, extra))
    }
}

fn default_rules() -> HashMap<GeomKind, Rule> {
    let base = |title: &str| Rule {
        title: title.into(),
        when: BTreeMap::new(),
        when_all: BTreeMap::new(),
        z: None,
        min_scale: None,
        max_scale: None,
        fill: None,
        hatch: None,
        stroke: vec![],
        marker: None,
    };
    let black = |w: f32| Stroke {
        color: Color([60, 60, 60, 255]),
        width: Length::Metres(w),
        dash: vec![],
        round: false,
        min_px: default_min_px(),
    };
    let mut m = HashMap::new();
    let mut a = base("Fläche");
    a.stroke = vec![black(0.2)];
    a.max_scale = Some(25_000.0);
    m.insert(GeomKind::Area, a);
    let mut l = base("Linie");
    l.stroke = vec![black(0.3)];
    l.max_scale = Some(10_000.0);
    m.insert(GeomKind::Line, l);
    let mut p = base("Punkt");
    p.marker = Some(Marker {
        shape: Shape::Circle,
        size: Length::Pixels(7.0),
        fill: Some(Color([128, 128, 128, 255])),
        stroke: Some(Color::BLACK),
        stroke_width: 1.0,
        inner: None,
        inner_color: None,
        spacing: None,
    });
    p.max_scale = Some(5_000.0);
    m.insert(GeomKind::Point, p);
    m
}

impl Styles {
    /// The values of the properties a class's rules look at (the codes
    /// that decide its cartography), as (path, value) pairs; several
    /// values of one path are joined by commas.
    pub fn rule_codes(
        &self,
        feature_type: &str,
        props: &serde_json::Value,
    ) -> Vec<(Box<str>, Box<str>)> {
        let Some(rules) = self.rules_of(feature_type) else {
            return Vec::new();
        };
        let mut keys: Vec<&str> = rules
            .iter()
            .flat_map(|r| r.when.keys().chain(r.when_all.keys()))
            .map(|k| k.as_str())
            .filter(|k| *k != "flaechenschluss" && *k != "ebene")
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut out = Vec::new();
        for k in keys {
            let mut vals = Vec::new();
            lookup(props, k, &mut vals);
            let vals: Vec<String> = vals.into_iter().filter_map(scalar).collect();
            if !vals.is_empty() {
                out.push((k.into(), vals.join(",").into()));
            }
        }
        out
    }
}

/// Looks up a property by path ("zweckbestimmung/allgemein"); arrays yield
/// every element.
fn lookup<'a>(v: &'a serde_json::Value, path: &str, out: &mut Vec<&'a serde_json::Value>) {
    let (head, rest) = match path.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Some(child) = v.get(head) else {
        if let serde_json::Value::Array(a) = v {
            for e in a {
                lookup(e, path, out);
            }
        }
        return;
    };
    match (rest, child) {
        (None, serde_json::Value::Array(a)) => out.extend(a.iter()),
        (None, c) => out.push(c),
        (Some(r), serde_json::Value::Array(a)) => {
            for e in a {
                lookup(e, r, out);
            }
        }
        (Some(r), c) => lookup(c, r, out),
    }
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        // code values written as {"codeSpace": ..., "value": ...}
        serde_json::Value::Object(o) => o.get("value").and_then(scalar),
        _ => None,
    }
}

/// One condition value: exact "1000", range "1000..1300", "*" (present), "!" (absent).
fn value_matches(pattern: &str, value: Option<&str>) -> bool {
    match (pattern, value) {
        ("!", v) => v.is_none(),
        ("*", v) => v.is_some(),
        (_, None) => false,
        (p, Some(v)) => {
            if let Some((lo, hi)) = p.split_once("..") {
                match (
                    lo.parse::<f64>(),
                    hi.parse::<f64>(),
                    v.trim().parse::<f64>(),
                ) {
                    (Ok(lo), Ok(hi), Ok(x)) => x >= lo && x <= hi,
                    _ => false,
                }
            } else {
                p == v.trim()
            }
        }
    }
}

fn prop_matches(
    props: &serde_json::Value,
    extra: &dyn Fn(&str) -> Option<String>,
    key: &str,
    patterns: &[String],
) -> bool {
    let mut values: Vec<String> = Vec::new();
    if let Some(v) = extra(key) {
        values.push(v);
    } else {
        let mut found = vec![];
        lookup(props, key, &mut found);
        values.extend(found.into_iter().filter_map(scalar));
    }
    patterns.iter().any(|p| {
        if values.is_empty() {
            value_matches(p, None)
        } else {
            values.iter().any(|v| value_matches(p, Some(v)))
        }
    })
}

fn rule_matches(
    r: &Rule,
    props: &serde_json::Value,
    extra: &dyn Fn(&str) -> Option<String>,
) -> bool {
    let any = r.when.is_empty()
        || r.when
            .iter()
            .any(|(k, pats)| prop_matches(props, extra, k, pats));
    any && r
        .when_all
        .iter()
        .all(|(k, pats)| prop_matches(props, extra, k, pats))
}

impl Rule {
    pub fn in_scale(&self, scale: f64) -> bool {
        self.min_scale.is_none_or(|m| scale >= m) && self.max_scale.is_none_or(|m| scale < m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_styles_load_and_match() {
        let s = Styles::builtin().unwrap();
        assert!(s.layers.len() > 250);
        assert_eq!(
            s.layers[s.layer_index("bp_baugebteilfl").unwrap()].feature_type,
            "BP_BaugebietsTeilFlaeche"
        );
        let no = |_: &str| None;
        let wa = json!({"besondereArtDerBaulNutzung": "1200"});
        let gi = json!({"allgArtDerBaulNutzung": "3000"});
        let rules = s.rules_of("BP_BaugebietsTeilFlaeche").unwrap();
        let r_wa = s.match_rule("BP_BaugebietsTeilFlaeche", &wa, &no).unwrap();
        let r_gi = s.match_rule("BP_BaugebietsTeilFlaeche", &gi, &no).unwrap();
        assert_eq!(rules[r_wa].fill, Color::parse("#CF9377"));
        assert_eq!(rules[r_gi].fill, Color::parse("#A6A596"));
    }

    #[test]
    fn conditions() {
        assert!(value_matches("1000..1300", Some("1200")));
        assert!(!value_matches("1000..1300", Some("1400")));
        assert!(value_matches("!", None));
        assert!(value_matches("*", Some("x")));
        let p = json!({"zweckbestimmung": [{"allgemein": "1000"}, {"allgemein": "1400"}]});
        let mut out = vec![];
        lookup(&p, "zweckbestimmung/allgemein", &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(Color::parse("0xFFFFFF"), Some(Color::WHITE));
        assert_eq!(Color::parse("#f00"), Some(Color([255, 0, 0, 255])));
    }
}
