//! The plan manager endpoints of /api/v1: search, import, plan info,
//! archive export, status change, delete, documents, the caller's identity,
//! server info and the audit log.

use super::auth::Caller;
use super::validator::query;
use super::{blocking, plan_id, upload, ApiError, ApiState};
use crate::auth::Role;
use crate::store::manage::PlanQuery;
use crate::store::{ImportOptions, PlanSummary};
use crate::xplan::{PlanStatus, Version};
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// The base URL of this server as clients see it.
fn base_url(state: &ApiState, req: &HttpRequest) -> String {
    crate::ows::public_base_url(&state.config, req)
}

/// xPlanBox's status names (FESTGESTELLT …) and ours (festgestellt …).
fn parse_status(s: &str) -> Result<PlanStatus, ApiError> {
    PlanStatus::parse(&s.trim().to_ascii_lowercase()).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "'{s}' is not a plan status (FESTGESTELLT, IN_AUFSTELLUNG, ARCHIVIERT)"
        ))
    })
}

/// "5.4", "54" or "XPLAN_54" → the stored version string.
fn parse_version(s: &str) -> Result<String, ApiError> {
    let t = s.trim().to_ascii_uppercase();
    let t = t.strip_prefix("XPLAN_").unwrap_or(&t).replace('.', "");
    let dotted = if t.len() == 2 {
        format!("{}.{}", &t[..1], &t[1..])
    } else {
        t.clone()
    };
    Version::parse(&dotted)
        .map(|v| v.as_str().to_string())
        .ok_or_else(|| ApiError::BadRequest(format!("'{s}' is not an XPlanGML version")))
}

/// The JSON of a plan (xPlanBox's PlanInfo, extended) with its links.
fn plan_info(p: &PlanSummary, base: &str, full: bool) -> Value {
    let id = p.id;
    let rechtsstand_label = p.rechtsstand.and_then(|r| {
        let v = Version::parse(&p.version)?;
        crate::xplan::codelists::CodeLists::of(v)
            .label(&p.plan_class, "rechtsstand", &r.to_string())
            .map(str::to_string)
    });
    let wfs = p.version.replace('.', "");
    let mut v = json!({
        "id": id,
        "name": p.name,
        "nummer": p.nummer,
        "internalId": p.internal_id,
        "type": p.plan_type,
        "planClass": p.plan_class,
        "version": p.version,
        "status": p.status,
        "planStatus": p.status.to_ascii_uppercase(),
        "rechtsstand": p.rechtsstand,
        "rechtsstandLabel": rechtsstand_label,
        "ags": p.ags,
        "gemeinden": p.gemeinde,
        "srid": p.srid,
        "bbox": p.bbox,
        "bbox4326": p.bbox4326,
        "featureCount": p.feature_count,
        "importDate": p.imported_at,
        "sourceFile": p.source_file,
        "links": [
            {"rel": "self", "href": format!("{base}/api/v1/plans/{id}"), "type": "application/json"},
            {"rel": "archive", "href": format!("{base}/api/v1/plans/{id}/archive"), "type": "application/zip", "title": "XPlanArchiv"},
            {"rel": "wms", "href": format!("{base}/wms/plan/{id}?SERVICE=WMS&REQUEST=GetCapabilities"), "type": "text/xml", "title": "WMS of this plan"},
            {"rel": "wfs", "href": format!("{base}/wfs/{wfs}?SERVICE=WFS&REQUEST=GetCapabilities"), "type": "text/xml", "title": format!("WFS XPlanGML {}", p.version)},
            {"rel": "map", "href": format!("{base}/#/plan/{id}"), "type": "text/html", "title": "Plan page"},
        ],
    });
    if full {
        v["bereiche"] = p
            .bereiche
            .iter()
            .map(|b| json!({"gmlId": b.gml_id, "nummer": b.nummer, "name": b.name, "bedeutung": b.bedeutung}))
            .collect();
        v["documents"] = documents(p, base);
    }
    v
}

