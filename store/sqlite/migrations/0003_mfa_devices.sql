-- 0003: users' multi-factor state and their tracked devices.
--
-- users.mfa is the JSON document of store.MFA. The empty string, which
-- every user stored before this migration reads as, is the zero MFA: no
-- second factor.
ALTER TABLE users ADD COLUMN mfa TEXT NOT NULL DEFAULT '';

-- One row per device a user signed in from. A device belongs to its user:
-- deleting the user deletes its devices by cascade. Keys compare bytewise
-- (BINARY collation), the order ListDevices pages in.
CREATE TABLE devices (
	pool_id            TEXT    NOT NULL,
	subject            TEXT    NOT NULL,
	key                TEXT    NOT NULL,
	name               TEXT    NOT NULL,
	verifier           BLOB,
	remembered         INTEGER NOT NULL,
	-- JSON object of device attribute name to value ("null" for none).
	attributes         TEXT    NOT NULL,
	created_at         INTEGER,
	updated_at         INTEGER,
	last_authenticated INTEGER,
	PRIMARY KEY (pool_id, subject, key),
	FOREIGN KEY (pool_id, subject) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) WITHOUT ROWID;
