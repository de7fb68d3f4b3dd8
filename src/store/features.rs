//! Feature queries for the WFS: a filter model with Filter Encoding 2.0
//! semantics, translated into parameterised SQL (values are always bound,
//! never written into the SQL text), counts, and the result rows streamed in
//! batches inside one read-only snapshot.
//!
//! Properties live in `features.properties` (JSON, repeated properties as
//! arrays, data types as objects); a property path is matched with a
//! SQL/JSON path in lax mode, so `gemeinde/ags` finds the value in one
//! XP_Gemeinde or in any of several. Values are compared as numbers when
//! the literal is a number, otherwise as strings (ISO dates order
//! correctly as strings).

use super::{Store, StoreError};
use futures_util::TryStreamExt;
use sqlx::{Postgres, QueryBuilder, Row};
use std::collections::HashMap;
use tokio::sync::mpsc;

/// What a filter or sort key refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum Prop {
    /// The feature's gml:id.
    GmlId,
    /// A property path below the feature, data-type steps removed
    /// (`["gemeinde", "ags"]`).
    Path(Vec<String>),
    /// Columns of the feature's plan (for the stored queries).
    PlanName,
    PlanNummer,
    PlanInternalId,
    PlanId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SpatialOp {
    Intersects,
    Disjoint,
    Within,
    Contains,
    Touches,
    Crosses,
    Overlaps,
    Equals,
    /// Within a distance in metres (storage CRS units).
    DWithin(f64),
    Beyond(f64),
}

/// A filter over the features of a version.
#[derive(Debug, Clone)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare {
        prop: Prop,
        op: CmpOp,
        value: String,
        match_case: bool,
    },
    Like {
        prop: Prop,
        pattern: String,
        wild: char,
        single: char,
        escape: char,
        match_case: bool,
    },
    Between {
        prop: Prop,
        lower: String,
        upper: String,
    },
    IsNull(Prop),
    /// A spatial relation of the feature's geometry to a literal geometry
    /// given as EWKB in the storage CRS.
    Spatial {
        op: SpatialOp,
        ewkb: Vec<u8>,
    },
    /// Features with one of these gml:ids.
    ResourceId(Vec<String>),
    /// Features of one of these types (local names, e.g. BP_Plan).
    Types(Vec<String>),
    /// Features of plans in force at some time between `from` and `to`
    /// (ISO dates, None = open): the plan's inkrafttretensDatum (or
    /// wirksamkeitsDatum …; none = since always) is not after `to`, its
    /// untergangsDatum (none = still in force) not before `from`.
    PlanInForce {
        from: Option<String>,
        to: Option<String>,
    },
}

/// The properties of a plan that say since when it is in force, by
/// preference (BP, LP/RP, FP, then the formal steps before).
const IN_FORCE_FROM: [&str; 5] = [
    "inkrafttretensDatum",
    "inkrafttretenDatum",
    "wirksamkeitsDatum",
    "rechtsverordnungsDatum",
    "satzungsbeschlussDatum",
];

/// A feature query: the features of one XPlanGML version (and plan
/// statuses) that match `filter`, ordered by `sort`, then by type and
/// document order.
#[derive(Debug, Clone)]
pub struct FeatureQuery {
    pub version: String,
    /// Plan statuses; empty = all.
    pub statuses: Vec<String>,
    pub filter: Filter,
    /// (key, descending)
    pub sort: Vec<(Prop, bool)>,
    pub start: i64,
    pub count: Option<i64>,
}

/// Which columns the result rows carry.
#[derive(Debug, Clone, Copy, Default)]
pub struct Columns {
    pub xml: bool,
    /// The properties for GeoJSON: the flattened members stored at import
    /// (`FeatureRow::flat`), the properties' JSON for rows without them.
    pub geojson: bool,
    /// WKB of the linearised geometry (storage CRS).
    pub wkb: bool,
}

/// One result feature: the database row itself, read in place (a whole
/// layer is hundreds of thousands of rows and megabytes of fragments: no
/// copy of each text into its own String).
#[derive(Debug)]
pub struct FeatureRow(sqlx::postgres::PgRow);

impl FeatureRow {
    // the columns in the order `select_range` selects them
    pub fn plan_id(&self) -> i64 {
        self.0.get(0)
    }
    pub fn gml_id(&self) -> &str {
        self.0.get(1)
    }
    pub fn feature_type(&self) -> &str {
        self.0.get(2)
    }
    /// The stored XPlanGML fragment (when asked for).
    pub fn xml(&self) -> Option<&str> {
        self.0.get(3)
    }
    /// The fragment's bytes, without the UTF-8 check of [`Self::xml`]
    /// (for byte searches and sizes: each check reads the whole text).
    pub fn xml_bytes(&self) -> Option<&[u8]> {
        use sqlx::ValueRef;
        let v = self.0.try_get_raw(3).ok()?;
        if v.is_null() {
            return None;
        }
        v.as_bytes().ok()
    }
    /// The properties' JSON (GeoJSON of rows without `flat`).
    pub fn properties(&self) -> Option<&str> {
        self.0.get(4)
    }
    /// WKB of the linearised geometry in the storage CRS (when asked for).
    pub fn wkb(&self) -> Option<&[u8]> {
        self.0.get(5)
    }
    /// The flattened GeoJSON members written at import (see `xplan::flat`).
    pub fn flat(&self) -> Option<&str> {
        self.0.get(6)
    }
}

