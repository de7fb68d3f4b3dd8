//! Tile endpoints on the tile service: XYZ (/tiles/{layer}/{tms}/{z}/{x}/{y}.png
//! and .mvt), WMTS 1.0.0 (KVP at /wmts, REST under /wmts/1.0.0) and OGC
//! API – Tiles (/ogcapi/tileMatrixSets, /ogcapi/map/tiles for PNG,
//! /ogcapi/tiles for vector tiles). Tilesets are the WMS
//! layers (vektordaten, the groups bp_objekte …, single layers); tiles carry
//! an ETag, answer If-None-Match with 304 and may be cached by clients for
//! `tiles.max_age_seconds`.

use super::{base_url, xml_escape, Kvp, OwsError, OwsState};
use crate::tiles::grid::TileMatrixSet;
use crate::tiles::service::TileBytes;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::fmt::Write;
use std::sync::Arc;

const WMTS_NS: &str = "http://www.opengis.net/wmts/1.0";
const OWS_NS: &str = "http://www.opengis.net/ows/1.1";

/// A tile request after parsing.
struct TileReq {
    tileset: String,
    layers: Arc<Vec<u32>>,
    tms: TileMatrixSet,
    z: u8,
    x: u32,
    y: u32,
}

/// Checks layer, matrix set and tile indices. `kvp`: WMTS parameter names
/// as locators.
fn tile_request(
    state: &OwsState,
    layer: &str,
    tms: &str,
    z: &str,
    x: &str,
    y: &str,
    kvp: bool,
) -> Result<TileReq, OwsError> {
    let loc = |k: &'static str, p: &'static str| if kvp { Some(k) } else { Some(p) };
    let tileset = layer.trim().to_ascii_lowercase();
    let layers = state.maps.styles().layers_named(&tileset).ok_or_else(|| {
        OwsError::new(
            loc("LAYER", "layer"),
            "InvalidParameterValue",
            format!("no layer '{layer}' (see /tiles or the WMTS capabilities)"),
        )
        .with_status(StatusCode::NOT_FOUND)
    })?;
    let tms = TileMatrixSet::by_id(tms).ok_or_else(|| {
        OwsError::new(
            loc("TILEMATRIXSET", "tileMatrixSetId"),
            "InvalidParameterValue",
            format!(
                "unknown tile matrix set '{tms}' (known: {})",
                TileMatrixSet::all()
                    .iter()
                    .map(|t| t.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_status(StatusCode::NOT_FOUND)
    })?;
    let out_of_range = |what: &str| {
        OwsError::new(
            loc("TILEMATRIX", "tileMatrix"),
            "TileOutOfRange",
            format!("{what} is outside the tile matrix set {}", tms.id),
        )
        .with_status(StatusCode::NOT_FOUND)
    };
    let z: u8 = z
        .trim()
        .parse()
        .ok()
        .filter(|z| *z <= tms.max_zoom())
        .ok_or_else(|| out_of_range(&format!("tile matrix '{z}'")))?;
    let (cols, rows) = tms.matrix_size(z);
    let x: u32 = x
        .trim()
        .parse()
        .ok()
        .filter(|x| *x < cols)
        .ok_or_else(|| out_of_range(&format!("tile column '{x}'")))?;
    let y: u32 = y
        .trim()
        .parse()
        .ok()
        .filter(|y| *y < rows)
        .ok_or_else(|| out_of_range(&format!("tile row '{y}'")))?;
    Ok(TileReq {
        tileset,
        layers: Arc::new(layers),
        tms,
        z,
        x,
        y,
    })
}

/// The PNG of a tile, with ETag and caching headers (304 when the client
/// has it).
async fn png_response(
    state: &OwsState,
    req: &HttpRequest,
    t: TileReq,
) -> Result<HttpResponse, OwsError> {
    let tile = state
        .tiles
        .png(&t.tileset, t.layers, &t.tms, t.z, t.x, t.y)
        .await
        .map_err(|e| OwsError::internal(format!("tile {}/{}/{}: {e}", t.z, t.x, t.y)))?;
    let (mut r, fresh) = cached_response(state, req, &tile);
    Ok(if fresh {
        r.finish()
    } else {
        r.content_type("image/png").body(tile.data)
    })
}

/// 200 or 304 (the client has this ETag) with ETag and Cache-Control.
fn cached_response(
    state: &OwsState,
    req: &HttpRequest,
    tile: &TileBytes,
) -> (actix_web::HttpResponseBuilder, bool) {
    let tag = &*tile.etag;
    let fresh = req
        .headers()
        .get(actix_web::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut r = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    r.insert_header(("ETag", tag)).insert_header((
        "Cache-Control",
        format!("public, max-age={}", state.config.tiles.max_age_seconds),
    ));
    (r, fresh)
}

/// A vector tile: gzip-compressed when the client accepts it (browsers
/// do), ETag and caching headers as for PNG tiles.
async fn mvt_response(
    state: &OwsState,
    req: &HttpRequest,
    t: TileReq,
) -> Result<HttpResponse, OwsError> {
    let tile = state
        .tiles
        .mvt_gz(&t.tileset, t.layers, &t.tms, t.z, t.x, t.y)
        .await
        .map_err(|e| OwsError::internal(format!("vector tile {}/{}/{}: {e}", t.z, t.x, t.y)))?;
    let gz = &tile.data;
    let (mut r, fresh) = cached_response(state, req, &tile);
    let gzip_ok = req
        .headers()
        .get(actix_web::http::header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    r.insert_header(("Vary", "Accept-Encoding"));
    if fresh {
        return Ok(r.finish());
    }
    r.content_type("application/vnd.mapbox-vector-tile");
    Ok(if gz.is_empty() {
        r.finish()
    } else if gzip_ok {
        r.insert_header(("Content-Encoding", "gzip"))
            .body(gz.clone())
    } else {
        let raw = crate::tiles::service::gunzip(gz)
            .map_err(|e| OwsError::internal(format!("stored vector tile unreadable: {e}")))?;
        r.body(raw)
    })
}

/// Errors of the XYZ and OGC API endpoints: JSON with the HTTP status.
fn json_error(e: OwsError) -> HttpResponse {
    if e.status.is_server_error() {
        tracing::error!("tiles: {}", e.message);
    }
    HttpResponse::build(e.status)
        .content_type("application/json")
        .body(json!({"code": e.code, "description": e.message}).to_string())
}

/// GET /tiles/{layer}/{tms}/{z}/{x}/{y}.png
async fn xyz(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<(String, String, String, String, String)>,
) -> HttpResponse {
    let (layer, tms, z, x, file) = path.into_inner();
    let (y, vector) = match (file.strip_suffix(".png"), file.strip_suffix(".mvt")) {
        (Some(y), _) => (y, false),
        (_, Some(y)) => (y, true),
        _ => {
            return json_error(OwsError::not_found(format!(
                "no tile format '{file}': tiles are <y>.png or <y>.mvt"
            )))
        }
    };
    match tile_request(&state, &layer, &tms, &z, &x, y, false) {
        Ok(t) if vector => mvt_response(&state, &req, t)
            .await
            .unwrap_or_else(json_error),
        Ok(t) => png_response(&state, &req, t)
            .await
            .unwrap_or_else(json_error),
        Err(e) => json_error(e),
    }
}

/// The tilesets offered: the root layer, the groups and the layers with data.
fn tilesets(state: &OwsState) -> Vec<(String, String)> {
    let styles = state.maps.styles();
    let used = state
        .maps
        .used_layers(&crate::render::PlanFilter::All, false);
    let mut out = vec![(
        super::wms::ROOT_LAYER.to_string(),
        "Alle Planinhalte".to_string(),
    )];
    for g in &styles.groups {
        if g.layers.iter().any(|l| used.contains(&(*l as u32))) {
            out.push((g.name.clone(), g.title.clone()));
        }
    }
    for (i, l) in styles.layers.iter().enumerate() {
        if used.contains(&(i as u32)) {
            out.push((l.name.clone(), l.title.clone()));
        }
    }
    out
}

/// The tile matrix set definition of WMTS capabilities.
fn wmts_matrix_set(s: &mut String, tms: &TileMatrixSet) {
    let _ = write!(
        s,
        "<TileMatrixSet><ows:Identifier>{}</ows:Identifier><ows:SupportedCRS>urn:ogc:def:crs:EPSG::{}</ows:SupportedCRS>",
        tms.id, tms.srid
    );
    if let Some(w) = tms.well_known_scale_set {
        let _ = write!(s, "<WellKnownScaleSet>{w}</WellKnownScaleSet>");
    }
    for z in 0..=tms.max_zoom() {
        let (w, h) = tms.matrix_size(z);
        let _ = write!(
            s,
            "<TileMatrix><ows:Identifier>{z}</ows:Identifier><ScaleDenominator>{}</ScaleDenominator><TopLeftCorner>{} {}</TopLeftCorner><TileWidth>{ts}</TileWidth><TileHeight>{ts}</TileHeight><MatrixWidth>{w}</MatrixWidth><MatrixHeight>{h}</MatrixHeight></TileMatrix>",
            tms.scale_denominator(z),
            tms.origin[0],
            tms.origin[1],
            ts = tms.tile_size
        );
    }
    s.push_str("</TileMatrixSet>");
}

fn wmts_capabilities(state: &OwsState, req: &HttpRequest) -> HttpResponse {
    let base = base_url(state, req);
    let geo = super::wms::all_plans_geo_extent(state);
    let c = &state.config.service;
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Capabilities xmlns=\"{WMTS_NS}\" xmlns:ows=\"{OWS_NS}\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:gml=\"http://www.opengis.net/gml\" version=\"1.0.0\" xsi:schemaLocation=\"{WMTS_NS} http://schemas.opengis.net/wmts/1.0/wmtsGetCapabilities_response.xsd\">\
<ows:ServiceIdentification><ows:Title>{}</ows:Title><ows:Abstract>{}</ows:Abstract><ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion></ows:ServiceIdentification>\
<ows:ServiceProvider><ows:ProviderName>{}</ows:ProviderName><ows:ServiceContact/></ows:ServiceProvider><ows:OperationsMetadata>",
        xml_escape(&format!("{} (Kacheln)", c.title)),
        xml_escape(&c.abstract_text),
        xml_escape(if c.provider.is_empty() { &c.title } else { &c.provider }),
    );
    for op in ["GetCapabilities", "GetTile"] {
        let _ = write!(
            s,
            "<ows:Operation name=\"{op}\"><ows:DCP><ows:HTTP><ows:Get xlink:href=\"{base}/wmts?\"><ows:Constraint name=\"GetEncoding\"><ows:AllowedValues><ows:Value>KVP</ows:Value></ows:AllowedValues></ows:Constraint></ows:Get><ows:Get xlink:href=\"{base}/wmts/1.0.0/\"><ows:Constraint name=\"GetEncoding\"><ows:AllowedValues><ows:Value>RESTful</ows:Value></ows:AllowedValues></ows:Constraint></ows:Get></ows:HTTP></ows:DCP></ows:Operation>"
        );
    }
    s.push_str("</ows:OperationsMetadata><Contents>");
    let all = TileMatrixSet::all();
    for (name, title) in tilesets(state) {
        let _ = write!(
            s,
            "<Layer><ows:Title>{}</ows:Title><ows:WGS84BoundingBox><ows:LowerCorner>{} {}</ows:LowerCorner><ows:UpperCorner>{} {}</ows:UpperCorner></ows:WGS84BoundingBox><ows:Identifier>{}</ows:Identifier><Style isDefault=\"true\"><ows:Identifier>default</ows:Identifier></Style><Format>image/png</Format>",
            xml_escape(&title),
            geo[0], geo[1], geo[2], geo[3],
            xml_escape(&name)
        );
        for t in &all {
            let _ = write!(
                s,
                "<TileMatrixSetLink><TileMatrixSet>{}</TileMatrixSet></TileMatrixSetLink>",
                t.id
            );
        }
        let _ = write!(
            s,
            "<ResourceURL format=\"image/png\" resourceType=\"tile\" template=\"{base}/wmts/1.0.0/{}/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileRow}}/{{TileCol}}.png\"/></Layer>",
            xml_escape(&name)
        );
    }
    for t in &all {
        wmts_matrix_set(&mut s, t);
    }
    s.push_str("</Contents></Capabilities>\n");
    super::xml_response(s, "application/xml")
}

/// WMTS exceptions: OWS 1.1 reports.
fn wmts_error(e: OwsError) -> HttpResponse {
    if e.status.is_server_error() {
        tracing::error!("WMTS: {}", e.message);
    }
    super::ows_exception(&e, "1.0.0")
}

/// GET /wmts?SERVICE=WMTS&REQUEST=GetCapabilities|GetTile
async fn wmts_kvp(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    let result = async {
        let kvp = Kvp::from_query(req.query_string())?;
        if let Some(s) = kvp.get("SERVICE") {
            if !s.eq_ignore_ascii_case("WMTS") {
                return Err(OwsError::new(
                    Some("SERVICE"),
                    "InvalidParameterValue",
                    format!("SERVICE is '{s}', this is a WMTS"),
                ));
            }
        }
        let request = kvp.require("REQUEST")?;
        match request.to_ascii_lowercase().as_str() {
            "getcapabilities" => Ok(wmts_capabilities(&state, &req)),
            "gettile" => {
                if let Some(v) = kvp.get("VERSION") {
                    if v != "1.0.0" {
                        return Err(OwsError::new(
                            Some("VERSION"),
                            "InvalidParameterValue",
                            format!("version '{v}' is not supported (1.0.0)"),
                        ));
                    }
                }
                let format = kvp.require("FORMAT")?;
                if !format.eq_ignore_ascii_case("image/png") {
                    return Err(OwsError::new(
                        Some("FORMAT"),
                        "InvalidParameterValue",
                        format!("format '{format}' is not offered (image/png)"),
                    ));
                }
                kvp.require("STYLE")?;
                let t = tile_request(
                    &state,
                    kvp.require("LAYER")?,
                    kvp.require("TILEMATRIXSET")?,
                    kvp.require("TILEMATRIX")?,
                    kvp.require("TILECOL")?,
                    kvp.require("TILEROW")?,
                    true,
                )
                .map_err(|e| e.with_status(StatusCode::BAD_REQUEST))?;
                png_response(&state, &req, t).await
            }
            _ => Err(OwsError::new(
                Some("REQUEST"),
                "OperationNotSupported",
                format!("'{request}' is not a WMTS operation (GetCapabilities, GetTile)"),
            )),
        }
    }
    .await;
    result.unwrap_or_else(wmts_error)
}

async fn wmts_rest_capabilities(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    wmts_capabilities(&state, &req)
}

/// GET /wmts/1.0.0/{layer}/{style}/{tms}/{z}/{row}/{col}.png
async fn wmts_rest_tile(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<(String, String, String, String, String, String)>,
) -> HttpResponse {
    let (layer, _style, tms, z, row, file) = path.into_inner();
    let Some(col) = file.strip_suffix(".png") else {
        return wmts_error(OwsError::not_found(format!(
            "no tile format '{file}' (png)"
        )));
    };
    match tile_request(&state, &layer, &tms, &z, col, &row, false) {
        Ok(t) => png_response(&state, &req, t)
            .await
            .unwrap_or_else(wmts_error),
        Err(e) => wmts_error(e),
    }
}

/// A tile matrix set in the JSON encoding of OGC 17-083r4 (2.0).
fn tms_json(t: &TileMatrixSet) -> serde_json::Value {
    json!({
        "id": t.id,
        "title": t.title,
        "uri": t.registered_uri(),
        "crs": t.crs_uri,
        "orderedAxes": ["E", "N"],
        "wellKnownScaleSet": t.well_known_scale_set,
        "tileMatrices": (0..=t.max_zoom()).map(|z| {
            let (w, h) = t.matrix_size(z);
            json!({
                "id": z.to_string(),
                "scaleDenominator": t.scale_denominator(z),
                "cellSize": t.resolutions[z as usize],
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": t.origin,
                "tileWidth": t.tile_size, "tileHeight": t.tile_size,
                "matrixWidth": w, "matrixHeight": h,
            })
        }).collect::<Vec<_>>(),
    })
}

async fn oapi_tms_list(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    let base = base_url(&state, &req);
    HttpResponse::Ok().json(json!({
        "tileMatrixSets": TileMatrixSet::all().iter().map(|t| json!({
            "id": t.id, "title": t.title, "uri": t.registered_uri(), "crs": t.crs_uri,
            "links": [{"rel": "self", "type": "application/json", "href": format!("{base}/ogcapi/tileMatrixSets/{}", t.id)}],
        })).collect::<Vec<_>>(),
    }))
}

async fn oapi_tms(path: web::Path<String>) -> HttpResponse {
    match TileMatrixSet::by_id(&path) {
        Some(t) => HttpResponse::Ok().json(tms_json(&t)),
        None => json_error(OwsError::not_found(format!("no tile matrix set '{path}'"))),
    }
}

/// Map (PNG) or vector (MVT) tilesets of all plan content.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Map,
    Vector,
}

impl Kind {
    /// Path below /ogcapi, data type and tile media type.
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Map => ("map/tiles", "map", "image/png"),
            Kind::Vector => ("tiles", "vector", "application/vnd.mapbox-vector-tile"),
        }
    }
}

fn tileset_json(state: &OwsState, base: &str, t: &TileMatrixSet, kind: Kind) -> serde_json::Value {
    let geo = super::wms::all_plans_geo_extent(state);
    let (path, data_type, media) = kind.parts();
    json!({
        "title": format!("Pläne ({})", t.title),
        "dataType": data_type,
        "crs": t.crs_uri,
        "tileMatrixSetURI": t.registered_uri(),
        "boundingBox": {"lowerLeft": [geo[0], geo[1]], "upperRight": [geo[2], geo[3]], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
        "links": [
            {"rel": "self", "type": "application/json", "href": format!("{base}/ogcapi/{path}/{}", t.id)},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": "application/json", "href": format!("{base}/ogcapi/tileMatrixSets/{}", t.id)},
            {"rel": "item", "type": media, "templated": true, "href": format!("{base}/ogcapi/{path}/{}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", t.id)},
        ],
    })
}

fn oapi_tilesets(state: &OwsState, req: &HttpRequest, kind: Kind) -> HttpResponse {
    let base = base_url(state, req);
    HttpResponse::Ok().json(json!({
        "tilesets": TileMatrixSet::all().iter().map(|t| {
            let full = tileset_json(state, &base, t, kind);
            json!({"title": full["title"], "dataType": full["dataType"], "crs": t.crs_uri, "tileMatrixSetURI": t.registered_uri(),
                   "links": [full["links"][0], full["links"][1]]})
        }).collect::<Vec<_>>(),
    }))
}

fn oapi_tileset(state: &OwsState, req: &HttpRequest, id: &str, kind: Kind) -> HttpResponse {
    match TileMatrixSet::by_id(id) {
        Some(t) => HttpResponse::Ok().json(tileset_json(state, &base_url(state, req), &t, kind)),
        None => json_error(OwsError::not_found(format!("no tile matrix set '{id}'"))),
    }
}

/// A tile of all plan content (OGC API Tiles: row before column).
async fn oapi_tile(
    state: &OwsState,
    req: &HttpRequest,
    (tms, z, row, col): (String, String, String, String),
    kind: Kind,
) -> HttpResponse {
    match tile_request(state, super::wms::ROOT_LAYER, &tms, &z, &col, &row, false) {
        Ok(t) if kind == Kind::Vector => {
            mvt_response(state, req, t).await.unwrap_or_else(json_error)
        }
        Ok(t) => png_response(state, req, t).await.unwrap_or_else(json_error),
        Err(e) => json_error(e),
    }
}

async fn map_tilesets(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    oapi_tilesets(&state, &req, Kind::Map)
}

async fn vector_tilesets(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    oapi_tilesets(&state, &req, Kind::Vector)
}

async fn map_tileset(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    oapi_tileset(&state, &req, &path, Kind::Map)
}

async fn vector_tileset(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    oapi_tileset(&state, &req, &path, Kind::Vector)
}

async fn map_tile(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<(String, String, String, String)>,
) -> HttpResponse {
    oapi_tile(&state, &req, path.into_inner(), Kind::Map).await
}

async fn vector_tile(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<(String, String, String, String)>,
) -> HttpResponse {
    oapi_tile(&state, &req, path.into_inner(), Kind::Vector).await
}

/// GET /tiles/style.json: a MapLibre style for the vector tiles.
async fn style_json(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    let base = base_url(&state, &req);
    let styles = state.maps.styles();
    let used: Vec<u32> = state
        .maps
        .used_layers(&crate::render::PlanFilter::All, false)
        .into_iter()
        .collect();
    let tiles = format!("{base}/tiles/vektordaten/WebMercatorQuad/{{z}}/{{x}}/{{y}}.mvt");
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-cache"))
        .json(crate::tiles::style::maplibre_style(&styles, &tiles, &used))
}

/// GET /tiles: the tilesets and matrix sets with their URL templates.
async fn index(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    let base = base_url(&state, &req);
    HttpResponse::Ok().json(json!({
        "tileMatrixSets": TileMatrixSet::all().iter().map(|t| t.id).collect::<Vec<_>>(),
        "tilesets": tilesets(&state).into_iter().map(|(name, title)| json!({
            "name": name, "title": title,
            "png": format!("{base}/tiles/{name}/{{tileMatrixSet}}/{{z}}/{{x}}/{{y}}.png"),
            "mvt": format!("{base}/tiles/{name}/{{tileMatrixSet}}/{{z}}/{{x}}/{{y}}.mvt"),
        })).collect::<Vec<_>>(),
        "wmts": format!("{base}/wmts/1.0.0/WMTSCapabilities.xml"),
        "style": format!("{base}/tiles/style.json"),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tiles", web::get().to(index))
        .route("/tiles/style.json", web::get().to(style_json))
        .route("/tiles/{layer}/{tms}/{z}/{x}/{y}", web::get().to(xyz))
        .route("/wmts", web::get().to(wmts_kvp))
        .route(
            "/wmts/1.0.0/WMTSCapabilities.xml",
            web::get().to(wmts_rest_capabilities),
        )
        .route(
            "/wmts/1.0.0/{layer}/{style}/{tms}/{z}/{row}/{col}",
            web::get().to(wmts_rest_tile),
        )
        .route("/ogcapi/tileMatrixSets", web::get().to(oapi_tms_list))
        .route("/ogcapi/tileMatrixSets/{id}", web::get().to(oapi_tms))
        .route("/ogcapi/map/tiles", web::get().to(map_tilesets))
        .route("/ogcapi/map/tiles/{tms}", web::get().to(map_tileset))
        .route(
            "/ogcapi/map/tiles/{tms}/{z}/{row}/{col}",
            web::get().to(map_tile),
        )
        .route("/ogcapi/tiles", web::get().to(vector_tilesets))
        .route("/ogcapi/tiles/{tms}", web::get().to(vector_tileset))
        .route(
            "/ogcapi/tiles/{tms}/{z}/{row}/{col}",
            web::get().to(vector_tile),
        );
}
