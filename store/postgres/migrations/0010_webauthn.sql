-- 0010_webauthn: users' passkeys (store.WebAuthnCredentials). A credential
-- ID is unique in a pool (the primary key); a passkey belongs to its user,
-- and deleting the user deletes its passkeys by cascade. The second index
-- lists a user's passkeys by ID, bytewise (bytea compares so), the order
-- ListWebAuthnCredentials pages in.
CREATE TABLE webauthn_credentials (
    pool_id            text COLLATE "C" NOT NULL,
    credential_id      bytea NOT NULL,
    subject            text COLLATE "C" NOT NULL,
    public_key         bytea NOT NULL,
    attestation_type   text NOT NULL,
    attestation_format text NOT NULL,
    aaguid             bytea,
    sign_count         bigint NOT NULL,
    clone_warning      boolean NOT NULL,
    transports         text[],
    user_verified      boolean NOT NULL,
    backup_eligible    boolean NOT NULL,
    backup_state       boolean NOT NULL,
    name               text NOT NULL,
    rp_id              text NOT NULL,
    created_at         timestamptz,
    last_used_at       timestamptz,
    CONSTRAINT webauthn_credentials_pkey PRIMARY KEY (pool_id, credential_id),
    CONSTRAINT webauthn_credentials_user_fkey FOREIGN KEY (pool_id, subject)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX webauthn_credentials_by_user ON webauthn_credentials (pool_id, subject, credential_id);
