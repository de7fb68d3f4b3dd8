//! WMS 1.3.0 and 1.1.1: GetCapabilities, GetMap, GetFeatureInfo,
//! GetLegendGraphic, for all plans (/wms), per plan status or plan type
//! (/wms/festgestellt, /wms/bp, ...) and per plan (/wms/plan/{id or name}).

use super::{base_url, on_cpu, urlencode, xml_escape, xml_response, Kvp, OwsError, OwsState};
use crate::render::encode::{encode, ImageFormat};
use crate::render::style::PLAN_TYPES;
use crate::render::{render, Color, MapRequest, PlanFilter};
use actix_web::{web, HttpRequest, HttpResponse};
use std::fmt::Write;

/// CRSs offered (besides the storage CRS). CRS:84 is EPSG:4326 in lon/lat order.
pub const CRS_LIST: [&str; 12] = [
    "EPSG:25832",
    "EPSG:25833",
    "EPSG:31466",
    "EPSG:31467",
    "EPSG:31468",
    "EPSG:31469",
    "EPSG:4258",
    "EPSG:4326",
    "CRS:84",
    "EPSG:3857",
    "EPSG:3044",
    "EPSG:4839",
];

/// Name of the root layer (all plan layers).
pub use crate::render::style::ROOT_LAYER;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V111,
    V130,
}

impl Version {
    fn parse(kvp: &Kvp) -> Version {
        match kvp.get("VERSION").or(kvp.get("WMTVER")) {
            Some(v) if v.starts_with("1.1") => Version::V111,
            _ => Version::V130,
        }
    }
    fn crs_param(self) -> &'static str {
        match self {
            Version::V111 => "SRS",
            Version::V130 => "CRS",
        }
    }
}

/// Which plans an endpoint serves.
#[derive(Debug, Clone)]
pub struct Scope {
    pub filter: PlanFilter,
    pub path: String,
    pub title: String,
    /// Plan type whose layers are listed, None = all.
    pub plan_type: Option<String>,
    /// Per-plan service: list only layers with data.
    pub only_used_layers: bool,
}

fn scope_of(state: &OwsState, seg: Option<&str>, plan: Option<&str>) -> Result<Scope, OwsError> {
    let base = Scope {
        filter: PlanFilter::All,
        path: "/wms".into(),
        title: "XPlanung: alle Pläne".into(),
        plan_type: None,
        only_used_layers: false,
    };
    if let Some(key) = plan {
        let snapshot = state.maps.snapshot();
        let plans: Vec<&crate::render::PlanInfo> = snapshot.iter().map(|p| &p.info).collect();
        let wanted = |n: &str| n.replace('/', "") == key.replace('/', "");
        let ids: Vec<i64> = match key.parse::<i64>() {
            Ok(id) if plans.iter().any(|p| p.id == id) => vec![id],
            _ => plans
                .iter()
                .filter(|p| wanted(&p.name))
                .map(|p| p.id)
                .collect(),
        };
        if ids.is_empty() {
            return Err(OwsError::not_found(format!(
                "no plan with id or name '{key}'"
            )));
        }
        let name = plans
            .iter()
            .find(|p| p.id == ids[0])
            .map(|p| p.name.clone())
            .unwrap_or_default();
        return Ok(Scope {
            filter: PlanFilter::Plans(ids),
            path: format!("/wms/plan/{}", urlencode(key)),
            title: format!("XPlanung: Plan {name}"),
            plan_type: None,
            only_used_layers: true,
        });
    }
    let Some(seg) = seg else { return Ok(base) };
    let s = seg.to_ascii_lowercase();
    let (filter, title, pt) = match s.as_str() {
        "festgestellt" => (PlanFilter::Status("festgestellt".into()), "festgestellte Pläne", None),
        "in_aufstellung" | "in-aufstellung" | "inaufstellung" => (
            PlanFilter::Status("in_aufstellung".into()),
            "Pläne in Aufstellung",
            None,
        ),
        "archiviert" => (PlanFilter::Status("archiviert".into()), "archivierte Pläne", None),
        t if PLAN_TYPES.iter().any(|p| p.eq_ignore_ascii_case(t)) => {
            let pt = t.to_ascii_uppercase();
            (PlanFilter::PlanType(pt.clone()), "Pläne eines Plantyps", Some(pt))
        }
        _ => {
            return Err(OwsError::not_found(format!(
                "no WMS '/wms/{seg}': use /wms, /wms/festgestellt, /wms/in_aufstellung, /wms/archiviert, /wms/bp|fp|lp|rp|so or /wms/plan/{{id}}"
            )))
        }
    };
    Ok(Scope {
        filter,
        path: format!("/wms/{s}"),
        title: match &pt {
            Some(p) => format!("XPlanung: {p}-Pläne"),
            None => format!("XPlanung: {title}"),
        },
        plan_type: pt,
        only_used_layers: false,
    })
}

