//! WFS 1.1.0 for older clients, on the WFS 2.0 core ([`super::wfs`]): what
//! differs in 1.1.0 lives here — the capabilities document (OWS Common
//! 1.0, Filter Encoding 1.1), the collection framing (gml:featureMember,
//! numberOfFeatures), exception reports (OWS 1.0) and the operations 1.1.0
//! has. Requests share the 2.0 parsers, which also read the 1.1.0 forms
//! (TYPENAME, MAXFEATURES, FEATUREID, ogc:Filter with ogc:PropertyName and
//! ogc:FeatureId/@fid, SORTBY with A/D, wfs:Query/@typeName).
//!
//! The features are the plans' XPlanGML (GML 3.2), as in 2.0: 1.1.0
//! clients get them as `text/xml; subtype=gml/3.2.1` (GML 3.1.1 output
//! would not be XPlanGML).

use super::{ows_exception_of, xml_escape, OwsError};
use actix_web::HttpResponse;
use std::fmt::Write;

pub const WFS_NS: &str = "http://www.opengis.net/wfs";
const OWS_NS: &str = "http://www.opengis.net/ows";
const OGC_NS: &str = "http://www.opengis.net/ogc";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const SCHEMA: &str = "http://schemas.opengis.net/wfs/1.1.0/wfs.xsd";

/// The media type of GetFeature results in GML.
pub const GML_FORMAT: &str = "text/xml; subtype=gml/3.2.1";

/// The operations of WFS 1.1.0 this server offers.
const OFFERED: [&str; 3] = ["GetCapabilities", "DescribeFeatureType", "GetFeature"];

/// The OWS 1.0 exception report WFS 1.1.0 prescribes.
pub fn exception_response(e: &OwsError) -> HttpResponse {
    ows_exception_of(
        e,
        "1.1.0",
        OWS_NS,
        "http://schemas.opengis.net/ows/1.0.0/owsExceptionReport.xsd",
    )
}

/// Refuses what WFS 1.1.0 does not have here (the transactional and
/// locking operations, GetGmlObject) and what is 2.0 only.
pub fn check_operation(request: &str) -> Result<(), OwsError> {
    if OFFERED.iter().any(|o| o.eq_ignore_ascii_case(request)) {
        return Ok(());
    }
    let why = match request.to_ascii_lowercase().as_str() {
        "transaction" | "lockfeature" | "getfeaturewithlock" => "this WFS is read-only",
        "getgmlobject" => "use GetFeature with FEATUREID",
        "getpropertyvalue" | "liststoredqueries" | "describestoredqueries" => {
            "it is a WFS 2.0.0 operation: use VERSION=2.0.0"
        }
        _ => "it is not a WFS 1.1.0 operation",
    };
    Err(OwsError::new(
        Some("REQUEST"),
        "OperationNotSupported",
        format!("{request} is not supported: {why}"),
    ))
}

/// What the capabilities document describes.
pub struct Service<'a> {
    pub title: &'a str,
    pub abstract_text: &'a str,
    pub provider: &'a str,
    pub keyword: &'a str,
    /// The service URL (GET with '?', POST as is).
    pub url: &'a str,
    /// The XPlanGML namespace of the service's version.
    pub namespace: &'a str,
    pub types: &'a [&'a str],
    /// EPSG codes, the default (storage) CRS first.
    pub crs: &'a [u32],
    /// WGS84 extent of the features (lon/lat).
    pub extent: Option<[f64; 4]>,
}

