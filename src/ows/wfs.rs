//! WFS 2.0.0: GetCapabilities, DescribeFeatureType, GetFeature,
//! GetPropertyValue, ListStoredQueries, DescribeStoredQueries, in KVP (GET)
//! and XML (POST), one service per XPlanGML version and plan status
//! (/wfs/{version}[/{status}], plus xPlanBox's /wfs{41..60}[pre|archive]).
//!
//! GetFeature returns the plans' own XPlanGML features: the stored original
//! fragment byte for byte when the plan is in the requested CRS, otherwise
//! with every geometry rewritten in that CRS; or GeoJSON with flattened
//! properties and code-list labels. Responses stream: the rows come from
//! one database snapshot in batches, are formatted on the rayon pool and
//! sent chunk by chunk, so memory stays flat for any result size.

use super::fes::{self, GeomContext, PostRequest, QuerySpec, StoredQueryCall};
use super::{base_url, on_cpu, urlencode, xml_escape, xml_response, Kvp, OwsError, OwsState};
use crate::store::features::{
    Batch, CmpOp, Columns, FeatureQuery, FeatureRow, Filter, Prop, WfsPlan,
};
use crate::xplan::codelists::CodeLists;
use crate::xplan::flat::{push_json_string, write_members, Labels};
use crate::xplan::Version;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

const WFS_NS: &str = "http://www.opengis.net/wfs/2.0";
const GML_NS: &str = "http://www.opengis.net/gml/3.2";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const FES_NS: &str = "http://www.opengis.net/fes/2.0";
const OWS_NS: &str = "http://www.opengis.net/ows/1.1";

/// Rows per batch formatted on the rayon pool.
const BATCH: usize = 512;

const GML_FORMAT: &str = "application/gml+xml; version=3.2";
pub(super) const GEOJSON_FORMAT: &str = "application/geo+json";

use super::fes::OTHER_CRS;

const Q_BY_ID: &str = "urn:ogc:def:query:OGC-WFS::GetFeatureById";
const Q_BY_TYPE: &str = "urn:ogc:def:query:OGC-WFS::GetFeatureByType";
const Q_PLAN_NAME: &str = "urn:ogc:def:query:OGC-WFS::PlanName";
const Q_PLAN_ID: &str = "urn:ogc:def:query:OGC-WFS::PlanId";
const Q_INTERNAL_ID: &str = "urn:ogc:def:query:OGC-WFS::InternalId";

/// (id, title, parameter, parameter title)
const STORED_QUERIES: [(&str, &str, &str, &str); 5] = [
    (
        Q_BY_ID,
        "Ein Objekt nach gml:id",
        "ID",
        "gml:id des Objekts",
    ),
    (
        Q_BY_TYPE,
        "Alle Objekte einer Objektart",
        "typeName",
        "Objektart, z.B. xplan:BP_Plan",
    ),
    (
        Q_PLAN_NAME,
        "Planobjekte nach Planname",
        "planName",
        "Name des Plans (xplan:name)",
    ),
    (
        Q_PLAN_ID,
        "Planobjekte nach Plannummer",
        "planId",
        "Nummer des Plans (xplan:nummer)",
    ),
    (
        Q_INTERNAL_ID,
        "Planobjekte nach interner ID",
        "internalId",
        "interne ID des Plans",
    ),
];

const PLAN_TYPES: [&str; 5] = ["BP_Plan", "FP_Plan", "RP_Plan", "LP_Plan", "SO_Plan"];

/// Which plans a WFS endpoint serves.
#[derive(Debug, Clone)]
pub struct Scope {
    pub version: Version,
    pub statuses: Vec<String>,
    pub path: String,
    pub title: String,
}

fn version_of(seg: &str) -> Option<Version> {
    let s = seg.replace('.', "");
    Version::ALL
        .into_iter()
        .find(|v| v.as_str().replace('.', "") == s)
}

fn status_of(seg: &str) -> Option<&'static str> {
    match seg.to_ascii_lowercase().as_str() {
        "festgestellt" => Some("festgestellt"),
        "in_aufstellung" | "in-aufstellung" | "inaufstellung" | "pre" => Some("in_aufstellung"),
        "archiviert" | "archive" => Some("archiviert"),
        _ => None,
    }
}

fn status_title(s: &str) -> &'static str {
    match s {
        "festgestellt" => "festgestellte Pläne",
        "in_aufstellung" => "Pläne in Aufstellung",
        _ => "archivierte Pläne",
    }
}

fn scope_for(version: &str, status: Option<&str>) -> Result<Scope, OwsError> {
    let not_found = || {
        OwsError::not_found(
            "no WFS at this address: use /wfs/{version} or /wfs/{version}/{festgestellt|in_aufstellung|archiviert} with version 41, 50, 51, 52, 53, 54 or 60",
        )
    };
    let v = version_of(version).ok_or_else(not_found)?;
    let digits = v.as_str().replace('.', "");
    match status {
        None => Ok(Scope {
            version: v,
            statuses: vec![],
            path: format!("/wfs/{digits}"),
            title: format!("XPlanGML {v}: alle Pläne"),
        }),
        Some(s) => {
            let st = status_of(s).ok_or_else(not_found)?;
            Ok(Scope {
                version: v,
                statuses: vec![st.to_string()],
                path: format!("/wfs/{digits}/{st}"),
                title: format!("XPlanGML {v}: {}", status_title(st)),
            })
        }
    }
}

/// xPlanBox's endpoint names: wfs54 (festgestellt), wfs54pre, wfs54archive.
fn scope_for_alias(name: &str) -> Result<Scope, OwsError> {
    let rest = name.trim_start_matches("wfs");
    let (digits, status) = if let Some(d) = rest.strip_suffix("pre") {
        (d, "in_aufstellung")
    } else if let Some(d) = rest.strip_suffix("archive") {
        (d, "archiviert")
    } else {
        (rest, "festgestellt")
    };
    let mut s = scope_for(digits, Some(status))?;
    s.path = format!("/{name}");
    Ok(s)
}

/// The WFS exception report (OWS 1.1, as WFS 2.0 prescribes).
pub fn exception_response(e: &OwsError) -> HttpResponse {
    super::ows_exception(e, "2.0.0")
}

/// The exception report of the request's protocol.
fn exception_for(protocol: Protocol, e: &OwsError) -> HttpResponse {
    match protocol {
        Protocol::V200 => exception_response(e),
        Protocol::V110 => super::wfs11::exception_response(e),
    }
}

/// A database failure: logged with its details, reported without them.
pub(super) fn store_err(e: crate::store::StoreError) -> OwsError {
    if let crate::store::StoreError::Busy(m) = &e {
        tracing::warn!("{m}");
        return OwsError::new(
            None,
            "OperationProcessingFailed",
            format!("the server is busy: {m}; try again"),
        )
        .with_status(StatusCode::SERVICE_UNAVAILABLE);
    }
    tracing::error!("feature query failed: {e}");
    OwsError::new(
        None,
        "OperationProcessingFailed",
        "the query failed in the database (details are in the server log)",
    )
    .with_status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The WFS protocol version of a request: 2.0.0, or 1.1.0 for older
/// clients (see [`super::wfs11`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum Protocol {
    V110,
    #[default]
    V200,
}

impl Protocol {
    /// The protocol a VERSION value asks for, if this WFS speaks it.
    fn parse(v: &str) -> Option<Protocol> {
        match v.trim() {
            "1.1.0" | "1.1" => Some(Protocol::V110),
            v if v.starts_with("2.0") => Some(Protocol::V200),
            _ => None,
        }
    }
}

/// A parsed WFS request, from KVP or XML.
#[derive(Debug, Default)]
struct Request {
    request: String,
    protocol: Protocol,
    queries: Vec<QuerySpec>,
    stored: Option<StoredQueryCall>,
    count: Option<i64>,
    start: i64,
    hits: bool,
    output_format: Option<String>,
    value_reference: Option<String>,
    /// DescribeFeatureType type names, DescribeStoredQueries ids
    names: Vec<String>,
    /// the KVP of a GET request (for paging links)
    kvp: Option<Vec<(String, String)>>,
}

fn param_err(name: &str, msg: impl Into<String>) -> OwsError {
    OwsError::new(Some(name), "InvalidParameterValue", msg)
}

fn parse_int(name: &str, v: Option<&str>) -> Result<Option<i64>, OwsError> {
    match v {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| param_err(name, format!("{name}='{s}' is not a non-negative integer"))),
    }
}

/// Splits a KVP list that is either "a,b" or "(a,b)(c)" into groups.
fn groups(v: &str) -> Vec<Vec<String>> {
    let t = v.trim();
    if t.starts_with('(') {
        t.split(')')
            .map(|g| g.trim().trim_start_matches('('))
            .filter(|g| !g.is_empty())
            .map(|g| g.split(',').map(|s| s.trim().to_string()).collect())
            .collect()
    } else {
        vec![t
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()]
    }
}

