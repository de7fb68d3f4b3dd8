//! srsName parsing: every form seen in XPlanGML practice, mapped to an EPSG code.

/// AdV short names (GeoInfoDok) and their EPSG codes.
const ADV_NAMES: &[(&str, u32)] = &[
    ("ETRS89_UTM32", 25832),
    ("ETRS89_UTM33", 25833),
    ("ETRS89_UTM31", 25831),
    ("DE_DHDN_3GK2", 31466),
    ("DE_DHDN_3GK3", 31467),
    ("DE_DHDN_3GK4", 31468),
    ("DE_DHDN_3GK5", 31469),
    ("DE_DHDN_3GK2_BW100", 31466),
    ("DE_DHDN_3GK3_BW100", 31467),
    ("DE_DHDN_3GK4_BY120", 31468),
    ("DE_DHDN_3GK3_NW101", 31467),
    ("DE_DHDN_3GK2_NW177", 31466),
    ("DE_DHDN_3GK3_NW177", 31467),
    ("DE_DHDN_3GK3_HE100", 31467),
    ("DE_DHDN_3GK3_HE200", 31467),
    ("DE_DHDN_3GK3_RP101", 31467),
    ("DE_DHDN_3GK2_RP101", 31466),
    ("DE_DHDN_3GK2_RP180", 31466),
    ("DE_DHDN_3GK3_RP180", 31467),
    ("DE_DHDN_3GK2_SL100", 31466),
    ("DE_DHDN_3GK3_SL100", 31467),
    ("DE_42-83_3GK4", 2398),
    ("DE_42-83_3GK5", 2399),
    ("ETRS89_Lat-Lon", 4258),
    ("ETRS89_LAT-LON", 4258),
    ("WGS84_Lat-Lon", 4326),
    ("DE_DHDN_Lat-Lon", 4314),
];

/// Parses an srsName into an EPSG code.
///
/// Accepted: `EPSG:25832`, `epsg:25832`, `urn:ogc:def:crs:EPSG::25832`,
/// `urn:ogc:def:crs:EPSG:6.9:25832`, `urn:x-ogc:def:crs:EPSG:25832`,
/// `http://www.opengis.net/def/crs/EPSG/0/25832`,
/// `http://www.opengis.net/gml/srs/epsg.xml#25832`, `urn:adv:crs:ETRS89_UTM32`
/// (and the other AdV names, also with a `*` height suffix such as
/// `urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH`), and the Brandenburg pseudo
/// code `EPSG:325833` (UTM33 with zone prefix).
pub fn parse_srs_name(name: &str) -> Option<u32> {
    let s = name.trim();
    if let Some(rest) = strip_prefix_ci(s, "urn:adv:crs:") {
        let rest = rest.split('*').next().unwrap_or(rest);
        return ADV_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(rest))
            .map(|(_, c)| *c);
    }
    let code = if let Some(r) = strip_prefix_ci(s, "EPSG:") {
        r
    } else if let Some(r) = strip_prefix_ci(s, "urn:ogc:def:crs:EPSG:")
        .or_else(|| strip_prefix_ci(s, "urn:x-ogc:def:crs:EPSG:"))
    {
        // optional version between the colons
        r.rsplit(':').next().unwrap_or(r)
    } else if let Some(r) = strip_prefix_ci(s, "http://www.opengis.net/def/crs/EPSG/")
        .or_else(|| strip_prefix_ci(s, "https://www.opengis.net/def/crs/EPSG/"))
    {
        r.rsplit('/').next().unwrap_or(r)
    } else {
        strip_prefix_ci(s, "http://www.opengis.net/gml/srs/epsg.xml#")?
    };
    let code: u32 = code.trim().parse().ok()?;
    Some(match code {
        325833 => 25833,
        325832 => 25832,
        c => c,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
    {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::parse_srs_name as p;

    #[test]
    fn all_forms() {
        assert_eq!(p("EPSG:25832"), Some(25832));
        assert_eq!(p("epsg:31467"), Some(31467));
        assert_eq!(p("urn:ogc:def:crs:EPSG::25833"), Some(25833));
        assert_eq!(p("urn:ogc:def:crs:EPSG:6.9:25832"), Some(25832));
        assert_eq!(p("urn:x-ogc:def:crs:EPSG:4326"), Some(4326));
        assert_eq!(
            p("http://www.opengis.net/def/crs/EPSG/0/25832"),
            Some(25832)
        );
        assert_eq!(
            p("http://www.opengis.net/gml/srs/epsg.xml#4258"),
            Some(4258)
        );
        assert_eq!(p("urn:adv:crs:ETRS89_UTM32"), Some(25832));
        assert_eq!(p("urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH"), Some(25833));
        assert_eq!(p("urn:adv:crs:DE_DHDN_3GK3"), Some(31467));
        assert_eq!(p("EPSG:325833"), Some(25833));
        assert_eq!(p("urn:adv:crs:NOPE"), None);
        assert_eq!(p("EPSG:abc"), None);
        assert_eq!(p("CRS:84"), None);
        assert_eq!(p(""), None);
    }
}
