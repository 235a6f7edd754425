//go:build race

package userpool_test

// raceEnabled: the race detector multiplies memory and slows argon2
// down, so memory measurements mean nothing under it.
const raceEnabled = true
