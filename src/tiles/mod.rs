//! Tiles: tile matrix sets (`grid`), Mapbox Vector Tile encoding (`mvt`),
//! metatile drawing (`raster`), the disk cache (`cache`) and the service
//! that ties them to the map data (`service`: on-demand drawing, change
//! invalidation, seeding). No HTTP here; the tile endpoints are in `ows`.

pub mod cache;
pub mod grid;
pub mod mvt;
pub mod raster;
pub mod service;
pub mod style;
pub mod vector;