fn documents(p: &PlanSummary, base: &str) -> Value {
    p.attachments
        .iter()
        .map(|a| {
            json!({
                "name": a.name,
                "mediaType": a.media_type,
                "size": a.size,
                "href": format!("{base}/api/v1/plans/{}/documents/{}", p.id, crate::ows::urlencode(&a.name)),
            })
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchParams {
    name: Option<String>,
    /// xPlanBox's name of the name filter.
    plan_name: Option<String>,
    #[serde(rename = "type")]
    plan_type: Option<String>,
    status: Option<String>,
    plan_status: Option<String>,
    ags: Option<String>,
    version: Option<String>,
    internal_id: Option<String>,
    bbox: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 1000;

#[get("/api/v1/plans")]
async fn search(state: web::Data<ApiState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let p: SearchParams = query(&req)?;
    // xPlanBox clients repeat planId=…; serde_urlencoded keeps only one,
    // so collect them by hand
    let ids = form_values(req.query_string(), "planId")
        .iter()
        .map(|s| plan_id(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::BadRequest("planId must be a plan id".into()))?;
    let mut statuses = Vec::new();
    for s in p.status.iter().chain(p.plan_status.iter()) {
        for one in s.split(',').filter(|x| !x.trim().is_empty()) {
            statuses.push(parse_status(one)?);
        }
    }
    let plan_type = match p.plan_type.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(
            crate::xplan::PlanType::parse(&t.to_ascii_uppercase())
                .ok_or_else(|| {
                    ApiError::BadRequest(format!("'{t}' is not a plan type (BP, FP, LP, RP, SO)"))
                })?
                .as_str()
                .to_string(),
        ),
    };
    let bbox = match p.bbox.as_deref() {
        None => None,
        Some(b) => {
            let v: Vec<f64> = b
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| ApiError::BadRequest(format!("bbox '{b}' is not four numbers")))?;
            match v[..] {
                [x0, y0, x1, y1]
                    if v.iter().all(|c| c.is_finite())
                        && x0 <= x1
                        && y0 <= y1
                        && (-180.0..=180.0).contains(&x0)
                        && (-180.0..=180.0).contains(&x1)
                        && (-90.0..=90.0).contains(&y0)
                        && (-90.0..=90.0).contains(&y1) =>
                {
                    Some([x0, y0, x1, y1])
                }
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "bbox '{b}' must be minLon,minLat,maxLon,maxLat (EPSG:4326)"
                    )))
                }
            }
        }
    };
    let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
    let offset = p.offset.unwrap_or(0);
    if !(1..=MAX_LIMIT).contains(&limit) || offset < 0 {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_LIMIT} and offset not negative"
        )));
    }
    let q = PlanQuery {
        name: p
            .name
            .or(p.plan_name)
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.trim().to_string()),
        plan_type,
        statuses,
        ags: match p.ags.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(a) if a.len() <= 12 && a.bytes().all(|b| b.is_ascii_digit()) => {
                Some(a.to_string())
            }
            Some(a) => {
                return Err(ApiError::BadRequest(format!(
                    "ags '{a}' is not a municipality key or its beginning (up to 12 digits)"
                )))
            }
        },
        version: p.version.as_deref().map(parse_version).transpose()?,
        internal_id: p.internal_id,
        bbox,
        ids,
        limit,
        offset,
    };
    let (total, plans) = state.store.search(&q).await?;
    let base = base_url(&state, &req);
    let page = |off: i64| {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        pairs.retain(|(k, _)| k != "offset" && k != "limit");
        pairs.push(("limit".into(), limit.to_string()));
        pairs.push(("offset".into(), off.to_string()));
        format!(
            "{base}/api/v1/plans?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    };
    let mut links = vec![json!({"rel": "self", "href": page(offset), "type": "application/json"})];
    if offset + (plans.len() as i64) < total {
        links
            .push(json!({"rel": "next", "href": page(offset + limit), "type": "application/json"}));
    }
    if offset > 0 {
        links.push(json!({"rel": "prev", "href": page((offset - limit).max(0)), "type": "application/json"}));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("X-Total-Count", total.to_string()))
        .json(json!({
            "numberMatched": total,
            "numberReturned": plans.len(),
            "plans": plans.iter().map(|p| plan_info(p, &base, false)).collect::<Vec<_>>(),
            "links": links,
        })))
}

/// All values of a repeated query parameter.
fn form_values(query: &str, key: &str) -> Vec<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportParams {
    #[serde(flatten)]
    skip: upload::SkipParams,
    plan_status: Option<String>,
    internal_id: Option<String>,
}

