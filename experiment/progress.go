package experiment

import (
	"fmt"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

// liveInterval is the shortest time between two redraws of the live line.
const liveInterval = 250 * time.Millisecond

// progressf writes a progress line: always when force, else at most every
// Interval (a live redraw on a terminal).
func (s *session) progressf(opts RunOptions, force bool, format string, a ...any) {
	if opts.Progress == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if format != "" {
		if opts.Live {
			fmt.Fprint(opts.Progress, "\r\033[K")
		}
		fmt.Fprintf(opts.Progress, format+"\n", a...)
		return
	}
	interval := opts.Interval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	if opts.Live {
		// A redraw reads the whole study (the leader): at most a few a
		// second, not one per trial (issue 20: nothing O(n) per trial).
		interval = liveInterval
	}
	if !force && now.Sub(s.lastLine) < interval {
		return
	}
	s.lastLine = now
	var done, failed, pruned int
	for _, t := range s.trials {
		switch t.State {
		case journal.TrialDone:
			done++
		case journal.TrialFailed:
			failed++
		case journal.TrialPruned:
			pruned++
		}
	}
	elapsed := now.Sub(s.started)
	rate := "-" // too early to say
	if elapsed >= 20*time.Second {
		rate = fmt.Sprintf("%.1f", float64(done+failed+pruned)/elapsed.Minutes())
	}
	best := "-"
	if lead, ok := s.poolLocked().Leader(); ok {
		best = fmt.Sprintf("%.4f ± %.4f (#%d)", lead.Mean, lead.Std, lead.ID)
	}
	left := "no time limit" // only --max-trials bounds the session
	if s.hasBudget {
		left = max(0, s.budget-elapsed).Round(time.Second).String() + " left"
	}
	line := fmt.Sprintf("%d done, %d failed, %d pruned, %d running | best %s %s | %s trials/min | %s elapsed, %s",
		done, failed, pruned, s.running, s.cfg.Metric, best, rate, elapsed.Round(time.Second), left)
	if opts.Live {
		fmt.Fprint(opts.Progress, "\r\033[K"+line)
	} else {
		fmt.Fprintln(opts.Progress, line)
	}
}
