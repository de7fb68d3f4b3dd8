//! Coordinate transformations through PROJ, with one cached transformer
//! per (source, target) pair and thread (creating one costs ~10 ms).
//! Axis order is normalised to easting/northing (longitude/latitude).

use crate::gml::{Coord, Geometry};
use proj::Proj;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("no transformation from EPSG:{from} to EPSG:{to}: {message}")]
    Create { from: u32, to: u32, message: String },
    #[error("cannot transform ({x}, {y}) from EPSG:{from} to EPSG:{to}: {message}")]
    Transform {
        from: u32,
        to: u32,
        x: f64,
        y: f64,
        message: String,
    },
}

thread_local! {
    static CACHE: RefCell<HashMap<(u32, u32), Rc<Proj>>> = RefCell::new(HashMap::new());
}

fn transformer(from: u32, to: u32) -> Result<Rc<Proj>, CrsError> {
    CACHE.with(|c| {
        if let Some(p) = c.borrow().get(&(from, to)) {
            return Ok(p.clone());
        }
        let p = Proj::new_known_crs(&format!("EPSG:{from}"), &format!("EPSG:{to}"), None).map_err(
            |e| CrsError::Create {
                from,
                to,
                message: e.to_string(),
            },
        )?;
        let p = Rc::new(p);
        c.borrow_mut().insert((from, to), p.clone());
        Ok(p)
    })
}

/// Transforms a geometry in place (a no-op when `from == to`).
pub fn transform(g: &mut Geometry, from: u32, to: u32) -> Result<(), CrsError> {
    if from == to {
        return Ok(());
    }
    let t = Transform::new(from, to)?;
    g.map_points(&mut |c: &mut Coord| {
        let [x, y] = t.apply([c.x, c.y])?;
        c.x = x;
        c.y = y;
        Ok(())
    })
}

/// A transformation looked up once and applied to many points.
pub struct Transform {
    proj: Option<Rc<Proj>>,
    from: u32,
    to: u32,
}

impl Transform {
    /// The transformation `from` → `to` (the identity when they are equal).
    pub fn new(from: u32, to: u32) -> Result<Transform, CrsError> {
        let proj = if from == to {
            None
        } else {
            Some(transformer(from, to)?)
        };
        Ok(Transform { proj, from, to })
    }

    pub fn apply(&self, c: [f64; 2]) -> Result<[f64; 2], CrsError> {
        let Some(p) = &self.proj else { return Ok(c) };
        let (x, y) = p.convert((c[0], c[1])).map_err(|e| CrsError::Transform {
            from: self.from,
            to: self.to,
            x: c[0],
            y: c[1],
            message: e.to_string(),
        })?;
        Ok([x, y])
    }
}

/// Transforms an array of (x, y) points in place (a no-op when `from == to`).
pub fn transform_xy(points: &mut [[f64; 2]], from: u32, to: u32) -> Result<(), CrsError> {
    if from == to {
        return Ok(());
    }
    let t = Transform::new(from, to)?;
    for c in points.iter_mut() {
        *c = t.apply(*c)?;
    }
    Ok(())
}

/// True for geographic CRSs (degrees).
pub fn is_geographic(srid: u32) -> bool {
    matches!(srid, 4326 | 4258)
}

/// True where the EPSG axis order is northing (latitude) first: the
/// geographic CRSs, DHDN Gauss-Krüger (31466–31469), ETRS89 UTM N-zE
/// (3044) and LCC Germany N-E (4839). WMS 1.3.0 coordinates follow it.
pub fn is_north_first(srid: u32) -> bool {
    matches!(
        srid,
        4326 | 4258 | 31466 | 31467 | 31468 | 31469 | 3044 | 4839
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_krueger_to_utm() {
        // A point in Hamburg in DHDN / 3-degree Gauss-Krüger zone 3 (easting first).
        let mut g = Geometry::Point(Coord::new(3566000.0, 5934000.0));
        transform(&mut g, 31467, 25832).unwrap();
        let Geometry::Point(c) = g else {
            unreachable!()
        };
        assert!((c.x - 566_000.0).abs() < 1500.0, "{c:?}");
        assert!((c.y - 5_932_000.0).abs() < 2500.0, "{c:?}");
    }

    #[test]
    fn utm_to_wgs84_is_lon_lat() {
        let mut g = Geometry::Point(Coord::new(565000.0, 5940000.0));
        transform(&mut g, 25832, 4326).unwrap();
        let Geometry::Point(c) = g else {
            unreachable!()
        };
        assert!(
            (c.x - 10.0).abs() < 0.1 && (c.y - 53.6).abs() < 0.1,
            "{c:?}"
        );
    }
}