#[post("/api/v1/plans")]
async fn import(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.require(Role::Editor)?.clone();
    let params: ImportParams = query(&req)?;
    let status = params
        .plan_status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(parse_status)
        .transpose()?;
    let input = upload::read(&state, &req, payload).await?;
    let opts = params.skip.options();
    let t0 = std::time::Instant::now();
    // one parse: the validator's document is the one stored
    let (report, doc, attachments, name) = blocking(move || {
        crate::validate::validate_text(
            &input.source_name,
            input.gml.into(),
            &input.attachments,
            &opts,
        )
        .map(|(r, d)| (r, d, input.attachments, input.source_name))
    })
    .await??;
    state.metrics.validation(t0.elapsed(), report.valid);
    let doc = match doc {
        Some(d) if report.valid => d,
        _ => {
            state.metrics.import(t0.elapsed(), "invalid");
            let errors: usize = [
                &report.result.syntaktisch,
                &report.result.geometrisch,
                &report.result.semantisch,
            ]
            .iter()
            .map(|s| s.errors())
            .sum();
            return Err(ApiError::Invalid {
                detail: format!(
                    "the plan is invalid ({errors} errors) and was not imported; see validationReport"
                ),
                report: Box::new(report),
            });
        }
    };
    // editors import only plans of their municipalities
    let (doc, plans_ags) = blocking(move || {
        let plans = crate::xplan::split_plans(&doc)?;
        let ags: Vec<Vec<String>> = plans.iter().map(|p| p.ags(&doc)).collect();
        Ok::<_, crate::xplan::XplanError>((doc, ags))
    })
    .await??;
    for ags in &plans_ags {
        caller.require_change(ags)?;
    }
    let opts = ImportOptions {
        status,
        internal_id: params.internal_id.filter(|s| !s.trim().is_empty()),
        unique: state.config.api.unique,
        actor: Some(principal.user.clone()),
    };
    let result = state
        .store
        .import_document(doc, attachments, name, &opts)
        .await;
    let result = match result {
        Ok(r) => {
            state.metrics.import(t0.elapsed(), "imported");
            r
        }
        Err(e) => {
            state.metrics.import(t0.elapsed(), "failed");
            return Err(e.into());
        }
    };
    let ids = result.plan_ids.clone();
    state
        .maps_follow(|m| {
            let snap = m.snapshot();
            ids.iter().all(|id| snap.iter().any(|p| p.info.id == *id))
        })
        .await;
    let base = base_url(&state, &req);
    let mut infos = Vec::new();
    for id in &result.plan_ids {
        infos.push(plan_info(&state.store.get(*id).await?, &base, true));
    }
    let location = match &result.plan_ids[..] {
        [one] => format!("{base}/api/v1/plans/{one}"),
        ids => format!(
            "{base}/api/v1/plans?{}",
            ids.iter()
                .map(|i| format!("planId={i}"))
                .collect::<Vec<_>>()
                .join("&")
        ),
    };
    tracing::info!(user = %principal.user, plans = ?result.plan_ids, features = result.features, "imported");
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .json(infos))
}

/// Whether the client asks for the archive (Accept: application/zip).
fn wants_zip(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/zip"))
}

#[get("/api/v1/plans/{id}")]
async fn get_plan(
    state: web::Data<ApiState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = plan_id(&id)?;
    if wants_zip(&req) {
        return archive_response(&state, id).await;
    }
    let p = state.store.get(id).await?;
    Ok(HttpResponse::Ok().json(plan_info(&p, &base_url(&state, &req), true)))
}

#[get("/api/v1/plans/{id}/archive")]
async fn get_archive(
    state: web::Data<ApiState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    archive_response(&state, plan_id(&id)?).await
}

async fn archive_response(state: &ApiState, id: i64) -> Result<HttpResponse, ApiError> {
    let (gml, attachments) = state.store.export(id).await?;
    let zip = blocking(move || {
        let mut buf = std::io::Cursor::new(Vec::new());
        crate::xplan::write_archive(&mut buf, gml.as_bytes(), &attachments)
            .map(|_| buf.into_inner())
    })
    .await?
    .map_err(|e| ApiError::Internal(format!("cannot write the archive: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"plan-{id}.zip\""),
        ))
        .body(zip))
}

#[delete("/api/v1/plans/{id}")]
async fn delete_plan(
    state: web::Data<ApiState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let id = plan_id(&id)?;
    let ags = state.store.plan_ags(id).await?;
    let p = caller.require_change(&ags)?;
    let name = state.store.delete_plan(id, &p.user).await?;
    tracing::info!(user = %p.user, plan = id, "deleted");
    state
        .maps_follow(|m| m.snapshot().iter().all(|p| p.info.id != id))
        .await;
    Ok(HttpResponse::Ok().json(json!({
        "message": format!("plan {id} ('{name}') deleted"),
        "id": id,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    #[serde(alias = "planStatus")]
    status: String,
}

#[put("/api/v1/plans/{id}/status")]
async fn put_status(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let id = plan_id(&id)?;
    let b: StatusBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body must be JSON {{\"status\": \"festgestellt|in_aufstellung|archiviert\"}}: {e}"
        ))
    })?;
    let status = parse_status(&b.status)?;
    let ags = state.store.plan_ags(id).await?;
    let p = caller.require_change(&ags)?;
    let old = state.store.set_status(id, status, &p.user).await?;
    tracing::info!(user = %p.user, plan = id, from = %old, to = status.as_str(), "status changed");
    state
        .maps_follow(|m| {
            m.snapshot()
                .iter()
                .any(|p| p.info.id == id && p.info.status == status.as_str())
        })
        .await;
    let plan = state.store.get(id).await?;
    Ok(HttpResponse::Ok().json(plan_info(&plan, &base_url(&state, &req), true)))
}

#[get("/api/v1/plans/{id}/basisdaten")]
async fn get_basisdaten(
    state: web::Data<ApiState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.store.basisdaten(plan_id(&id)?).await?))
}