/// Splits the KVP FILTER value "(<Filter/>)(<Filter/>)" into filters;
/// anything but whitespace between the groups, or an unclosed group, is an
/// error (a filter must never be lost silently).
fn filter_groups(v: &str) -> Result<Vec<String>, OwsError> {
    let t = v.trim();
    if !t.starts_with('(') {
        return Ok(vec![t.to_string()]);
    }
    let bad = || {
        param_err(
            "FILTER",
            "FILTER lists filters as (<fes:Filter>…</fes:Filter>)(…)",
        )
    };
    let mut out = vec![];
    let mut depth = 0usize;
    let mut cur = String::new();
    let mut in_tag = false;
    for c in t.chars() {
        if depth == 0 {
            match c {
                '(' => depth = 1,
                c if c.is_whitespace() => {}
                _ => return Err(bad()),
            }
            continue;
        }
        match c {
            '<' => {
                in_tag = true;
                cur.push(c)
            }
            '>' => {
                in_tag = false;
                cur.push(c)
            }
            ')' if !in_tag && {
                let c = cur.trim_end();
                c.ends_with("Filter>") || c.ends_with("Filter/>")
            } =>
            {
                depth = 0;
                out.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    if depth != 0 || out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

fn geom_ctx(state: &OwsState, srs: Option<&str>) -> Result<GeomContext, OwsError> {
    let storage = state.store.storage_srid;
    let (default_srid, default_lat_lon) = match srs {
        Some(s) => fes::parse_crs(s)
            .ok_or_else(|| param_err("SRSNAME", format!("the CRS '{s}' is not supported")))?,
        None => (storage, false),
    };
    Ok(GeomContext {
        storage_srid: storage,
        default_srid,
        default_lat_lon,
    })
}

fn from_kvp(state: &OwsState, kvp: &Kvp) -> Result<Request, OwsError> {
    let request = kvp.require("REQUEST")?.to_string();
    let mut r = Request {
        request,
        ..Default::default()
    };
    r.count = parse_int("COUNT", kvp.get("COUNT").or(kvp.get("MAXFEATURES")))?;
    r.start = parse_int("STARTINDEX", kvp.get("STARTINDEX"))?.unwrap_or(0);
    r.hits = match kvp
        .get("RESULTTYPE")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("results") => false,
        Some("hits") => true,
        Some(o) => {
            return Err(param_err(
                "RESULTTYPE",
                format!("RESULTTYPE '{o}' is neither results nor hits"),
            ))
        }
    };
    r.output_format = kvp.get("OUTPUTFORMAT").map(str::to_string);
    r.value_reference = kvp.get("VALUEREFERENCE").map(str::to_string);
    let srs = kvp.get("SRSNAME").map(str::to_string);
    let ctx = geom_ctx(state, srs.as_deref())?;
    let type_groups = kvp
        .get("TYPENAMES")
        .or(kvp.get("TYPENAME"))
        .map(groups)
        .unwrap_or_default();
    if r.request.eq_ignore_ascii_case("DescribeFeatureType") {
        r.names = type_groups.into_iter().flatten().collect();
        return Ok(r);
    }
    if r.request.eq_ignore_ascii_case("ListStoredQueries") {
        return Ok(r);
    }
    if r.request.eq_ignore_ascii_case("DescribeStoredQueries") {
        r.names = kvp
            .get("STOREDQUERY_ID")
            .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default();
        return Ok(r);
    }
    if let Some(id) = kvp.get("STOREDQUERY_ID") {
        let known = [
            "STOREDQUERY_ID",
            "REQUEST",
            "SERVICE",
            "VERSION",
            "COUNT",
            "STARTINDEX",
            "RESULTTYPE",
            "OUTPUTFORMAT",
            "SRSNAME",
            "VALUEREFERENCE",
            "NAMESPACES",
            "MAXFEATURES",
            "RESOLVE",
            "RESOLVEDEPTH",
        ];
        r.stored = Some(StoredQueryCall {
            id: id.to_string(),
            params: kvp
                .0
                .iter()
                .filter(|(k, _)| !known.iter().any(|n| n.eq_ignore_ascii_case(k)))
                .cloned()
                .collect(),
        });
        r.queries.push(QuerySpec {
            srs_name: srs,
            ..Default::default()
        });
        return Ok(r);
    }
    let alternatives = ["FILTER", "BBOX", "RESOURCEID", "FEATUREID"]
        .iter()
        .filter(|k| kvp.get(k).is_some())
        .count();
    if alternatives > 1 {
        return Err(OwsError::new(
            None,
            "OperationParsingFailed",
            "FILTER, BBOX and RESOURCEID (FEATUREID) exclude each other",
        ));
    }
    let sort = match kvp.get("SORTBY") {
        Some(s) => fes::parse_sort_kvp(s)?,
        None => vec![],
    };
    let filters: Vec<Option<Filter>> = if let Some(f) = kvp.get("FILTER") {
        filter_groups(f)?
            .iter()
            .map(|x| fes::parse_filter(x, &ctx).map(Some))
            .collect::<Result<_, _>>()?
    } else if let Some(b) = kvp.get("BBOX") {
        vec![Some(bbox_filter(b, &ctx)?)]
    } else if let Some(ids) = kvp.get("RESOURCEID").or(kvp.get("FEATUREID")) {
        vec![Some(Filter::ResourceId(
            ids.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ))]
    } else {
        vec![]
    };
    if type_groups.is_empty() {
        if !matches!(filters.first(), Some(Some(Filter::ResourceId(_)))) {
            return Err(OwsError::new(
                Some("TYPENAMES"),
                "MissingParameterValue",
                "the parameter TYPENAMES is missing (or use RESOURCEID or STOREDQUERY_ID)",
            ));
        }
        r.queries.push(QuerySpec {
            type_names: vec![],
            filter: filters.into_iter().next().flatten(),
            sort,
            srs_name: srs,
        });
        return Ok(r);
    }
    if filters.len() > 1 && filters.len() != type_groups.len() {
        return Err(param_err(
            "FILTER",
            format!(
                "{} filters for {} queries (TYPENAMES groups)",
                filters.len(),
                type_groups.len()
            ),
        ));
    }
    for (i, types) in type_groups.into_iter().enumerate() {
        let filter = if filters.len() > 1 {
            filters[i].clone()
        } else {
            filters.first().cloned().flatten()
        };
        r.queries.push(QuerySpec {
            type_names: types,
            filter,
            sort: sort.clone(),
            srs_name: srs.clone(),
        });
    }
    Ok(r)
}

/// BBOX=minx,miny,maxx,maxy[,crs] (axis order of the CRS as named).
fn bbox_filter(v: &str, ctx: &GeomContext) -> Result<Filter, OwsError> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    if parts.len() != 4 && parts.len() != 5 {
        return Err(param_err(
            "BBOX",
            "BBOX needs four numbers and an optional CRS",
        ));
    }
    let n: Vec<f64> = parts[..4]
        .iter()
        .map(|p| p.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            param_err(
                "BBOX",
                format!("BBOX '{v}' has a value that is not a number"),
            )
        })?;
    if n.iter().any(|x| !x.is_finite()) || n[0] > n[2] || n[1] > n[3] {
        return Err(param_err(
            "BBOX",
            format!("BBOX '{v}': minimum above maximum"),
        ));
    }
    let (srid, lat_lon) = match parts.get(4) {
        Some(c) => fes::parse_crs(c)
            .ok_or_else(|| param_err("BBOX", format!("the CRS '{c}' is not supported")))?,
        None => (ctx.default_srid, ctx.default_lat_lon),
    };
    let ewkb = fes::box_ewkb(
        crate::gml::Coord::new(n[0], n[1]),
        crate::gml::Coord::new(n[2], n[3]),
        srid,
        lat_lon,
        ctx,
    )
    .map_err(|e| OwsError {
        locator: Some("BBOX".into()),
        ..e
    })?;
    Ok(Filter::Spatial {
        op: crate::store::features::SpatialOp::Intersects,
        ewkb,
    })
}

fn from_post(state: &OwsState, p: PostRequest) -> Result<Request, OwsError> {
    let attr = |n: &str| {
        p.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let mut r = Request {
        request: p.request.clone(),
        ..Default::default()
    };
    r.count = parse_int("count", attr("count").or(attr("maxFeatures")))?;
    r.start = parse_int("startIndex", attr("startIndex"))?.unwrap_or(0);
    r.hits = attr("resultType").is_some_and(|v| v.eq_ignore_ascii_case("hits"));
    r.output_format = attr("outputFormat").map(str::to_string);
    r.value_reference = attr("valueReference").map(str::to_string);
    r.names = p.names;
    r.queries = p.queries;
    if let Some(s) = p.stored {
        r.stored = Some(s);
        if r.queries.is_empty() {
            r.queries.push(QuerySpec::default());
        }
    }
    let _ = state;
    Ok(r)
}

/// Resolves type names (any prefix, or none) to the version's feature types.
fn resolve_types(names: &[String], cl: &CodeLists) -> Result<Vec<String>, OwsError> {
    let known = cl.feature_types();
    names
        .iter()
        .map(|n| {
            let local = n.rsplit([':', '}']).next().unwrap_or(n).trim();
            known
                .iter()
                .find(|k| **k == local)
                .map(|k| k.to_string())
                .ok_or_else(|| {
                    param_err(
                        "TYPENAMES",
                        format!("the feature type '{n}' is not offered by this service"),
                    )
                })
        })
        .collect()
}

/// The store filter of a request's queries (or stored query).
fn request_filter(r: &Request, cl: &CodeLists) -> Result<Filter, OwsError> {
    if let Some(sq) = &r.stored {
        let param = |name: &str| -> Result<String, OwsError> {
            sq.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    OwsError::new(
                        Some(name),
                        "MissingParameterValue",
                        format!("the stored query {} needs the parameter {name}", sq.id),
                    )
                })
        };
        let plans = || Filter::Types(PLAN_TYPES.iter().map(|s| s.to_string()).collect());
        let eq = |prop: Prop, value: String| Filter::Compare {
            prop,
            op: CmpOp::Eq,
            value,
            match_case: true,
        };
        return Ok(match sq.id.as_str() {
            Q_BY_ID => Filter::ResourceId(vec![param("ID")?]),
            Q_BY_TYPE => Filter::Types(resolve_types(&[param("typeName")?], cl)?),
            Q_PLAN_NAME => Filter::And(vec![plans(), eq(Prop::PlanName, param("planName")?)]),
            Q_PLAN_ID => Filter::And(vec![plans(), eq(Prop::PlanNummer, param("planId")?)]),
            Q_INTERNAL_ID => Filter::And(vec![
                plans(),
                eq(Prop::PlanInternalId, param("internalId")?),
            ]),
            other => {
                return Err(param_err(
                    "STOREDQUERY_ID",
                    format!(
                        "the stored query '{other}' does not exist (ListStoredQueries lists them)"
                    ),
                ))
            }
        });
    }
    if r.queries.is_empty() {
        return Err(OwsError::new(
            Some("TYPENAMES"),
            "MissingParameterValue",
            "the request has no query (TYPENAMES, RESOURCEID or STOREDQUERY_ID)",
        ));
    }
    let mut parts = vec![];
    for q in &r.queries {
        let mut and = vec![];
        if !q.type_names.is_empty() {
            and.push(Filter::Types(resolve_types(&q.type_names, cl)?));
        } else if !matches!(q.filter, Some(Filter::ResourceId(_))) {
            return Err(OwsError::new(
                Some("TYPENAMES"),
                "MissingParameterValue",
                "a query needs typeNames",
            ));
        }
        if let Some(f) = &q.filter {
            and.push(f.clone());
        }
        parts.push(Filter::And(and));
    }
    Ok(if parts.len() == 1 {
        parts.remove(0)
    } else {
        Filter::Or(parts)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Gml,
    GeoJson,
}

fn output_format(v: Option<&str>) -> Result<Format, OwsError> {
    let Some(f) = v else { return Ok(Format::Gml) };
    let l = f.to_ascii_lowercase().replace(' ', "");
    if l.starts_with("application/gml+xml")
        || l == "text/xml;subtype=gml/3.2"
        || l == "text/xml;subtype=gml/3.2.1"
        || l == "gml32"
        || l == "application/xml"
        || l == "text/xml"
    {
        Ok(Format::Gml)
    } else if matches!(
        l.as_str(),
        "application/geo+json" | "application/json" | "geojson" | "json"
    ) {
        Ok(Format::GeoJson)
    } else if l.contains("gml/3.1") || l == "gml3" || l == "gml2" {
        Err(param_err(
            "OUTPUTFORMAT",
            format!("the output format '{f}' is not offered: XPlanGML is GML 3.2, use {GML_FORMAT} (in WFS 1.1.0: text/xml; subtype=gml/3.2.1) or {GEOJSON_FORMAT}"),
        ))
    } else {
        Err(param_err(
            "OUTPUTFORMAT",
            format!("the output format '{f}' is not offered: use {GML_FORMAT} or {GEOJSON_FORMAT}"),
        ))
    }
}

/// The output CRS: (srid, lat/lon order, srsName to write).
fn output_crs(
    state: &OwsState,
    srs: Option<&str>,
    format: Format,
) -> Result<(u32, bool, String), OwsError> {
    match srs {
        Some(s) => {
            let (srid, lat_lon) = fes::parse_crs(s)
                .filter(|(c, _)| *c == state.store.storage_srid || OTHER_CRS.contains(c))
                .ok_or_else(|| {
                    param_err(
                        "SRSNAME",
                        format!("the CRS '{s}' is not offered (GetCapabilities lists DefaultCRS and OtherCRS)"),
                    )
                })?;
            Ok((srid, lat_lon && format == Format::Gml, s.to_string()))
        }
        None if format == Format::GeoJson => {
            Ok((4326, false, "urn:ogc:def:crs:OGC:1.3:CRS84".into()))
        }
        None => {
            let s = state.store.storage_srid;
            Ok((s, false, format!("EPSG:{s}")))
        }
    }
}

/// Everything the formatting of result batches needs.
pub(super) struct Frame {
    format: Format,
    plans: HashMap<i64, WfsPlan>,
    /// extra namespace declarations per plan for wfs:member (bindings the
    /// collection root does not have)
    member_ns: HashMap<i64, String>,
    /// the member element: wfs:member (2.0) or gml:featureMember (1.1.0)
    member: &'static str,
    out_srid: u32,
    lat_lon: bool,
    srs_name: String,
    decimals: usize,
    storage_srid: u32,
    codes: Arc<CodeLists>,
}

impl Frame {
    /// Appends `body` as one member of the collection (wfs:member, or
    /// gml:featureMember in 1.1.0) with the namespace declarations the
    /// plan `plan_id` needs beyond the root's.
    fn wrap_member(&self, plan_id: i64, body: &[u8], out: &mut Vec<u8>) {
        out.push(b'<');
        out.extend_from_slice(self.member.as_bytes());
        if let Some(ns) = self.member_ns.get(&plan_id) {
            out.extend_from_slice(ns.as_bytes());
        }
        out.push(b'>');
        out.extend_from_slice(body);
        out.extend_from_slice(b"</");
        out.extend_from_slice(self.member.as_bytes());
        out.extend_from_slice(b">\n");
    }

    /// The feature's XML: as stored, or with its geometries in the output CRS.
    /// True when the stored fragment goes out unchanged: the plan is in
    /// the output CRS and the geometries name it.
    fn is_verbatim(&self, xml: &[u8], plan: Option<&WfsPlan>) -> bool {
        static SRS_NAME: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"srsName"));
        let from = plan.map(|p| p.srid).unwrap_or(self.out_srid);
        from == self.out_srid
            && !self.lat_lon
            && (SRS_NAME.find(xml).is_some() || !has_geometry(xml))
    }

    /// The GML members of a batch when every one is a copy of its stored
    /// fragment (no CPU worth sending to the pool: they are concatenated
    /// in place, as bytes, PostgreSQL having sent valid UTF-8); None when
    /// one needs rewriting.
    fn copied_members(&self, rows: &[FeatureRow], value_ref: Option<&Prop>) -> Option<Vec<u8>> {
        if self.format != Format::Gml || value_ref.is_some() {
            return None;
        }
        let mut out = Vec::new();
        // rows come grouped by plan: look a plan up once per run of rows
        let mut last: Option<(i64, Option<&WfsPlan>)> = None;
        for (i, r) in rows.iter().enumerate() {
            let id = r.plan_id();
            let plan = match last {
                Some((l, plan)) if l == id => plan,
                _ => last.insert((id, self.plans.get(&id))).1,
            };
            let xml = r.xml_bytes().unwrap_or(b"");
            if !self.is_verbatim(xml, plan) {
                return None;
            }
            if i == 0 {
                // reserved once the batch is known to be a copy (a batch to
                // rewrite is mostly recognised at its first row)
                let wrap =
                    2 * self.member.len() + 5 + self.member_ns.get(&id).map_or(0, String::len);
                out.reserve(
                    rows.iter()
                        .map(|r| r.xml_bytes().map_or(0, |x| x.len() + wrap))
                        .sum(),
                );
            }
            self.wrap_member(id, xml, &mut out);
        }
        Some(out)
    }

    fn feature_xml<'x>(
        &self,
        xml: &'x str,
        plan: Option<&WfsPlan>,
    ) -> Result<std::borrow::Cow<'x, str>, String> {
        if self.is_verbatim(xml.as_bytes(), plan) {
            return Ok(xml.into());
        }
        let from = plan.map(|p| p.srid).unwrap_or(self.out_srid);
        let ns = plan.map(|p| p.namespaces.as_slice()).unwrap_or(&[]);
        let x = crate::gml::write::reproject_fragment(
            xml,
            ns,
            from,
            self.out_srid,
            &self.srs_name,
            self.lat_lon,
            self.decimals,
        )
        .map_err(|e| e.to_string())?;
        Ok(x.into())
    }

    pub(super) fn geojson_feature<'a>(
        &'a self,
        row: &FeatureRow,
        first: bool,
        out: &mut String,
        labels: &mut Labels<'a>,
    ) -> Result<(), String> {
        if !first {
            out.push(',');
        }
        out.push_str("\n{\"type\":\"Feature\",\"id\":");
        push_json_string(out, row.gml_id());
        out.push_str(",\"geometry\":");
        match row.wkb() {
            Some(wkb) => {
                let t = crate::crs::Transform::new(self.storage_srid, self.out_srid)
                    .map_err(|e| e.to_string())?;
                let swap = self.lat_lon;
                crate::gml::wkb::write_geojson(
                    wkb,
                    &mut |c| {
                        let p = t.apply(c).map_err(|e| e.to_string())?;
                        Ok(if swap { [p[1], p[0]] } else { p })
                    },
                    self.decimals,
                    out,
                )?;
            }
            None => out.push_str("null"),
        }
        out.push_str(",\"properties\":{\"featureType\":");
        push_json_string(out, row.feature_type());
        let _ = write!(out, ",\"xplanMgrPlanId\":{}", row.plan_id());
        if let Some(p) = self.plans.get(&row.plan_id()) {
            out.push_str(",\"xpPlanName\":");
            push_json_string(out, &p.name);
        }
        if let Some(flat) = row.flat() {
            if !flat.is_empty() {
                out.push(',');
                out.push_str(flat);
            }
        } else if let Some(p) = row.properties() {
            write_members(p, row.feature_type(), &self.codes, labels, out, false)?;
        }
        out.push_str("}}");
        Ok(())
    }
}

