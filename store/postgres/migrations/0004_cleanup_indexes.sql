-- 0004_cleanup_indexes: indexes for Cleanup, which deletes one pool's
-- expired codes and auth sessions and its forgettable lockout keys a
-- bounded batch at a time. Without them each batch would walk every row
-- of the pool to find the few it may delete. A lockout row's lock never
-- ends before its last attempt, so locked_until alone bounds its quiet
-- time.
--
-- auth_sessions_expires_idx, on expires_at alone, served no query: the
-- per-pool index replaces it, so a session insert maintains as many
-- indexes as before. CREATE INDEX holds off writes to the table while it
-- builds, within the migration transaction: on a large lockouts table,
-- run the migration at a quiet time.
DROP INDEX auth_sessions_expires_idx;
CREATE INDEX auth_sessions_pool_expires_idx ON auth_sessions (pool_id, expires_at);
CREATE INDEX codes_pool_expires_idx ON codes (pool_id, expires_at);
CREATE INDEX lockouts_pool_locked_until_idx ON lockouts (pool_id, locked_until);