/// The WFS 1.1.0 capabilities document.
pub fn capabilities(s: &Service) -> String {
    let esc = xml_escape;
    let mut x = String::with_capacity(100_000);
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<wfs:WFS_Capabilities version=\"1.1.0\" xmlns:wfs=\"{WFS_NS}\" xmlns:ows=\"{OWS_NS}\" xmlns:ogc=\"{OGC_NS}\" xmlns:gml=\"http://www.opengis.net/gml\" xmlns:xlink=\"{XLINK_NS}\" xmlns:xsi=\"{XSI_NS}\" xmlns:xplan=\"{}\" xsi:schemaLocation=\"{WFS_NS} {SCHEMA}\">\n",
        esc(s.namespace)
    );
    let _ = write!(
        x,
        "<ows:ServiceIdentification>\n  <ows:Title>{}</ows:Title>\n  <ows:Abstract>{}</ows:Abstract>\n  <ows:Keywords><ows:Keyword>XPlanung</ows:Keyword><ows:Keyword>{}</ows:Keyword></ows:Keywords>\n  <ows:ServiceType>WFS</ows:ServiceType>\n  <ows:ServiceTypeVersion>1.1.0</ows:ServiceTypeVersion>\n  <ows:Fees>none</ows:Fees>\n  <ows:AccessConstraints>none</ows:AccessConstraints>\n</ows:ServiceIdentification>\n",
        esc(s.title),
        esc(s.abstract_text),
        esc(s.keyword)
    );
    let _ = writeln!(
        x,
        "<ows:ServiceProvider><ows:ProviderName>{}</ows:ProviderName><ows:ServiceContact/></ows:ServiceProvider>",
        esc(s.provider)
    );
    x.push_str("<ows:OperationsMetadata>\n");
    let dcp = format!(
        "<ows:DCP><ows:HTTP><ows:Get xlink:href=\"{0}?\"/><ows:Post xlink:href=\"{0}\"/></ows:HTTP></ows:DCP>",
        esc(s.url)
    );
    let values = |name: &str, vals: &[&str]| {
        let mut p = format!("<ows:Parameter name=\"{name}\">");
        for v in vals {
            let _ = write!(p, "<ows:Value>{}</ows:Value>", esc(v));
        }
        p.push_str("</ows:Parameter>");
        p
    };
    for op in OFFERED {
        let _ = write!(x, "  <ows:Operation name=\"{op}\">{dcp}");
        match op {
            "GetCapabilities" => {
                x.push_str(&values("AcceptVersions", &["1.1.0", "2.0.0"]));
                x.push_str(&values("AcceptFormats", &["text/xml"]));
            }
            "DescribeFeatureType" => {
                x.push_str(&values("outputFormat", &[GML_FORMAT]));
            }
            _ => {
                x.push_str(&values(
                    "outputFormat",
                    &[GML_FORMAT, super::wfs::GEOJSON_FORMAT],
                ));
                x.push_str(&values("resultType", &["results", "hits"]));
            }
        }
        x.push_str("</ows:Operation>\n");
    }
    x.push_str("</ows:OperationsMetadata>\n<wfs:FeatureTypeList>\n  <wfs:Operations><wfs:Operation>Query</wfs:Operation></wfs:Operations>\n");
    // WGS84BoundingBox is mandatory in 1.1.0: the world when there are no features
    let e = s.extent.unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    let (default, others) = s
        .crs
        .split_first()
        .map_or((None, &[][..]), |(d, o)| (Some(d), o));
    for t in s.types {
        let _ = writeln!(
            x,
            "  <wfs:FeatureType>\n    <wfs:Name>xplan:{t}</wfs:Name>\n    <wfs:Title>{t}</wfs:Title>"
        );
        if let Some(d) = default {
            let _ = writeln!(
                x,
                "    <wfs:DefaultSRS>urn:ogc:def:crs:EPSG::{d}</wfs:DefaultSRS>"
            );
            for c in others {
                let _ = writeln!(
                    x,
                    "    <wfs:OtherSRS>urn:ogc:def:crs:EPSG::{c}</wfs:OtherSRS>"
                );
            }
        } else {
            x.push_str("    <wfs:NoSRS/>\n");
        }
        let _ = writeln!(
            x,
            "    <wfs:OutputFormats><wfs:Format>{}</wfs:Format><wfs:Format>{}</wfs:Format></wfs:OutputFormats>\n    <ows:WGS84BoundingBox><ows:LowerCorner>{} {}</ows:LowerCorner><ows:UpperCorner>{} {}</ows:UpperCorner></ows:WGS84BoundingBox>\n  </wfs:FeatureType>",
            esc(GML_FORMAT),
            super::wfs::GEOJSON_FORMAT,
            e[0],
            e[1],
            e[2],
            e[3]
        );
    }
    x.push_str("</wfs:FeatureTypeList>\n<ogc:Filter_Capabilities>\n  <ogc:Spatial_Capabilities>\n    <ogc:GeometryOperands>\n");
    for g in [
        "gml:Envelope",
        "gml:Point",
        "gml:LineString",
        "gml:Polygon",
        "gml:MultiPoint",
        "gml:MultiCurve",
        "gml:MultiSurface",
    ] {
        let _ = writeln!(x, "      <ogc:GeometryOperand>{g}</ogc:GeometryOperand>");
    }
    x.push_str("    </ogc:GeometryOperands>\n    <ogc:SpatialOperators>\n");
    for op in super::wfs::SPATIAL_OPERATORS {
        let _ = writeln!(x, "      <ogc:SpatialOperator name=\"{op}\"/>");
    }
    x.push_str("    </ogc:SpatialOperators>\n  </ogc:Spatial_Capabilities>\n  <ogc:Scalar_Capabilities>\n    <ogc:LogicalOperators/>\n    <ogc:ComparisonOperators>\n");
    for op in [
        "LessThan",
        "GreaterThan",
        "LessThanEqualTo",
        "GreaterThanEqualTo",
        "EqualTo",
        "NotEqualTo",
        "Like",
        "Between",
        "NullCheck",
    ] {
        let _ = writeln!(
            x,
            "      <ogc:ComparisonOperator>{op}</ogc:ComparisonOperator>"
        );
    }
    x.push_str("    </ogc:ComparisonOperators>\n  </ogc:Scalar_Capabilities>\n  <ogc:Id_Capabilities><ogc:EID/><ogc:FID/></ogc:Id_Capabilities>\n</ogc:Filter_Capabilities>\n</wfs:WFS_Capabilities>\n");
    x
}