/// Parses "EPSG:25832", "CRS:84", "urn:ogc:def:crs:EPSG::4326" etc.;
/// returns (srid, lon/lat order forced).
pub fn parse_crs(s: &str, storage: u32) -> Option<(u32, bool)> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("CRS:84") || t.eq_ignore_ascii_case("urn:ogc:def:crs:OGC:1.3:CRS84") {
        return Some((4326, true));
    }
    let code = crate::gml::srs::parse_srs_name(t)?;
    let offered = CRS_LIST
        .iter()
        .any(|c| c.strip_prefix("EPSG:").and_then(|n| n.parse::<u32>().ok()) == Some(code));
    (offered || code == storage).then_some((code, false))
}

struct MapParams {
    req: MapRequest,
    format: ImageFormat,
    transparent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExceptionFormat {
    Xml,
    InImage,
    Blank,
}

fn parse_exceptions(kvp: &Kvp) -> ExceptionFormat {
    match kvp.get("EXCEPTIONS").map(|s| s.to_ascii_lowercase()) {
        Some(e) if e.contains("inimage") => ExceptionFormat::InImage,
        Some(e) if e.contains("blank") => ExceptionFormat::Blank,
        _ => ExceptionFormat::Xml,
    }
}

fn resolve_layers(
    state: &OwsState,
    scope: &Scope,
    names: &str,
    param: &str,
) -> Result<Vec<u32>, OwsError> {
    let styles = state.maps.styles();
    let mut out = vec![];
    for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let in_scope = |g: usize| {
            scope
                .plan_type
                .as_ref()
                .is_none_or(|pt| &styles.groups[g].plan_type == pt)
        };
        if name.eq_ignore_ascii_case(ROOT_LAYER) {
            for (g, grp) in styles.groups.iter().enumerate() {
                if in_scope(g) {
                    out.extend(grp.layers.iter().map(|&l| l as u32));
                }
            }
        } else if let Some(g) = styles.group_index(name).filter(|g| in_scope(*g)) {
            out.extend(styles.groups[g].layers.iter().map(|&l| l as u32));
        } else if let Some(l) = styles
            .layer_index(name)
            .filter(|l| in_scope(styles.layers[*l].group))
        {
            out.push(l as u32);
        } else {
            return Err(OwsError::new(
                Some(param),
                "LayerNotDefined",
                format!("this service has no layer '{name}'"),
            ));
        }
    }
    if out.is_empty() {
        return Err(OwsError::new(
            Some(param),
            "MissingParameterValue",
            format!("the parameter {param} names no layer"),
        ));
    }
    Ok(out)
}

