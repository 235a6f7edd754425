-- 0002_groups_search: groups and their memberships, resource servers, and
-- user_search, the index ListUsers answers from.

CREATE TABLE groups (
    pool_id     text COLLATE "C" NOT NULL,
    name        text COLLATE "C" NOT NULL,
    description text NOT NULL,
    role_arn    text NOT NULL,
    precedence  bigint NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz,
    updated_at  timestamptz,
    CONSTRAINT groups_pkey PRIMARY KEY (pool_id, name)
);

-- A membership goes with its group and with its user: the foreign keys
-- cascade, and they lock the rows they reference, so a membership is never
-- added to a group or user being deleted.
CREATE TABLE group_members (
    pool_id    text COLLATE "C" NOT NULL,
    group_name text COLLATE "C" NOT NULL,
    sub        text COLLATE "C" NOT NULL,
    CONSTRAINT group_members_pkey PRIMARY KEY (pool_id, group_name, sub),
    CONSTRAINT group_members_group_fkey FOREIGN KEY (pool_id, group_name)
        REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    CONSTRAINT group_members_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX group_members_sub_idx ON group_members (pool_id, sub, group_name);

CREATE TABLE resource_servers (
    pool_id    text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    name       text NOT NULL,
    scopes     jsonb,
    version    bigint NOT NULL,
    created_at timestamptz,
    updated_at timestamptz,
    CONSTRAINT resource_servers_pkey PRIMARY KEY (pool_id, identifier)
);

-- One row per user and search attribute the user has a value for: key is
-- store.SearchKey's value as bytes (bytea compares bytewise, and a bound
-- that is not valid UTF-8 can still be bound). ListUsers reads a page of
-- (key, sub) order off user_search_key_idx. An index entry must fit in a
-- third of a page, so keys longer than 1024 bytes (searchHeadLen in
-- search.go) are indexed apart, by their first 1024 bytes; ListUsers reads
-- a page of each and merges them.
CREATE TABLE user_search (
    pool_id text COLLATE "C" NOT NULL,
    sub     text COLLATE "C" NOT NULL,
    attr    text COLLATE "C" NOT NULL,
    key     bytea NOT NULL,
    CONSTRAINT user_search_pkey PRIMARY KEY (pool_id, sub, attr),
    CONSTRAINT user_search_user_fkey FOREIGN KEY (pool_id, sub)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX user_search_key_idx ON user_search (pool_id, attr, key, sub)
    WHERE length(key) <= 1024;
CREATE INDEX user_search_long_key_idx ON user_search (pool_id, attr, substring(key FROM 1 FOR 1024), sub)
    WHERE length(key) > 1024;

-- The existing users' keys, exactly as store.SearchKey computes them: the
-- username as given, the sub, the status, Enabled/Disabled, and the
-- non-empty values of the filterable attributes.
INSERT INTO user_search (pool_id, sub, attr, key)
SELECT u.pool_id, u.sub, k.attr, k.key
FROM users u
CROSS JOIN LATERAL (VALUES
    ('username', convert_to(u.username, 'UTF8')),
    ('sub', convert_to(u.sub, 'UTF8')),
    ('cognito:user_status', convert_to(u.status, 'UTF8')),
    ('status', convert_to(CASE WHEN u.enabled THEN 'Enabled' ELSE 'Disabled' END, 'UTF8')),
    ('email', convert_to(nullif(u.attributes ->> 'email', ''), 'UTF8')),
    ('phone_number', convert_to(nullif(u.attributes ->> 'phone_number', ''), 'UTF8')),
    ('name', convert_to(nullif(u.attributes ->> 'name', ''), 'UTF8')),
    ('given_name', convert_to(nullif(u.attributes ->> 'given_name', ''), 'UTF8')),
    ('family_name', convert_to(nullif(u.attributes ->> 'family_name', ''), 'UTF8')),
    ('preferred_username', convert_to(nullif(u.attributes ->> 'preferred_username', ''), 'UTF8'))
) AS k (attr, key)
WHERE k.key IS NOT NULL;
