-- 0005_outbox: messages queued for sending after the answer (see
-- store.Outbox). Claims walk (pool_id, due_at) with FOR UPDATE SKIP
-- LOCKED, so instances sharing the database claim disjoint deliveries;
-- Cleanup walks (pool_id, expires_at).
CREATE TABLE outbox (
    pool_id    text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    payload    bytea NOT NULL,
    attempts   integer NOT NULL,
    due_at     timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz,
    CONSTRAINT outbox_pkey PRIMARY KEY (pool_id, id)
);
CREATE INDEX outbox_pool_due_idx ON outbox (pool_id, due_at);
CREATE INDEX outbox_pool_expires_idx ON outbox (pool_id, expires_at);
