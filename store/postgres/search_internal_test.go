package postgres

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// The planner uses a partial or expression index only for a query that
// spells its predicate and expression as the index does.
func TestSearchIndexSpelling(t *testing.T) {
	b, err := migrationFiles.ReadFile("migrations/0002_groups_search.sql")
	if err != nil {
		t.Fatalf("read migration: %v", err)
	}
	migration := string(b)
	n := strconv.Itoa(searchHeadLen)
	tests := []struct{ name, query, index string }{
		{"the short-key predicate is the short-key index's", shortKey, "WHERE length(key) <= " + n + ";"},
		{"the long-key predicate is the long-key index's", longKey, "WHERE length(key) > " + n + ";"},
		{"the head expression is the long-key index's", keyHead, "substring(key FROM 1 FOR " + n + ")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(migration, tt.index) {
				t.Errorf("the migration does not contain %q", tt.index)
			}
			if got := strings.ReplaceAll(tt.query, "s.", ""); !strings.Contains(tt.index, got) {
				t.Errorf("query spelling %q is not the index's %q", got, tt.index)
			}
		})
	}
}

// planNode is the part of EXPLAIN (FORMAT JSON) output the test reads.
type planNode struct {
	NodeType        string     `json:"Node Type"`
	RelationName    string     `json:"Relation Name"`
	IndexName       string     `json:"Index Name"`
	ActualRows      float64    `json:"Actual Rows"`
	RemovedByFilter float64    `json:"Rows Removed by Filter"`
	Plans           []planNode `json:"Plans"`
}

func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}

// explain runs EXPLAIN ANALYZE of ListUsers' statement for q, with a
// generic plan (the one a prepared statement settles on after a few runs)
// or a custom one.
func explain(t *testing.T, conn *pgx.Conn, q store.UserQuery, generic bool) planNode {
	t.Helper()
	sql, args, err := listUsersQuery("bench", q)
	if err != nil {
		t.Fatalf("listUsersQuery: %v", err)
	}
	mode := "auto"
	if generic {
		mode = "force_generic_plan"
	}
	if _, err := conn.Exec(t.Context(), "SET plan_cache_mode = "+mode); err != nil {
		t.Fatalf("set plan_cache_mode: %v", err)
	}
	// EXPLAIN plans its statement afresh with the parameters' values;
	// only EXPLAIN EXECUTE of a prepared statement shows a cached plan.
	// The server does not describe EXPLAIN's parameters, so the values
	// are sent as literals.
	if _, err := conn.Prepare(t.Context(), "list_users", sql); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	defer conn.Deallocate(t.Context(), "list_users") //nolint:errcheck // the connection is closed after the test
	params := make([]string, len(args))
	for i := range params {
		params[i] = "$" + strconv.Itoa(i+1)
	}
	var out []byte
	err = conn.QueryRow(t.Context(), "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) EXECUTE list_users("+
		strings.Join(params, ", ")+")", append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...).Scan(&out)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("explain output %s: %v", out, err)
	}
	return plans[0].Plan
}

