-- 0011: remembered devices prove themselves by SRP now. The verifiers of
-- the earlier stand-in scheme cannot check an SRP proof: they are dropped,
-- and each device is simply confirmed again (ConfirmDevice) at its next
-- sign-in, as a new device would be.
UPDATE devices SET verifier = NULL;