/// What the streaming query sends: first the number of matches (when asked
/// for), then rows in batches.
#[derive(Debug)]
pub enum Batch {
    /// The plans of the query's scope, read in its snapshot (when asked
    /// for; sent first).
    Plans(Vec<WfsPlan>),
    Matched(i64),
    Rows(Vec<FeatureRow>),
}

/// A plan as the WFS needs it to frame its features.
#[derive(Debug, Clone)]
pub struct WfsPlan {
    pub id: i64,
    pub name: String,
    pub srid: u32,
    /// (prefix, namespace URI) bindings of the plan document's root.
    pub namespaces: std::sync::Arc<Vec<(String, String)>>,
}

/// What of a plan's WFS frame never changes (see `Store::wfs_plans`).
#[derive(Debug, Clone)]
pub struct PlanFrame {
    /// the plan's import time (µs since the epoch)
    imported: i64,
    srid: u32,
    namespaces: std::sync::Arc<Vec<(String, String)>>,
}

/// Frames kept at most (a few hundred bytes each); beyond, the cache
/// starts afresh.
const PLAN_FRAMES_MAX: usize = 100_000;

/// Percent of a SQL/JSON path string literal: `"` and `\` escaped.
fn jp_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The SQL/JSON path of a property path: `$."gemeinde"."ags"`.
fn json_path(steps: &[String]) -> String {
    let mut p = String::from("$");
    for s in steps {
        p.push('.');
        p.push_str(&jp_string(s));
    }
    p
}

fn regex_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        if ".^$*+?()[]{}|\\-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// An FES Like pattern as an anchored regular expression.
pub fn like_regex(pattern: &str, wild: char, single: char, escape: char) -> String {
    let mut re = String::from("^");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            if let Some(n) = chars.next() {
                regex_escape(&n.to_string(), &mut re);
            }
        } else if c == wild {
            re.push_str(".*");
        } else if c == single {
            re.push('.');
        } else {
            regex_escape(&c.to_string(), &mut re);
        }
    }
    re.push('$');
    re
}

