//! XPlanServer: validate, store and serve XPlanGML land-use plans.
//!
//! Modules, one job each (see docs/architecture.md):
//! - `gml`: streaming GML 3.2 geometry reader, curves, EWKB
//! - `xplan`: versions, feature model, plans in a document, XPlanArchiv
//! - `crs`: PROJ transformations
//! - `store`: PostGIS storage and the managed cluster
//! - `api`: HTTP endpoints (the only module besides `ows` that knows actix-web)
//! - `config`: configuration
//!
//! - `render`: map data in memory, styles, rasteriser (no async)
//! - `ows`: OGC services (WMS), the other module that knows actix-web

pub mod api;
pub mod auth;
pub mod config;
pub mod crs;
pub mod gml;
pub mod ows;
pub mod render;
pub mod store;
pub mod synth;
pub mod tiles;
pub mod validate;
pub mod xplan;
