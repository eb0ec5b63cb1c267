package experiment

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nightshift-ml/nightshift/journal"
)

// ErrAllTrialsFailed is returned by Run when every trial the session ended
// failed: a night that produced nothing must not look like success.
var ErrAllTrialsFailed = errors.New("every trial failed")

// allFailed returns an error wrapping ErrAllTrialsFailed, with the most
// common errors counted, when the session ended trials and all of them
// failed; else nil.
func allFailed(study string, ended []journal.Trial) error {
	fs := commonFailures(ended)
	if fs == nil {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "study %q: all %d trials this session ran failed; the most common errors:", study, len(ended))
	for i, f := range fs {
		if i == 3 {
			fmt.Fprintf(&b, "\n  and %d other errors", len(fs)-3)
			break
		}
		fmt.Fprintf(&b, "\n  %d × %s", f.n, f.msg)
	}
	fmt.Fprintf(&b, "\n(nightshift trials --study %s shows each trial's error)", study)
	return fmt.Errorf("%w: %s", ErrAllTrialsFailed, b.String())
}

// allFailedReason is the one line a failed study's end event keeps:
// "every trial failed: 3 × timed out after 1ns (--trial-timeout)", the
// most common error counted ("" unless every ended trial failed).
func allFailedReason(ended []journal.Trial) string {
	fs := commonFailures(ended)
	if fs == nil {
		return ""
	}
	return fmt.Sprintf("%v: %d × %s", ErrAllTrialsFailed, fs[0].n, fs[0].msg)
}

type failure struct {
	msg string
	n   int
}

// commonFailures counts the ended trials' errors, most common first, when
// there were some and every one failed; else nil.
func commonFailures(ended []journal.Trial) []failure {
	if len(ended) == 0 {
		return nil
	}
	counts := map[string]int{}
	for _, t := range ended {
		if t.State != journal.TrialFailed {
			return nil
		}
		counts[failureText(t.Error)]++
	}
	var fs []failure
	for m, n := range counts {
		fs = append(fs, failure{m, n})
	}
	slices.SortFunc(fs, func(a, b failure) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.msg, b.msg)
	})
	return fs
}

// failureText is an error's first line, clipped, so that the same failure
// in several trials counts once.
func failureText(msg string) string {
	if msg == "" {
		return "(no message)"
	}
	msg, _, _ = strings.Cut(msg, "\n")
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:199]) + "…"
	}
	return msg
}