fn number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() || t.starts_with('+') {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn cmp_sql(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

fn cmp_jp(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "==",
        CmpOp::Ne => "!=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

/// A plan column for a plan property.
fn plan_column(p: &Prop) -> Option<&'static str> {
    match p {
        Prop::PlanName => Some("p.name"),
        Prop::PlanNummer => Some("p.nummer"),
        Prop::PlanInternalId => Some("p.internal_id"),
        _ => None,
    }
}

/// `jsonb_path_exists(f.properties::jsonb, <path ? (predicate)>, <vars>, true)`
/// (properties are stored as json: one cast per row).
fn push_json_exists(
    qb: &mut QueryBuilder<'_, Postgres>,
    steps: &[String],
    predicate: Option<&str>,
    vars: serde_json::Value,
) {
    qb.push("jsonb_path_exists(f.properties::jsonb, ");
    let Some(p) = predicate else {
        qb.push_bind(json_path(steps));
        qb.push("::jsonpath)");
        return;
    };
    // a measure (<xplan:GRZ uom="..">0.4</..>) is stored as {"uom", "value"}:
    // its value is compared
    let base = json_path(steps);
    qb.push_bind(format!(
        "$ ? (exists({base} ? ({p})) || exists({base}.\"value\" ? ({p})))"
    ));
    qb.push("::jsonpath, ");
    qb.push_bind(vars);
    qb.push("::jsonb, true)");
}

fn push_text_cmp(
    qb: &mut QueryBuilder<'_, Postgres>,
    column: &str,
    op: CmpOp,
    value: &str,
    match_case: bool,
) {
    if match_case {
        qb.push(format!("{column} {} ", cmp_sql(op)));
        qb.push_bind(value.to_string());
    } else {
        qb.push(format!("lower({column}) {} lower(", cmp_sql(op)));
        qb.push_bind(value.to_string());
        qb.push(")");
    }
}

fn push_filter(qb: &mut QueryBuilder<'_, Postgres>, f: &Filter) {
    match f {
        Filter::And(v) | Filter::Or(v) if v.is_empty() => {
            qb.push(if matches!(f, Filter::And(_)) {
                "TRUE"
            } else {
                "FALSE"
            });
        }
        Filter::And(v) | Filter::Or(v) => {
            let sep = if matches!(f, Filter::And(_)) {
                " AND "
            } else {
                " OR "
            };
            qb.push("(");
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    qb.push(sep);
                }
                push_filter(qb, c);
            }
            qb.push(")");
        }
        Filter::Not(inner) => {
            // NULL (unknown) inside counts as false, so NOT makes it true
            qb.push("NOT COALESCE((");
            push_filter(qb, inner);
            qb.push("), FALSE)");
        }
        Filter::Compare {
            prop,
            op: CmpOp::Ne,
            value,
            match_case,
        } => push_filter(
            qb,
            &Filter::Not(Box::new(Filter::Compare {
                prop: prop.clone(),
                op: CmpOp::Eq,
                value: value.clone(),
                match_case: *match_case,
            })),
        ),
        Filter::Compare {
            prop,
            op,
            value,
            match_case,
        } => match prop {
            Prop::GmlId => push_text_cmp(qb, "f.gml_id", *op, value, *match_case),
            Prop::PlanId => match value.trim().parse::<i64>() {
                Ok(id) => {
                    qb.push(format!("p.id {} ", cmp_sql(*op)));
                    qb.push_bind(id);
                }
                Err(_) => {
                    qb.push("FALSE");
                }
            },
            Prop::Path(steps) => {
                let n = number(value);
                let (pred, vars) = match (op, n) {
                    (CmpOp::Eq, _) if !match_case => {
                        let mut re = String::from("^");
                        regex_escape(value, &mut re);
                        re.push('$');
                        (
                            format!("@ like_regex {} flag \"is\"", jp_string(&re)),
                            serde_json::json!({}),
                        )
                    }
                    (CmpOp::Eq, Some(n)) => (
                        "@ == $s || @.double() == $n".to_string(),
                        serde_json::json!({"s": value, "n": n}),
                    ),
                    (_, Some(n)) => (
                        format!("@.double() {} $n", cmp_jp(*op)),
                        serde_json::json!({ "n": n }),
                    ),
                    (_, None) => (
                        format!("@ {} $s", cmp_jp(*op)),
                        serde_json::json!({ "s": value }),
                    ),
                };
                push_json_exists(qb, steps, Some(&pred), vars);
            }
            p => push_text_cmp(
                qb,
                plan_column(p).unwrap_or("NULL"),
                *op,
                value,
                *match_case,
            ),
        },
        Filter::Like {
            prop,
            pattern,
            wild,
            single,
            escape,
            match_case,
        } => {
            let re = like_regex(pattern, *wild, *single, *escape);
            match prop {
                Prop::Path(steps) => {
                    // "s": the wildcard also matches line breaks in texts
                    let flag = if *match_case {
                        " flag \"s\""
                    } else {
                        " flag \"is\""
                    };
                    let pred = format!("@ like_regex {}{flag}", jp_string(&re));
                    push_json_exists(qb, steps, Some(&pred), serde_json::json!({}));
                }
                other => {
                    let col = match other {
                        Prop::GmlId => "f.gml_id",
                        Prop::PlanId => "p.id::text",
                        p => plan_column(p).unwrap_or("NULL"),
                    };
                    qb.push(format!("{col} {} ", if *match_case { "~" } else { "~*" }));
                    qb.push_bind(re);
                }
            }
        }
        Filter::Between { prop, lower, upper } => match prop {
            Prop::Path(steps) => {
                let (pred, vars) = match (number(lower), number(upper)) {
                    (Some(a), Some(b)) => (
                        "@.double() >= $a && @.double() <= $b",
                        serde_json::json!({"a": a, "b": b}),
                    ),
                    _ => (
                        "@ >= $a && @ <= $b",
                        serde_json::json!({"a": lower, "b": upper}),
                    ),
                };
                push_json_exists(qb, steps, Some(pred), vars);
            }
            p => {
                let col = match p {
                    Prop::GmlId => "f.gml_id",
                    Prop::PlanId => "p.id::text",
                    p => plan_column(p).unwrap_or("NULL"),
                };
                qb.push(format!("{col} BETWEEN "));
                qb.push_bind(lower.clone());
                qb.push(" AND ");
                qb.push_bind(upper.clone());
            }
        },
        Filter::IsNull(prop) => match prop {
            Prop::Path(steps) => {
                qb.push("NOT ");
                push_json_exists(qb, steps, None, serde_json::json!({}));
            }
            Prop::GmlId | Prop::PlanId => {
                qb.push("FALSE");
            }
            p => {
                qb.push(format!("{} IS NULL", plan_column(p).unwrap_or("NULL")));
            }
        },
        Filter::Spatial { op, ewkb } => {
            let (func, neg, dist) = match op {
                SpatialOp::Intersects => ("ST_Intersects", false, None),
                SpatialOp::Disjoint => ("ST_Intersects", true, None),
                SpatialOp::Within => ("ST_Within", false, None),
                SpatialOp::Contains => ("ST_Contains", false, None),
                SpatialOp::Touches => ("ST_Touches", false, None),
                SpatialOp::Crosses => ("ST_Crosses", false, None),
                SpatialOp::Overlaps => ("ST_Overlaps", false, None),
                SpatialOp::Equals => ("ST_Equals", false, None),
                SpatialOp::DWithin(d) => ("ST_DWithin", false, Some(*d)),
                SpatialOp::Beyond(d) => ("ST_DWithin", true, Some(*d)),
            };
            if neg {
                qb.push("(f.geom_lin IS NOT NULL AND NOT ");
            }
            qb.push(format!("{func}(f.geom_lin, ST_GeomFromEWKB("));
            qb.push_bind(ewkb.clone());
            qb.push(")");
            if let Some(d) = dist {
                qb.push(", ");
                qb.push_bind(d);
            }
            qb.push(")");
            if neg {
                qb.push(")");
            }
        }
        Filter::ResourceId(ids) => {
            qb.push("f.gml_id = ANY(");
            qb.push_bind(ids.clone());
            qb.push(")");
        }
        Filter::Types(types) => {
            qb.push("f.feature_type = ANY(");
            qb.push_bind(types.clone());
            qb.push(")");
        }
        Filter::PlanInForce { from, to } => {
            qb.push(
                "EXISTS (SELECT 1 FROM features pf WHERE pf.plan_id = f.plan_id \
                 AND pf.feature_type = ANY('{BP_Plan,FP_Plan,RP_Plan,LP_Plan,SO_Plan}')",
            );
            if let Some(to) = to {
                let start: Vec<String> = IN_FORCE_FROM
                    .iter()
                    .map(|k| format!("pf.properties->>'{k}'"))
                    .collect();
                qb.push(format!(
                    " AND COALESCE({}, '0001-01-01') <= ",
                    start.join(", ")
                ));
                qb.push_bind(to.clone());
            }
            if let Some(from) = from {
                qb.push(" AND COALESCE(pf.properties->>'untergangsDatum', '9999-12-31') >= ");
                qb.push_bind(from.clone());
            }
            qb.push(")");
        }
    }
}

