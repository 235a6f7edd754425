-- 0004: indexes for Cleanup, which deletes one pool's expired codes and
-- sessions and its forgettable lockout keys a bounded batch at a time.
-- Without them each batch would walk every row of the pool to find the
-- few it may delete, on the single writer. A lockout row's lock never
-- ends before its last attempt, so locked_until alone bounds its quiet
-- time. The older (expires_at) indexes stay for DeleteExpired, which
-- sweeps every pool at once.

CREATE INDEX codes_by_pool_expiry ON codes (pool_id, expires_at);
CREATE INDEX auth_sessions_by_pool_expiry ON auth_sessions (pool_id, expires_at);
CREATE INDEX lockouts_by_pool_lock_end ON lockouts (pool_id, locked_until);