fn has_geometry(xml: &[u8]) -> bool {
    memchr::memmem::find(xml, b":pos").is_some() || memchr::memmem::find(xml, b"<pos").is_some()
}

/// Namespace declarations of the collection root (all plans' bindings that
/// agree) and, per plan, those its members need in addition.
fn namespaces(
    plans: &HashMap<i64, WfsPlan>,
    version: Version,
    wfs_ns: &str,
) -> (Vec<(String, String)>, HashMap<i64, String>) {
    let mut root: Vec<(String, String)> = vec![
        ("wfs".into(), wfs_ns.into()),
        ("gml".into(), GML_NS.into()),
        ("xlink".into(), XLINK_NS.into()),
        ("xsi".into(), XSI_NS.into()),
        ("xplan".into(), version.namespace().into()),
    ];
    let mut ids: Vec<&i64> = plans.keys().collect();
    ids.sort();
    for id in &ids {
        for (p, u) in plans[id].namespaces.iter() {
            if !p.is_empty() && !root.iter().any(|(q, _)| q == p) {
                root.push((p.clone(), u.clone()));
            }
        }
    }
    let mut member = HashMap::new();
    for id in ids {
        let mut extra = String::new();
        for (p, u) in plans[id].namespaces.iter() {
            if p == "wfs" || p == "xsi" {
                continue;
            }
            if root.iter().any(|(q, v)| q == p && v == u) {
                continue;
            }
            let attr = if p.is_empty() {
                "xmlns".to_string()
            } else {
                format!("xmlns:{p}")
            };
            let _ = write!(extra, " {attr}=\"{}\"", xml_escape(u));
        }
        if !extra.is_empty() {
            member.insert(*id, extra);
        }
    }
    (root, member)
}