// ListUsers must read a page off an index, not the pool: on a table big
// enough for the planner to tell, every plan reads user_search (or, without
// an attribute, users) through an index, and no index scan reads more
// rows than the page holds.
func TestListUsersUsesIndex(t *testing.T) {
	const users = 20000
	_, pool := seededStore(t, "bench", users)
	conn, err := pool.Acquire(t.Context())
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	defer conn.Release()
	tests := []struct {
		name  string
		q     store.UserQuery
		index string
	}{
		{"an email prefix matching every user reads one page", store.UserQuery{Attribute: store.SearchEmail, Value: "user0", Prefix: true, Limit: 61}, "user_search_key_idx"},
		{"an exact email reads its user", store.UserQuery{Attribute: store.SearchEmail, Value: "user001234@example.org", Limit: 61}, "user_search_key_idx"},
		{"a middle page of a status every user shares starts at its cursor", store.UserQuery{Attribute: store.SearchStatus, Value: "CONFIRMED",
			AfterKey: "CONFIRMED", AfterSub: middleSub("bench", users), Limit: 61}, "user_search_key_idx"},
		{"a late page of an email prefix starts at its cursor", store.UserQuery{Attribute: store.SearchEmail, Value: "user", Prefix: true,
			AfterKey: "user015000@example.com", AfterSub: seedUser("bench", 15000).Sub, Limit: 61}, "user_search_key_idx"},
		{"a page without an attribute reads the users primary key", store.UserQuery{AfterSub: middleSub("bench", users), Limit: 61}, "users_pkey"},
	}
	for _, tt := range tests {
		for _, generic := range []bool{false, true} {
			name := tt.name + " with a custom plan"
			if generic {
				name = tt.name + " with a generic plan"
			}
			t.Run(name, func(t *testing.T) {
				plan := explain(t, conn.Conn(), tt.q, generic)
				used := false
				plan.walk(func(n planNode) {
					if strings.Contains(n.NodeType, "Seq Scan") || strings.Contains(n.NodeType, "Bitmap") {
						t.Errorf("plan has a %s on %s", n.NodeType, n.RelationName)
					}
					if n.IndexName != tt.index {
						return
					}
					used = true
					if !strings.HasPrefix(n.NodeType, "Index") {
						t.Errorf("%s is read by a %s", n.IndexName, n.NodeType)
					}
					if read := n.ActualRows + n.RemovedByFilter; read > float64(tt.q.Limit)+1 {
						t.Errorf("%s scan read %.0f rows for a page of %d", n.IndexName, read, tt.q.Limit)
					}
				})
				if !used {
					out, _ := json.MarshalIndent(plan, "", " ")
					t.Errorf("plan does not read %s:\n%s", tt.index, out)
				}
			})
		}
	}
}

// middleSub is the median sub of n seeded users.
func middleSub(poolID string, n int) string {
	subs := make([]string, n)
	for i := range subs {
		subs[i] = seedUser(poolID, i).Sub
	}
	slices.Sort(subs)
	return subs[n/2]
}

func TestListUsersCapsThePage(t *testing.T) {
	s, _ := seededStore(t, "bench", maxListUsers+10)
	got, err := s.ListUsers(t.Context(), "bench", store.UserQuery{Attribute: store.SearchEmail, Value: "user", Prefix: true, Limit: 5000})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	if len(got) != maxListUsers {
		t.Errorf("ListUsers returned %d users, want the cap %d", len(got), maxListUsers)
	}
}

// A pool loaded through CreateUsers is listed off the users primary key
// at once, not only after autovacuum has analyzed the tables (turned off
// here, so only CreateUsers' own ANALYZE can inform the planner).
func TestListUsersUsesIndexRightAfterABulkLoad(t *testing.T) {
	const users = 2 * analyzeFirst
	dsn := postgrestest.FreshSchemaDSN(t)
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for _, table := range []string{"users", "user_aliases", "user_search"} {
		if _, err := s.pool.Exec(t.Context(), "ALTER TABLE "+table+" SET (autovacuum_enabled = off)"); err != nil {
			t.Fatalf("autovacuum off: %v", err)
		}
	}
	batch := make([]store.User, 0, store.MaxCreateUsers)
	for lo := 0; lo < users; lo += store.MaxCreateUsers {
		batch = batch[:0]
		for i := lo; i < lo+store.MaxCreateUsers; i++ {
			u := seedUser("bench", i)
			u.MFA = store.MFA{}
			batch = append(batch, u)
		}
		if _, err := s.CreateUsers(t.Context(), batch); err != nil {
			t.Fatalf("CreateUsers: %v", err)
		}
	}
	conn, err := s.pool.Acquire(t.Context())
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	defer conn.Release()
	plan := explain(t, conn.Conn(), store.UserQuery{Limit: 61}, false)
	var read float64
	plan.walk(func(n planNode) {
		if n.RelationName == "users" {
			read += n.ActualRows + n.RemovedByFilter
		}
	})
	if read > 62 {
		out, _ := json.MarshalIndent(plan, "", " ")
		t.Errorf("the first page read %.0f users of %d:\n%s", read, users, out)
	}
}
