-- 0003_mfa_devices: users' multi-factor state and their tracked devices.

-- users.mfa is store.MFA as one JSON document. '{}', which every user
-- stored before this migration reads as (a constant default: no table
-- rewrite), is the zero MFA: no second factor. An instance of the previous
-- build still running during an upgrade inserts users without naming the
-- column, and they get the default too.
ALTER TABLE users ADD COLUMN mfa jsonb NOT NULL DEFAULT '{}';

-- One row per device a user signed in from. A device belongs to its user:
-- the foreign key deletes it with the user, and locks the user's row while
-- a device is inserted, so none outlives a concurrent delete. The primary
-- key is the order ListDevices pages in (key COLLATE "C": bytewise).
CREATE TABLE devices (
    pool_id            text COLLATE "C" NOT NULL,
    subject            text COLLATE "C" NOT NULL,
    key                text COLLATE "C" NOT NULL,
    name               text NOT NULL,
    verifier           bytea,
    remembered         boolean NOT NULL,
    attributes         jsonb,
    created_at         timestamptz,
    updated_at         timestamptz,
    last_authenticated timestamptz,
    CONSTRAINT devices_pkey PRIMARY KEY (pool_id, subject, key),
    CONSTRAINT devices_user_fkey FOREIGN KEY (pool_id, subject)
        REFERENCES users (pool_id, sub) ON DELETE CASCADE
);
