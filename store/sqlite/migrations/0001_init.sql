-- 0001: the initial schema. Every table is keyed by pool_id first: one
-- database hosts many pools and no lookup crosses a pool. Times are INTEGER
-- unix microseconds (UTC); NULL is the zero time.

CREATE TABLE users (
	pool_id             TEXT    NOT NULL,
	sub                 TEXT    NOT NULL,
	username            TEXT    NOT NULL,
	username_key        TEXT    NOT NULL,
	status              TEXT    NOT NULL,
	enabled             INTEGER NOT NULL,
	-- JSON object of attribute name to value ("null" for none).
	attributes          TEXT    NOT NULL,
	-- JSON object of alias kind to value, as handed in; user_aliases is the
	-- unique index over the same pairs.
	aliases             TEXT    NOT NULL,
	password_hash       TEXT    NOT NULL,
	srp_salt            TEXT    NOT NULL,
	srp_verifier        TEXT    NOT NULL,
	password_temporary  INTEGER NOT NULL,
	password_expires_at INTEGER,
	password_changed_at INTEGER,
	version             INTEGER NOT NULL,
	created_at          INTEGER,
	updated_at          INTEGER,
	PRIMARY KEY (pool_id, sub),
	UNIQUE (pool_id, username_key)
);

CREATE TABLE user_aliases (
	pool_id TEXT NOT NULL,
	kind    TEXT NOT NULL,
	value   TEXT NOT NULL,
	sub     TEXT NOT NULL,
	PRIMARY KEY (pool_id, kind, value),
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX user_aliases_by_sub ON user_aliases (pool_id, sub);

CREATE TABLE clients (
	pool_id    TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	secret     BLOB,
	-- JSON document of store.ClientSettings.
	settings   TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	created_at INTEGER,
	updated_at INTEGER,
	PRIMARY KEY (pool_id, id)
);

CREATE TABLE codes (
	pool_id    TEXT    NOT NULL,
	subject    TEXT    NOT NULL,
	purpose    TEXT    NOT NULL,
	hash       BLOB    NOT NULL,
	value      TEXT    NOT NULL,
	attempts   INTEGER NOT NULL,
	expires_at INTEGER,
	created_at INTEGER,
	PRIMARY KEY (pool_id, subject, purpose)
) WITHOUT ROWID;

CREATE INDEX codes_by_expiry ON codes (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE auth_sessions (
	pool_id    TEXT NOT NULL,
	id         TEXT NOT NULL,
	subject    TEXT NOT NULL,
	client_id  TEXT NOT NULL,
	challenge  TEXT NOT NULL,
	data       BLOB,
	expires_at INTEGER,
	created_at INTEGER,
	PRIMARY KEY (pool_id, id)
);

CREATE INDEX auth_sessions_by_subject ON auth_sessions (pool_id, subject);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE refresh_families (
	pool_id    TEXT NOT NULL,
	id         TEXT NOT NULL,
	subject    TEXT NOT NULL,
	client_id  TEXT NOT NULL,
	-- JSON array of scope strings ("null" for none).
	scopes     TEXT NOT NULL,
	auth_time  INTEGER,
	device_key TEXT NOT NULL,
	created_at INTEGER,
	expires_at INTEGER,
	revoked_at INTEGER,
	PRIMARY KEY (pool_id, id)
);

CREATE INDEX refresh_families_by_subject ON refresh_families (pool_id, subject);
CREATE INDEX refresh_families_by_expiry ON refresh_families (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE refresh_tokens (
	pool_id    TEXT NOT NULL,
	hash       BLOB NOT NULL,
	family_id  TEXT NOT NULL,
	-- NULL while the token is its family's current one.
	rotated_at INTEGER,
	PRIMARY KEY (pool_id, hash),
	FOREIGN KEY (pool_id, family_id) REFERENCES refresh_families (pool_id, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX refresh_tokens_by_family ON refresh_tokens (pool_id, family_id);
-- A family has at most one current token.
CREATE UNIQUE INDEX refresh_tokens_one_current ON refresh_tokens (pool_id, family_id) WHERE rotated_at IS NULL;

CREATE TABLE signing_keys (
	pool_id   TEXT NOT NULL,
	id        TEXT NOT NULL,
	algorithm TEXT NOT NULL,
	private   BLOB,
	published INTEGER,
	active    INTEGER,
	retired   INTEGER,
	expires   INTEGER,
	PRIMARY KEY (pool_id, id)
);

CREATE TABLE lockouts (
	pool_id      TEXT    NOT NULL,
	key          TEXT    NOT NULL,
	failures     INTEGER NOT NULL,
	last_attempt INTEGER,
	locked_until INTEGER,
	PRIMARY KEY (pool_id, key)
) WITHOUT ROWID;
