-- 0005: the outbox, messages queued for sending after the answer (see
-- store.Outbox). Claims walk the (pool_id, due_at) index; Cleanup walks
-- (pool_id, expires_at).

CREATE TABLE outbox (
	pool_id    TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	payload    BLOB    NOT NULL,
	attempts   INTEGER NOT NULL,
	due_at     INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	created_at INTEGER,
	PRIMARY KEY (pool_id, id)
) WITHOUT ROWID;

CREATE INDEX outbox_by_pool_due ON outbox (pool_id, due_at);
CREATE INDEX outbox_by_pool_expiry ON outbox (pool_id, expires_at);
