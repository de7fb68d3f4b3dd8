//! Access control model: roles, the authenticated principal, what it may
//! change, and the argon2 hashing of passwords and API tokens. No HTTP and
//! no database here (the store keeps users and tokens, `api` reads the
//! credentials of a request).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::Rng;
use serde::Serialize;

/// Roles, ordered: each includes the rights of the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything, also what is hidden from the public.
    Viewer,
    /// Imports, edits and deletes plans of their municipalities.
    Editor,
    /// Changes every plan, reads the audit log.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

/// An authenticated user (by password or by one of their tokens).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Principal {
    pub user: String,
    pub role: Role,
    /// Municipalities (Amtlicher Gemeindeschlüssel) the user works for.
    pub ags: Vec<String>,
}

impl Principal {
    /// Whether the user may change (import, edit, delete) a plan of these
    /// municipalities: admins always; editors when the plan names
    /// municipalities and all of them are the editor's.
    pub fn may_change(&self, plan_ags: &[String]) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Editor => {
                !plan_ags.is_empty() && plan_ags.iter().all(|a| self.ags.iter().any(|u| u == a))
            }
            Role::Viewer => false,
        }
    }
}

/// Checks an AGS: digits, 2 to 12 (8 for a Gemeindeschlüssel, 12 for a
/// Regionalschlüssel; plans in the field also carry 9-digit keys).
pub fn valid_ags(s: &str) -> bool {
    (2..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a user name (the database enforces the same).
pub fn valid_user_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b))
}

/// An argon2id hash (PHC string) of a password or token, with a random salt.
pub fn hash_secret(secret: &str) -> String {
    let salt_bytes: [u8; 16] = rand::thread_rng().gen();
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes are a valid salt");
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 with default parameters")
        .to_string()
}

/// Verifies a secret against a stored hash (false for a malformed hash).
/// Costs tens of milliseconds on purpose: call it off the async executor.
pub fn verify_secret(hash: &str, secret: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

const TOKEN_PREFIX: &str = "xps_";

/// A new API token for the token row `id`: `xps_<id>_<40 random characters>`.
pub fn new_token(id: i64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let secret: String = (0..40)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{TOKEN_PREFIX}{id}_{secret}")
}

/// The token row id of a token string (None when it is not one of ours).
pub fn token_id(token: &str) -> Option<i64> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    if secret.len() != 40 || !secret.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    id.parse().ok()
}

/// A random password for generated accounts (e.g. the first admin).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_secret() {
        let h = hash_secret("geheim");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_secret(&h, "geheim"));
        assert!(!verify_secret(&h, "Geheim"));
        assert!(!verify_secret("not a hash", "geheim"));
        // salted: the same secret hashes differently
        assert_ne!(h, hash_secret("geheim"));
    }

    #[test]
    fn tokens_carry_their_row_id() {
        let t = new_token(42);
        assert_eq!(token_id(&t), Some(42));
        assert_eq!(token_id("xps_42_short"), None);
        assert_eq!(token_id("Bearer something"), None);
        assert_ne!(new_token(42), t);
    }

    #[test]
    fn editors_change_only_plans_of_their_municipalities() {
        let ed = Principal {
            user: "e".into(),
            role: Role::Editor,
            ags: vec!["05315000".into(), "05316000".into()],
        };
        assert!(ed.may_change(&["05315000".into()]));
        assert!(ed.may_change(&["05315000".into(), "05316000".into()]));
        assert!(!ed.may_change(&["05315000".into(), "09162000".into()]));
        // a plan without municipality is only for admins
        assert!(!ed.may_change(&[]));
        let admin = Principal {
            role: Role::Admin,
            ags: vec![],
            ..ed.clone()
        };
        assert!(admin.may_change(&[]));
        let viewer = Principal {
            role: Role::Viewer,
            ..ed
        };
        assert!(!viewer.may_change(&["05315000".into()]));
        assert!(Role::Admin > Role::Editor && Role::Editor > Role::Viewer);
        assert!(valid_ags("05315000") && valid_ags("053150000000"));
        assert!(!valid_ags("0531500x") && !valid_ags("0") && !valid_ags("0531500000000"));
    }
}
