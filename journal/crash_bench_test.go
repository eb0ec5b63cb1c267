//go:build bench

package journal

import (
	"testing"
	"time"
)

// The long crash run: go test -tags bench -run HundredKills ./journal/
func TestCrashHundredKills(t *testing.T) {
	killLoop(t, 100, 600*time.Millisecond, uint64(time.Now().UnixNano()))
}
