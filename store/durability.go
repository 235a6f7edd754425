package store

import "context"

// deferSyncKey is the context key of DeferSync.
type deferSyncKey struct{}

// DeferSync returns ctx with its writes marked as ones a store may
// acknowledge before they are durable.
//
// A store acknowledges a write once it is durable: returned without
// error, it survives a crash or a power cut (SQLite commits with
// synchronous=FULL, PostgreSQL with synchronous_commit on). Each durable
// write costs a flush of the log to disk — on SQLite a fsync, most of the
// CPU a small write costs. An operation that makes several writes one
// after the other and answers its caller only after the last one needs
// only that last flush, because the stores write their logs in order:
// flushing a write flushes every write acknowledged before it began.
//
// A write made with a context from DeferSync may be acknowledged before
// it is durable. It is durable no later than the next durable write that
// changes data and begins after it was acknowledged, whoever makes it (a
// write that changes nothing flushes nothing). A caller may use it only
// where such a durable write of the same operation follows before
// anything is answered, so that nothing the caller acknowledges rests on
// a write that is not on disk yet:
//
//	// The attempts are cleared, then the session the caller will be given
//	// is created: the session's flush carries the clearing too.
//	err := s.ClearAttempts(store.DeferSync(ctx), pool, keys...)
//	...
//	err = s.CreateFamily(ctx, session, hash)
//
// When the operation fails before its durable write, its deferred writes
// may or may not survive a crash, as if the crash had come before them;
// the operation must not answer anything that relies on them.
//
// A store that has no cheaper way to write ignores the mark: every write
// is durable then, which is always allowed.
func DeferSync(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferSyncKey{}, true)
}

// SyncDeferred reports whether writes made with ctx may be acknowledged
// before they are durable (DeferSync). Stores call it; callers need not.
func SyncDeferred(ctx context.Context) bool {
	deferred, _ := ctx.Value(deferSyncKey{}).(bool)
	return deferred
}
