-- 0008_settings: a pool's run-time setting documents (store.Settings),
-- keyed by kind and scope ('' for the whole pool). Keys are COLLATE "C"
-- (bytewise), the order ListSettings returns scopes in; the primary key
-- serves it.
CREATE TABLE settings (
    pool_id    text COLLATE "C" NOT NULL,
    kind       text COLLATE "C" NOT NULL,
    scope      text COLLATE "C" NOT NULL,
    document   bytea NOT NULL,
    version    bigint NOT NULL,
    updated_at timestamptz,
    CONSTRAINT settings_pkey PRIMARY KEY (pool_id, kind, scope)
);
