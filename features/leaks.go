package features

import (
	"fmt"
	"slices"
)

// LeakDecision is what a command did with a column the profile flags as a
// leak (its single-column AUC is at least LeakAUC): left out of
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
			d.Column, d.AUC, LeakAUC, d.Column)
	}
	return fmt.Sprintf("column %q alone separates the label (single-column AUC %.4f ≥ %.2f) and may leak it: left out of the features (--allow-leak %s keeps it)",
		d.Column, d.AUC, LeakAUC, d.Column)
}

// DecideLeaks decides on every column p flags; allow names the columns
// the user keeps (--allow-leak). A name in allow that is not a column of fr
// is an error, which the caller reports as a problem with its option; one
// that is not flagged is harmless (kept, as any column).
func DecideLeaks(p *Profile, fr *Frame, allow []string) ([]LeakDecision, error) {
	for _, a := range allow {
		if fr.Col(a) == nil {
			return nil, fmt.Errorf("%q is not a column of %s (columns: %s)", a, p.File, ClipNames(fr.Names(), 8))
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

// DroppedLeaks are the columns the decisions leave out.
func DroppedLeaks(ds []LeakDecision) []string {
	var out []string
	for _, d := range ds {
		if !d.Kept {
			out = append(out, d.Column)
		}
	}
	return out
}
