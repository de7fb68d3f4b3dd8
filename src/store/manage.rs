//! Plan management queries of the REST API: search with paging, status
//! changes, the municipalities of a plan, and the uniqueness rule of imports.

use super::{summary_from_row, PlanSummary, Store, StoreError};
use crate::xplan::PlanStatus;
use sqlx::Row;

/// Search criteria of the plan list; every one optional, all bound as
/// parameters.
#[derive(Debug, Clone, Default)]
pub struct PlanQuery {
    /// Case-insensitive part of the plan name (or its nummer).
    pub name: Option<String>,
    pub plan_type: Option<String>,
    pub statuses: Vec<PlanStatus>,
    /// Plans with a municipality key starting with this (Land, Kreis, Gemeinde).
    pub ags: Option<String>,
    pub version: Option<String>,
    pub internal_id: Option<String>,
    /// [min_lon, min_lat, max_lon, max_lat] (EPSG:4326).
    pub bbox: Option<[f64; 4]>,
    pub ids: Vec<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Which imports count as duplicates of a stored plan (refused with 409).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Uniqueness {
    /// Every import is accepted.
    #[default]
    None,
    /// A plan name may exist once.
    Name,
    /// A plan name may exist once per municipality (AGS).
    AgsName,
}

/// LIKE pattern matching `s` anywhere, with LIKE's wildcards escaped.
fn contains_pattern(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Plans matching a query, newest first, and how many match in all.
    pub async fn search(&self, q: &PlanQuery) -> Result<(i64, Vec<PlanSummary>), StoreError> {
        let statuses: Vec<&str> = q.statuses.iter().map(|s| s.as_str()).collect();
        let [x0, y0, x1, y1] = q.bbox.map(|b| b.map(Some)).unwrap_or([None; 4]);
        let sql = format!(
            "{} WHERE ($1::text IS NULL OR name ILIKE $1 OR nummer ILIKE $1)
               AND ($2::text IS NULL OR plan_type = $2)
               AND (cardinality($3::text[]) = 0 OR status = ANY($3))
               AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM unnest(ags) a WHERE starts_with(a, $4)))
               AND ($5::text IS NULL OR version = $5)
               AND ($6::text IS NULL OR internal_id = $6)
               AND ($7::float8 IS NULL OR bbox && ST_Transform(ST_MakeEnvelope($7, $8, $9, $10, 4326), $11))
               AND (cardinality($12::bigint[]) = 0 OR id = ANY($12))
             ORDER BY id DESC LIMIT $13 OFFSET $14",
            super::SUMMARY_SELECT
        );
        let rows = sqlx::query(&sql)
            .bind(q.name.as_deref().map(contains_pattern))
            .bind(&q.plan_type)
            .bind(&statuses)
            .bind(&q.ags)
            .bind(&q.version)
            .bind(&q.internal_id)
            .bind(x0)
            .bind(y0)
            .bind(x1)
            .bind(y1)
            .bind(self.storage_srid as i32)
            .bind(&q.ids)
            .bind(q.limit)
            .bind(q.offset)
            .fetch_all(&self.pool)
            .await?;
        let total = match rows.first() {
            Some(r) => r.try_get::<i64, _>("total")?,
            // past the end, or nothing matches: count without the page
            None if q.offset > 0 => {
                let mut all = q.clone();
                all.offset = 0;
                all.limit = 1;
                return Ok((Box::pin(self.search(&all)).await?.0, Vec::new()));
            }
            None => 0,
        };
        let plans = rows
            .into_iter()
            .map(summary_from_row)
            .collect::<Result<_, _>>()?;
        Ok((total, plans))
    }

    /// The municipalities (AGS) of a plan.
    pub async fn plan_ags(&self, id: i64) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT ags FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound(id))
    }

    /// Sets the status of a plan (maps and WFS follow through the change
    /// notification of the plans table) and records it in the audit log,
    /// in one transaction. Returns the previous status.
    pub async fn set_status(
        &self,
        id: i64,
        status: PlanStatus,
        actor: &str,
    ) -> Result<String, StoreError> {
        let mut tx = self.pool.begin().await?;
        let old: String = sqlx::query_scalar("SELECT status FROM plans WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound(id))?;
        if old != status.as_str() {
            sqlx::query("UPDATE plans SET status = $2 WHERE id = $1")
                .bind(id)
                .bind(status.as_str())
                .execute(&mut *tx)
                .await?;
            audit_on(
                &mut tx,
                actor,
                "status",
                Some(id),
                serde_json::json!({"from": old, "to": status.as_str()}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(old)
    }

    /// Deletes a plan with everything stored for it and records it in the
    /// audit log, in one transaction. Returns the plan's name.
    pub async fn delete_plan(&self, id: i64, actor: &str) -> Result<String, StoreError> {
        let mut tx = self.pool.begin().await?;
        let (name, file): (String, Option<String>) =
            sqlx::query_as("DELETE FROM plans WHERE id = $1 RETURNING name, source_file")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound(id))?;
        audit_on(
            &mut tx,
            actor,
            "delete",
            Some(id),
            serde_json::json!({"name": name, "file": file}),
        )
        .await?;
        tx.commit().await?;
        self.forget_plan_frame(id);
        Ok(name)
    }
}

impl Store {
    /// The editable Basisdaten of a plan (see `xplan::edit`).
    pub async fn basisdaten(&self, id: i64) -> Result<serde_json::Value, StoreError> {
        let props: serde_json::Value = sqlx::query_scalar(
            "SELECT f.properties FROM plans p JOIN features f ON f.plan_id = p.id AND f.gml_id = p.gml_id WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound(id))?;
        Ok(crate::xplan::edit::basisdaten(&props))
    }

    /// Changes Basisdaten of a plan in its stored XML and properties and
    /// in the plan row (name, nummer, rechtsstand; a new rechtsstand sets
    /// the status derived from it, as on import), with an audit entry, in
    /// one transaction. Maps and services follow through the plans
    /// table's change notification.
    pub async fn update_basisdaten(
        &self,
        id: i64,
        changes: &serde_json::Map<String, serde_json::Value>,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT p.version, p.plan_class, p.plan_type, p.gml_id, f.xml, f.properties
             FROM plans p JOIN features f ON f.plan_id = p.id AND f.gml_id = p.gml_id
             WHERE p.id = $1 FOR UPDATE OF p, f",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound(id))?;
        let version: String = row.get(0);
        let plan_class: String = row.get(1);
        let plan_type: String = row.get(2);
        let gml_id: String = row.get(3);
        let xml: String = row.get(4);
        let mut props: serde_json::Value = row.get(5);
        let version = crate::xplan::Version::parse(&version)
            .ok_or_else(|| StoreError::Invalid(format!("unknown version {version}")))?;
        let new_xml = crate::xplan::edit::apply(&xml, &mut props, version, &plan_class, changes)
            .map_err(StoreError::Invalid)?;
        let json = props.to_string();
        let codes = crate::xplan::codelists::CodeLists::of(version);
        let flat = crate::xplan::flat::members(
            &json,
            &plan_class,
            &codes,
            &mut crate::xplan::flat::Labels::new(),
        )
        .map_err(StoreError::Invalid)?;
        sqlx::query(
            "UPDATE features SET xml = $3, properties = $4::json, geojson_properties = $5
             WHERE plan_id = $1 AND gml_id = $2",
        )
        .bind(id)
        .bind(&gml_id)
        .bind(&new_xml)
        .bind(&json)
        .bind(&flat)
        .execute(&mut *tx)
        .await?;
        let text = |k: &str| props.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let rechtsstand: Option<i32> = text("rechtsstand").and_then(|s| s.parse().ok());
        let status = changes.contains_key("rechtsstand").then(|| {
            crate::xplan::PlanType::parse(&plan_type)
                .map(|t| PlanStatus::from_rechtsstand(t, rechtsstand).as_str())
        });
        sqlx::query(
            "UPDATE plans SET name = $2, nummer = $3, rechtsstand = $4, status = COALESCE($5, status) WHERE id = $1",
        )
        .bind(id)
        .bind(text("name").unwrap_or_default())
        .bind(text("nummer"))
        .bind(rechtsstand)
        .bind(status.flatten())
        .execute(&mut *tx)
        .await?;
        audit_on(
            &mut tx,
            actor,
            "basisdaten",
            Some(id),
            serde_json::Value::Object(changes.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Appends to the audit log on a connection (inside the caller's transaction).
pub(super) async fn audit_on(
    conn: &mut sqlx::PgConnection,
    actor: &str,
    action: &str,
    plan_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_log (actor, action, plan_id, detail) VALUES ($1, $2, $3, $4)")
        .bind(actor)
        .bind(action)
        .bind(plan_id)
        .bind(detail)
        .execute(conn)
        .await?;
    Ok(())
}

/// Refuses a plan that duplicates a stored one under the uniqueness rule;
/// runs inside the import transaction and holds a transaction-scoped
/// advisory lock on the key, so two concurrent imports of the same plan
/// cannot both pass.
pub(super) async fn check_unique(
    conn: &mut sqlx::PgConnection,
    rule: Uniqueness,
    name: &str,
    ags: &[String],
) -> Result<(), StoreError> {
    let keys: Vec<String> = match rule {
        Uniqueness::None => return Ok(()),
        Uniqueness::Name => vec![format!("name:{name}")],
        Uniqueness::AgsName if ags.is_empty() => vec![format!("ags_name::{name}")],
        Uniqueness::AgsName => ags.iter().map(|a| format!("ags_name:{a}:{name}")).collect(),
    };
    for k in &keys {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(k)
            .execute(&mut *conn)
            .await?;
    }
    let existing: Option<i64> = match rule {
        Uniqueness::None => None,
        Uniqueness::Name => {
            sqlx::query_scalar("SELECT id FROM plans WHERE name = $1 LIMIT 1")
                .bind(name)
                .fetch_optional(&mut *conn)
                .await?
        }
        Uniqueness::AgsName => {
            sqlx::query_scalar(
                "SELECT id FROM plans WHERE name = $1 AND (ags && $2 OR (cardinality(ags) = 0 AND cardinality($2) = 0)) LIMIT 1",
            )
            .bind(name)
            .bind(ags)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    match existing {
        Some(id) => Err(StoreError::Duplicate {
            id,
            message: match rule {
                Uniqueness::Name => format!("a plan named '{name}' is already stored (plan {id})"),
                _ => format!(
                    "a plan named '{name}' of municipality {} is already stored (plan {id})",
                    if ags.is_empty() {
                        "(none)".to_string()
                    } else {
                        ags.join(", ")
                    }
                ),
            },
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(super::contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
