package experiment

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nightshift-ml/nightshift/features"
)

// LeakDecision is what a command did with a column the profile flags as a
// leak (its single-column AUC is at least features.LeakAUC): left out of
// the features, unless the user kept it with --allow-leak. `fit` and `run`
// decide and say it the same way (String).
type LeakDecision struct {
	Column string  `json:"column"`
	AUC    float64 `json:"auc"`
	Kept   bool    `json:"kept"`
}

// String says what was done and how to do the other thing.
func (d LeakDecision) String() string {
	if d.Kept {
		return fmt.Sprintf("column %q alone separates the label (single-column AUC %.4f ≥ %.2f) and may leak it: kept as a feature, as --allow-leak %s asks",
			d.Column, d.AUC, features.LeakAUC, d.Column)
	}
	return fmt.Sprintf("column %q alone separates the label (single-column AUC %.4f ≥ %.2f) and may leak it: left out of the features (--allow-leak %s keeps it)",
		d.Column, d.AUC, features.LeakAUC, d.Column)
}

// OptionError is a problem with a command-line option that the library
// finds (an unknown model kind, a column the table does not have): the
// command exits with its usage code.
type OptionError struct {
	Flag string // without dashes, e.g. "model"
	Err  error
}

func (e *OptionError) Error() string {
	if msg := e.Err.Error(); strings.HasPrefix(msg, "--"+e.Flag) {
		return msg // already names the flag
	}
	return fmt.Sprintf("--%s: %v", e.Flag, e.Err)
}
func (e *OptionError) Unwrap() error { return e.Err }

// leakDecisions decides on every column p flags; allow names the columns
// the user keeps. A name in allow that is not a column of fr is an
// OptionError; one that is not flagged is harmless (kept, as any column).
func leakDecisions(p *features.Profile, fr *features.Frame, allow []string) ([]LeakDecision, error) {
	for _, a := range allow {
		if fr.Col(a) == nil {
			return nil, &OptionError{Flag: "allow-leak", Err: fmt.Errorf("%q is not a column of %s (columns: %s)", a, p.File, features.ClipNames(fr.Names(), 8))}
		}
	}
	out := []LeakDecision{}
	for _, c := range p.Columns {
		if c.Leak {
			out = append(out, LeakDecision{Column: c.Name, AUC: c.AUC, Kept: slices.Contains(allow, c.Name)})
		}
	}
	return out, nil
}

// droppedLeaks are the columns the decisions leave out.
func droppedLeaks(ds []LeakDecision) []string {
	var out []string
	for _, d := range ds {
		if !d.Kept {
			out = append(out, d.Column)
		}
	}
	return out
}

// IsOptionError reports whether err is a problem with a command-line
// option (OptionError).
func IsOptionError(err error) bool {
	var oe *OptionError
	return errors.As(err, &oe)
}