fn push_from_where(qb: &mut QueryBuilder<'_, Postgres>, q: &FeatureQuery) {
    qb.push(" FROM features f");
    push_plan_scope(qb, q, "f");
    qb.push(" AND ");
    push_filter(qb, &q.filter);
}

/// ` JOIN plans p … WHERE` the plan is of the query's version and statuses
/// (`alias`: the joined table's alias).
fn push_plan_scope(qb: &mut QueryBuilder<'_, Postgres>, q: &FeatureQuery, alias: &str) {
    qb.push(format!(
        " JOIN plans p ON p.id = {alias}.plan_id WHERE p.version = "
    ));
    qb.push_bind(q.version.clone());
    if !q.statuses.is_empty() {
        qb.push(" AND p.status = ANY(");
        qb.push_bind(q.statuses.clone());
        qb.push(")");
    }
}

/// The feature types of a filter that selects by type only (None when it
/// looks at anything else): its matches can be counted in
/// `feature_counts`.
fn types_only(f: &Filter) -> Option<Vec<String>> {
    match f {
        Filter::Types(t) => Some(t.clone()),
        Filter::And(v) if v.len() == 1 => types_only(&v[0]),
        Filter::Or(v) if !v.is_empty() => {
            let mut all = Vec::new();
            for f in v {
                all.extend(types_only(f)?);
            }
            Some(all)
        }
        _ => None,
    }
}

/// The number of features a query matches, as a query: one number, or
/// (with `per_group`) one row (type, plan, number) per type and plan,
/// ordered by both. Counted in `feature_counts` when the query selects by
/// type only.
fn count_query(q: &FeatureQuery, per_group: bool) -> QueryBuilder<'_, Postgres> {
    let mut qb;
    match types_only(&q.filter) {
        Some(types) => {
            qb = QueryBuilder::new(if per_group {
                "SELECT c.feature_type, c.plan_id, c.n::int8"
            } else {
                "SELECT coalesce(sum(c.n), 0)::int8"
            });
            qb.push(" FROM feature_counts c");
            push_plan_scope(&mut qb, q, "c");
            qb.push(" AND c.feature_type = ANY(");
            qb.push_bind(types);
            qb.push(")");
        }
        None => {
            qb = QueryBuilder::new(if per_group {
                "SELECT f.feature_type, f.plan_id, count(*)"
            } else {
                "SELECT count(*)"
            });
            push_from_where(&mut qb, q);
            if per_group {
                qb.push(" GROUP BY 1, 2");
            }
        }
    }
    if per_group {
        qb.push(" ORDER BY 1, 2");
    }
    qb
}

fn push_sort_key(qb: &mut QueryBuilder<'_, Postgres>, p: &Prop, desc: bool) {
    let dir = if desc { " DESC" } else { " ASC" };
    match p {
        Prop::GmlId => {
            qb.push(format!("f.gml_id{dir}"));
        }
        Prop::PlanId => {
            qb.push(format!("p.id{dir}"));
        }
        Prop::Path(steps) => {
            // numbers numerically first, then everything as text
            let value = |qb: &mut QueryBuilder<'_, Postgres>| {
                qb.push("(jsonb_path_query_first(f.properties::jsonb, ");
                qb.push_bind(json_path(steps));
                qb.push("::jsonpath) #>> '{}')");
            };
            qb.push("(CASE WHEN ");
            value(qb);
            qb.push(" ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN ");
            value(qb);
            qb.push(format!("::numeric END){dir} NULLS LAST, "));
            value(qb);
            qb.push(format!("{dir} NULLS LAST"));
        }
        p => {
            qb.push(format!(
                "{}{dir} NULLS LAST",
                plan_column(p).unwrap_or("NULL")
            ));
        }
    }
}

