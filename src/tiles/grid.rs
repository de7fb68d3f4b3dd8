//! Tile matrix sets after the OGC Two Dimensional Tile Matrix Set standard
//! (OGC 17-083r4): WebMercatorQuad and the AdV grids of the German GDI
//! services in ETRS89 / UTM 32N and 33N. All three are quad trees with one
//! 256 px tile at zoom 0, square tiles halving per zoom and a fixed
//! top-left origin; tile rows count down from the top (XYZ / WMTS TileRow).

/// 0.28 mm: the standardized rendering pixel size of WMTS and 17-083r4.
pub const PIXEL_SIZE_M: f64 = 0.00028;

/// Tile coordinates closer than this (in tiles) to an integer are taken as
/// that integer, so that boxes computed from tile edges do not leak into
/// the neighbour by floating-point noise.
const SNAP: f64 = 1e-9;

#[derive(Debug, Clone, PartialEq)]
pub struct TileMatrixSet {
    pub id: &'static str,
    pub title: &'static str,
    /// The registered OGC URI, e.g.
    /// `http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad`;
    /// empty for sets that are not registered (the AdV grids), see
    /// [`TileMatrixSet::registered_uri`].
    pub uri: &'static str,
    pub srid: u32,
    pub crs_uri: &'static str,
    /// Top-left corner, easting/northing order.
    pub origin: [f64; 2],
    pub tile_size: u32,
    /// CRS units (metres) per pixel at zoom z = index.
    pub resolutions: Vec<f64>,
    /// minx, miny, maxx, maxy of the set (the extent of zoom 0).
    pub bbox: [f64; 4],
    pub well_known_scale_set: Option<&'static str>,
}

/// Resolutions of a quad tree: `res0` halved `max_zoom` times.
fn halving(res0: f64, max_zoom: u8) -> Vec<f64> {
    (0..=max_zoom)
        .map(|z| res0 / f64::from(1u32 << z))
        .collect()
}

/// Resolution of level 0 of the AdV grids: scale denominator
/// 1:17471320.7508974 times 0.28 mm (= 4891.96981025127 m/px).
const ADV_SCALE0: f64 = 17_471_320.750_897_4;
const ADV_MAX_ZOOM: u8 = 17;

fn adv(
    id: &'static str,
    title: &'static str,
    srid: u32,
    crs_uri: &'static str,
    origin: [f64; 2],
) -> TileMatrixSet {
    let resolutions = halving(ADV_SCALE0 * PIXEL_SIZE_M, ADV_MAX_ZOOM);
    let span = resolutions[0] * 256.0;
    TileMatrixSet {
        id,
        title,
        uri: "",
        srid,
        crs_uri,
        origin,
        tile_size: 256,
        bbox: [origin[0], origin[1] - span, origin[0] + span, origin[1]],
        resolutions,
        well_known_scale_set: None,
    }
}

impl TileMatrixSet {
    /// OGC WebMercatorQuad (17-083r4 Annex D.1): EPSG:3857, zoom 0..=24,
    /// 2^z × 2^z tiles of 256 px.
    pub fn web_mercator_quad() -> Self {
        const HALF: f64 = 20_037_508.342_789_2;
        TileMatrixSet {
            id: "WebMercatorQuad",
            title: "Google Maps Compatible for the World",
            uri: "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
            srid: 3857,
            crs_uri: "http://www.opengis.net/def/crs/EPSG/0/3857",
            origin: [-HALF, HALF],
            tile_size: 256,
            resolutions: halving(156_543.033_928_040_97, 24),
            bbox: [-HALF, -HALF, HALF, HALF],
            well_known_scale_set: Some(
                "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
            ),
        }
    }

