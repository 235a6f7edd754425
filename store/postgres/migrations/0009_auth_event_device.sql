-- 0009_auth_event_device: the device of an auth event (a remembered
-- device's key or the hosted UI's device cookie), for the risk assessor's
-- known devices. A constant default adds the column without rewriting the
-- table.
ALTER TABLE auth_events ADD COLUMN device_key text NOT NULL DEFAULT '';
