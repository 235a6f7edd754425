package postgres

import "testing"

// CreateUsers analyzes after its first analyzeFirst users, then each time
// the users it created have doubled: seven times for a million.
func TestBulkAnalyzerDoubles(t *testing.T) {
	var a bulkAnalyzer
	var at []int
	for n := 1; n <= 1_000_000/500; n++ {
		if a.created(500) {
			at = append(at, 500*n)
			a.done(true)
		}
	}
	want := []int{10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000}
	if len(at) != len(want) {
		t.Fatalf("analyzed at %v, want %v", at, want)
	}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("analyzed at %v, want %v", at, want)
		}
	}
	if !(&bulkAnalyzer{}).created(analyzeFirst) {
		t.Error("a first batch of analyzeFirst users is not analyzed")
	}
	var failed bulkAnalyzer
	failed.created(analyzeFirst)
	failed.done(false)
	if !failed.created(1) {
		t.Error("a failed ANALYZE is not run again at the next batch")
	}
	var busy bulkAnalyzer
	busy.created(analyzeFirst)
	if busy.created(10 * analyzeFirst) {
		t.Error("a second ANALYZE started while the first runs")
	}
}
