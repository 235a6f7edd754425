//go:build !race

package userpool_test

// raceEnabled: see race_test.go.
const raceEnabled = false
