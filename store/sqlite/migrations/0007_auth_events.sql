-- 0007: users' authentication events (store.AuthEvents). An event belongs
-- to its user: deleting the user deletes its events by cascade, and an
-- event of an unknown user is refused. IDs compare bytewise (BINARY
-- collation), the order ListAuthEvents breaks ties in. The listing walks
-- (pool_id, subject, created_at DESC, id DESC), which also serves the
-- cascade; Cleanup's retention walks (pool_id, created_at).

CREATE TABLE auth_events (
	pool_id                          TEXT    NOT NULL,
	subject                          TEXT    NOT NULL,
	id                               TEXT    NOT NULL,
	type                             TEXT    NOT NULL,
	response                         TEXT    NOT NULL,
	created_at                       INTEGER NOT NULL,
	risk_decision                    TEXT    NOT NULL,
	risk_level                       TEXT    NOT NULL,
	compromised_credentials_detected INTEGER NOT NULL,
	-- JSON object of challenge name to response ("null" for none).
	challenge_responses              TEXT    NOT NULL,
	ip_address                       TEXT    NOT NULL,
	device_name                      TEXT    NOT NULL,
	city                             TEXT    NOT NULL,
	country                          TEXT    NOT NULL,
	timezone                         TEXT    NOT NULL,
	feedback                         TEXT    NOT NULL,
	feedback_provider                TEXT    NOT NULL,
	feedback_at                      INTEGER,
	feedback_token                   BLOB,
	PRIMARY KEY (pool_id, id),
	FOREIGN KEY (pool_id, subject) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);

CREATE INDEX auth_events_by_user_newest ON auth_events (pool_id, subject, created_at DESC, id DESC);
CREATE INDEX auth_events_by_pool_creation ON auth_events (pool_id, created_at);