/// Inserts namespace declarations into the first start tag of a fragment.
fn with_namespaces(xml: &str, decls: &str) -> String {
    let name_end = xml
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_whitespace() || *c == '>' || *c == '/')
        .map(|(i, _)| i)
        .unwrap_or(xml.len());
    format!("{}{decls}{}", &xml[..name_end], &xml[name_end..])
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn paging_link(base: &str, kvp: &[(String, String)], start: i64) -> String {
    let mut u = format!("{base}?");
    let mut first = true;
    for (k, v) in kvp {
        if k.eq_ignore_ascii_case("STARTINDEX") {
            continue;
        }
        if !first {
            u.push('&');
        }
        first = false;
        let _ = write!(u, "{}={}", urlencode(k), urlencode(v));
    }
    let _ = write!(u, "&STARTINDEX={start}");
    u
}

async fn get_feature(
    state: web::Data<OwsState>,
    req: &HttpRequest,
    scope: &Scope,
    r: Request,
    property_value: bool,
) -> Result<HttpResponse, OwsError> {
    let codes = CodeLists::of(scope.version);
    let filter = request_filter(&r, &codes)?;
    let format = if property_value {
        Format::Gml
    } else {
        output_format(r.output_format.as_deref())?
    };
    let srs = r.queries.first().and_then(|q| q.srs_name.clone());
    let (out_srid, lat_lon, srs_name) = output_crs(&state, srs.as_deref(), format)?;
    let value_ref = if property_value {
        let v = r.value_reference.clone().ok_or_else(|| {
            OwsError::new(
                Some("VALUEREFERENCE"),
                "MissingParameterValue",
                "the parameter VALUEREFERENCE is missing",
            )
        })?;
        Some(fes::value_reference(&v).map_err(|e| OwsError {
            locator: Some("VALUEREFERENCE".into()),
            ..e
        })?)
    } else {
        None
    };
    let sort = r
        .queries
        .first()
        .map(|q| q.sort.clone())
        .unwrap_or_default();
    let by_id = r.stored.as_ref().is_some_and(|s| s.id == Q_BY_ID);
    let q = FeatureQuery {
        version: scope.version.as_str().to_string(),
        statuses: scope.statuses.clone(),
        filter,
        sort,
        start: r.start,
        count: r.count,
    };
    let v110 = r.protocol == Protocol::V110;
    let base = format!("{}{}", base_url(&state, req), scope.path);
    // The plans of the scope frame the features (namespaces, CRS, names):
    // read in the snapshot of the rows (so that a plan imported or deleted
    // meanwhile cannot leave rows without their frame), not at all for hits.
    let make_frame = |plans: Vec<WfsPlan>| {
        let plans: HashMap<i64, WfsPlan> = plans.into_iter().map(|p| (p.id, p)).collect();
        let (root_ns, member_ns) = namespaces(
            &plans,
            scope.version,
            if v110 { super::wfs11::WFS_NS } else { WFS_NS },
        );
        let frame = Arc::new(Frame {
            format,
            plans,
            member_ns,
            member: if v110 {
                "gml:featureMember"
            } else {
                "wfs:member"
            },
            out_srid,
            lat_lon,
            srs_name,
            decimals: match (crate::crs::is_geographic(out_srid), format) {
                (true, Format::Gml) => 9,
                (true, Format::GeoJson) => 8,
                _ => 3,
            },
            storage_srid: state.store.storage_srid,
            codes,
        });
        (frame, root_ns)
    };
    let cols = Columns {
        xml: format == Format::Gml,
        geojson: format == Format::GeoJson,
        wkb: format == Format::GeoJson,
    };

    if r.hits {
        let n = state.store.count_features(&q).await.map_err(store_err)?;
        return Ok(match format {
            Format::Gml if v110 => xml_response(
                super::wfs11::hits(n, &now()),
                super::wfs11::GML_FORMAT,
            ),
            Format::Gml => {
                let root = if property_value {
                    "wfs:ValueCollection"
                } else {
                    "wfs:FeatureCollection"
                };
                let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}");
                let _ = writeln!(x, " xmlns:wfs=\"{WFS_NS}\" xmlns:xsi=\"{XSI_NS}\" xsi:schemaLocation=\"{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd\" timeStamp=\"{}\" numberMatched=\"{n}\" numberReturned=\"0\"/>", now());
                xml_response(x, GML_FORMAT)
            }
            Format::GeoJson => HttpResponse::Ok()
                .content_type(GEOJSON_FORMAT)
                .body(serde_json::json!({"type": "FeatureCollection", "numberMatched": n, "numberReturned": 0, "timeStamp": now(), "features": []}).to_string()),
        });
    }

    if by_id {
        // GetFeatureById: the bare feature, 404 when there is none
        let rows = state
            .store
            .query_features(&q, cols)
            .await
            .map_err(store_err)?;
        let Some(row) = rows.into_iter().next() else {
            return Err(OwsError {
                code: "NotFound",
                locator: Some("ID".into()),
                message: "no feature with this gml:id".into(),
                status: StatusCode::NOT_FOUND,
            });
        };
        let plans = state
            .store
            .wfs_plans(scope.version.as_str(), &scope.statuses)
            .await
            .map_err(store_err)?;
        let (f2, _) = make_frame(plans);
        let body = on_cpu(move || -> Result<String, String> {
            match f2.format {
                Format::Gml => {
                    let plan = f2.plans.get(&row.plan_id());
                    let x = f2.feature_xml(row.xml().unwrap_or(""), plan)?;
                    // the plan's bindings, except those the element declares itself
                    let first_tag = &x[..x.find('>').unwrap_or(x.len())];
                    let mut decls = String::new();
                    for (p, u) in plan.map(|p| p.namespaces.as_slice()).unwrap_or(&[]) {
                        let a = if p.is_empty() {
                            "xmlns".to_string()
                        } else {
                            format!("xmlns:{p}")
                        };
                        if !first_tag.contains(&format!(" {a}=")) {
                            let _ = write!(decls, " {a}=\"{}\"", xml_escape(u));
                        }
                    }
                    Ok(format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
                        with_namespaces(&x, &decls)
                    ))
                }
                Format::GeoJson => {
                    let mut s = String::new();
                    f2.geojson_feature(&row, true, &mut s, &mut Labels::new())?;
                    Ok(s.trim_start().to_string())
                }
            }
        })
        .await?
        .map_err(|e| OwsError::internal(format!("the feature could not be written: {e}")))?;
        return Ok(HttpResponse::Ok()
            .content_type(if format == Format::Gml {
                GML_FORMAT
            } else {
                GEOJSON_FORMAT
            })
            .body(body));
    }

    // stored fragments sent as they are: PostgreSQL is the bottleneck
    let split_reads = format == Format::Gml && value_ref.is_none();
    let (plans, matched, rx) = open_feature_stream(&state, q, cols, (true, split_reads)).await?;
    let (frame, root_ns) = make_frame(plans);
    let returned = (matched - r.start).max(0).min(r.count.unwrap_or(i64::MAX));
    let next = match (&r.kvp, r.count) {
        (Some(kvp), Some(c)) if c > 0 && r.start.saturating_add(c) < matched => {
            Some(paging_link(&base, kvp, r.start.saturating_add(c)))
        }
        _ => None,
    };
    let previous = match (&r.kvp, r.count) {
        (Some(kvp), Some(c)) if r.start > 0 && c > 0 => {
            Some(paging_link(&base, kvp, r.start.saturating_sub(c).max(0)))
        }
        _ => None,
    };
    let schema_url = format!(
        "{}/schemas/xplan/{}/XPlanGML.xsd",
        base_url(&state, req),
        scope.version.xsd_dir()
    );
    let (head, tail) = match (format, &value_ref) {
        (Format::Gml, None) if v110 => super::wfs11::collection(
            &root_ns,
            &format!("{} {}", scope.version.namespace(), xml_escape(&schema_url)),
            returned,
            &now(),
        ),
        (Format::Gml, _) => {
            let root = if value_ref.is_some() {
                "wfs:ValueCollection"
            } else {
                "wfs:FeatureCollection"
            };
            let mut h = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}");
            for (p, u) in &root_ns {
                let _ = write!(h, " xmlns:{p}=\"{}\"", xml_escape(u));
            }
            let _ = write!(
                h,
                " xsi:schemaLocation=\"{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd {} {}\" timeStamp=\"{}\" numberMatched=\"{matched}\" numberReturned=\"{returned}\"",
                scope.version.namespace(),
                xml_escape(&schema_url),
                now()
            );
            if let Some(n) = &next {
                let _ = write!(h, " next=\"{}\"", xml_escape(n));
            }
            if let Some(p) = &previous {
                let _ = write!(h, " previous=\"{}\"", xml_escape(p));
            }
            h.push_str(">\n");
            (h, format!("</{root}>\n"))
        }
        (Format::GeoJson, _) => {
            let mut links = vec![];
            if let Some(n) = &next {
                links.push(serde_json::json!({"href": n, "rel": "next", "type": GEOJSON_FORMAT}));
            }
            if let Some(p) = &previous {
                links.push(serde_json::json!({"href": p, "rel": "prev", "type": GEOJSON_FORMAT}));
            }
            let head = format!(
                "{{\"type\":\"FeatureCollection\",\"numberMatched\":{matched},\"numberReturned\":{returned},\"timeStamp\":\"{}\",\"links\":{},\"features\":[",
                now(),
                Value::Array(links)
            );
            (head, "\n]}\n".to_string())
        }
    };
    let content_type = match format {
        Format::Gml if v110 => super::wfs11::GML_FORMAT,
        Format::Gml => GML_FORMAT,
        Format::GeoJson => GEOJSON_FORMAT,
    };
    Ok(streaming_response(
        req,
        content_type,
        (head, tail),
        rx,
        frame,
        value_ref,
    ))
}

pub(super) type FeatureReceiver =
    tokio::sync::mpsc::Receiver<Result<Batch, crate::store::StoreError>>;

