//go:build !unix

package hostedui_test

import "time"

// processCPU is zero where the process's CPU time is not read: the
// benchmarks' cpu-ms/op then reads 0.
func processCPU() time.Duration { return 0 }