/// A range of the (feature type, plan) order: from `.0` (inclusive) to `.1`
/// (exclusive); None = open.
type KeyRange = (Option<(String, i64)>, Option<(String, i64)>);

fn select_query<'a>(q: &FeatureQuery, cols: Columns) -> QueryBuilder<'a, Postgres> {
    select_range(q, cols, &(None, None))
}

fn select_range<'a>(
    q: &FeatureQuery,
    cols: Columns,
    range: &KeyRange,
) -> QueryBuilder<'a, Postgres> {
    let mut qb = QueryBuilder::new("SELECT f.plan_id, f.gml_id, f.feature_type");
    qb.push(if cols.xml {
        ", f.xml"
    } else {
        ", NULL::text AS xml"
    });
    qb.push(if cols.geojson {
        ", CASE WHEN f.geojson_properties IS NULL THEN f.properties::text END AS props"
    } else {
        ", NULL::text AS props"
    });
    qb.push(if cols.wkb {
        ", ST_AsBinary(f.geom_lin) AS wkb"
    } else {
        ", NULL::bytea AS wkb"
    });
    qb.push(if cols.geojson {
        ", f.geojson_properties AS flat"
    } else {
        ", NULL::text AS flat"
    });
    push_from_where(&mut qb, q);
    if let Some((t, p)) = &range.0 {
        qb.push(" AND (f.feature_type, f.plan_id) >= (");
        qb.push_bind(t.clone());
        qb.push(", ");
        qb.push_bind(*p);
        qb.push(")");
    }
    if let Some((t, p)) = &range.1 {
        qb.push(" AND (f.feature_type, f.plan_id) < (");
        qb.push_bind(t.clone());
        qb.push(", ");
        qb.push_bind(*p);
        qb.push(")");
    }
    qb.push(" ORDER BY ");
    for (p, desc) in &q.sort {
        push_sort_key(&mut qb, p, *desc);
        qb.push(", ");
    }
    // by type first: with one type this is the order of features_type_idx,
    // read without a sort
    qb.push("f.feature_type, f.plan_id, f.seq");
    if let Some(c) = q.count {
        qb.push(" LIMIT ");
        qb.push_bind(c.max(0));
    }
    if q.start > 0 {
        qb.push(" OFFSET ");
        qb.push_bind(q.start);
    }
    qb
}

