//! The REST API (plan manager and validator, /api/v1), health, metrics and
//! the web page. Errors are application/problem+json (RFC 9457); changes
//! need an authenticated user (see `auth`) and are written to the audit log.

pub mod auth;
pub mod metrics;
pub mod openapi;
pub mod plans;
pub mod upload;
pub mod validator;
pub mod web;

use crate::config::Config;
use crate::store::{Store, StoreError};
use crate::validate::ValidationReport;
use crate::xplan::XplanError;
use actix_web::http::StatusCode;
use actix_web::{get, web as aweb, HttpResponse, ResponseError};
use std::sync::Arc;

/// Shared state of the API handlers.
pub struct ApiState {
    pub store: Store,
    pub config: Config,
    pub credentials: auth::CredentialCache,
    pub metrics: Arc<metrics::Metrics>,
    /// The served maps: changes answer only once the maps show them.
    pub maps: Option<Arc<crate::render::MapData>>,
}

impl ApiState {
    pub fn new(
        store: Store,
        config: Config,
        metrics: Arc<metrics::Metrics>,
        maps: Option<Arc<crate::render::MapData>>,
    ) -> ApiState {
        let ttl = std::time::Duration::from_secs(config.auth.cache_seconds);
        ApiState {
            store,
            config,
            credentials: auth::CredentialCache::new(ttl),
            metrics,
            maps,
        }
    }

    /// Waits (up to 5 s) until the maps, which follow the database's change
    /// notifications, satisfy `done`, so that a client that gets the answer
    /// to a change finds it in the WMS and tiles at once.
    pub async fn maps_follow(&self, done: impl Fn(&crate::render::MapData) -> bool) {
        let Some(maps) = &self.maps else { return };
        let t0 = std::time::Instant::now();
        while !done(maps) {
            if t0.elapsed() > std::time::Duration::from_secs(5) {
                tracing::warn!("the maps did not follow a change within 5 s");
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Input(#[from] XplanError),
    /// No or wrong credentials; `challenge`: send WWW-Authenticate (not to
    /// the web page's scripts, so browsers show no login dialog).
    #[error("{message}")]
    Unauthorized { message: String, challenge: bool },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Timeout(String),
    /// The plan is invalid: 400 with the validation report.
    #[error("{detail}")]
    Invalid {
        detail: String,
        report: Box<ValidationReport>,
    },
    #[error("{0}")]
    Internal(String),
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Store(StoreError::NotFound(_)) | ApiError::NotFound(_) => {
                StatusCode::NOT_FOUND
            }
            ApiError::Store(StoreError::Input(e)) | ApiError::Input(e) => input_status(e),
            ApiError::Store(StoreError::Geometry { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Store(StoreError::Duplicate { .. }) => StatusCode::CONFLICT,
            ApiError::Store(StoreError::Invalid(_)) => StatusCode::BAD_REQUEST,
            ApiError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) | ApiError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        let mut body = problem_body(status, self.to_string());
        match self {
            ApiError::Invalid { report, .. } => {
                body["validationReport"] = serde_json::to_value(report).unwrap_or_default();
            }
            ApiError::Store(StoreError::Duplicate { id, .. }) => {
                body["existingPlanId"] = (*id).into();
            }
            _ => {}
        }
        let mut r = HttpResponse::build(status);
        r.content_type("application/problem+json");
        if let ApiError::Unauthorized {
            challenge: true, ..
        } = self
        {
            r.insert_header((
                "WWW-Authenticate",
                "Basic realm=\"XPlanServer\", Bearer realm=\"XPlanServer\"",
            ));
        }
        r.body(body.to_string())
    }
}

/// HTTP status of a plan input error.
fn input_status(e: &XplanError) -> StatusCode {
    match e {
        XplanError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        XplanError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        // not XML, not XPlanGML, unsafe or broken archive, bad structure
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn problem_body(status: StatusCode, detail: String) -> serde_json::Value {
    serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    })
}

/// An application/problem+json response (RFC 9457).
pub fn problem(status: StatusCode, detail: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/problem+json")
        .body(problem_body(status, detail).to_string())
}

/// Liveness: the process answers HTTP (no dependency checked).
#[get("/health/live")]
async fn health_live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Readiness: the database answers (503 when it does not).
#[get("/health/ready")]
async fn health_ready(store: aweb::Data<Store>) -> HttpResponse {
    database_health(&store).await
}

#[get("/health")]
async fn health(store: aweb::Data<Store>) -> HttpResponse {
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

/// Runs CPU-heavy or blocking work (parsing, validation, argon2) off the
/// async executor.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("a worker task failed: {e}")))
}

/// A path segment that must be a plan id (404 otherwise, as for an
/// unknown id).
pub(crate) fn plan_id(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::NotFound(format!("'{s}' is not a plan id")))
}

/// Answer to requests no route takes: problem+json 404.
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    problem(
        StatusCode::NOT_FOUND,
        format!("no resource {} {}", req.method(), req.path()),
    )
}

/// Registers the routes of this module (the web page's catch-all last).
pub fn configure(cfg: &mut aweb::ServiceConfig) {
    cfg.service(health)
        .service(health_live)
        .service(health_ready)
        .service(metrics::metrics_endpoint);
    openapi::configure(cfg);
    validator::configure(cfg);
    plans::configure(cfg);
    web::configure(cfg);
}