/// Starts a streaming query (scope plans when `with_plans`, count and rows
/// from one snapshot) and waits for the plans and the number of matches,
/// so that errors still become exceptions.
pub(super) async fn open_feature_stream(
    state: &OwsState,
    q: FeatureQuery,
    cols: Columns,
    (with_plans, split_reads): (bool, bool),
) -> Result<(Vec<WfsPlan>, i64, FeatureReceiver), OwsError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let store = state.store.clone();
    tokio::spawn(async move {
        store
            .stream_features(q, cols, (with_plans, true, split_reads), BATCH, tx)
            .await
    });
    let mut plans = vec![];
    if with_plans {
        match rx.recv().await {
            Some(Ok(Batch::Plans(p))) => plans = p,
            Some(Err(e)) => return Err(store_err(e)),
            _ => return Err(OwsError::internal("the query ended without its plans")),
        }
    }
    match rx.recv().await {
        Some(Ok(Batch::Matched(n))) => Ok((plans, n, rx)),
        Some(Err(e)) => Err(store_err(e)),
        _ => Err(OwsError::internal("the query ended without a result")),
    }
}

/// A chunked response of `head`, the formatted rows and `tail`.
pub(super) fn streaming_response(
    req: &HttpRequest,
    content_type: &str,
    (head, tail): (String, String),
    rx: FeatureReceiver,
    frame: Arc<Frame>,
    value_ref: Option<Prop>,
) -> HttpResponse {
    let body = async_body(head, tail, rx, frame, Arc::new(value_ref));
    let mut resp = HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header(("Cache-Control", "no-cache"))
        .streaming(body);
    if req.version() < actix_web::http::Version::HTTP_11 {
        // HTTP/1.0 knows no chunked encoding: the end of the body is the
        // end of the connection
        resp.head_mut().no_chunking(true);
        resp.head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
    }
    resp
}

/// The formatting frame of GeoJSON output for the plans of a version.
pub(super) async fn geojson_frame(
    state: &OwsState,
    version: Version,
    out_srid: u32,
    lat_lon: bool,
) -> Result<Arc<Frame>, OwsError> {
    let plans: HashMap<i64, WfsPlan> = state
        .store
        .wfs_plans(version.as_str(), &[])
        .await
        .map_err(store_err)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(Arc::new(Frame {
        format: Format::GeoJson,
        plans,
        member_ns: HashMap::new(),
        member: "wfs:member",
        out_srid,
        lat_lon,
        srs_name: String::new(),
        decimals: if crate::crs::is_geographic(out_srid) {
            8
        } else {
            3
        },
        storage_srid: state.store.storage_srid,
        codes: CodeLists::of(version),
    }))
}

/// The response body: head, formatted batches, tail. Batches are
/// formatted on the rayon pool, two at a time (in order), while the next
/// ones arrive from the database.
fn async_body(
    head: String,
    tail: String,
    rx: tokio::sync::mpsc::Receiver<Result<Batch, crate::store::StoreError>>,
    frame: Arc<Frame>,
    value_ref: Arc<Option<Prop>>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    use futures_util::StreamExt;
    let batches =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
    let formatted = batches
        .enumerate()
        .map(move |(i, b)| {
            let frame = frame.clone();
            let vr = value_ref.clone();
            async move {
                let rows = match b {
                    Ok(Batch::Rows(rows)) => rows,
                    Ok(Batch::Matched(_) | Batch::Plans(_)) => return Ok(Bytes::new()),
                    Err(e) => {
                        tracing::error!("WFS response aborted: {e}");
                        return Err(actix_web::error::ErrorInternalServerError(e.to_string()));
                    }
                };
                if let Some(chunk) = frame.copied_members(&rows, vr.as_ref().as_ref()) {
                    return Ok(Bytes::from(chunk));
                }
                match on_cpu(move || format_batch(&frame, &rows, i == 0, vr.as_ref().as_ref()))
                    .await
                {
                    Ok(Ok(chunk)) => Ok(Bytes::from(chunk)),
                    Ok(Err(e)) | Err(OwsError { message: e, .. }) => {
                        tracing::error!("WFS response aborted: {e}");
                        Err(actix_web::error::ErrorInternalServerError(e))
                    }
                }
            }
        })
        .buffered(2);
    futures_util::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(formatted)
        .chain(futures_util::stream::once(
            async move { Ok(Bytes::from(tail)) },
        ))
}

fn format_batch(
    frame: &Frame,
    rows: &[FeatureRow],
    first: bool,
    value_ref: Option<&Prop>,
) -> Result<Vec<u8>, String> {
    let size: usize = rows
        .iter()
        .map(|r| r.xml_bytes().map_or(600, |x| x.len() + 64))
        .sum();
    let mut out = Vec::new();
    match (frame.format, value_ref) {
        (Format::Gml, None) => {
            out.reserve(size);
            for r in rows {
                let plan = frame.plans.get(&r.plan_id());
                let x = frame.feature_xml(r.xml().unwrap_or(""), plan)?;
                frame.wrap_member(r.plan_id(), x.as_bytes(), &mut out);
            }
        }
        (Format::Gml, Some(prop)) => {
            out.reserve(size);
            for r in rows {
                let plan = frame.plans.get(&r.plan_id());
                for v in property_values(r, plan, prop)? {
                    frame.wrap_member(r.plan_id(), v.as_bytes(), &mut out);
                }
            }
        }
        (Format::GeoJson, _) => {
            let mut json = String::with_capacity(size);
            let mut labels = Labels::new();
            for (i, r) in rows.iter().enumerate() {
                frame.geojson_feature(r, first && i == 0, &mut json, &mut labels)?;
            }
            out = json.into_bytes();
        }
    }
    Ok(out)
}