/// The answer to RESULTTYPE=hits.
pub fn hits(matched: i64, time_stamp: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<wfs:FeatureCollection xmlns:wfs=\"{WFS_NS}\" xmlns:xsi=\"{XSI_NS}\" xsi:schemaLocation=\"{WFS_NS} {SCHEMA}\" numberOfFeatures=\"{matched}\" timeStamp=\"{time_stamp}\"/>\n"
    )
}

/// Head and tail of a feature collection of `returned` members: the root
/// with the namespaces `ns` (prefix, URI) and the schema locations of the
/// features (`feature_schema`: "namespace location", escaped).
pub fn collection(
    ns: &[(String, String)],
    feature_schema: &str,
    returned: i64,
    time_stamp: &str,
) -> (String, String) {
    let mut h = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<wfs:FeatureCollection");
    for (p, u) in ns {
        let _ = write!(h, " xmlns:{p}=\"{}\"", xml_escape(u));
    }
    let _ = writeln!(
        h,
        " xsi:schemaLocation=\"{WFS_NS} {SCHEMA} {feature_schema}\" numberOfFeatures=\"{returned}\" timeStamp=\"{time_stamp}\">"
    );
    (h, "</wfs:FeatureCollection>\n".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_read_operations_of_1_1_0() {
        for op in ["GetCapabilities", "describefeaturetype", "GetFeature"] {
            assert!(check_operation(op).is_ok(), "{op}");
        }
        for (op, why) in [
            ("Transaction", "read-only"),
            ("GetGmlObject", "FEATUREID"),
            ("GetPropertyValue", "VERSION=2.0.0"),
            ("ListStoredQueries", "VERSION=2.0.0"),
            ("Foo", "not a WFS 1.1.0 operation"),
        ] {
            let e = check_operation(op).unwrap_err();
            assert_eq!(e.code, "OperationNotSupported");
            assert!(e.message.contains(why), "{op}: {}", e.message);
        }
    }

    #[test]
    fn capabilities_name_every_type_with_a_bounding_box() {
        let types = ["BP_Plan", "BP_BaugebietsTeilFlaeche"];
        let x = capabilities(&Service {
            title: "T & U",
            abstract_text: "",
            provider: "P",
            keyword: "XPlanGML 5.4",
            url: "http://h/wfs/54",
            namespace: "http://www.xplanung.de/xplangml/5/4",
            types: &types,
            crs: &[25832, 4326],
            extent: None,
        });
        assert!(x.contains("<ows:Title>T &amp; U</ows:Title>"));
        assert_eq!(x.matches("<wfs:FeatureType>").count(), 2);
        assert_eq!(x.matches("<ows:WGS84BoundingBox>").count(), 2);
        assert!(x.contains("<wfs:DefaultSRS>urn:ogc:def:crs:EPSG::25832</wfs:DefaultSRS>\n    <wfs:OtherSRS>urn:ogc:def:crs:EPSG::4326</wfs:OtherSRS>"));
        assert!(x.contains("<ows:Get xlink:href=\"http://h/wfs/54?\"/>"));
    }
}