fn parse_map(
    state: &OwsState,
    scope: &Scope,
    kvp: &Kvp,
    v: Version,
    layers_param: &str,
) -> Result<MapParams, OwsError> {
    let layers = resolve_layers(state, scope, kvp.require(layers_param)?, layers_param)?;
    // STYLES: one per name in LAYERS (or none): default / vollflaechig, or
    // transparent (outlines only, as xPlanBox offers)
    let mut outline_layers = vec![];
    if let Some(st) = kvp.get("STYLES").filter(|s| !s.trim().is_empty()) {
        let styles: Vec<&str> = st.split(',').map(str::trim).collect();
        let names: Vec<&str> = kvp
            .require(layers_param)?
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        for (i, s) in styles.iter().enumerate() {
            if s.eq_ignore_ascii_case("transparent") {
                if let Some(name) = names.get(i) {
                    outline_layers.extend(resolve_layers(state, scope, name, layers_param)?);
                }
            } else if !(s.is_empty()
                || s.eq_ignore_ascii_case("default")
                || s.eq_ignore_ascii_case("vollflaechig"))
            {
                return Err(OwsError::new(
                    Some("STYLES"),
                    "StyleNotDefined",
                    format!("unknown style '{s}' (styles: default, transparent)"),
                ));
            }
        }
    }
    let crs_name = kvp.require(v.crs_param())?;
    let storage = state.maps.storage_srid;
    let Some((srid, lonlat)) = parse_crs(crs_name, storage) else {
        return Err(OwsError::new(
            Some(v.crs_param()),
            if v == Version::V130 {
                "InvalidCRS"
            } else {
                "InvalidSRS"
            },
            format!(
                "the CRS '{crs_name}' is not offered (offered: {})",
                CRS_LIST.join(", ")
            ),
        ));
    };
    let nums: Vec<f64> = kvp
        .require("BBOX")?
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            OwsError::new(
                Some("BBOX"),
                "InvalidParameterValue",
                "BBOX must be four numbers",
            )
        })?;
    if nums.len() != 4 && nums.len() != 5 {
        return Err(OwsError::new(
            Some("BBOX"),
            "InvalidParameterValue",
            "BBOX must be minx,miny,maxx,maxy",
        ));
    }
    let mut bbox = [nums[0], nums[1], nums[2], nums[3]];
    // WMS 1.3.0: the EPSG axis order (latitude/northing first for 4326,
    // 4258, Gauss-Krüger, 3044, 4839)
    if v == Version::V130 && !lonlat && crate::crs::is_north_first(srid) {
        bbox = [bbox[1], bbox[0], bbox[3], bbox[2]];
    }
    if !(bbox[0] < bbox[2] && bbox[1] < bbox[3]) || bbox.iter().any(|x| !x.is_finite()) {
        return Err(OwsError::new(
            Some("BBOX"),
            "InvalidParameterValue",
            "BBOX must have minx < maxx and miny < maxy",
        ));
    }
    let dim = |name: &str, max: u32| -> Result<u32, OwsError> {
        let raw = kvp.require(name)?;
        let n: u32 = raw.trim().parse().map_err(|_| {
            OwsError::new(
                Some(name),
                "InvalidParameterValue",
                format!("{name} must be a positive integer, not '{raw}'"),
            )
        })?;
        if n == 0 || n > max {
            return Err(OwsError::new(
                Some(name),
                "InvalidParameterValue",
                format!("{name} must be between 1 and {max}, not {n}"),
            ));
        }
        Ok(n)
    };
    let width = dim("WIDTH", state.config.render.max_width)?;
    let height = dim("HEIGHT", state.config.render.max_height)?;
    let fmt = kvp.get("FORMAT").unwrap_or("image/png");
    let format = ImageFormat::from_mime(fmt).ok_or_else(|| {
        OwsError::new(
            Some("FORMAT"),
            "InvalidFormat",
            format!(
                "the format '{fmt}' is not offered (image/png, image/png; mode=8bit, image/jpeg)"
            ),
        )
    })?;
    let transparent = kvp
        .get("TRANSPARENT")
        .is_some_and(|t| t.eq_ignore_ascii_case("true"))
        && format != ImageFormat::Jpeg;
    let bg = match kvp.get("BGCOLOR") {
        Some(c) => Color::parse(c).ok_or_else(|| {
            OwsError::new(
                Some("BGCOLOR"),
                "InvalidParameterValue",
                format!("BGCOLOR '{c}' is not 0xRRGGBB"),
            )
        })?,
        None => Color::WHITE,
    };
    let bg = Color([bg.0[0], bg.0[1], bg.0[2], 255]);
    let background = if transparent {
        Color([bg.0[0], bg.0[1], bg.0[2], 0])
    } else {
        bg
    };
    Ok(MapParams {
        req: MapRequest {
            bbox,
            srid,
            width,
            height,
            layers,
            filter: scope.filter.clone(),
            background,
            outline_layers,
        },
        format,
        transparent,
    })
}