impl Store {
    /// The plans of a version (and statuses) with their CRS and namespaces.
    /// A plan's CRS and namespace bindings are those of its document and
    /// never change for its id and import time: they are read once per
    /// process and kept (`Store::plan_frames`; the import time guards
    /// against ids counted anew in a database recreated under a running
    /// server); names and statuses, which can be edited, are read on every
    /// call.
    pub async fn wfs_plans(
        &self,
        version: &str,
        statuses: &[String],
    ) -> Result<Vec<WfsPlan>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.scope_plans(&mut conn, version, statuses).await
    }

    /// [`Self::wfs_plans`] on a given connection (in a transaction: in its
    /// snapshot).
    async fn scope_plans(
        &self,
        conn: &mut sqlx::PgConnection,
        version: &str,
        statuses: &[String],
    ) -> Result<Vec<WfsPlan>, StoreError> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT id, name, (extract(epoch FROM imported_at) * 1e6)::int8 FROM plans
             WHERE version = $1 AND (cardinality($2::text[]) = 0 OR status = ANY($2)) ORDER BY id",
        )
        .bind(version)
        .bind(statuses)
        .fetch_all(&mut *conn)
        .await?;
        // the frames of this call, taken from the cache or read: the result
        // is built from these alone, whatever other calls do to the cache
        let mut frames: HashMap<i64, PlanFrame> = HashMap::with_capacity(rows.len());
        let mut missing = vec![];
        {
            let known = self.plan_frames.lock().unwrap_or_else(|e| e.into_inner());
            for (id, _, imported) in &rows {
                match known.get(id).filter(|f| f.imported == *imported) {
                    Some(f) => {
                        frames.insert(*id, f.clone());
                    }
                    None => missing.push(*id),
                }
            }
        }
        if !missing.is_empty() {
            let read: Vec<(i64, i64, i32, String)> = sqlx::query_as(
                "SELECT id, (extract(epoch FROM imported_at) * 1e6)::int8, srid, namespaces::text
                 FROM plans WHERE id = ANY($1)",
            )
            .bind(&missing)
            .fetch_all(&mut *conn)
            .await?;
            let mut known = self.plan_frames.lock().unwrap_or_else(|e| e.into_inner());
            if known.len() + read.len() > PLAN_FRAMES_MAX {
                // only entries of deleted plans go stale: start afresh
                known.clear();
            }
            for (id, imported, srid, ns) in read {
                let ns: serde_json::Value = serde_json::from_str(&ns).unwrap_or_default();
                let f = PlanFrame {
                    imported,
                    srid: srid as u32,
                    namespaces: std::sync::Arc::new(super::namespace_bindings(&ns)),
                };
                known.insert(id, f.clone());
                frames.insert(id, f);
            }
        }
        // a plan deleted (or replaced) between the two reads is left out, as
        // it would be had that happened just before
        Ok(rows
            .into_iter()
            .filter_map(|(id, name, imported)| {
                frames
                    .get(&id)
                    .filter(|f| f.imported == imported)
                    .map(|f| WfsPlan {
                        id,
                        name,
                        srid: f.srid,
                        namespaces: f.namespaces.clone(),
                    })
            })
            .collect())
    }

    /// Drops a deleted plan's entry from `plan_frames`.
    pub fn forget_plan_frame(&self, id: i64) {
        self.plan_frames
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// The bounding box (EPSG:4326, lon/lat) of the plans of a version (and statuses).
    pub async fn wfs_extent(
        &self,
        version: &str,
        statuses: &[String],
    ) -> Result<Option<[f64; 4]>, StoreError> {
        let r = sqlx::query(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
                SELECT ST_Transform(ST_SetSRID(ST_Extent(bbox)::geometry, $3), 4326) AS e FROM plans
                WHERE version = $1 AND (cardinality($2::text[]) = 0 OR status = ANY($2))) x
             WHERE e IS NOT NULL",
        )
        .bind(version)
        .bind(statuses)
        .bind(self.storage_srid as i32)
        .fetch_optional(&self.pool)
        .await?;
        Ok(r.map(|r| [r.get(0), r.get(1), r.get(2), r.get(3)]))
    }

    /// (version, feature type, number of features) of every type with
    /// features, and the extent (EPSG:4326 lon/lat) of each version's plans.
    pub async fn feature_collections(
        &self,
    ) -> Result<(Vec<(String, String, i64)>, HashMap<String, [f64; 4]>), StoreError> {
        let counts = sqlx::query(
            "SELECT p.version, c.feature_type, sum(c.n)::int8 FROM feature_counts c JOIN plans p ON p.id = c.plan_id
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
        let extents = sqlx::query(
            "SELECT version, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
                SELECT version, ST_Transform(ST_SetSRID(ST_Extent(bbox)::geometry, $1), 4326) AS e
                FROM plans GROUP BY version) x WHERE e IS NOT NULL",
        )
        .bind(self.storage_srid as i32)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| (r.get(0), [r.get(1), r.get(2), r.get(3), r.get(4)]))
        .collect();
        Ok((counts, extents))
    }

    /// The number of features of one type in one version and the extent
    /// (EPSG:4326 lon/lat) of that version's plans.
    pub async fn feature_collection(
        &self,
        version: &str,
        feature_type: &str,
    ) -> Result<(i64, Option<[f64; 4]>), StoreError> {
        let r = sqlx::query(
            "SELECT (SELECT coalesce(sum(c.n), 0)::int8 FROM feature_counts c JOIN plans p ON p.id = c.plan_id
                     WHERE p.version = $1 AND c.feature_type = $2),
                    ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
             FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(bbox)::geometry, $3), 4326) AS e
                   FROM plans WHERE version = $1) x",
        )
        .bind(version)
        .bind(feature_type)
        .bind(self.storage_srid as i32)
        .fetch_one(&self.pool)
        .await?;
        let extent = match (
            r.get::<Option<f64>, _>(1),
            r.get::<Option<f64>, _>(2),
            r.get::<Option<f64>, _>(3),
            r.get::<Option<f64>, _>(4),
        ) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
            _ => None,
        };
        Ok((r.get(0), extent))
    }

    /// The number of features a query matches (ignoring paging).
    pub async fn count_features(&self, q: &FeatureQuery) -> Result<i64, StoreError> {
        Ok(count_query(q, false)
            .build()
            .fetch_one(&self.pool)
            .await?
            .get(0))
    }

    /// The features of a query (at most `limit`), collected.
    pub async fn query_features(
        &self,
        q: &FeatureQuery,
        cols: Columns,
    ) -> Result<Vec<FeatureRow>, StoreError> {
        let mut qb = select_query(q, cols);
        let rows = qb.build().fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(FeatureRow).collect())
    }

    /// Streams the features of a query in batches of `batch` rows into
    /// `tx`, preceded by the plans of the query's version and statuses
    /// when `with_plans` and by the number of matches when `with_count`;
    /// plans, count and rows come from one read-only snapshot. Stops early when the
    /// receiver is gone (the client went away). With `split`, a large
    /// whole result is read by two connections at once (worth it when
    /// PostgreSQL is the bottleneck, as for stored XML sent as it is; not
    /// when formatting the rows takes the second core).
    pub async fn stream_features(
        &self,
        q: FeatureQuery,
        cols: Columns,
        (with_plans, with_count, split): (bool, bool, bool),
        batch: usize,
        tx: mpsc::Sender<Result<Batch, StoreError>>,
    ) {
        // a place among the streams running at once (see `Store::streams`)
        let permit = tokio::time::timeout(
            std::time::Duration::from_secs(STREAM_WAIT_SECS),
            self.streams.clone().acquire_owned(),
        )
        .await;
        let Ok(Ok(_permit)) = permit else {
            let _ = tx
                .send(Err(StoreError::Busy(format!(
                    "too many feature responses are being sent; none ended within {STREAM_WAIT_SECS} s"
                ))))
                .await;
            return;
        };
        let r = self
            .stream_features_inner(&q, cols, (with_plans, with_count, split), batch, &tx)
            .await;
        if let Err(e) = r {
            let _ = tx.send(Err(e)).await;
        }
    }

    async fn stream_features_inner(
        &self,
        q: &FeatureQuery,
        cols: Columns,
        (with_plans, with_count, split_reads): (bool, bool, bool),
        batch: usize,
        tx: &mpsc::Sender<Result<Batch, StoreError>>,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        // (no snapshot to import: past BEGIN only a broken connection fails)
        let mut db = begin_read(&mut conn, None).await?;
        if with_plans {
            // the frame of exactly the plans whose rows this snapshot holds
            let plans = self.scope_plans(&mut db, &q.version, &q.statuses).await?;
            if tx.send(Ok(Batch::Plans(plans))).await.is_err() {
                return Ok(());
            }
        }
        // A whole result in the default order is read by two connections at
        // once (PostgreSQL is the bottleneck of large responses), split at
        // the (type, plan) key where half of the rows lie, both in the same
        // snapshot; the second half waits in a bounded buffer.
        let whole = split_reads && q.count.is_none() && q.start == 0 && q.sort.is_empty();
        let mut split = None;
        if with_count {
            let n = if whole {
                let groups: Vec<(String, i64, i64)> = count_query(q, true)
                    .build()
                    .fetch_all(&mut *db)
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect();
                let total: i64 = groups.iter().map(|g| g.2).sum();
                if total >= parallel_min_rows() {
                    // the first key with at least half of the rows before it
                    let mut before = 0;
                    for g in &groups {
                        if before > 0 && before * 2 >= total {
                            split = Some((g.0.clone(), g.1));
                            break;
                        }
                        before += g.2;
                    }
                }
                total
            } else {
                count_query(q, false)
                    .build()
                    .fetch_one(&mut *db)
                    .await?
                    .get(0)
            };
            if tx.send(Ok(Batch::Matched(n))).await.is_err() {
                return Ok(());
            }
        }
        // the second connection only if one comes quickly (waiting for one
        // while holding one could exhaust the pool)
        // (and a second place among the streams: a split read counts twice)
        let extra = match &split {
            Some(_) => self.streams.clone().try_acquire_owned().ok(),
            None => None,
        };
        let second = match &extra {
            Some(_) => {
                tokio::time::timeout(std::time::Duration::from_millis(100), self.pool.acquire())
                    .await
                    .ok()
                    .and_then(Result::ok)
            }
            None => None,
        };
        let Some(conn2) = second else {
            let done = stream_range(&mut db, q, cols, &(None, None), batch, tx).await?;
            if end(db, done).await? {
                conn.close_on_drop();
            }
            return Ok(());
        };
        let key = split.clone().unwrap_or_default();
        tracing::debug!("feature query read by two connections, split at {key:?}");
        let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *db)
            .await?;
        let (btx, mut brx) = mpsc::channel(PARALLEL_BUFFER_BATCHES);
        let second_half = tokio::spawn(read_second_half(
            extra,
            conn2,
            snapshot,
            (q.clone(), cols, key.clone()),
            batch,
            btx,
        ));
        let mut done = stream_range(&mut db, q, cols, &(None, Some(key)), batch, tx).await?;
        if done {
            while let Some(b) = brx.recv().await {
                let failed = b.is_err();
                if tx.send(b).await.is_err() {
                    done = false;
                    break;
                }
                if failed {
                    return Ok(());
                }
            }
        }
        drop(brx);
        if done && second_half.await.is_err() {
            // the second half panicked: the response must not end as if complete
            tracing::error!("the second half of a feature query failed");
            return Err(StoreError::Cluster("a feature query task failed".into()));
        }
        if end(db, done).await? {
            conn.close_on_drop();
        }
        Ok(())
    }
}

