-- 0007_auth_events: users' authentication events (store.AuthEvents). An
-- event belongs to its user: the foreign key deletes it with the user, and
-- locks the user's row while an event is inserted, so none outlives a
-- concurrent delete. IDs are COLLATE "C" (bytewise), the order
-- ListAuthEvents breaks ties in. The listing walks
-- (pool_id, subject, created_at DESC, id DESC), which also serves the
-- cascade; Cleanup's retention walks (pool_id, created_at).
CREATE TABLE auth_events (
    pool_id                          text COLLATE "C" NOT NULL,
    subject                          text COLLATE "C" NOT NULL,
    id                               text COLLATE "C" NOT NULL,
    type                             text NOT NULL,
    response                         text NOT NULL,
    created_at                       timestamptz NOT NULL,
    risk_decision                    text NOT NULL,
    risk_level                       text NOT NULL,
    compromised_credentials_detected boolean NOT NULL,
    challenge_responses              jsonb,
    ip_address                       text NOT NULL,
    device_name                      text NOT NULL,
    city                             text NOT NULL,
    country                          text NOT NULL,
    timezone                         text NOT NULL,
    feedback                         text NOT NULL,
    feedback_provider                text NOT NULL,
    feedback_at                      timestamptz,
    feedback_token                   bytea,
    CONSTRAINT auth_events_pkey PRIMARY KEY (pool_id, id),
    CONSTRAINT auth_events_user_fkey FOREIGN KEY (pool_id, subject)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX auth_events_user_created_idx ON auth_events (pool_id, subject, created_at DESC, id DESC);
CREATE INDEX auth_events_pool_created_idx ON auth_events (pool_id, created_at);
