package postgres

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/cupola-auth/cupola/store"
)

var _ store.Exclusive = (*Store)(nil)

// exclusiveReleaseTimeout bounds giving a lock back after the caller's
// context has ended.
const exclusiveReleaseTimeout = 5 * time.Second

// TryExclusive implements store.Exclusive with a session-level advisory
// lock (pg_try_advisory_lock) on a connection held until release: every
// instance on the database sees it, and PostgreSQL drops it with the
// connection if the instance dies. The key is the 64-bit FNV-1a hash of
// "cupola:" and name, apart from migrationLockKey's.
func (s *Store) TryExclusive(ctx context.Context, name string) (func(), bool, error) {
	const op = "try exclusive"
	if name == "" {
		return nil, false, invalid(op, "lock name is empty")
	}
	h := fnv.New64a()
	h.Write([]byte("cupola:" + name))
	key := int64(h.Sum64())
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, wrap(op, err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, wrap(op, err)
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	release := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exclusiveReleaseTimeout)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
			// The session may still hold the lock: close the connection
			// rather than hand it back to the pool with it.
			_ = conn.Conn().Close(ctx)
		}
		conn.Release()
	}
	return release, true, nil
}