    /// The AdV grid of German GDI services in ETRS89 / UTM zone 32N, as
    /// basemap.de publishes it as `DE_EPSG_25832_ADV` (ldproxy:
    /// `AdV_25832`): top-left (-46133.17, 6301219.54), 256 px tiles, scale
    /// denominator 1:17471320.7508974 at zoom 0 (resolution
    /// 4891.96981025127 m/px), halving per zoom, 2^z × 2^z tiles.
    ///
    /// Sources of the numbers: the AdV WMTS profile as used by basemap.de
    /// (`https://sgx.geodatenzentrum.de/wmts_basemapde/1.0.0/WMTSCapabilities.xml`,
    /// TileMatrix 00: ScaleDenominator 17471320.75089746, TopLeftCorner
    /// -46133.17 6301219.54, MatrixWidth/Height 1), the same values in
    /// ldproxy's `Adv25832` tile matrix set (bbox -46133.17 …
    /// +1252344.27142433) and MapProxy's `utm32_adv` grid example (bbox
    /// -46133.17, 5048875.26857567, 1206211.10142433, 6301219.54).
    /// basemap.de serves levels 00–13 and ldproxy 0–14; here the halving
    /// goes on to zoom 17 (0.037 m/px) for detailed plans.
    pub fn utm32() -> Self {
        adv(
            "UTM32",
            "AdV tiling scheme, ETRS89 / UTM zone 32N (DE_EPSG_25832_ADV)",
            25832,
            "http://www.opengis.net/def/crs/EPSG/0/25832",
            [-46_133.17, 6_301_219.54],
        )
    }

    /// The AdV grid in ETRS89 / UTM zone 33N (`DE_EPSG_25833_ADV`,
    /// ldproxy: `AdV_25833`): the same scales, tile size and matrix sizes
    /// as [`TileMatrixSet::utm32`], but its own top-left corner
    /// (-464849.38, 6310160.14), which covers Germany in zone 33 (western
    /// Germany has negative eastings there: Aachen is at about
    /// (-128352, 5663393)). Source: ldproxy / xtraplatform-spatial
    /// `tilematrixsets/AdV_25833.json` (bbox -464849.38, 5057815.86857567,
    /// 787494.89142433, 6310160.14; cellSize 4891.96981025127 at level 0)
    /// and the `epsg_25833_adv` WMTS of ORKa.MV (origin -464849.38,
    /// 6310160.14).
    pub fn utm33() -> Self {
        adv(
            "UTM33",
            "AdV tiling scheme, ETRS89 / UTM zone 33N (DE_EPSG_25833_ADV)",
            25833,
            "http://www.opengis.net/def/crs/EPSG/0/25833",
            [-464_849.38, 6_310_160.14],
        )
    }

    pub fn all() -> Vec<Self> {
        vec![Self::web_mercator_quad(), Self::utm32(), Self::utm33()]
    }

    /// The set with this id, case-insensitive. Also accepts "EPSG:3857",
    /// "GoogleMapsCompatible", "webmercator" and the OGC URI for
    /// WebMercatorQuad, "EPSG:25832" / "EPSG:25833" and the basemap.de and
    /// ldproxy names of the AdV grids.
    pub fn by_id(id: &str) -> Option<Self> {
        let id = id.trim();
        let is = |s: &str| id.eq_ignore_ascii_case(s);
        if is("WebMercatorQuad")
            || is("EPSG:3857")
            || is("GoogleMapsCompatible")
            || is("webmercator")
            || is("http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad")
        {
            Some(Self::web_mercator_quad())
        } else if is("UTM32") || is("EPSG:25832") || is("DE_EPSG_25832_ADV") || is("AdV_25832") {
            Some(Self::utm32())
        } else if is("UTM33") || is("EPSG:25833") || is("DE_EPSG_25833_ADV") || is("AdV_25833") {
            Some(Self::utm33())
        } else {
            None
        }
    }

