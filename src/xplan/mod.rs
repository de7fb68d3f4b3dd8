//! XPlanGML versions, the feature model, plan splitting and XPlanArchiv.

pub mod archive;
pub mod codelists;
pub mod document;
pub mod edit;
pub mod flat;
pub mod plan;
pub mod props;
pub mod source;

pub use archive::{read_input, write_archive, Attachment, InputFile, Limits};
pub use document::{
    parse_chunked, parse_document, parse_shared, sniff_version, Document, Feature,
    GeometryProperty, Reference,
};
pub use plan::{split_features, split_plans, PlanData, PlanStatus, PlanType};
pub use source::Source;

use crate::gml::GmlError;

/// Errors of reading XPlanGML documents and archives.
#[derive(Debug, thiserror::Error)]
pub enum XplanError {
    #[error("{0}")]
    Xml(#[from] GmlError),
    #[error("not an XPlanGML document: {0}")]
    NotXPlan(String),
    #[error("unsupported XPlanGML version: {0}")]
    UnsupportedVersion(String),
    #[error("invalid XPlanArchiv: {0}")]
    Archive(String),
    #[error("input too large: {0}")]
    TooLarge(String),
    #[error("invalid plan structure: {0}")]
    Structure(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The XPlanGML versions this server reads.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Version {
    #[serde(rename = "4.1")]
    V4_1,
    #[serde(rename = "5.0")]
    V5_0,
    #[serde(rename = "5.1")]
    V5_1,
    #[serde(rename = "5.2")]
    V5_2,
    #[serde(rename = "5.3")]
    V5_3,
    #[serde(rename = "5.4")]
    V5_4,
    #[serde(rename = "6.0")]
    V6_0,
}

impl Version {
    pub const ALL: [Version; 7] = [
        Version::V4_1,
        Version::V5_0,
        Version::V5_1,
        Version::V5_2,
        Version::V5_3,
        Version::V5_4,
        Version::V6_0,
    ];

    pub fn namespace(self) -> &'static str {
        match self {
            Version::V4_1 => "http://www.xplanung.de/xplangml/4/1",
            Version::V5_0 => "http://www.xplanung.de/xplangml/5/0",
            Version::V5_1 => "http://www.xplanung.de/xplangml/5/1",
            Version::V5_2 => "http://www.xplanung.de/xplangml/5/2",
            Version::V5_3 => "http://www.xplanung.de/xplangml/5/3",
            Version::V5_4 => "http://www.xplanung.de/xplangml/5/4",
            Version::V6_0 => "http://www.xplanung.de/xplangml/6/0",
        }
    }

    /// "6.0", as used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V4_1 => "4.1",
            Version::V5_0 => "5.0",
            Version::V5_1 => "5.1",
            Version::V5_2 => "5.2",
            Version::V5_3 => "5.3",
            Version::V5_4 => "5.4",
            Version::V6_0 => "6.0",
        }
    }

    pub fn parse(s: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The version of an XPlanGML namespace URI.
    pub fn from_namespace(ns: &str) -> Result<Version, XplanError> {
        if let Some(v) = Version::ALL.into_iter().find(|v| v.namespace() == ns) {
            return Ok(v);
        }
        if let Some(rest) = ns.strip_prefix("http://www.xplanung.de/xplangml/") {
            return Err(XplanError::UnsupportedVersion(format!(
                "XPlanGML {} (namespace {ns}); supported are 4.1, 5.0, 5.1, 5.2, 5.3, 5.4 and 6.0",
                rest.replace('/', ".")
            )));
        }
        Err(XplanError::NotXPlan(format!(
            "namespace '{ns}' is not an XPlanGML namespace"
        )))
    }

    /// The folder of the official schemas below xsd/.
    pub fn xsd_dir(self) -> &'static str {
        match self {
            Version::V4_1 => "XPlanGML_4_1",
            Version::V5_0 => "XPlanGML_5_0",
            Version::V5_1 => "XPlanGML_5_1",
            Version::V5_2 => "XPlanGML_5_2",
            Version::V5_3 => "XPlanGML_5_3",
            Version::V5_4 => "XPlanGML_5_4",
            Version::V6_0 => "XPlanGML_6_0",
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
