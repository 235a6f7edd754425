-- 0002: groups and their memberships, resource servers, and the
-- user_search index that ListUsers reads. user_search is filled for the
-- users already stored by a Go step that runs right after this file, in
-- the same transaction (it needs store.SearchKey).

CREATE TABLE groups (
	pool_id     TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	description TEXT    NOT NULL,
	role_arn    TEXT    NOT NULL,
	precedence  INTEGER NOT NULL,
	version     INTEGER NOT NULL,
	created_at  INTEGER,
	updated_at  INTEGER,
	PRIMARY KEY (pool_id, name)
);

CREATE TABLE group_members (
	pool_id    TEXT NOT NULL,
	group_name TEXT NOT NULL,
	sub        TEXT NOT NULL,
	PRIMARY KEY (pool_id, group_name, sub),
	FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;

-- A user's groups, and the cascade when the user is deleted.
CREATE INDEX group_members_by_sub ON group_members (pool_id, sub, group_name);

CREATE TABLE resource_servers (
	pool_id    TEXT    NOT NULL,
	identifier TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	-- JSON array of {name, description} ("null" for none).
	scopes     TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	created_at INTEGER,
	updated_at INTEGER,
	PRIMARY KEY (pool_id, identifier)
);

-- One row per user and search attribute the user has a key for
-- (store.SearchKey), kept in the transaction of every user write. Keys
-- compare bytewise (BINARY collation): ListUsers is a range scan of the
-- primary key, a prefix match being key >= prefix AND key < successor.
CREATE TABLE user_search (
	pool_id TEXT NOT NULL,
	attr    TEXT NOT NULL,
	key     TEXT NOT NULL,
	sub     TEXT NOT NULL,
	PRIMARY KEY (pool_id, attr, key, sub),
	FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;

-- A user's rows, rewritten on update and cascaded on delete.
CREATE INDEX user_search_by_sub ON user_search (pool_id, sub, attr);
