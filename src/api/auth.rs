//! Credentials of a request: HTTP Basic (user and password) or Bearer (API
//! token), verified against the argon2 hashes in the database and
//! remembered for a short while; the `Caller` extractor; the middleware
//! that closes reading to anonymous clients when `auth.public_read` is off.

use super::{blocking, ApiError, ApiState};
use crate::auth::{Principal, Role};
use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use blake2::{Blake2s256, Digest};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_CACHED: usize = 10_000;

/// A verification result (None: refused) and when it was made.
type Verdict = (Option<Principal>, Instant);

/// Verified credentials (and refused ones) by the hash of their header
/// value, for `ttl`: argon2 costs tens of milliseconds per check.
pub struct CredentialCache {
    ttl: Duration,
    entries: Mutex<HashMap<[u8; 32], Verdict>>,
}

impl CredentialCache {
    pub fn new(ttl: Duration) -> CredentialCache {
        CredentialCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, key: &[u8; 32]) -> Option<Option<Principal>> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(p, _)| p.clone())
    }

    fn put(&self, key: [u8; 32], p: Option<Principal>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_CACHED {
            let ttl = self.ttl;
            map.retain(|_, (_, at)| at.elapsed() < ttl);
            if map.len() >= MAX_CACHED {
                map.clear();
            }
        }
        map.insert(key, (p, Instant::now()));
    }
}

/// Whether the client should get a WWW-Authenticate challenge: not the web
/// page's scripts (they send X-Requested-With), whose browser would
/// otherwise show its own login dialog.
fn wants_challenge(req: &HttpRequest) -> bool {
    !req.headers().contains_key("X-Requested-With")
}

fn unauthorized(message: &str, challenge: bool) -> ApiError {
    ApiError::Unauthorized {
        message: message.to_string(),
        challenge,
    }
}

/// The principal of a request's Authorization header: None without one,
/// an error for malformed or wrong credentials.
pub async fn authenticate(
    state: &ApiState,
    req: &HttpRequest,
) -> Result<Option<Principal>, ApiError> {
    let challenge = wants_challenge(req);
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorized("the Authorization header is not ASCII", challenge))?
        .trim();
    let key: [u8; 32] = Blake2s256::digest(value.as_bytes()).into();
    if let Some(cached) = state.credentials.get(&key) {
        return cached
            .map(Some)
            .ok_or_else(|| unauthorized("invalid credentials", challenge));
    }
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    let (credential, secret, token_id) = if scheme.eq_ignore_ascii_case("basic") {
        let decoded = <base64ct::Base64 as base64ct::Encoding>::decode_vec(rest)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| unauthorized("malformed Basic credentials", challenge))?;
        let (user, password) = decoded
            .split_once(':')
            .ok_or_else(|| unauthorized("malformed Basic credentials", challenge))?;
        let c = if crate::auth::valid_user_name(user) {
            state.store.password_credential(user).await?
        } else {
            None
        };
        (c, password.to_string(), None)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        let id = crate::auth::token_id(rest);
        let c = match id {
            Some(id) => state.store.token_credential(id).await?,
            None => None,
        };
        (c, rest.to_string(), id)
    } else {
        return Err(unauthorized(
            "unsupported authorization scheme (use Basic or Bearer)",
            challenge,
        ));
    };
    let principal = match credential {
        Some(c) => {
            let ok = blocking(move || crate::auth::verify_secret(&c.hash, &secret)).await?;
            ok.then_some(c.principal)
        }
        None => None,
    };
    state.credentials.put(key, principal.clone());
    match principal {
        Some(p) => {
            if let Some(id) = token_id {
                if let Err(e) = state.store.touch_token(id).await {
                    tracing::warn!("cannot record the use of token {id}: {e}");
                }
            }
            Ok(Some(p))
        }
        None => {
            tracing::info!(scheme, "refused credentials");
            Err(unauthorized("invalid credentials", challenge))
        }
    }
}

/// The principal the middleware found for a request (kept in the
/// request's extensions, so the credentials are checked once).
#[derive(Clone)]
struct Authenticated(Option<Principal>);

/// The caller of a request: anonymous or an authenticated principal.
/// Wrong credentials are refused (401) even where anonymous access is fine.
pub struct Caller {
    pub principal: Option<Principal>,
    challenge: bool,
}

impl Caller {
    /// The principal if it has at least `role`: 401 when anonymous, 403
    /// when the role is too low.
    pub fn require(&self, role: Role) -> Result<&Principal, ApiError> {
        match &self.principal {
            None => Err(unauthorized(
                "this operation needs a login (HTTP Basic) or an API token (Bearer)",
                self.challenge,
            )),
            Some(p) if p.role < role => Err(ApiError::Forbidden(format!(
                "user '{}' has role {}, this operation needs {}",
                p.user,
                p.role.as_str(),
                role.as_str()
            ))),
            Some(p) => Ok(p),
        }
    }

    /// The principal if it may change a plan of these municipalities.
    pub fn require_change(&self, plan_ags: &[String]) -> Result<&Principal, ApiError> {
        let p = self.require(Role::Editor)?;
        if p.may_change(plan_ags) {
            Ok(p)
        } else {
            Err(ApiError::Forbidden(format!(
                "user '{}' may change only plans of the municipalities {} (this plan: {})",
                p.user,
                if p.ags.is_empty() {
                    "(none)".to_string()
                } else {
                    p.ags.join(", ")
                },
                if plan_ags.is_empty() {
                    "no municipality".to_string()
                } else {
                    plan_ags.join(", ")
                }
            )))
        }
    }

    /// Who to name in the audit log.
    pub fn actor(&self) -> String {
        self.principal
            .as_ref()
            .map(|p| p.user.clone())
            .unwrap_or_else(|| "anonymous".into())
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<ApiState>>()
                .ok_or_else(|| ApiError::Internal("API state missing".into()))?;
            let known = req.extensions().get::<Authenticated>().cloned();
            let principal = match known {
                Some(Authenticated(p)) => p,
                None => authenticate(state, &req).await?,
            };
            Ok(Caller {
                principal,
                challenge: wants_challenge(&req),
            })
        })
    }
}

/// Paths open to everybody even when reading needs a login: health checks
/// and the web page (which has the login form).
fn always_open(path: &str) -> bool {
    path == "/" || path.starts_with("/health") || path.starts_with("/static/")
}

/// Middleware: credentials sent with any request are checked (wrong ones
/// get 401 everywhere, not only where a login is needed); with
/// `auth.public_read = false`, every request but the always open ones needs
/// valid credentials (any role).
pub async fn reading_gate(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<ApiState>>().cloned();
    if let Some(state) = state {
        let open = state.config.auth.public_read || always_open(req.path());
        let sent = req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION);
        if sent || !open {
            let http = req.request().clone();
            let refused = match authenticate(&state, &http).await {
                Ok(Some(p)) => {
                    req.extensions_mut().insert(Authenticated(Some(p)));
                    None
                }
                Ok(None) if open => None,
                Ok(None) => Some(unauthorized(
                    "this server needs a login (HTTP Basic) or an API token (Bearer)",
                    wants_challenge(&http),
                )),
                Err(e) => Some(e),
            };
            if let Some(e) = refused {
                return Ok(req.into_response(e.error_response()));
            }
        }
    }
    next.call(req).await
}