    /// The OGC URI when the set is registered (WebMercatorQuad), else None.
    pub fn registered_uri(&self) -> Option<&'static str> {
        (!self.uri.is_empty()).then_some(self.uri)
    }

    pub fn max_zoom(&self) -> u8 {
        self.resolutions.len().saturating_sub(1).min(255) as u8
    }

    fn resolution(&self, z: u8) -> Option<f64> {
        self.resolutions.get(usize::from(z)).copied()
    }

    /// Width of one tile in CRS units at zoom `z`.
    pub fn tile_span(&self, z: u8) -> Option<f64> {
        Some(self.resolution(z)? * f64::from(self.tile_size))
    }

    /// (cols, rows) at zoom `z`: 2^z × 2^z; (0, 0) when `z` is beyond
    /// [`TileMatrixSet::max_zoom`].
    pub fn matrix_size(&self, z: u8) -> (u32, u32) {
        if z > self.max_zoom() || z > 31 {
            return (0, 0);
        }
        let n = 1u32 << z;
        (n, n)
    }

    /// Resolution / 0.28 mm; NaN when `z` is beyond the last zoom.
    pub fn scale_denominator(&self, z: u8) -> f64 {
        self.resolution(z).map_or(f64::NAN, |r| r / PIXEL_SIZE_M)
    }

    /// [minx, miny, maxx, maxy] of tile (x, y) at zoom `z`, y counted from
    /// the top; None when z, x or y is out of range.
    pub fn tile_bbox(&self, z: u8, x: u32, y: u32) -> Option<[f64; 4]> {
        let span = self.tile_span(z)?;
        let (cols, rows) = self.matrix_size(z);
        if x >= cols || y >= rows {
            return None;
        }
        let [ox, oy] = self.origin;
        Some([
            ox + f64::from(x) * span,
            oy - f64::from(y + 1) * span,
            ox + f64::from(x + 1) * span,
            oy - f64::from(y) * span,
        ])
    }

    /// Inclusive (x0, y0, x1, y1) of the tiles at zoom `z` that intersect
    /// `bbox` (minx, miny, maxx, maxy), clamped to the matrix. A box that
    /// only touches a tile's edge does not select that tile (unless the box
    /// is degenerate, a point or a line, lying on the edge: then the tile
    /// to the right / below is taken). None when nothing overlaps, `z` is
    /// out of range or the box is not finite or inverted.
    pub fn tile_range(&self, z: u8, bbox: [f64; 4]) -> Option<(u32, u32, u32, u32)> {
        let span = self.tile_span(z)?;
        let (cols, rows) = self.matrix_size(z);
        if !bbox.iter().all(|v| v.is_finite()) || bbox[0] > bbox[2] || bbox[1] > bbox[3] {
            return None;
        }
        let [ox, oy] = self.origin;
        let (x0, x1) = index_range((bbox[0] - ox) / span, (bbox[2] - ox) / span, cols)?;
        let (y0, y1) = index_range((oy - bbox[3]) / span, (oy - bbox[1]) / span, rows)?;
        Some((x0, y0, x1, y1))
    }

    /// Top-left tile of the n × n metatile containing (x, y).
    pub fn metatile_of(&self, _z: u8, x: u32, y: u32, n: u32) -> (u32, u32) {
        let n = n.max(1);
        (x - x % n, y - y % n)
    }
}

fn snap(v: f64) -> f64 {
    let r = v.round();
    if (v - r).abs() < SNAP {
        r
    } else {
        v
    }
}