/// An exception as the request asked for it.
async fn exception(
    e: &OwsError,
    v: Version,
    exc: ExceptionFormat,
    kvp: &Kvp,
    max: (u32, u32),
) -> HttpResponse {
    if exc != ExceptionFormat::Xml {
        let dim = |name: &str, max: u32| {
            kvp.get(name)
                .and_then(|w| w.parse().ok())
                .filter(|w| *w > 0 && *w <= max)
                .unwrap_or(256u32)
        };
        let (w, h) = (dim("WIDTH", max.0), dim("HEIGHT", max.1));
        let fmt = kvp
            .get("FORMAT")
            .and_then(ImageFormat::from_mime)
            .unwrap_or(ImageFormat::Png);
        let transparent = kvp
            .get("TRANSPARENT")
            .is_some_and(|t| t.eq_ignore_ascii_case("true"));
        let text = (exc == ExceptionFormat::InImage).then(|| format!("{}: {}", e.code, e.message));
        // drawn and encoded on the rendering pool, like any map
        let image = on_cpu(move || {
            let mut pm = tiny_skia::Pixmap::new(w, h)?;
            if !transparent {
                pm.fill(tiny_skia::Color::WHITE);
            }
            if let Some(text) = text {
                let style = crate::render::text::TextStyle {
                    size_px: 12.0,
                    color: tiny_skia::Color::from_rgba8(180, 0, 0, 255),
                    halo: Some(tiny_skia::Color::WHITE),
                };
                let lines = wrap(&text, (w as usize / 7).max(10));
                crate::render::text::fonts().draw_text(
                    &mut pm,
                    &lines,
                    (4.0, 4.0),
                    0.0,
                    (
                        crate::render::labels::HAlign::Left,
                        crate::render::labels::VAlign::Top,
                    ),
                    &style,
                );
            }
            encode(pm, fmt, transparent).ok()
        })
        .await;
        if let Ok(Some(bytes)) = image {
            return HttpResponse::Ok()
                .content_type(fmt.content_type())
                .body(bytes);
        }
    }
    let (body, ct) = exception_xml(e, v);
    HttpResponse::build(e.status).content_type(ct).body(body)
}

fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = vec![];
    let mut cur = String::new();
    for word in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + word.chars().count() + 1 > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

pub fn exception_xml(e: &OwsError, v: Version) -> (String, &'static str) {
    let loc = e
        .locator
        .as_ref()
        .map(|l| format!(" locator=\"{}\"", xml_escape(l)))
        .unwrap_or_default();
    match v {
        Version::V130 => (
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceExceptionReport version=\"1.3.0\" xmlns=\"http://www.opengis.net/ogc\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.opengis.net/ogc http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd\">\n  <ServiceException code=\"{}\"{loc}>{}</ServiceException>\n</ServiceExceptionReport>\n",
                e.code,
                xml_escape(&e.message)
            ),
            "text/xml",
        ),
        Version::V111 => (
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServiceExceptionReport version=\"1.1.1\">\n  <ServiceException code=\"{}\"{loc}>{}</ServiceException>\n</ServiceExceptionReport>\n",
                e.code,
                xml_escape(&e.message)
            ),
            "application/vnd.ogc.se_xml",
        ),
    }
}

