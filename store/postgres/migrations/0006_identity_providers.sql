-- 0006_identity_providers: a pool's identity providers
-- (store.IdentityProviders). Each IdP identifier has a row of its own, so
-- the primary key keeps it to one provider of the pool; the provider row
-- keeps the list in the order given.
CREATE TABLE identity_providers (
    pool_id           text COLLATE "C" NOT NULL,
    name              text COLLATE "C" NOT NULL,
    type              text NOT NULL,
    details           bytea,
    attribute_mapping jsonb,
    identifiers       jsonb,
    version           bigint NOT NULL,
    created_at        timestamptz,
    updated_at        timestamptz,
    CONSTRAINT identity_providers_pkey PRIMARY KEY (pool_id, name)
);
CREATE TABLE idp_identifiers (
    pool_id    text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    name       text COLLATE "C" NOT NULL,
    CONSTRAINT idp_identifiers_pkey PRIMARY KEY (pool_id, identifier),
    CONSTRAINT idp_identifiers_provider_fkey FOREIGN KEY (pool_id, name)
        REFERENCES identity_providers (pool_id, name) ON DELETE CASCADE
);
CREATE INDEX idp_identifiers_provider_idx ON idp_identifiers (pool_id, name);
