//! Users, API tokens and the audit log (tables of migration 0004).
//! Secrets arrive here already hashed (see `crate::auth`).

use super::{Store, StoreError};
use crate::auth::{Principal, Role};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

/// A user as listed (never with the hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserInfo {
    pub name: String,
    pub role: Role,
    pub ags: Vec<String>,
    #[serde(rename = "hasPassword")]
    pub has_password: bool,
    #[serde(rename = "createdAt")]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A stored credential: the hash to verify and who it belongs to.
pub struct Credential {
    pub hash: String,
    pub principal: Principal,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub user: String,
    pub label: String,
    #[serde(rename = "createdAt")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(rename = "expiresAt")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "lastUsedAt")]
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub action: String,
    #[serde(rename = "planId")]
    pub plan_id: Option<i64>,
    pub detail: Value,
}

fn role_of(s: &str) -> Result<Role, StoreError> {
    Role::parse(s).ok_or_else(|| StoreError::Cluster(format!("unknown role '{s}' in the database")))
}

impl Store {
    /// Creates a user; false when the name is taken.
    pub async fn add_user(
        &self,
        name: &str,
        password_hash: Option<&str>,
        role: Role,
        ags: &[String],
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO users (name, password_hash, role, ags) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(ags)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Changes role, municipalities or password hash of a user; false when
    /// there is no such user.
    pub async fn update_user(
        &self,
        name: &str,
        password_hash: Option<&str>,
        role: Option<Role>,
        ags: Option<&[String]>,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE users SET password_hash = COALESCE($2, password_hash), role = COALESCE($3, role),
                ags = COALESCE($4, ags) WHERE name = $1",
        )
        .bind(name)
        .bind(password_hash)
        .bind(role.map(Role::as_str))
        .bind(ags)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Deletes a user and their tokens; false when there was none.
    pub async fn remove_user(&self, name: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM users WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn users(&self) -> Result<Vec<UserInfo>, StoreError> {
        sqlx::query("SELECT name, role, ags, password_hash IS NOT NULL, created_at FROM users ORDER BY name")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| {
                Ok(UserInfo {
                    name: r.get(0),
                    role: role_of(r.get(1))?,
                    ags: r.get(2),
                    has_password: r.get(3),
                    created_at: r.get(4),
                })
            })
            .collect()
    }

    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The password hash of a user (None: no such user or no password).
    pub async fn password_credential(&self, name: &str) -> Result<Option<Credential>, StoreError> {
        let Some(r) = sqlx::query(
            "SELECT password_hash, role, ags FROM users WHERE name = $1 AND password_hash IS NOT NULL",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(Credential {
            hash: r.get(0),
            principal: Principal {
                user: name.to_string(),
                role: role_of(r.get(1))?,
                ags: r.get(2),
            },
        }))
    }

    /// The hash of an unexpired token and its user.
    pub async fn token_credential(&self, id: i64) -> Result<Option<Credential>, StoreError> {
        let Some(r) = sqlx::query(
            "SELECT t.token_hash, u.name, u.role, u.ags FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.id = $1 AND (t.expires_at IS NULL OR t.expires_at > now())",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some(Credential {
            hash: r.get(0),
            principal: Principal {
                user: r.get(1),
                role: role_of(r.get(2))?,
                ags: r.get(3),
            },
        }))
    }

    /// Records that a token was used (at most once a minute per token).
    pub async fn touch_token(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = now()
             WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Creates a token row for a user (None: no such user): `make_hash`
    /// gets the row id and returns the token built from it and its hash;
    /// only the hash is stored. Returns the row id and the token.
    pub async fn create_token(
        &self,
        user: &str,
        label: &str,
        expires_days: Option<u32>,
        make_hash: impl FnOnce(i64) -> (String, String),
    ) -> Result<Option<(i64, String)>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(id) = sqlx::query_scalar::<_, i64>(
            "INSERT INTO api_tokens (user_id, label, token_hash, expires_at)
             SELECT id, $2, '', CASE WHEN $3::int IS NULL THEN NULL ELSE now() + make_interval(days => $3) END
             FROM users WHERE name = $1 RETURNING id",
        )
        .bind(user)
        .bind(label)
        .bind(expires_days.map(|d| d.min(36_500) as i32))
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let (token, hash) = make_hash(id);
        sqlx::query("UPDATE api_tokens SET token_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((id, token)))
    }

    pub async fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenInfo>, StoreError> {
        Ok(sqlx::query(
            "SELECT t.id, u.name, t.label, t.created_at, t.expires_at, t.last_used_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE $1::text IS NULL OR u.name = $1 ORDER BY t.id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| TokenInfo {
            id: r.get(0),
            user: r.get(1),
            label: r.get(2),
            created_at: r.get(3),
            expires_at: r.get(4),
            last_used_at: r.get(5),
        })
        .collect())
    }

    /// Revokes (deletes) a token; false when there was none.
    pub async fn revoke_token(&self, id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// The audit log, newest first.
    pub async fn audit_log(
        &self,
        plan_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<AuditEntry>), StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, plan_id, detail, count(*) OVER () FROM audit_log
             WHERE $1::bigint IS NULL OR plan_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
        .bind(plan_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total = rows.first().map(|r| r.get::<i64, _>(6)).unwrap_or(0);
        Ok((
            total,
            rows.into_iter()
                .map(|r| AuditEntry {
                    id: r.get(0),
                    at: r.get(1),
                    actor: r.get(2),
                    action: r.get(3),
                    plan_id: r.get(4),
                    detail: r.get(5),
                })
                .collect(),
        ))
    }
}
