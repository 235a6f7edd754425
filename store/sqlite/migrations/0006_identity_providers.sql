-- 0006: identity providers (store.IdentityProviders). An IdP identifier
-- (an email domain, say) routes to one provider of the pool, so each has a
-- row of its own under a primary key; the provider row keeps the list in
-- the order given.

CREATE TABLE identity_providers (
	pool_id           TEXT    NOT NULL,
	name              TEXT    NOT NULL,
	type              TEXT    NOT NULL,
	details           BLOB,
	-- JSON object: user-pool attribute → provider attribute.
	attribute_mapping TEXT    NOT NULL,
	-- JSON array of the identifiers, in the order given.
	identifiers       TEXT    NOT NULL,
	version           INTEGER NOT NULL,
	created_at        INTEGER,
	updated_at        INTEGER,
	PRIMARY KEY (pool_id, name)
);

CREATE TABLE idp_identifiers (
	pool_id    TEXT NOT NULL,
	identifier TEXT NOT NULL,
	name       TEXT NOT NULL,
	PRIMARY KEY (pool_id, identifier),
	FOREIGN KEY (pool_id, name) REFERENCES identity_providers (pool_id, name) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX idp_identifiers_by_provider ON idp_identifiers (pool_id, name);
