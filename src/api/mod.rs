//! HTTP endpoints: health (liveness, readiness) and the JSON plan list. Errors are
//! application/problem+json.

use crate::store::{Store, StoreError};
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
            ApiError::Store(StoreError::Input(_)) => StatusCode::BAD_REQUEST,
            ApiError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        problem(status, self.to_string())
    }
}

/// Liveness: the process answers HTTP (no dependency checked).
#[get("/health/live")]
async fn health_live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database answers (503 when it does not).
#[get("/health/ready")]
async fn health_ready(store: web::Data<Store>) -> HttpResponse {
    database_health(&store).await
}

#[get("/health")]
async fn health(store: web::Data<Store>) -> HttpResponse {
    database_health(&store).await
}

async fn database_health(store: &Store) -> HttpResponse {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&store.pool)
        .await
    {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": "ok" })),
        Err(e) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": e.to_string() })),
    }
}

#[get("/api/v1/plans")]
async fn list_plans(store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(store.list().await?))
}

#[get("/api/v1/plans/{id}")]
async fn get_plan(
    store: web::Data<Store>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(problem(
            StatusCode::NOT_FOUND,
            format!("'{id}' is not a plan id"),
        ));
    };
    Ok(HttpResponse::Ok().json(store.get(id).await?))
}

/// An application/problem+json response (RFC 9457).
fn problem(status: StatusCode, detail: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .json(serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail,
        }))
}

/// An attached document of a plan (PDF, scan, ...), with its media type.
#[get("/api/v1/plans/{id}/documents/{name}")]
async fn get_document(
    store: web::Data<Store>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, name) = path.into_inner();
    let Ok(id) = id.parse::<i64>() else {
        return Ok(problem(
            StatusCode::NOT_FOUND,
            format!("'{id}' is not a plan id"),
        ));
    };
    Ok(match store.attachment(id, &name).await? {
        Some((media_type, data)) => HttpResponse::Ok()
            .content_type(media_type)
            .insert_header((
                "Content-Disposition",
                format!(
                    "inline; filename=\"{}\"",
                    name.replace(['"', '\\', '\n', '\r'], "_")
                ),
            ))
            .body(data),
        None => problem(
            StatusCode::NOT_FOUND,
            format!("plan {id} has no document '{name}'"),
        ),
    })
}

/// Registers the routes of this module.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health)
        .service(health_live)
        .service(health_ready)
        .service(list_plans)
        .service(get_plan)
        .service(get_document);
}