/// The second half of a split read, on its own connection in the snapshot
/// the first exported.
async fn read_second_half(
    _place: Option<tokio::sync::OwnedSemaphorePermit>,
    mut conn: sqlx::pool::PoolConnection<Postgres>,
    snapshot: String,
    (q, cols, key): (FeatureQuery, Columns, (String, i64)),
    batch: usize,
    tx: mpsc::Sender<Result<Batch, StoreError>>,
) {
    let r: Result<bool, StoreError> = async {
        let mut db = begin_read(&mut conn, Some(&snapshot)).await?;
        let done = stream_range(&mut db, &q, cols, &(Some(key), None), batch, &tx).await?;
        if done {
            db.commit().await?;
        }
        Ok(!done)
    }
    .await;
    match r {
        Ok(true) => conn.close_on_drop(),
        Ok(false) => {}
        Err(e) => {
            // not back into the pool: a failed begin (the first half's
            // snapshot already gone) can leave it inside a transaction
            conn.close_on_drop();
            let _ = tx.send(Err(e)).await;
        }
    }
}

/// Ends a read transaction: committed when all rows were read. When the
/// client went away, true: the caller closes the connection instead of
/// returning it to the pool, so that PostgreSQL stops at once rather than
/// sending the rest of the rows to be drained.
async fn end(db: sqlx::Transaction<'_, Postgres>, done: bool) -> Result<bool, StoreError> {
    if done {
        db.commit().await?;
        Ok(false)
    } else {
        drop(db);
        Ok(true)
    }
}