/// The values of a property of one feature, as XML content: text (escaped)
/// for simple values, the child elements as stored for complex ones.
fn property_values(
    row: &FeatureRow,
    plan: Option<&WfsPlan>,
    prop: &Prop,
) -> Result<Vec<String>, String> {
    use crate::gml::reader::{Ev, XmlCursor};
    let steps = match prop {
        Prop::GmlId => return Ok(vec![xml_escape(row.gml_id())]),
        Prop::Path(s) => s,
        _ => return Ok(vec![]),
    };
    let xml = row.xml().unwrap_or("");
    let decl: String = {
        let mut d = String::from("<r");
        for (p, u) in plan.map(|p| p.namespaces.as_slice()).unwrap_or(&[]) {
            let a = if p.is_empty() {
                "xmlns".to_string()
            } else {
                format!("xmlns:{p}")
            };
            let _ = write!(d, " {a}=\"{}\"", xml_escape(u));
        }
        d.push('>');
        d
    };
    let scope = quick_xml::events::BytesStart::from_content(&decl[1..decl.len() - 1], 1);
    let mut cur = XmlCursor::fragment(xml, 1, 0, &[&scope]).map_err(|e| e.to_string())?;
    // the feature element is at depth 1, its properties at depth 2
    let mut out = vec![];
    let mut depth = 0usize;
    // (depth at which the next step is expected, index of that step)
    let mut want: Vec<(usize, usize)> = vec![(2, 0)];
    loop {
        match cur.next_event().map_err(|e| e.to_string())? {
            Ev::Start(e) => {
                depth += 1;
                let Some(&(level, idx)) = want.last() else {
                    continue;
                };
                if depth != level {
                    continue;
                }
                let local = e.local.as_str();
                if idx > 0 && fes::is_type_name(local) {
                    // a data type element between two property steps
                    want.push((level + 1, idx));
                } else if local == steps[idx] {
                    if idx + 1 < steps.len() {
                        want.push((level + 1, idx + 1));
                        continue;
                    }
                    // the value: the element's content
                    let start = cur.position();
                    let end = cur.skip().map_err(|e| e.to_string())?;
                    depth -= 1;
                    if e.empty {
                        continue;
                    }
                    let inner = xml[start.min(end)..end]
                        .rsplit_once("</")
                        .map(|(a, _)| a)
                        .unwrap_or("");
                    out.push(inner.trim().to_string());
                }
            }
            Ev::End { .. } => {
                if want.len() > 1 && want.last().is_some_and(|w| w.0 == depth + 1) {
                    want.pop();
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            Ev::Text(_) => {}
            Ev::Eof => break,
        }
    }
    Ok(out)
}

/// The protocol of a GetCapabilities request: the first of ACCEPTVERSIONS
/// this WFS speaks, else VERSION if it names one, else 2.0.0.
fn negotiate(kvp: &Kvp) -> Result<Protocol, OwsError> {
    if let Some(av) = kvp.get("ACCEPTVERSIONS") {
        return av.split(',').find_map(Protocol::parse).ok_or_else(|| {
            OwsError::new(
                Some("ACCEPTVERSIONS"),
                "VersionNegotiationFailed",
                format!(
                    "none of the versions '{av}' is supported: this WFS speaks 2.0.0 and 1.1.0"
                ),
            )
        });
    }
    Ok(kvp
        .get("VERSION")
        .and_then(Protocol::parse)
        .unwrap_or_default())
}

/// The CRSs offered: the storage CRS first.
fn offered_crs(storage: u32) -> Vec<u32> {
    let mut crs: Vec<u32> = vec![];
    for c in std::iter::once(storage).chain(OTHER_CRS) {
        if !crs.contains(&c) {
            crs.push(c);
        }
    }
    crs
}

async fn capabilities(
    state: &OwsState,
    req: &HttpRequest,
    scope: &Scope,
    protocol: Protocol,
) -> Result<HttpResponse, OwsError> {
    let esc = xml_escape;
    let url = format!("{}{}", base_url(state, req), scope.path);
    let svc = &state.config.service;
    let codes = CodeLists::of(scope.version);
    let storage = state.store.storage_srid;
    let extent = state
        .store
        .wfs_extent(scope.version.as_str(), &scope.statuses)
        .await
        .map_err(store_err)?;
    let crs = offered_crs(storage);
    if protocol == Protocol::V110 {
        return Ok(xml_response(
            super::wfs11::capabilities(&super::wfs11::Service {
                title: &format!("{} – {}", svc.title, scope.title),
                abstract_text: &svc.abstract_text,
                provider: if svc.provider.is_empty() {
                    &svc.title
                } else {
                    &svc.provider
                },
                keyword: &format!("XPlanGML {}", scope.version),
                url: &url,
                namespace: scope.version.namespace(),
                types: &codes.feature_types(),
                crs: &crs,
                extent,
            }),
            "text/xml",
        ));
    }
    let mut x = String::with_capacity(120_000);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<wfs:WFS_Capabilities version=\"2.0.0\" xmlns:wfs=\"{WFS_NS}\" xmlns:ows=\"{OWS_NS}\" xmlns:fes=\"{FES_NS}\" xmlns:gml=\"{GML_NS}\" xmlns:xlink=\"{XLINK_NS}\" xmlns:xsi=\"{XSI_NS}\" xmlns:xplan=\"{}\" xsi:schemaLocation=\"{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd\">\n",
        scope.version.namespace()
    );
    let _ = write!(
        x,
        "<ows:ServiceIdentification>\n  <ows:Title>{} – {}</ows:Title>\n  <ows:Abstract>{}</ows:Abstract>\n  <ows:Keywords><ows:Keyword>XPlanung</ows:Keyword><ows:Keyword>XPlanGML {}</ows:Keyword></ows:Keywords>\n  <ows:ServiceType>WFS</ows:ServiceType>\n  <ows:ServiceTypeVersion>2.0.0</ows:ServiceTypeVersion>\n  <ows:Fees>none</ows:Fees>\n  <ows:AccessConstraints>none</ows:AccessConstraints>\n</ows:ServiceIdentification>\n",
        esc(&svc.title),
        esc(&scope.title),
        esc(&svc.abstract_text),
        scope.version
    );
    let _ = writeln!(
        x,
        "<ows:ServiceProvider><ows:ProviderName>{}</ows:ProviderName><ows:ServiceContact/></ows:ServiceProvider>",
        esc(if svc.provider.is_empty() { &svc.title } else { &svc.provider })
    );
    x.push_str("<ows:OperationsMetadata>\n");
    let dcp = format!(
        "<ows:DCP><ows:HTTP><ows:Get xlink:href=\"{0}?\"/><ows:Post xlink:href=\"{0}\"/></ows:HTTP></ows:DCP>",
        esc(&url)
    );
    for op in [
        "GetCapabilities",
        "DescribeFeatureType",
        "ListStoredQueries",
        "DescribeStoredQueries",
        "GetFeature",
        "GetPropertyValue",
    ] {
        let _ = write!(x, "  <ows:Operation name=\"{op}\">{dcp}");
        match op {
            "GetCapabilities" => x.push_str("<ows:Parameter name=\"AcceptVersions\"><ows:AllowedValues><ows:Value>2.0.0</ows:Value></ows:AllowedValues></ows:Parameter>"),
            "GetFeature" | "GetPropertyValue" => {
                let _ = write!(x, "<ows:Parameter name=\"outputFormat\"><ows:AllowedValues><ows:Value>{}</ows:Value>{}</ows:AllowedValues></ows:Parameter>", esc(GML_FORMAT), if op == "GetFeature" { format!("<ows:Value>{GEOJSON_FORMAT}</ows:Value>") } else { String::new() });
                x.push_str("<ows:Parameter name=\"resultType\"><ows:AllowedValues><ows:Value>results</ows:Value><ows:Value>hits</ows:Value></ows:AllowedValues></ows:Parameter>");
            }
            "DescribeFeatureType" => {
                let _ = write!(x, "<ows:Parameter name=\"outputFormat\"><ows:AllowedValues><ows:Value>{}</ows:Value></ows:AllowedValues></ows:Parameter>", esc(GML_FORMAT));
            }
            _ => {}
        }
        x.push_str("</ows:Operation>\n");
    }
    constraints(
        &mut x,
        "  ",
        "ows:Constraint",
        &[
            ("ImplementsBasicWFS", "TRUE"),
            ("ImplementsTransactionalWFS", "FALSE"),
            ("ImplementsLockingWFS", "FALSE"),
            ("KVPEncoding", "TRUE"),
            ("XMLEncoding", "TRUE"),
            ("SOAPEncoding", "FALSE"),
            ("ImplementsInheritance", "FALSE"),
            ("ImplementsRemoteResolve", "FALSE"),
            ("ImplementsResultPaging", "TRUE"),
            ("ImplementsStandardJoins", "FALSE"),
            ("ImplementsSpatialJoins", "FALSE"),
            ("ImplementsTemporalJoins", "FALSE"),
            ("ImplementsFeatureVersioning", "FALSE"),
            ("ManageStoredQueries", "FALSE"),
        ],
    );
    x.push_str("</ows:OperationsMetadata>\n<wfs:FeatureTypeList>\n");
    for t in codes.feature_types() {
        let _ = write!(
            x,
            "  <wfs:FeatureType>\n    <wfs:Name>xplan:{t}</wfs:Name>\n    <wfs:Title>{t}</wfs:Title>\n    <wfs:DefaultCRS>urn:ogc:def:crs:EPSG::{storage}</wfs:DefaultCRS>\n"
        );
        for c in &crs[1..] {
            let _ = writeln!(
                x,
                "    <wfs:OtherCRS>urn:ogc:def:crs:EPSG::{c}</wfs:OtherCRS>"
            );
        }
        let _ = writeln!(
            x,
            "    <wfs:OutputFormats><wfs:Format>{}</wfs:Format><wfs:Format>{GEOJSON_FORMAT}</wfs:Format></wfs:OutputFormats>",
            esc(GML_FORMAT)
        );
        if let Some(e) = extent {
            let _ = writeln!(
                x,
                "    <ows:WGS84BoundingBox><ows:LowerCorner>{} {}</ows:LowerCorner><ows:UpperCorner>{} {}</ows:UpperCorner></ows:WGS84BoundingBox>",
                e[0], e[1], e[2], e[3]
            );
        }
        x.push_str("  </wfs:FeatureType>\n");
    }
    x.push_str("</wfs:FeatureTypeList>\n");
    x.push_str("<fes:Filter_Capabilities>\n  <fes:Conformance>\n");
    constraints(
        &mut x,
        "    ",
        "fes:Constraint",
        &[
            ("ImplementsQuery", "TRUE"),
            ("ImplementsAdHocQuery", "TRUE"),
            ("ImplementsFunctions", "FALSE"),
            ("ImplementsResourceId", "TRUE"),
            ("ImplementsMinStandardFilter", "TRUE"),
            ("ImplementsStandardFilter", "TRUE"),
            ("ImplementsMinSpatialFilter", "TRUE"),
            ("ImplementsSpatialFilter", "TRUE"),
            ("ImplementsMinTemporalFilter", "FALSE"),
            ("ImplementsTemporalFilter", "FALSE"),
            ("ImplementsVersionNav", "FALSE"),
            ("ImplementsSorting", "TRUE"),
            ("ImplementsExtendedOperators", "FALSE"),
            ("ImplementsMinimumXPath", "TRUE"),
            ("ImplementsSchemaElementFunc", "FALSE"),
        ],
    );
    x.push_str("  </fes:Conformance>\n  <fes:Id_Capabilities><fes:ResourceIdentifier name=\"fes:ResourceId\"/></fes:Id_Capabilities>\n  <fes:Scalar_Capabilities>\n    <fes:LogicalOperators/>\n    <fes:ComparisonOperators>\n");
    named_elements(
        &mut x,
        "fes:ComparisonOperator",
        &[
            "PropertyIsEqualTo",
            "PropertyIsNotEqualTo",
            "PropertyIsLessThan",
            "PropertyIsGreaterThan",
            "PropertyIsLessThanOrEqualTo",
            "PropertyIsGreaterThanOrEqualTo",
            "PropertyIsLike",
            "PropertyIsNull",
            "PropertyIsNil",
            "PropertyIsBetween",
        ],
    );
    x.push_str("    </fes:ComparisonOperators>\n  </fes:Scalar_Capabilities>\n  <fes:Spatial_Capabilities>\n    <fes:GeometryOperands>\n");
    named_elements(
        &mut x,
        "fes:GeometryOperand",
        &[
            "gml:Envelope",
            "gml:Point",
            "gml:MultiPoint",
            "gml:LineString",
            "gml:Curve",
            "gml:MultiCurve",
            "gml:Polygon",
            "gml:Surface",
            "gml:MultiSurface",
        ],
    );
    x.push_str("    </fes:GeometryOperands>\n    <fes:SpatialOperators>\n");
    named_elements(&mut x, "fes:SpatialOperator", &SPATIAL_OPERATORS);
    x.push_str("    </fes:SpatialOperators>\n  </fes:Spatial_Capabilities>\n</fes:Filter_Capabilities>\n</wfs:WFS_Capabilities>\n");
    Ok(xml_response(x, "application/xml"))
}

/// `<tag name="NAME"><ows:NoValues/><ows:DefaultValue>VALUE</…>` lines.
fn constraints(x: &mut String, indent: &str, tag: &str, list: &[(&str, &str)]) {
    for (name, value) in list {
        let _ = writeln!(
            x,
            "{indent}<{tag} name=\"{name}\"><ows:NoValues/><ows:DefaultValue>{value}</ows:DefaultValue></{tag}>"
        );
    }
}

/// The spatial operators of the filters (FES 2.0 and FE 1.1 names alike).
pub(super) const SPATIAL_OPERATORS: [&str; 11] = [
    "BBOX",
    "Equals",
    "Disjoint",
    "Intersects",
    "Touches",
    "Crosses",
    "Within",
    "Contains",
    "Overlaps",
    "DWithin",
    "Beyond",
];

/// `<tag name="NAME"/>` lines (filter capabilities).
fn named_elements(x: &mut String, tag: &str, names: &[&str]) {
    for n in names {
        let _ = writeln!(x, "      <{tag} name=\"{n}\"/>");
    }
}

fn describe_feature_type(
    state: &OwsState,
    req: &HttpRequest,
    scope: &Scope,
    r: &Request,
) -> Result<HttpResponse, OwsError> {
    let codes = CodeLists::of(scope.version);
    resolve_types(&r.names, &codes)?;
    if let Some(f) = &r.output_format {
        let l = f.to_ascii_lowercase().replace(' ', "");
        if !(l.starts_with("application/gml+xml")
            || l.starts_with("text/xml")
            || l == "application/xml")
        {
            return Err(param_err(
                "OUTPUTFORMAT",
                format!("DescribeFeatureType is offered as {GML_FORMAT}, not '{f}'"),
            ));
        }
    }
    let body = merged_schema(scope.version)
        .map_err(|e| OwsError::internal(format!("the XPlanGML schema cannot be read: {e}")))?;
    let folder = format!(
        "{}/schemas/xplan/{}",
        base_url(state, req),
        scope.version.xsd_dir()
    );
    let x = body.replace(SCHEMA_BASE_PLACEHOLDER, &xml_escape(&folder));
    Ok(xml_response(x, "application/gml+xml; version=3.2"))
}

/// Stands for the URL of the version's schema folder in the merged schema.
const SCHEMA_BASE_PLACEHOLDER: &str = "@@SCHEMA_BASE@@";

/// The XPlanGML schema of a version as one document: the sub-schemas that
/// XPlanGML.xsd includes, inlined (clients such as GDAL resolve nested
/// relative includes against the DescribeFeatureType URL, not against the
/// including file), with the GML profile imported by absolute URL.
fn merged_schema(version: Version) -> Result<Arc<String>, std::io::Error> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<HashMap<Version, Arc<String>>>> =
        std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(s) = cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&version)
    {
        return Ok(s.clone());
    }
    let dir = crate::validate::xsd::SchemaSet::default_dir().join(version.xsd_dir());
    let read = |name: &str| -> Result<String, std::io::Error> {
        let t = std::fs::read_to_string(dir.join(name))?;
        Ok(t.trim_start_matches('\u{feff}').to_string())
    };
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    // (root start tag attributes, content without include/import)
    let split = |t: &str| -> Result<(String, String), std::io::Error> {
        let open = t
            .find("<schema")
            .ok_or_else(|| bad("no <schema> element"))?;
        let gt = open
            + t[open..]
                .find('>')
                .ok_or_else(|| bad("unclosed <schema>"))?;
        let close = t.rfind("</schema>").ok_or_else(|| bad("no </schema>"))?;
        let attrs = t[open + "<schema".len()..gt].to_string();
        let content: String = t[gt + 1..close]
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                !(l.starts_with("<include ") || l.starts_with("<import "))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        Ok((attrs, content))
    };
    let main = read("XPlanGML.xsd")?;
    let (root_attrs, _) = split(&main)?;
    let mut decls: Vec<String> = vec![];
    let mut body = String::new();
    let mut gml_location = None;
    for line in main.lines() {
        let l = line.trim_start();
        let Some(rest) = l.strip_prefix("<include schemaLocation=\"") else {
            continue;
        };
        let file = rest.split('"').next().unwrap_or("");
        let text = read(file)?;
        if gml_location.is_none() {
            gml_location = text
                .lines()
                .map(str::trim_start)
                .find(|l| l.starts_with("<import ") && l.contains(GML_NS))
                .and_then(|l| l.split("schemaLocation=\"").nth(1))
                .and_then(|r| r.split('"').next())
                .map(str::to_string);
        }
        let (attrs, content) = split(&text)?;
        for a in attrs.split_whitespace() {
            if a.starts_with("xmlns:") && !decls.iter().any(|d| d == a) {
                decls.push(a.to_string());
            }
        }
        let _ = writeln!(body, "<!-- {file} -->");
        body.push_str(&content);
    }
    let mut root = root_attrs.trim_end_matches('/').to_string();
    for d in decls {
        let prefix = d.split('=').next().unwrap_or("");
        if !root.contains(&format!("{prefix}=")) {
            root.push(' ');
            root.push_str(&d);
        }
    }
    if !root.contains("xmlns:gml=") {
        let _ = write!(root, " xmlns:gml=\"{GML_NS}\"");
    }
    let merged = Arc::new(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schema{root}>\n<import namespace=\"{GML_NS}\" schemaLocation=\"{SCHEMA_BASE_PLACEHOLDER}/{}\"/>\n{body}</schema>\n",
        gml_location.ok_or_else(|| bad("no import of the GML profile"))?
    ));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(version, merged.clone());
    Ok(merged)
}

