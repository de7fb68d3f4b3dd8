-- Access control and audit log of the REST API.
-- Users log in with a password (HTTP Basic) or an API token (Bearer);
-- both are stored as argon2 hashes only. A user's municipalities (AGS)
-- bound what an editor may change; admins may change everything.
CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9._@-]{1,64}$'),
    password_hash   text,
    role            text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    ags             text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- A token is "xps_<id>_<secret>": looked up by id, verified against the
-- argon2 hash of the whole token.
CREATE TABLE api_tokens (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label           text NOT NULL DEFAULT '',
    token_hash      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    last_used_at    timestamptz
);

-- Who changed what when. plan_id is kept after the plan is deleted.
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    action          text NOT NULL,
    plan_id         bigint,
    detail          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_plan_idx ON audit_log (plan_id, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);
