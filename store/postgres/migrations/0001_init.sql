-- 0001_init: the first Cupola schema. Every table is keyed by pool_id, so
-- one database hosts many pools. Keys are text COLLATE "C": they are
-- compared and ordered as bytes, whatever the database's locale.

CREATE TABLE users (
    pool_id             text COLLATE "C" NOT NULL,
    sub                 text COLLATE "C" NOT NULL,
    username            text NOT NULL,
    username_key        text COLLATE "C" NOT NULL,
    status              text NOT NULL,
    enabled             boolean NOT NULL,
    attributes          jsonb,
    password_hash       text NOT NULL,
    srp_salt            text NOT NULL,
    srp_verifier        text NOT NULL,
    password_temporary  boolean NOT NULL,
    password_expires_at timestamptz,
    password_changed_at timestamptz,
    version             bigint NOT NULL,
    created_at          timestamptz,
    updated_at          timestamptz,
    CONSTRAINT users_pkey PRIMARY KEY (pool_id, sub),
    CONSTRAINT users_username_key UNIQUE (pool_id, username_key)
);

-- One row per alias; the primary key is the unique index that makes two
-- users of one pool unable to share an email, phone number or preferred
-- username.
CREATE TABLE user_aliases (
    pool_id text COLLATE "C" NOT NULL,
    kind    text COLLATE "C" NOT NULL,
    value   text COLLATE "C" NOT NULL,
    sub     text COLLATE "C" NOT NULL,
    CONSTRAINT user_aliases_pkey PRIMARY KEY (pool_id, kind, value),
    CONSTRAINT user_aliases_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX user_aliases_sub_idx ON user_aliases (pool_id, sub);

CREATE TABLE clients (
    pool_id    text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    name       text NOT NULL,
    secret     bytea,
    settings   jsonb NOT NULL,
    version    bigint NOT NULL,
    created_at timestamptz,
    updated_at timestamptz,
    CONSTRAINT clients_pkey PRIMARY KEY (pool_id, id)
);

CREATE TABLE codes (
    pool_id    text COLLATE "C" NOT NULL,
    subject    text COLLATE "C" NOT NULL,
    purpose    text COLLATE "C" NOT NULL,
    hash       bytea,
    value      text NOT NULL,
    attempts   integer NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz,
    CONSTRAINT codes_pkey PRIMARY KEY (pool_id, subject, purpose)
);

CREATE TABLE auth_sessions (
    pool_id    text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    subject    text COLLATE "C" NOT NULL,
    client_id  text NOT NULL,
    challenge  text NOT NULL,
    data       bytea,
    expires_at timestamptz NOT NULL,
    created_at timestamptz,
    CONSTRAINT auth_sessions_pkey PRIMARY KEY (pool_id, id)
);
CREATE INDEX auth_sessions_subject_idx ON auth_sessions (pool_id, subject);
CREATE INDEX auth_sessions_expires_idx ON auth_sessions (expires_at);

CREATE TABLE refresh_families (
    pool_id    text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    subject    text COLLATE "C" NOT NULL,
    client_id  text NOT NULL,
    scopes     text[],
    auth_time  timestamptz,
    device_key text NOT NULL,
    created_at timestamptz,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CONSTRAINT refresh_families_pkey PRIMARY KEY (pool_id, id)
);
CREATE INDEX refresh_families_subject_idx ON refresh_families (pool_id, subject);

-- Every token a family has issued, by SHA-256: rotated_at is NULL for the
-- current one, so a rotated token presented again is recognized as reuse.
CREATE TABLE refresh_tokens (
    pool_id    text COLLATE "C" NOT NULL,
    hash       bytea NOT NULL,
    family_id  text COLLATE "C" NOT NULL,
    rotated_at timestamptz,
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (pool_id, hash),
    CONSTRAINT refresh_tokens_family_fkey FOREIGN KEY (pool_id, family_id)
        REFERENCES refresh_families (pool_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (pool_id, family_id);
CREATE UNIQUE INDEX refresh_tokens_current_idx ON refresh_tokens (pool_id, family_id)
    WHERE rotated_at IS NULL;

CREATE TABLE signing_keys (
    pool_id   text COLLATE "C" NOT NULL,
    id        text COLLATE "C" NOT NULL,
    algorithm text NOT NULL,
    private   bytea,
    published timestamptz,
    active    timestamptz,
    retired   timestamptz,
    expires   timestamptz,
    CONSTRAINT signing_keys_pkey PRIMARY KEY (pool_id, id)
);

CREATE TABLE lockouts (
    pool_id      text COLLATE "C" NOT NULL,
    key          text COLLATE "C" NOT NULL,
    failures     integer NOT NULL,
    last_attempt timestamptz,
    locked_until timestamptz,
    CONSTRAINT lockouts_pkey PRIMARY KEY (pool_id, key)
);
