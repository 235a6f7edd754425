-- 0009: the device of an auth event (a remembered device's key or the
-- hosted UI's device cookie), for the risk assessor's known devices.
ALTER TABLE auth_events ADD COLUMN device_key TEXT NOT NULL DEFAULT '';