fn list_stored_queries(scope: &Scope) -> HttpResponse {
    let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<wfs:ListStoredQueriesResponse xmlns:wfs=\"{WFS_NS}\" xmlns:xplan=\"{}\" xmlns:xsi=\"{XSI_NS}\" xsi:schemaLocation=\"{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd\">\n", scope.version.namespace());
    for (id, title, _, _) in STORED_QUERIES {
        let _ = writeln!(x, "  <wfs:StoredQuery id=\"{id}\"><wfs:Title>{}</wfs:Title><wfs:ReturnFeatureType>xplan:BP_Plan</wfs:ReturnFeatureType></wfs:StoredQuery>", xml_escape(title));
    }
    x.push_str("</wfs:ListStoredQueriesResponse>\n");
    xml_response(x, "application/xml")
}

fn describe_stored_queries(scope: &Scope, r: &Request) -> Result<HttpResponse, OwsError> {
    for n in &r.names {
        if !STORED_QUERIES.iter().any(|(id, ..)| id == n) {
            return Err(param_err(
                "STOREDQUERY_ID",
                format!("the stored query '{n}' does not exist"),
            ));
        }
    }
    let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<wfs:DescribeStoredQueriesResponse xmlns:wfs=\"{WFS_NS}\" xmlns:xplan=\"{}\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"{XSI_NS}\" xsi:schemaLocation=\"{WFS_NS} http://schemas.opengis.net/wfs/2.0/wfs.xsd\">\n", scope.version.namespace());
    for (id, title, param, ptitle) in STORED_QUERIES {
        if !r.names.is_empty() && !r.names.iter().any(|n| n == id) {
            continue;
        }
        let _ = writeln!(
            x,
            "  <wfs:StoredQueryDescription id=\"{id}\">\n    <wfs:Title>{}</wfs:Title>\n    <wfs:Parameter name=\"{param}\" type=\"xs:string\"><wfs:Title>{}</wfs:Title></wfs:Parameter>\n    <wfs:QueryExpressionText isPrivate=\"true\" language=\"urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression\" returnFeatureTypes=\"\"/>\n  </wfs:StoredQueryDescription>",
            xml_escape(title),
            xml_escape(ptitle)
        );
    }
    x.push_str("</wfs:DescribeStoredQueriesResponse>\n");
    Ok(xml_response(x, "application/xml"))
}

async fn dispatch(
    state: web::Data<OwsState>,
    req: &HttpRequest,
    scope: Scope,
    r: Request,
) -> Result<HttpResponse, OwsError> {
    match r.request.to_ascii_lowercase().as_str() {
        "getcapabilities" => capabilities(&state, req, &scope, r.protocol).await,
        "describefeaturetype" => describe_feature_type(&state, req, &scope, &r),
        "liststoredqueries" => Ok(list_stored_queries(&scope)),
        "describestoredqueries" => describe_stored_queries(&scope, &r),
        "getfeature" => get_feature(state, req, &scope, r, false).await,
        "getpropertyvalue" => get_feature(state, req, &scope, r, true).await,
        _ => Err(check_operation(&r.request, r.protocol)
            .err()
            .unwrap_or_else(|| OwsError::internal(format!("{} is not dispatched", r.request)))),
    }
}

/// Refuses operations this WFS does not offer (before parsing their parameters).
fn check_operation(request: &str, protocol: Protocol) -> Result<(), OwsError> {
    if protocol == Protocol::V110 {
        return super::wfs11::check_operation(request);
    }
    const OFFERED: [&str; 6] = [
        "GetCapabilities",
        "DescribeFeatureType",
        "ListStoredQueries",
        "DescribeStoredQueries",
        "GetFeature",
        "GetPropertyValue",
    ];
    const WRITING: [&str; 5] = [
        "Transaction",
        "LockFeature",
        "GetFeatureWithLock",
        "CreateStoredQuery",
        "DropStoredQuery",
    ];
    if OFFERED.iter().any(|o| o.eq_ignore_ascii_case(request)) {
        Ok(())
    } else if WRITING.iter().any(|o| o.eq_ignore_ascii_case(request)) {
        Err(OwsError::new(
            Some("REQUEST"),
            "OperationNotSupported",
            format!("{request} is not supported: this WFS is read-only"),
        ))
    } else {
        Err(OwsError::new(
            Some("REQUEST"),
            "OperationNotSupported",
            format!("the operation '{request}' is not a WFS 2.0 operation"),
        ))
    }
}

/// Checks SERVICE and VERSION; the protocol of a request other than
/// GetCapabilities (which negotiates, see [`negotiate`]).
fn check_service_version(
    service: Option<&str>,
    version: Option<&str>,
    request: &str,
) -> Result<Protocol, OwsError> {
    match service {
        Some(s) if !s.eq_ignore_ascii_case("WFS") => {
            return Err(param_err(
                "SERVICE",
                format!("SERVICE='{s}': this is a WFS"),
            ))
        }
        None if !request.eq_ignore_ascii_case("GetCapabilities") => {
            return Err(OwsError::new(
                Some("SERVICE"),
                "MissingParameterValue",
                "the parameter SERVICE is missing",
            ))
        }
        _ => {}
    }
    match version {
        Some(v) if !request.eq_ignore_ascii_case("GetCapabilities") => Protocol::parse(v)
            .ok_or_else(|| {
                OwsError::new(
                    Some("VERSION"),
                    "InvalidParameterValue",
                    format!("VERSION='{v}' is not supported: this WFS speaks 2.0.0 and 1.1.0"),
                )
            }),
        _ => Ok(Protocol::V200),
    }
}

