//go:build !linux

package journal

import (
	"os"
	"time"
)

// Without OFD locks there is no reader-priority gate (see gate_linux.go):
// readers still wait on a blocking flock, which the kernel grants when the
// writer's transaction ends, but a writer committing back to back may win
// the race several times in a row.

func announceReader(*os.File) {}

func waitForReaders(*os.File, string, time.Duration) error { return nil }
