package postgres

import (
	"context"
	"sync"
)

// analyzeFirst is how many users this store's CreateUsers adds before it
// refreshes the planner's statistics of the user tables itself.
const analyzeFirst = 10_000

// bulkAnalyzer refreshes the statistics of the user tables during a bulk
// load, which autovacuum reaches only a minute or more later. Until then
// the planner takes a freshly loaded pool for a few pages and reads a
// ListUsers page by sorting the whole pool (100,000 users: 60–70 ms
// instead of 0.1 ms). CreateUsers runs ANALYZE once it has added
// analyzeFirst users, and again each time it has added as many as there
// were at the last ANALYZE: a million users cost seven, and the planner
// never sees less than half the rows this store created.
type bulkAnalyzer struct {
	mu              sync.Mutex
	total, due, was int // was: due before the running ANALYZE moved it
	running         bool
}

// created counts n users added by CreateUsers and says whether the
// caller should run ANALYZE now; it then calls done when it has.
func (a *bulkAnalyzer) created(n int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total += n
	if a.due == 0 {
		a.due = analyzeFirst
	}
	if a.running || a.total < a.due {
		return false
	}
	a.running, a.was, a.due = true, a.due, 2*a.total
	return true
}

// done ends the ANALYZE created asked for; one that failed is due again
// at the next batch.
func (a *bulkAnalyzer) done(ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.running = false
	if !ok {
		a.due = a.was
	}
}

// analyzeUsers refreshes the statistics of the user tables. It is an
// optimisation of the plans to come: a failure is logged, and the users
// stay created.
func (s *Store) analyzeUsers(ctx context.Context, created int) {
	if !s.bulk.created(created) {
		return
	}
	_, err := s.pool.Exec(ctx, `ANALYZE users, user_aliases, user_search`)
	s.bulk.done(err == nil)
	if err != nil {
		s.log.WarnContext(ctx, "statistics of the user tables not refreshed after a bulk load", "err", err)
	}
}