/// How long a streaming response waits for a place before it is refused.
const STREAM_WAIT_SECS: u64 = 20;

/// Results with at least this many rows are read by two connections
/// (default 4096; `XPLAN_WFS_PARALLEL_MIN_ROWS` changes it, e.g. for tests
/// on small plans).
fn parallel_min_rows() -> i64 {
    static N: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *N.get_or_init(|| {
        std::env::var("XPLAN_WFS_PARALLEL_MIN_ROWS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4096)
    })
}
/// Batches of the second half held while the first is sent (bounded memory).
const PARALLEL_BUFFER_BATCHES: usize = 24;

/// Begins a read-only transaction on a snapshot of its own (repeatable
/// read) or on the one exported by another transaction as `snapshot`: one
/// round trip (a multi-statement simple query) instead of one per setting.
/// When importing a snapshot fails (it no longer exists), BEGIN has run and
/// sqlx does not know of that transaction: the caller must not return the
/// connection to the pool.
pub async fn begin_read<'c>(
    conn: &'c mut sqlx::PgConnection,
    snapshot: Option<&str>,
) -> Result<sqlx::Transaction<'c, Postgres>, StoreError> {
    use sqlx::Connection;
    let mut sql = String::from("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;");
    if let Some(id) = snapshot {
        // SET TRANSACTION SNAPSHOT takes no parameters: the id comes from
        // pg_export_snapshot() and is checked to be one
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(StoreError::Cluster(format!(
                "unexpected snapshot id '{id}'"
            )));
        }
        sql.push_str(&format!(" SET TRANSACTION SNAPSHOT '{id}';"));
    }
    // the features are in memory or on SSD: with the default cost of a
    // random page (4) the planner sorts a bitmap scan instead of reading
    // features_type_idx in order, about twice as slow
    sql.push_str(" SET LOCAL random_page_cost = 1.1");
    Ok(conn.begin_with(sql).await?)
}

/// Streams the rows of a key range in batches; stops when the receiver is
/// gone. True when every row was read and sent.
async fn stream_range(
    db: &mut sqlx::PgConnection,
    q: &FeatureQuery,
    cols: Columns,
    range: &KeyRange,
    batch: usize,
    tx: &mpsc::Sender<Result<Batch, StoreError>>,
) -> Result<bool, StoreError> {
    let mut qb = select_range(q, cols, range);
    let mut rows = qb.build().fetch(&mut *db);
    let mut buf = Vec::with_capacity(batch);
    while let Some(r) = rows.try_next().await? {
        buf.push(FeatureRow(r));
        if buf.len() >= batch {
            let full = std::mem::replace(&mut buf, Vec::with_capacity(batch));
            if tx.send(Ok(Batch::Rows(full))).await.is_err() {
                return Ok(false);
            }
        }
    }
    if !buf.is_empty() && tx.send(Ok(Batch::Rows(buf))).await.is_err() {
        return Ok(false);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_become_anchored_regexes() {
        assert_eq!(like_regex("BP*", '*', '.', '!'), "^BP.*$");
        assert_eq!(like_regex("a.c", '*', '.', '!'), "^a.c$");
        assert_eq!(like_regex("a!*b(", '*', '.', '!'), "^a\\*b\\($");
        assert_eq!(like_regex("x%y_", '%', '_', '\\'), "^x.*y.$");
    }

    #[test]
    fn json_paths_quote_every_step() {
        assert_eq!(
            json_path(&["gemeinde".into(), "a\"b".into()]),
            "$.\"gemeinde\".\"a\\\"b\""
        );
    }

    #[test]
    fn values_are_bound_not_written_into_sql() {
        let q = FeatureQuery {
            version: "5.4".into(),
            statuses: vec![],
            filter: Filter::And(vec![
                Filter::Types(vec!["BP_Plan".into()]),
                Filter::Compare {
                    prop: Prop::Path(vec!["name".into()]),
                    op: CmpOp::Eq,
                    value: "x'; DROP TABLE plans; --".into(),
                    match_case: true,
                },
                Filter::Compare {
                    prop: Prop::GmlId,
                    op: CmpOp::Ne,
                    value: "'".into(),
                    match_case: true,
                },
            ]),
            sort: vec![(Prop::Path(vec!["name".into()]), true)],
            start: 5,
            count: Some(10),
        };
        let qb = select_query(&q, Columns::default());
        let sql = qb.sql();
        assert!(!sql.contains("DROP"), "{sql}");
        assert!(!sql.contains("name"), "property names are bound too: {sql}");
        assert!(sql.contains("LIMIT $") && sql.contains("OFFSET $"), "{sql}");
    }
}