async fn handle(
    state: web::Data<OwsState>,
    req: HttpRequest,
    seg: Option<String>,
    plan: Option<String>,
) -> HttpResponse {
    let kvp = match Kvp::from_query(req.query_string()) {
        Ok(k) => k,
        Err(e) => {
            return exception(
                &e,
                Version::V130,
                ExceptionFormat::Xml,
                &Kvp(vec![]),
                (1, 1),
            )
            .await
        }
    };
    let v = Version::parse(&kvp);
    let exc = parse_exceptions(&kvp);
    let result = async {
        let scope = scope_of(&state, seg.as_deref(), plan.as_deref())?;
        if let Some(s) = kvp.get("SERVICE") {
            if !s.eq_ignore_ascii_case("WMS") {
                return Err(OwsError::new(Some("SERVICE"), "InvalidParameterValue", format!("this is a WMS, not '{s}'")));
            }
        }
        let request = kvp.require("REQUEST")?.to_string();
        match request.to_ascii_lowercase().as_str() {
            "getcapabilities" | "capabilities" => Ok(capabilities(&state, &req, &scope, &kvp)),
            "getmap" | "map" => get_map(&state, &scope, &kvp, v).await,
            "getfeatureinfo" => super::wms_info::get_feature_info(&state, &req, &scope, &kvp, v).await,
            "getlegendgraphic" => get_legend(&state, &scope, &kvp).await,
            _ => Err(OwsError::new(
                Some("REQUEST"),
                "OperationNotSupported",
                format!("'{request}' is not a WMS operation (GetCapabilities, GetMap, GetFeatureInfo, GetLegendGraphic)"),
            )),
        }
    }
    .await;
    match result {
        Ok(r) => r,
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!("WMS: {e}");
            }
            let max = (
                state.config.render.max_width,
                state.config.render.max_height,
            );
            exception(&e, v, exc, &kvp, max).await
        }
    }
}

async fn get_map(
    state: &web::Data<OwsState>,
    scope: &Scope,
    kvp: &Kvp,
    v: Version,
) -> Result<HttpResponse, OwsError> {
    let p = parse_map(state, scope, kvp, v, "LAYERS")?;
    let maps = state.maps.clone();
    let (format, transparent) = (p.format, p.transparent);
    let bytes = on_cpu(move || {
        let pm = render(&maps, &p.req)?;
        encode(pm, format, transparent)
    })
    .await?
    .map_err(|e| match e {
        crate::render::RenderError::Request(m) => OwsError::new(None, "InvalidParameterValue", m),
        e => OwsError::internal(e.to_string()),
    })?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Cache-Control", "no-cache"))
        .body(bytes))
}

async fn get_legend(
    state: &web::Data<OwsState>,
    scope: &Scope,
    kvp: &Kvp,
) -> Result<HttpResponse, OwsError> {
    let name = kvp.require("LAYER")?;
    let layer = {
        let styles = state.maps.styles();
        match styles.layer_index(name) {
            Some(l)
                if scope
                    .plan_type
                    .as_ref()
                    .is_none_or(|pt| &styles.groups[styles.layers[l].group].plan_type == pt) =>
            {
                l
            }
            _ => {
                return Err(OwsError::new(
                    Some("LAYER"),
                    "LayerNotDefined",
                    format!("this service has no layer '{name}'"),
                ))
            }
        }
    };
    let fmt = kvp.get("FORMAT").unwrap_or("image/png");
    let format = ImageFormat::from_mime(fmt).ok_or_else(|| {
        OwsError::new(
            Some("FORMAT"),
            "InvalidFormat",
            format!("the format '{fmt}' is not offered"),
        )
    })?;
    let width = kvp
        .get("WIDTH")
        .and_then(|w| w.parse::<u32>().ok())
        .filter(|w| *w <= 2048);
    let outline_only = kvp
        .get("STYLE")
        .is_some_and(|s| s.eq_ignore_ascii_case("transparent"));
    let maps = state.maps.clone();
    let bytes = on_cpu(move || {
        let styles = maps.styles();
        let pm = crate::render::legend::legend(&styles, layer, width, outline_only)?;
        encode(pm, format, format != ImageFormat::Jpeg)
    })
    .await?
    .map_err(|e| OwsError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(bytes))
}