async fn handle_get(
    state: web::Data<OwsState>,
    req: HttpRequest,
    scope: Result<Scope, OwsError>,
) -> HttpResponse {
    // the protocol of the exception report: as asked, where it can be told
    let mut protocol = Protocol::V200;
    let result = async {
        let kvp = Kvp::from_query(req.query_string())?;
        if let Some(p) = kvp.get("VERSION").and_then(Protocol::parse) {
            protocol = p;
        }
        let scope = scope?;
        let request = kvp.require("REQUEST")?;
        protocol = check_service_version(kvp.get("SERVICE"), kvp.get("VERSION"), request)?;
        if request.eq_ignore_ascii_case("GetCapabilities") {
            protocol = negotiate(&kvp)?;
            return capabilities(&state, &req, &scope, protocol).await;
        }
        check_operation(request, protocol)?;
        let mut r = from_kvp(&state, &kvp)?;
        r.protocol = protocol;
        r.kvp = Some(kvp.0.clone());
        dispatch(state.clone(), &req, scope, r).await
    }
    .await;
    result.unwrap_or_else(|e| exception_for(protocol, &e))
}

async fn handle_post(
    state: web::Data<OwsState>,
    req: HttpRequest,
    body: web::Bytes,
    scope: Result<Scope, OwsError>,
) -> HttpResponse {
    let mut protocol = Protocol::V200;
    let result = async {
        let scope = scope?;
        if body.contains(&0) {
            return Err(OwsError::new(
                None,
                "OperationParsingFailed",
                "the request body contains a NUL character",
            ));
        }
        let text = std::str::from_utf8(&body)
            .map_err(|_| {
                OwsError::new(
                    None,
                    "OperationParsingFailed",
                    "the request body is not UTF-8 XML",
                )
            })?
            .to_string();
        let st = state.clone();
        let ctx_for = move |srs: Option<&str>| geom_ctx(&st, srs);
        let p = fes::parse_post(&text, &ctx_for)?;
        let service = p
            .attrs
            .iter()
            .find(|(k, _)| k == "service")
            .map(|(_, v)| v.clone());
        if let Some(v) = p.version.as_deref().and_then(Protocol::parse) {
            protocol = v;
        }
        let version = check_service_version(
            service.as_deref().or(Some("WFS")),
            p.version.as_deref(),
            &p.request,
        )?;
        let version = if p.request.eq_ignore_ascii_case("GetCapabilities") {
            p.version
                .as_deref()
                .and_then(Protocol::parse)
                .unwrap_or_default()
        } else {
            version
        };
        check_operation(&p.request, version)?;
        let mut r = from_post(&state, p)?;
        r.protocol = version;
        dispatch(state.clone(), &req, scope, r).await
    }
    .await;
    result.unwrap_or_else(|e| exception_for(protocol, &e))
}

async fn wfs_version(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    handle_get(state, req, scope_for(&path, None)).await
}

async fn wfs_status(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (v, s) = path.into_inner();
    handle_get(state, req, scope_for(&v, Some(&s))).await
}

async fn wfs_alias(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    handle_get(state, req, scope_for_alias(&path)).await
}

async fn wfs_version_post(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    handle_post(state, req, body, scope_for(&path, None)).await
}

async fn wfs_status_post(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (v, s) = path.into_inner();
    handle_post(state, req, body, scope_for(&v, Some(&s))).await
}

async fn wfs_alias_post(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    handle_post(state, req, body, scope_for_alias(&path)).await
}

async fn wfs_root() -> HttpResponse {
    exception_response(&OwsError::not_found(
        "choose a WFS per XPlanGML version: /wfs/41, /wfs/50, /wfs/51, /wfs/52, /wfs/53, /wfs/54 or /wfs/60, optionally with /festgestellt, /in_aufstellung or /archiviert",
    ))
}

/// The official XPlanGML schemas, for DescribeFeatureType and schemaLocation.
async fn schema_file(path: web::Path<(String, String)>) -> HttpResponse {
    let (dir, file) = path.into_inner();
    let ok_dir = Version::ALL.iter().any(|v| v.xsd_dir() == dir);
    let ok_file = !file
        .split('/')
        .any(|s| s.is_empty() || s == ".." || s.starts_with('.'))
        && file.ends_with(".xsd");
    if !ok_dir || !ok_file {
        return HttpResponse::NotFound()
            .content_type("text/plain")
            .body("no such schema\n");
    }
    let p = crate::validate::xsd::SchemaSet::default_dir()
        .join(&dir)
        .join(&file);
    match tokio::fs::read(&p).await {
        Ok(b) => HttpResponse::Ok()
            .content_type("application/xml")
            .insert_header(("Cache-Control", "public, max-age=86400"))
            .body(b),
        Err(_) => HttpResponse::NotFound()
            .content_type("text/plain")
            .body("no such schema\n"),
    }
}

/// Registers the WFS routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // POST bodies up to the size the filter parser accepts
    let body = || web::PayloadConfig::new(fes::MAX_FILTER_BYTES);
    cfg.route("/wfs", web::get().to(wfs_root))
        .service(
            web::resource("/wfs/{version}")
                .app_data(body())
                .route(web::get().to(wfs_version))
                .route(web::post().to(wfs_version_post)),
        )
        .service(
            web::resource("/wfs/{version}/{status}")
                .app_data(body())
                .route(web::get().to(wfs_status))
                .route(web::post().to(wfs_status_post)),
        )
        .service(
            web::resource("/{alias:wfs(41|50|51|52|53|54|60)(pre|archive)?}")
                .app_data(body())
                .route(web::get().to(wfs_alias))
                .route(web::post().to(wfs_alias_post)),
        )
        .route("/schemas/xplan/{dir}/{file:.*}", web::get().to(schema_file));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kvp_groups() {
        assert_eq!(
            groups("xplan:A,xplan:B"),
            vec![vec!["xplan:A".to_string(), "xplan:B".into()]]
        );
        assert_eq!(
            groups("(a)(b,c)"),
            vec![vec!["a".to_string()], vec!["b".into(), "c".into()]]
        );
        let f = filter_groups("(<Filter><A x=\"(1)\"/></Filter>)(<Filter/>)").unwrap();
        assert_eq!(
            f,
            vec![
                "<Filter><A x=\"(1)\"/></Filter>".to_string(),
                "<Filter/>".into()
            ]
        );
        for bad in ["(<Filter/>", "(<Filter/>)x(<Filter/>)", "()"] {
            assert!(filter_groups(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn merged_schemas_compile() {
        // the DescribeFeatureType document of every version is one valid
        // schema (gml profile resolved from the local copy)
        for v in Version::ALL {
            let dir = crate::validate::xsd::SchemaSet::default_dir().join(v.xsd_dir());
            let dir = dir.canonicalize().unwrap();
            let x = merged_schema(v)
                .unwrap()
                .replace(SCHEMA_BASE_PLACEHOLDER, dir.to_str().unwrap());
            assert!(!x.contains("<include"), "{v}");
            let f = tempfile::Builder::new().suffix(".xsd").tempfile().unwrap();
            std::fs::write(f.path(), &x).unwrap();
            let doc = tempfile::Builder::new().suffix(".xml").tempfile().unwrap();
            std::fs::write(
                doc.path(),
                format!("<x:BP_Plan xmlns:x=\"{}\"/>", v.namespace()),
            )
            .unwrap();
            let out = std::process::Command::new("xmllint")
                .args(["--nonet", "--noout", "--schema"])
                .arg(f.path())
                .arg(doc.path())
                .output()
                .expect("xmllint (libxml2-utils) is installed by scripts/install-deps.sh");
            let err = String::from_utf8_lossy(&out.stderr);
            // the schema compiles; the instance is then checked against it
            assert!(
                !err.contains("failed to compile") && !err.contains("parser error"),
                "{v}: {err}"
            );
            assert!(err.contains("validate"), "{v}: {err}");
        }
    }

    #[test]
    fn endpoint_names() {
        assert_eq!(scope_for("54", None).unwrap().version, Version::V5_4);
        assert_eq!(
            scope_for("5.4", Some("archiviert")).unwrap().statuses,
            vec!["archiviert".to_string()]
        );
        assert!(scope_for("55", None).is_err());
        assert!(scope_for("54", Some("x")).is_err());
        let a = scope_for_alias("wfs60pre").unwrap();
        assert_eq!(
            (a.version, a.statuses[0].as_str()),
            (Version::V6_0, "in_aufstellung")
        );
        assert_eq!(
            scope_for_alias("wfs41").unwrap().statuses[0],
            "festgestellt"
        );
    }

    #[test]
    fn namespace_declarations_go_where_needed() {
        let mut plans = HashMap::new();
        plans.insert(
            1,
            WfsPlan {
                id: 1,
                name: "a".into(),
                srid: 25832,
                namespaces: std::sync::Arc::new(vec![
                    ("xplan".into(), Version::V5_4.namespace().into()),
                    ("gml".into(), GML_NS.into()),
                ]),
            },
        );
        plans.insert(
            2,
            WfsPlan {
                id: 2,
                name: "b".into(),
                srid: 25832,
                namespaces: std::sync::Arc::new(vec![
                    ("".into(), Version::V5_4.namespace().into()),
                    ("x".into(), "urn:one".into()),
                ]),
            },
        );
        plans.insert(
            3,
            WfsPlan {
                id: 3,
                name: "c".into(),
                srid: 25832,
                namespaces: std::sync::Arc::new(vec![("x".into(), "urn:two".into())]),
            },
        );
        let (root, member) = namespaces(&plans, Version::V5_4, WFS_NS);
        assert!(root.contains(&("x".to_string(), "urn:one".to_string())));
        assert!(!member.contains_key(&1));
        assert_eq!(
            member[&2],
            format!(" xmlns=\"{}\"", Version::V5_4.namespace())
        );
        assert_eq!(member[&3], " xmlns:x=\"urn:two\"");
        assert_eq!(
            with_namespaces("<a:B gml:id=\"x\">t</a:B>", " xmlns:a=\"u\""),
            "<a:B xmlns:a=\"u\" gml:id=\"x\">t</a:B>"
        );
    }
}