/// Tile indices [i0, i1] covered by the interval [a, b] in tile units,
/// clamped to 0..n; a box edge on a tile edge does not take the
/// neighbour.
fn index_range(a: f64, b: f64, n: u32) -> Option<(u32, u32)> {
    if n == 0 || !a.is_finite() || !b.is_finite() {
        return None;
    }
    let (a, b) = (snap(a), snap(b));
    let i0 = a.floor();
    let i1 = if b > a { b.ceil() - 1.0 } else { i0 };
    let last = f64::from(n - 1);
    if i1 < 0.0 || i0 > last {
        return None;
    }
    Some((i0.max(0.0) as u32, i1.min(last) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    fn bbox_close(a: [f64; 4], b: [f64; 4], tol: f64) -> bool {
        a.iter().zip(b.iter()).all(|(x, y)| close(*x, *y, tol))
    }

    /// EPSG:4326 lon/lat → EPSG:3857 (spherical Mercator).
    fn mercator(lon: f64, lat: f64) -> [f64; 2] {
        const R: f64 = 6_378_137.0;
        let x = R * lon.to_radians();
        let y = R
            * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
                .tan()
                .ln();
        [x, y]
    }

    /// The standard slippy-map tile formula.
    fn slippy(lon: f64, lat: f64, z: u8) -> (u32, u32) {
        let n = f64::from(1u32 << z);
        let lat_r = lat.to_radians();
        let x = ((lon + 180.0) / 360.0 * n).floor();
        let y = ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
            .floor();
        (x as u32, y as u32)
    }

    fn point_tile(t: &TileMatrixSet, z: u8, p: [f64; 2]) -> Option<(u32, u32)> {
        let (x0, y0, x1, y1) = t.tile_range(z, [p[0], p[1], p[0], p[1]])?;
        assert_eq!((x0, y0), (x1, y1), "a point selects one tile");
        Some((x0, y0))
    }

    #[test]
    fn definitions() {
        let w = TileMatrixSet::web_mercator_quad();
        assert_eq!(w.max_zoom(), 24);
        assert_eq!(w.matrix_size(0), (1, 1));
        assert_eq!(w.matrix_size(24), (1 << 24, 1 << 24));
        assert_eq!(w.matrix_size(25), (0, 0));
        assert!(close(w.scale_denominator(0), 559_082_264.028_717_2, 1e-3));
        assert!(close(w.scale_denominator(5), 17_471_320.750_897_4, 1e-4));
        assert!(w.scale_denominator(25).is_nan());
        assert_eq!(
            w.registered_uri(),
            Some("http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad")
        );

        for t in [TileMatrixSet::utm32(), TileMatrixSet::utm33()] {
            assert_eq!(t.max_zoom(), 17);
            assert_eq!(t.tile_size, 256);
            assert_eq!(t.registered_uri(), None);
            assert!(close(t.scale_denominator(0), 17_471_320.750_897_4, 1e-6));
            assert!(close(t.resolutions[0], 4_891.969_810_251_27, 1e-8));
            // AdV level 13 (basemap.de's last): 0.597164283477938 m/px
            assert!(close(t.resolutions[13], 0.597_164_283_477_938, 1e-12));
            assert!(close(t.bbox[2] - t.bbox[0], 1_252_344.271_424_33, 1e-6));
            assert!(close(t.bbox[3] - t.bbox[1], 1_252_344.271_424_33, 1e-6));
            assert_eq!([t.bbox[0], t.bbox[3]], t.origin);
            for z in 1..=t.max_zoom() {
                let r = t.resolutions[usize::from(z)] / t.resolutions[usize::from(z - 1)];
                assert!(close(r, 0.5, 1e-15));
            }
        }
        let u32 = TileMatrixSet::utm32();
        assert_eq!((u32.srid, u32.origin), (25832, [-46_133.17, 6_301_219.54]));
        // MapProxy's utm32_adv bbox
        assert!(bbox_close(
            u32.bbox,
            [
                -46_133.17,
                5_048_875.268_575_67,
                1_206_211.101_424_33,
                6_301_219.54
            ],
            1e-6
        ));
        let u33 = TileMatrixSet::utm33();
        assert_eq!((u33.srid, u33.origin), (25833, [-464_849.38, 6_310_160.14]));
        assert!(bbox_close(
            u33.bbox,
            [
                -464_849.38,
                5_057_815.868_575_67,
                787_494.891_424_33,
                6_310_160.14
            ],
            1e-6
        ));
    }

    #[test]
    fn lookup_by_id() {
        for (name, id) in [
            ("WebMercatorQuad", "WebMercatorQuad"),
            ("webmercatorquad", "WebMercatorQuad"),
            ("EPSG:3857", "WebMercatorQuad"),
            ("epsg:3857", "WebMercatorQuad"),
            ("GoogleMapsCompatible", "WebMercatorQuad"),
            ("webmercator", "WebMercatorQuad"),
            (
                "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
                "WebMercatorQuad",
            ),
            ("UTM32", "UTM32"),
            ("utm32", "UTM32"),
            ("EPSG:25832", "UTM32"),
            ("DE_EPSG_25832_ADV", "UTM32"),
            ("UTM33", "UTM33"),
            ("epsg:25833", "UTM33"),
            ("AdV_25833", "UTM33"),
        ] {
            assert_eq!(TileMatrixSet::by_id(name).map(|t| t.id), Some(id), "{name}");
        }
        for bad in ["", "EPSG:4326", "UTM31", "WebMercatorQuadX"] {
            assert!(TileMatrixSet::by_id(bad).is_none(), "{bad}");
        }
        let ids: Vec<_> = TileMatrixSet::all().iter().map(|t| t.id).collect();
        assert_eq!(ids, ["WebMercatorQuad", "UTM32", "UTM33"]);
    }

    #[test]
    fn zoom0_is_the_whole_square() {
        let w = TileMatrixSet::web_mercator_quad();
        let b = w.tile_bbox(0, 0, 0).unwrap();
        let h = 20_037_508.342_789_2;
        assert!(bbox_close(b, [-h, -h, h, h], 1e-6), "{b:?}");
        assert!(bbox_close(b, w.bbox, 1e-6));
        assert_eq!(w.tile_range(0, w.bbox), Some((0, 0, 0, 0)));
        for t in [TileMatrixSet::utm32(), TileMatrixSet::utm33()] {
            assert!(bbox_close(t.tile_bbox(0, 0, 0).unwrap(), t.bbox, 1e-6));
        }
    }

    #[test]
    fn tile_bbox_round_trips() {
        for t in TileMatrixSet::all() {
            for z in [0u8, 1, 2, 5, 9, 12, 17] {
                let (cols, rows) = t.matrix_size(z);
                let probes = [
                    (0, 0),
                    (cols - 1, rows - 1),
                    (cols / 2, rows / 3),
                    (cols / 3, rows / 2),
                    (cols - 1, 0),
                    (0, rows - 1),
                ];
                for (x, y) in probes {
                    let b = t.tile_bbox(z, x, y).unwrap();
                    let span = t.tile_span(z).unwrap();
                    assert!(close(b[2] - b[0], span, span * 1e-9));
                    assert!(close(b[3] - b[1], span, span * 1e-9));
                    // the tile's own box selects exactly that tile
                    assert_eq!(
                        t.tile_range(z, b),
                        Some((x, y, x, y)),
                        "{} {z}/{x}/{y}",
                        t.id
                    );
                    // its centre too
                    let c = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
                    assert_eq!(point_tile(&t, z, c), Some((x, y)));
                    // a box slightly inside it too
                    let e = span * 1e-3;
                    assert_eq!(
                        t.tile_range(z, [b[0] + e, b[1] + e, b[2] - e, b[3] - e]),
                        Some((x, y, x, y))
                    );
                    // the four children at z + 1 cover it
                    if z < t.max_zoom() {
                        assert_eq!(
                            t.tile_range(z + 1, b),
                            Some((2 * x, 2 * y, 2 * x + 1, 2 * y + 1))
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn hamburg_in_web_mercator() {
        let w = TileMatrixSet::web_mercator_quad();
        let (lon, lat) = (10.0, 53.55);
        let p = mercator(lon, lat);
        assert_eq!(slippy(lon, lat, 12), (2161, 1323));
        assert_eq!(point_tile(&w, 12, p), Some((2161, 1323)));
        for z in 0..=w.max_zoom() {
            let (x, y) = point_tile(&w, z, p).unwrap();
            assert_eq!((x, y), slippy(lon, lat, z), "z={z}");
            let b = w.tile_bbox(z, x, y).unwrap();
            assert!(b[0] <= p[0] && p[0] < b[2] && b[1] < p[1] && p[1] <= b[3]);
        }
    }

    #[test]
    fn known_coordinates_in_the_adv_grids() {
        // Hamburg in UTM 32 (565000, 5940000), Berlin in UTM 33, Aachen in
        // UTM 33 (negative easting, cs2cs EPSG:4326 → EPSG:25833 of 50.78 N
        // 6.08 E), Usedom in UTM 32 (878341, 6019099).
        let cases = [
            (TileMatrixSet::utm32(), [565_000.0, 5_940_000.0]),
            (TileMatrixSet::utm32(), [878_341.19, 6_019_098.91]),
            (TileMatrixSet::utm33(), [391_440.03, 5_820_079.67]),
            (TileMatrixSet::utm33(), [-128_351.93, 5_663_392.57]),
        ];
        for (t, p) in cases {
            let mut prev: Option<(u32, u32)> = None;
            for z in 0..=t.max_zoom() {
                let (x, y) = point_tile(&t, z, p).unwrap_or_else(|| panic!("{} {p:?}", t.id));
                let b = t.tile_bbox(z, x, y).unwrap();
                assert!(b[0] <= p[0] && p[0] < b[2], "{} z={z}", t.id);
                assert!(b[1] < p[1] && p[1] <= b[3], "{} z={z}", t.id);
                if let Some((px, py)) = prev {
                    assert_eq!((x / 2, y / 2), (px, py), "child of the previous tile");
                }
                prev = Some((x, y));
            }
        }
        // Hamburg at zoom 9: computed by hand from the AdV numbers:
        // (565000 + 46133.17) / (256 * 4891.9698 / 512) = 249.8…,
        // (6301219.54 - 5940000) / 2445.98… = 147.6…
        assert_eq!(
            point_tile(&TileMatrixSet::utm32(), 9, [565_000.0, 5_940_000.0]),
            Some((249, 147))
        );
    }

    #[test]
    fn boxes_on_tile_edges() {
        let t = TileMatrixSet::utm32();
        let z = 4;
        let b = t.tile_bbox(z, 5, 7).unwrap();
        let s = t.tile_span(z).unwrap();
        // a box exactly covering tiles 5..=6 × 7..=8
        assert_eq!(
            t.tile_range(z, [b[0], b[1] - s, b[2] + s, b[3]]),
            Some((5, 7, 6, 8))
        );
        // a box from the right edge of tile 5 into tile 6 does not take 5
        assert_eq!(
            t.tile_range(z, [b[2], b[1] + 1.0, b[2] + 1.0, b[3] - 1.0]),
            Some((6, 7, 6, 7))
        );
        // a box ending on the left edge of tile 5 does not take 5
        assert_eq!(
            t.tile_range(z, [b[0] - 1.0, b[1] + 1.0, b[0], b[3] - 1.0]),
            Some((4, 7, 4, 7))
        );
        // a box below row 7 that touches its bottom edge stays in row 8 …
        assert_eq!(
            t.tile_range(z, [b[0] + 1.0, b[1] - 1.0, b[2] - 1.0, b[1]]),
            Some((5, 8, 5, 8))
        );
        // … and one above row 7 that touches its top edge stays in row 6
        let above = t.tile_bbox(z, 5, 6).unwrap();
        assert_eq!(
            t.tile_range(
                z,
                [above[0] + 1.0, above[1], above[2] - 1.0, above[1] + 1.0]
            ),
            Some((5, 6, 5, 6))
        );
        // a degenerate box (a point) on a tile corner takes the tile right/below
        assert_eq!(
            t.tile_range(z, [b[0], b[3], b[0], b[3]]),
            Some((5, 7, 5, 7))
        );
    }

    #[test]
    fn boxes_outside_and_clamped() {
        let t = TileMatrixSet::utm32();
        let [minx, miny, maxx, maxy] = t.bbox;
        let z = 3;
        let n = t.matrix_size(z).0;
        // entirely outside
        assert_eq!(t.tile_range(z, [maxx + 1.0, miny, maxx + 2.0, maxy]), None);
        assert_eq!(t.tile_range(z, [minx - 2.0, miny, minx - 1.0, maxy]), None);
        assert_eq!(t.tile_range(z, [minx, maxy + 1.0, maxx, maxy + 5.0]), None);
        assert_eq!(t.tile_range(z, [minx, miny - 5.0, maxx, miny - 1.0]), None);
        // touching the set's edge from outside only
        assert_eq!(t.tile_range(z, [maxx, miny, maxx + 10.0, maxy]), None);
        assert_eq!(t.tile_range(z, [minx - 10.0, miny, minx, maxy]), None);
        assert_eq!(t.tile_range(z, [minx, maxy, maxx, maxy + 10.0]), None);
        assert_eq!(t.tile_range(z, [minx, miny - 10.0, maxx, miny]), None);
        // bigger than the set: clamped to the matrix
        assert_eq!(
            t.tile_range(z, [minx - 1e6, miny - 1e6, maxx + 1e6, maxy + 1e6]),
            Some((0, 0, n - 1, n - 1))
        );
        assert_eq!(
            t.tile_range(z, [-1e300, -1e300, 1e300, 1e300]),
            Some((0, 0, n - 1, n - 1))
        );
        // overlapping the last column and row only
        assert_eq!(
            t.tile_range(z, [maxx - 1.0, miny - 100.0, maxx + 100.0, miny + 1.0]),
            Some((n - 1, n - 1, n - 1, n - 1))
        );
        // broken boxes and zooms
        assert_eq!(t.tile_range(z, [f64::NAN, miny, maxx, maxy]), None);
        assert_eq!(t.tile_range(z, [minx, miny, f64::INFINITY, maxy]), None);
        assert_eq!(t.tile_range(z, [maxx, miny, minx, maxy]), None);
        assert_eq!(t.tile_range(18, t.bbox), None);
        assert_eq!(t.tile_range(255, t.bbox), None);
    }

    #[test]
    fn out_of_range_tiles() {
        for t in TileMatrixSet::all() {
            let z = t.max_zoom();
            let (cols, rows) = t.matrix_size(z);
            assert!(t.tile_bbox(z, cols - 1, rows - 1).is_some());
            assert!(t.tile_bbox(z, cols, 0).is_none());
            assert!(t.tile_bbox(z, 0, rows).is_none());
            assert!(t.tile_bbox(z + 1, 0, 0).is_none());
            assert!(t.tile_bbox(255, 0, 0).is_none());
            assert!(t.tile_bbox(0, 1, 0).is_none());
            assert!(t.tile_bbox(0, 0, 1).is_none());
            assert!(t.tile_bbox(3, u32::MAX, 0).is_none());
            // the last row and column end at the set's bottom/right edge
            let b = t.tile_bbox(z, cols - 1, rows - 1).unwrap();
            let span = t.tile_span(z).unwrap();
            assert!(
                close(b[2], t.bbox[2], 1e-6) && close(b[1], t.bbox[1], 1e-6),
                "{}",
                t.id
            );
            assert!(span > 0.0);
        }
    }

    #[test]
    fn metatiles() {
        let t = TileMatrixSet::web_mercator_quad();
        assert_eq!(t.metatile_of(5, 13, 6, 4), (12, 4));
        assert_eq!(t.metatile_of(5, 12, 4, 4), (12, 4));
        assert_eq!(t.metatile_of(5, 15, 7, 4), (12, 4));
        assert_eq!(t.metatile_of(5, 16, 8, 4), (16, 8));
        assert_eq!(t.metatile_of(5, 7, 9, 1), (7, 9));
        assert_eq!(t.metatile_of(5, 7, 9, 0), (7, 9));
        assert_eq!(t.metatile_of(0, 0, 0, 8), (0, 0));
    }
}