/// Changes Basisdaten (a JSON object of the keys to change; null removes
/// an optional one) and answers with the new Basisdaten.
#[put("/api/v1/plans/{id}/basisdaten")]
async fn put_basisdaten(
    state: web::Data<ApiState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let id = plan_id(&id)?;
    let changes: serde_json::Map<String, Value> = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be a JSON object: {e}")))?;
    let ags = state.store.plan_ags(id).await?;
    let p = caller.require_change(&ags)?;
    let generation = state.maps.as_ref().map(|m| m.generation());
    state.store.update_basisdaten(id, &changes, &p.user).await?;
    state
        .maps_follow(|m| Some(m.generation()) != generation)
        .await;
    tracing::info!(user = %p.user, plan = id, "basisdaten changed");
    Ok(HttpResponse::Ok().json(state.store.basisdaten(id).await?))
}

#[get("/api/v1/plans/{id}/documents")]
async fn list_documents(
    state: web::Data<ApiState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let p = state.store.get(plan_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(documents(&p, &base_url(&state, &req))))
}

/// An attached document of a plan (PDF, scan, ...), with its media type.
/// Sandboxed: an HTML attachment cannot run scripts on this origin.
#[get("/api/v1/plans/{id}/documents/{name}")]
async fn get_document(
    state: web::Data<ApiState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let id = plan_id(&id)?;
    match state.store.attachment(id, &name).await? {
        Some((media_type, data)) => Ok(HttpResponse::Ok()
            .content_type(media_type)
            .insert_header((
                "Content-Disposition",
                format!(
                    "inline; filename=\"{}\"",
                    name.replace(['"', '\\', '\n', '\r'], "_")
                ),
            ))
            .insert_header(("Content-Security-Policy", "sandbox"))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(data)),
        None => Err(ApiError::NotFound(format!(
            "plan {id} has no document '{name}'"
        ))),
    }
}

/// Who the caller is (401 when anonymous): the web page's login check.
#[get("/api/v1/me")]
async fn me(caller: Caller) -> Result<HttpResponse, ApiError> {
    let p = caller.require(Role::Viewer)?;
    Ok(HttpResponse::Ok().json(json!({"user": p.user, "role": p.role, "ags": p.ags})))
}

/// Server facts for clients (xPlanBox's /info).
#[get("/api/v1/info")]
async fn info(state: web::Data<ApiState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "name": "XPlanServer",
        "version": env!("CARGO_PKG_VERSION"),
        "supportedXPlanGmlVersions": Version::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
        "planStatuses": ["in_aufstellung", "festgestellt", "archiviert"],
        "storageCrs": format!("EPSG:{}", state.config.storage.srid),
        "publicRead": state.config.auth.public_read,
        "maxUploadBytes": state.config.api.max_upload_bytes,
        "uniqueness": state.config.api.unique,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AuditParams {
    plan_id: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// The audit log (admins).
#[get("/api/v1/audit")]
async fn audit(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let p: AuditParams = query(&req)?;
    let limit = p.limit.unwrap_or(100);
    let offset = p.offset.unwrap_or(0);
    if !(1..=MAX_LIMIT).contains(&limit) || offset < 0 {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_LIMIT} and offset not negative"
        )));
    }
    let (total, entries) = state.store.audit_log(p.plan_id, limit, offset).await?;
    Ok(HttpResponse::Ok().json(json!({"numberMatched": total, "entries": entries})))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(search)
        .service(import)
        .service(get_plan)
        .service(get_archive)
        .service(delete_plan)
        .service(put_status)
        .service(get_basisdaten)
        .service(put_basisdaten)
        .service(list_documents)
        .service(get_document)
        .service(me)
        .service(info)
        .service(audit);
}
