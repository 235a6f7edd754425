-- 0008: a pool's run-time setting documents (store.Settings), keyed by
-- kind and scope ('' for the whole pool). Keys compare bytewise (BINARY
-- collation), the order ListSettings returns scopes in; the primary key
-- serves it. A rowid table, since a document may run to 64 KiB.

CREATE TABLE settings (
	pool_id    TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	scope      TEXT    NOT NULL,
	document   BLOB    NOT NULL,
	version    INTEGER NOT NULL,
	updated_at INTEGER,
	PRIMARY KEY (pool_id, kind, scope)
);
