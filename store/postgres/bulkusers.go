package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cupola-auth/cupola/store"
)

// maxBulkAttempts bounds how often CreateUsers runs its set-based
// transaction again after a concurrent writer took a key between its check
// and its insert, before it falls back to one savepoint per user.
const maxBulkAttempts = 3

// errBulkRaced rolls back a set-based CreateUsers transaction that found a
// key taken which its check had seen free.
var errBulkRaced = errors.New("a key was taken concurrently")

// bulkUser is one user of a CreateUsers batch that passed validation,
// normalized, with its jsonb columns and times encoded.
type bulkUser struct {
	i                         int // index in the batch
	u                         store.User
	attrs                     pgtype.Text
	mfa                       string
	expires, changed, cr, upd pgtype.Timestamptz
	aliasKinds, aliasValues   []string
	searchAttrs               []string
	searchKeys                [][]byte
}

// CreateUsers implements store.Users in one transaction of a handful of
// statements, whatever the batch size:
//
//  1. one SELECT reads which of the batch's username keys, subs and
//     aliases are already taken;
//  2. the batch is resolved in Go, in order, against those keys and the
//     keys of the users accepted before it (the first of two duplicates
//     wins, a user refused stores nothing and frees its keys);
//  3. the accepted users, their aliases and their search keys are
//     inserted with one INSERT … SELECT FROM unnest(…) each, ON CONFLICT
//     DO NOTHING, and the rows inserted are counted.
//
// Arrays bound to unnest rather than COPY into a temporary table: a
// batch is at most store.MaxCreateUsers users, so the arrays are small,
// and unnest needs no temporary table (no catalog writes per batch) and
// keeps ON CONFLICT, which COPY has not. Rows are inserted in unique-key
// order so that two batches wait on each other in one direction only.
//
// A concurrent writer can take a key between steps 1 and 3. ON CONFLICT
// DO NOTHING then skips the row (after waiting for the other transaction
// to commit) and the counts come out short: the transaction is rolled
// back and run again, now seeing the other writer's keys. A batch that
// keeps losing races, or holds a value PostgreSQL refuses (which fails a
// whole statement), is done again with a savepoint per user, the exact
// if slower path that gives each user its own outcome.
func (s *Store) CreateUsers(ctx context.Context, users []store.User) ([]error, error) {
	const op = "create users"
	if len(users) > store.MaxCreateUsers {
		return nil, invalid(op, fmt.Sprintf("%d users, more than %d", len(users), store.MaxCreateUsers))
	}
	outcomes := make([]error, len(users))
	batch := make([]bulkUser, 0, len(users))
	for i, u := range users {
		b, err := encodeBulkUser(op, u)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				return nil, wrap(op, err)
			}
			outcomes[i] = err
			continue
		}
		b.i = i
		batch = append(batch, b)
	}
	if len(batch) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, wrap(op, err)
		}
		return outcomes, nil
	}
	for attempt := 1; attempt <= maxBulkAttempts; attempt++ {
		err := s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
			return nil, createUsersSetBased(ctx, tx, batch, outcomes)
		})
		if err == nil {
			s.analyzeUsers(ctx, countCreated(outcomes))
			return outcomes, nil
		}
		if errors.Is(err, errBulkRaced) {
			s.log.DebugContext(ctx, "retrying bulk create", "attempt", attempt)
			continue
		}
		if errors.Is(wrap(op, err), store.ErrInvalid) {
			break // some user holds a value PostgreSQL refuses: find which
		}
		return nil, wrap(op, err)
	}
	err := s.inTx(ctx, op, func(tx pgx.Tx) (error, error) {
		return nil, createUsersOneByOne(ctx, tx, op, batch, outcomes)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	s.analyzeUsers(ctx, countCreated(outcomes))
	return outcomes, nil
}

// countCreated is how many users of a batch were created.
func countCreated(outcomes []error) int {
	n := 0
	for _, o := range outcomes {
		if o == nil {
			n++
		}
	}
	return n
}

// encodeBulkUser validates and encodes one user of a batch. A user
// PostgreSQL cannot store is an error matching store.ErrInvalid.
func encodeBulkUser(op string, u store.User) (bulkUser, error) {
	if err := validUser(op, u); err != nil {
		return bulkUser{}, err
	}
	if !storable(u.PoolID, u.Sub, u.Username, u.UsernameKey, string(u.Status),
		u.Password.Hash, u.Password.SRPSalt, u.Password.SRPVerifier) {
		return bulkUser{}, invalid(op, "a key or the password is not valid UTF-8 or holds a NUL byte")
	}
	u = normUser(u)
	u.Version = 1
	b := bulkUser{u: u}
	attrs, err := attributesJSON(u.Attributes)
	if err != nil {
		return bulkUser{}, err
	}
	if a, ok := attrs.(string); ok {
		b.attrs = pgtype.Text{String: a, Valid: true}
	}
	if b.mfa, err = mfaJSON(u.MFA); err != nil {
		return bulkUser{}, err
	}
	for _, t := range []struct {
		dst *pgtype.Timestamptz
		src timeParam
	}{
		{&b.expires, ts(u.Password.ExpiresAt)}, {&b.changed, ts(u.Password.ChangedAt)},
		{&b.cr, ts(u.CreatedAt)}, {&b.upd, ts(u.UpdatedAt)},
	} {
		if *t.dst, err = t.src.TimestamptzValue(); err != nil {
			return bulkUser{}, invalid(op, err.Error())
		}
	}
	b.aliasKinds, b.aliasValues = aliasArrays(u.Aliases)
	if !storable(b.aliasKinds...) || !storable(b.aliasValues...) {
		return bulkUser{}, invalid(op, "an alias is not valid UTF-8 or holds a NUL byte")
	}
	b.searchAttrs, b.searchKeys = searchRows(u)
	return b, nil
}

// userKey and aliasKey are unique keys of a pool, as createUsersSetBased
// resolves them.
type (
	userKey  struct{ pool, key string }
	aliasKey struct{ pool, kind, value string }
	newAlias struct {
		aliasKey
		sub string
	}
)

// createUsersSetBased is one attempt of CreateUsers's fast path in tx: it
// sets outcomes for the whole batch, or returns errBulkRaced.
func createUsersSetBased(ctx context.Context, tx pgx.Tx, batch []bulkUser, outcomes []error) error {
	var (
		pools, subs, keys                   []string
		aliasPools, aliasKinds, aliasValues []string
		takenNames, takenSubs               = make(map[userKey]bool), make(map[userKey]bool)
		takenAliases                        = make(map[aliasKey]bool)
	)
	for _, b := range batch {
		pools, subs, keys = append(pools, b.u.PoolID), append(subs, b.u.Sub), append(keys, b.u.UsernameKey)
		for j, kind := range b.aliasKinds {
			aliasPools = append(aliasPools, b.u.PoolID)
			aliasKinds, aliasValues = append(aliasKinds, kind), append(aliasValues, b.aliasValues[j])
		}
	}
	rows, err := tx.Query(ctx, `SELECT 'username', u.pool_id, '', u.username_key FROM users u
			JOIN unnest($1::text[], $2::text[]) AS t(p, k) ON u.pool_id = t.p AND u.username_key = t.k
		UNION ALL
		SELECT 'sub', u.pool_id, '', u.sub FROM users u
			JOIN unnest($1::text[], $3::text[]) AS t(p, s) ON u.pool_id = t.p AND u.sub = t.s
		UNION ALL
		SELECT 'alias', a.pool_id, a.kind, a.value FROM user_aliases a
			JOIN unnest($4::text[], $5::text[], $6::text[]) AS t(p, k, v)
			ON a.pool_id = t.p AND a.kind = t.k AND a.value = t.v`,
		pools, keys, subs, aliasPools, aliasKinds, aliasValues)
	if err != nil {
		return err
	}
	var what, pool, kind, value string
	_, err = pgx.ForEachRow(rows, []any{&what, &pool, &kind, &value}, func() error {
		switch what {
		case "username":
			takenNames[userKey{pool, value}] = true
		case "sub":
			takenSubs[userKey{pool, value}] = true
		default:
			takenAliases[aliasKey{pool, kind, value}] = true
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Resolve the batch in order, as CreateUser one after the other would.
	accepted := make([]*bulkUser, 0, len(batch))
	for i := range batch {
		b := &batch[i]
		outcomes[b.i] = resolveBulkUser(b, takenNames, takenSubs, takenAliases)
		if outcomes[b.i] == nil {
			accepted = append(accepted, b)
		}
	}
	if len(accepted) == 0 {
		return nil
	}
	slices.SortFunc(accepted, func(a, b *bulkUser) int {
		return cmp.Or(cmp.Compare(a.u.PoolID, b.u.PoolID), cmp.Compare(a.u.UsernameKey, b.u.UsernameKey))
	})

	var (
		cols                           userColumnArrays
		aPools, aSubs, aKinds, aValues []string
		sPools, sSubs, sAttrs          []string
		sKeys                          [][]byte
		newAliases                     []newAlias
	)
	for _, b := range accepted {
		cols.add(b)
		for j, kind := range b.aliasKinds {
			newAliases = append(newAliases, newAlias{aliasKey{b.u.PoolID, kind, b.aliasValues[j]}, b.u.Sub})
		}
		for j, attr := range b.searchAttrs {
			sPools, sSubs = append(sPools, b.u.PoolID), append(sSubs, b.u.Sub)
			sAttrs, sKeys = append(sAttrs, attr), append(sKeys, b.searchKeys[j])
		}
	}
	// Aliases go in key order too, for the same reason.
	slices.SortFunc(newAliases, func(a, b newAlias) int {
		return cmp.Or(cmp.Compare(a.pool, b.pool), cmp.Compare(a.kind, b.kind), cmp.Compare(a.value, b.value))
	})
	for _, a := range newAliases {
		aPools, aKinds, aValues, aSubs = append(aPools, a.pool), append(aKinds, a.kind), append(aValues, a.value), append(aSubs, a.sub)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
			attributes, password_hash, srp_salt, srp_verifier, password_temporary,
			password_expires_at, password_changed_at, version, created_at, updated_at, mfa)
		SELECT p, s, n, k, st, e, a::jsonb, h, ss, sv, tmp, pe, pc, 1, cr, up, m::jsonb
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::bool[], $12::timestamptz[], $13::timestamptz[],
			$14::timestamptz[], $15::timestamptz[], $16::text[])
			AS t(p, s, n, k, st, e, a, h, ss, sv, tmp, pe, pc, cr, up, m)
		ON CONFLICT DO NOTHING`,
		cols.pools, cols.subs, cols.names, cols.keys, cols.statuses, cols.enabled, cols.attrs,
		cols.hashes, cols.srpSalts, cols.srpVerifiers, cols.temporary, cols.expires, cols.changed,
		cols.created, cols.updated, cols.mfa)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != int64(len(accepted)) {
		return errBulkRaced
	}
	if len(aPools) > 0 {
		tag, err := tx.Exec(ctx, `INSERT INTO user_aliases (pool_id, kind, value, sub)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
			ON CONFLICT DO NOTHING`, aPools, aKinds, aValues, aSubs)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != int64(len(aPools)) {
			return errBulkRaced
		}
	}
	if len(sPools) > 0 {
		_, err := tx.Exec(ctx, `INSERT INTO user_search (pool_id, sub, attr, key)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[])`, sPools, sSubs, sAttrs, sKeys)
		if err != nil {
			return err
		}
	}
	return nil
}

// resolveBulkUser decides one user of a batch against the keys taken so
// far, and takes its keys when it is accepted. The username key is
// checked first, then the aliases by kind, then the sub, as CreateUser
// reports them.
func resolveBulkUser(b *bulkUser, names, subs map[userKey]bool, aliases map[aliasKey]bool) error {
	pool := b.u.PoolID
	if names[userKey{pool, b.u.UsernameKey}] {
		return &store.ExistsError{Key: "username"}
	}
	for j, kind := range b.aliasKinds {
		if aliases[aliasKey{pool, kind, b.aliasValues[j]}] {
			return &store.ExistsError{Key: kind}
		}
	}
	if subs[userKey{pool, b.u.Sub}] {
		return &store.ExistsError{Key: "sub"}
	}
	names[userKey{pool, b.u.UsernameKey}] = true
	subs[userKey{pool, b.u.Sub}] = true
	for j, kind := range b.aliasKinds {
		aliases[aliasKey{pool, kind, b.aliasValues[j]}] = true
	}
	return nil
}

// userColumnArrays are the users columns of a batch, one array each, for
// unnest.
type userColumnArrays struct {
	pools, subs, names, keys, statuses  []string
	enabled, temporary                  []bool
	attrs                               []pgtype.Text
	hashes, srpSalts, srpVerifiers, mfa []string
	expires, changed, created, updated  []pgtype.Timestamptz
}

func (c *userColumnArrays) add(b *bulkUser) {
	u := b.u
	c.pools, c.subs, c.names, c.keys = append(c.pools, u.PoolID), append(c.subs, u.Sub), append(c.names, u.Username), append(c.keys, u.UsernameKey)
	c.statuses, c.enabled, c.attrs = append(c.statuses, string(u.Status)), append(c.enabled, u.Enabled), append(c.attrs, b.attrs)
	c.hashes, c.srpSalts, c.srpVerifiers = append(c.hashes, u.Password.Hash), append(c.srpSalts, u.Password.SRPSalt), append(c.srpVerifiers, u.Password.SRPVerifier)
	c.temporary, c.mfa = append(c.temporary, u.Password.Temporary), append(c.mfa, b.mfa)
	c.expires, c.changed, c.created, c.updated = append(c.expires, b.expires), append(c.changed, b.changed), append(c.created, b.cr), append(c.updated, b.upd)
}

// createUsersOneByOne is CreateUsers's exact path: each user is created
// as CreateUser would, under a savepoint of its own in tx, so a refused
// user is rolled back alone and the batch still commits once.
func createUsersOneByOne(ctx context.Context, tx pgx.Tx, op string, batch []bulkUser, outcomes []error) error {
	for i := range batch {
		b := &batch[i]
		sp, err := tx.Begin(ctx) // SAVEPOINT
		if err != nil {
			return err
		}
		err = insertUserRow(ctx, sp, b.u, nullable(b.attrs), b.mfa)
		if err == nil && len(b.aliasKinds) > 0 {
			err = insertUserAliases(ctx, sp, b.u)
		}
		if err == nil {
			if err := sp.Commit(ctx); err != nil { // RELEASE SAVEPOINT
				return err
			}
			outcomes[b.i] = nil
			continue
		}
		if rerr := sp.Rollback(ctx); rerr != nil { // ROLLBACK TO SAVEPOINT
			return rerr
		}
		var ee *store.ExistsError
		if werr := wrap(op, err); errors.As(werr, &ee) || errors.Is(werr, store.ErrInvalid) {
			outcomes[b.i] = werr
			continue
		}
		return err
	}
	return nil
}

// nullable is the value to bind for a nullable text column.
func nullable(t pgtype.Text) any {
	if !t.Valid {
		return nil
	}
	return t.String
}
