// Package proccpu reads the CPU time the process has used, for benchmarks
// that report CPU per operation beside wall time: a sign-in's figure must
// count the work of every goroutine it causes (the password hash queue,
// the store's committer), which b.Elapsed alone does not show on a busy
// machine.
package proccpu
