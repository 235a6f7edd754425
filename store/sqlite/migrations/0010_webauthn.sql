-- 0010: users' passkeys (store.WebAuthnCredentials). A credential ID is
-- unique in a pool (the primary key); a passkey belongs to its user, and
-- deleting the user deletes its passkeys by cascade. The second index
-- lists a user's passkeys by ID, bytewise (BLOB comparison), the order
-- ListWebAuthnCredentials pages in.
CREATE TABLE webauthn_credentials (
	pool_id            TEXT    NOT NULL,
	credential_id      BLOB    NOT NULL,
	subject            TEXT    NOT NULL,
	public_key         BLOB    NOT NULL,
	attestation_type   TEXT    NOT NULL,
	attestation_format TEXT    NOT NULL,
	aaguid             BLOB,
	sign_count         INTEGER NOT NULL,
	clone_warning      INTEGER NOT NULL,
	-- JSON array of transports ("null" for none).
	transports         TEXT    NOT NULL,
	user_verified      INTEGER NOT NULL,
	backup_eligible    INTEGER NOT NULL,
	backup_state       INTEGER NOT NULL,
	name               TEXT    NOT NULL,
	rp_id              TEXT    NOT NULL,
	created_at         INTEGER,
	last_used_at       INTEGER,
	PRIMARY KEY (pool_id, credential_id),
	FOREIGN KEY (pool_id, subject) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX webauthn_credentials_by_user ON webauthn_credentials (pool_id, subject, credential_id);
