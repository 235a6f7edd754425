-- 0012: user_aliases and user_search lose their by-sub indexes and their
-- foreign keys to users. Both tables are derived from the users row
-- (user_aliases from its aliases document, user_search from
-- store.SearchKey of the stored user), so a write that changes or deletes
-- a user deletes the rows of its old version by primary key, in the same
-- transaction, instead of looking them up by sub. With random subs each
-- of those two indexes cost one random B-tree insert per row written — two
-- of the three costs of a bulk import — and a foreign key with ON DELETE
-- CASCADE needs such an index, or every user deletion scans the table.
-- The rows are copied as they are (both tables have been written from
-- the users row in the same transaction since they exist), except the
-- search rows of the sub: a search by sub reads the users primary key
-- (pool_id, sub), which orders users by that very key.

CREATE TABLE user_aliases_0012 (
	pool_id TEXT NOT NULL,
	kind    TEXT NOT NULL,
	value   TEXT NOT NULL,
	sub     TEXT NOT NULL,
	PRIMARY KEY (pool_id, kind, value)
) WITHOUT ROWID;
INSERT INTO user_aliases_0012 (pool_id, kind, value, sub)
	SELECT pool_id, kind, value, sub FROM user_aliases ORDER BY pool_id, kind, value;
DROP TABLE user_aliases;
ALTER TABLE user_aliases_0012 RENAME TO user_aliases;

CREATE TABLE user_search_0012 (
	pool_id TEXT NOT NULL,
	attr    TEXT NOT NULL,
	key     TEXT NOT NULL,
	sub     TEXT NOT NULL,
	PRIMARY KEY (pool_id, attr, key, sub)
) WITHOUT ROWID;
INSERT INTO user_search_0012 (pool_id, attr, key, sub)
	SELECT pool_id, attr, key, sub FROM user_search WHERE attr != 'sub' ORDER BY pool_id, attr, key, sub;
DROP TABLE user_search;
ALTER TABLE user_search_0012 RENAME TO user_search;