/// The geographic extent (lon/lat) of the plans of a scope.
/// The lon/lat extent of all plans (Germany when there are none).
pub(crate) fn all_plans_geo_extent(state: &OwsState) -> [f64; 4] {
    geo_extent(
        state,
        &scope_of(state, None, None).expect("the all-plans scope"),
    )
}

fn geo_extent(state: &OwsState, scope: &Scope) -> [f64; 4] {
    const GERMANY: [f64; 4] = [5.8, 47.2, 15.1, 55.1];
    let Some(b) = state.maps.extent(&scope.filter) else {
        return GERMANY;
    };
    let mut pts = [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]];
    if crate::crs::transform_xy(&mut pts, state.maps.storage_srid, 4326).is_err() {
        return GERMANY;
    }
    let xs = pts.iter().map(|p| p[0]);
    let ys = pts.iter().map(|p| p[1]);
    [
        xs.clone().fold(f64::INFINITY, f64::min),
        ys.clone().fold(f64::INFINITY, f64::min),
        xs.fold(f64::NEG_INFINITY, f64::max),
        ys.fold(f64::NEG_INFINITY, f64::max),
    ]
}

fn capabilities(state: &OwsState, req: &HttpRequest, scope: &Scope, kvp: &Kvp) -> HttpResponse {
    let v = Version::parse(kvp);
    let url = format!("{}{}?", base_url(state, req), scope.path);
    let geo = geo_extent(state, scope);
    let native = state.maps.extent(&scope.filter);
    let storage = state.maps.storage_srid;
    let styles = state.maps.styles();
    // layers with data in this scope (for per-plan services)
    let used = if scope.only_used_layers {
        state.maps.used_layers(&scope.filter, true)
    } else {
        Default::default()
    };
    let crs_tag = if v == Version::V130 { "CRS" } else { "SRS" };
    let mut crs_list: Vec<String> = CRS_LIST.iter().map(|s| s.to_string()).collect();
    let storage_name = format!("EPSG:{storage}");
    if !crs_list.contains(&storage_name) {
        crs_list.push(storage_name.clone());
    }
    let mut x = String::with_capacity(200_000);
    let esc = xml_escape;
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    match v {
        Version::V130 => x.push_str("<WMS_Capabilities version=\"1.3.0\" updateSequence=\"0\" xmlns=\"http://www.opengis.net/wms\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.opengis.net/wms http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd\">\n"),
        Version::V111 => x.push_str("<WMT_MS_Capabilities version=\"1.1.1\" updateSequence=\"0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"),
    }
    let svc = &state.config.service;
    let _ = write!(
        x,
        "<Service>\n  <Name>{}</Name>\n  <Title>{} – {}</Title>\n  <Abstract>{}</Abstract>\n  <KeywordList><Keyword>XPlanung</Keyword><Keyword>Bauleitplanung</Keyword><Keyword>Bebauungsplan</Keyword><Keyword>Flächennutzungsplan</Keyword></KeywordList>\n  <OnlineResource xlink:type=\"simple\" xlink:href=\"{}\"/>\n",
        if v == Version::V130 { "WMS" } else { "OGC:WMS" },
        esc(&svc.title),
        esc(&scope.title),
        esc(&svc.abstract_text),
        esc(&url)
    );
    if !svc.provider.is_empty() {
        let _ = writeln!(x, "  <ContactInformation><ContactPersonPrimary><ContactPerson/><ContactOrganization>{}</ContactOrganization></ContactPersonPrimary></ContactInformation>", esc(&svc.provider));
    }
    x.push_str("  <Fees>none</Fees>\n  <AccessConstraints>none</AccessConstraints>\n");
    if v == Version::V130 {
        let _ = writeln!(
            x,
            "  <MaxWidth>{}</MaxWidth>\n  <MaxHeight>{}</MaxHeight>",
            state.config.render.max_width, state.config.render.max_height
        );
    }
    x.push_str("</Service>\n<Capability>\n  <Request>\n");
    let dcp = format!(
        "<DCPType><HTTP><Get><OnlineResource xlink:type=\"simple\" xlink:href=\"{}\"/></Get></HTTP></DCPType>",
        esc(&url)
    );
    let caps_fmt = if v == Version::V130 {
        "text/xml"
    } else {
        "application/vnd.ogc.wms_xml"
    };
    let _ = writeln!(
        x,
        "    <GetCapabilities><Format>{caps_fmt}</Format>{dcp}</GetCapabilities>"
    );
    let _ = writeln!(
        x,
        "    <GetMap><Format>image/png</Format><Format>image/png; mode=8bit</Format><Format>image/jpeg</Format>{dcp}</GetMap>"
    );
    let _ = writeln!(
        x,
        "    <GetFeatureInfo><Format>text/html</Format><Format>application/json</Format><Format>application/geo+json</Format><Format>application/vnd.ogc.gml</Format><Format>application/gml+xml; version=3.2</Format><Format>text/xml</Format><Format>text/plain</Format>{dcp}</GetFeatureInfo>"
    );
    x.push_str("  </Request>\n  <Exception>\n");
    let excs: &[&str] = if v == Version::V130 {
        &["XML", "INIMAGE", "BLANK"]
    } else {
        &[
            "application/vnd.ogc.se_xml",
            "application/vnd.ogc.se_inimage",
            "application/vnd.ogc.se_blank",
        ]
    };
    for e in excs {
        let _ = writeln!(x, "    <Format>{e}</Format>");
    }
    x.push_str("  </Exception>\n");
    // bounding boxes
    let geo_box = match v {
        Version::V130 => format!(
            "<EX_GeographicBoundingBox><westBoundLongitude>{:.6}</westBoundLongitude><eastBoundLongitude>{:.6}</eastBoundLongitude><southBoundLatitude>{:.6}</southBoundLatitude><northBoundLatitude>{:.6}</northBoundLatitude></EX_GeographicBoundingBox>",
            geo[0], geo[2], geo[1], geo[3]
        ),
        Version::V111 => format!(
            "<LatLonBoundingBox minx=\"{:.6}\" miny=\"{:.6}\" maxx=\"{:.6}\" maxy=\"{:.6}\"/>",
            geo[0], geo[1], geo[2], geo[3]
        ),
    };
    let mut boxes = String::new();
    if let Some(mut n) = native {
        if v == Version::V130 && crate::crs::is_north_first(storage) {
            n = [n[1], n[0], n[3], n[2]];
        }
        let _ = write!(
            boxes,
            "<BoundingBox {crs_tag}=\"{storage_name}\" minx=\"{:.3}\" miny=\"{:.3}\" maxx=\"{:.3}\" maxy=\"{:.3}\"/>",
            n[0], n[1], n[2], n[3]
        );
    }
    // EPSG:4326: latitude first in 1.3.0
    let (a, b, c, d) = if v == Version::V130 {
        (geo[1], geo[0], geo[3], geo[2])
    } else {
        (geo[0], geo[1], geo[2], geo[3])
    };
    let _ = write!(boxes, "<BoundingBox {crs_tag}=\"EPSG:4326\" minx=\"{a:.6}\" miny=\"{b:.6}\" maxx=\"{c:.6}\" maxy=\"{d:.6}\"/>");
    let legend = |name: &str| {
        format!(
            "<Style><Name>default</Name><Title>vollflächig</Title><LegendURL width=\"200\" height=\"40\"><Format>image/png</Format><OnlineResource xlink:type=\"simple\" xlink:href=\"{}\"/></LegendURL></Style><Style><Name>transparent</Name><Title>transparent (nur Umrisse)</Title><LegendURL width=\"200\" height=\"40\"><Format>image/png</Format><OnlineResource xlink:type=\"simple\" xlink:href=\"{}\"/></LegendURL></Style>",
            esc(&format!("{url}SERVICE=WMS&VERSION=1.1.1&REQUEST=GetLegendGraphic&FORMAT=image/png&LAYER={name}")),
            esc(&format!("{url}SERVICE=WMS&VERSION=1.1.1&REQUEST=GetLegendGraphic&FORMAT=image/png&LAYER={name}&STYLE=transparent"))
        )
    };
    let _ = write!(
        x,
        "  <Layer queryable=\"1\">\n    <Name>{ROOT_LAYER}</Name>\n    <Title>{}</Title>\n",
        esc(&scope.title)
    );
    for c in &crs_list {
        let _ = writeln!(x, "    <{crs_tag}>{c}</{crs_tag}>");
    }
    let _ = writeln!(x, "    {geo_box}\n    {boxes}");
    for (g, grp) in styles.groups.iter().enumerate() {
        if scope
            .plan_type
            .as_ref()
            .is_some_and(|pt| &grp.plan_type != pt)
        {
            continue;
        }
        let members: Vec<usize> = grp
            .layers
            .iter()
            .copied()
            .filter(|l| !scope.only_used_layers || used.contains(&(*l as u32)))
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(
            x,
            "    <Layer queryable=\"1\">\n      <Name>{}</Name>\n      <Title>{}</Title>\n      {geo_box}\n      {boxes}",
            grp.name,
            esc(&grp.title)
        );
        for l in members {
            let ld = &styles.layers[l];
            let _ = writeln!(
                x,
                "      <Layer queryable=\"1\"><Name>{}</Name><Title>{}</Title>{geo_box}{boxes}{}</Layer>",
                ld.name,
                esc(&ld.title),
                legend(&ld.name)
            );
        }
        let _ = g;
        x.push_str("    </Layer>\n");
    }
    x.push_str("  </Layer>\n</Capability>\n");
    x.push_str(if v == Version::V130 {
        "</WMS_Capabilities>\n"
    } else {
        "</WMT_MS_Capabilities>\n"
    });
    xml_response(
        x,
        if v == Version::V130 {
            "text/xml; charset=utf-8"
        } else {
            "application/vnd.ogc.wms_xml; charset=utf-8"
        },
    )
}

async fn wms_root(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    handle(state, req, None, None).await
}

async fn wms_scoped(
    state: web::Data<OwsState>,
    req: HttpRequest,
    seg: web::Path<String>,
) -> HttpResponse {
    handle(state, req, Some(seg.into_inner()), None).await
}

async fn wms_plan(
    state: web::Data<OwsState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> HttpResponse {
    handle(state, req, None, Some(key.into_inner())).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/wms", web::get().to(wms_root))
        .route("/wms/plan/{key}", web::get().to(wms_plan))
        .route("/wms/{scope}", web::get().to(wms_scoped));
}

pub(super) fn map_params_for_info(
    state: &OwsState,
    scope: &Scope,
    kvp: &Kvp,
    v: Version,
) -> Result<(MapRequest, Vec<u32>), OwsError> {
    let p = parse_map(state, scope, kvp, v, "LAYERS")?;
    let q = resolve_layers(state, scope, kvp.require("QUERY_LAYERS")?, "QUERY_LAYERS")?;
    Ok((p.req, q))
}
