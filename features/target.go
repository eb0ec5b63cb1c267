package features

import (
	"fmt"
	"sort"
	"strings"
)

// Target is a binary label read from a column.
type Target struct {
	Name     string
	Positive string // the level counted as 1
	Negative string
	// Why says how Positive was chosen ("--positive", "conventional name", "rarer class").
	Why       string
	Y         []float64 // 1 for Positive, 0 for Negative, one per row
	Positives int
	Negatives int
}

// Rate is the share of positive rows.
func (t *Target) Rate() float64 { return float64(t.Positives) / float64(t.Positives+t.Negatives) }

// conventionalPositive are label values taken as the positive class when
// present (case-insensitive), in this order.
var conventionalPositive = []string{"1", "1.0", "true", "yes", "spam", "fraud", "click", "positive"}

// ParseTarget reads column name of fr as a binary label. positive, when not
// empty, names the positive value. The column should have been loaded with
// LoadOptions.Target set, so that its exact text is kept.
func ParseTarget(fr *Frame, name, positive string) (*Target, error) {
	c, err := targetColumn(fr, name)
	if err != nil {
		return nil, err
	}
	var present []int // the levels that occur
	for i, n := range c.Counts {
		if n > 0 {
			present = append(present, i)
		}
	}
	switch {
	case len(present) < 2:
		return nil, fmt.Errorf("target column %q has a single class (%s); a binary label needs two: %w", name, describeLabels(c, present), ErrTarget)
	case len(present) > 2:
		return nil, fmt.Errorf("target column %q has %d distinct values (%s); a binary label needs exactly two: %w", name, len(present), describeLabels(c, present), ErrTarget)
	}
	pos, why, err := choosePositive(c, name, present, positive)
	if err != nil {
		return nil, err
	}
	a, b := present[0], present[1]
	neg := a
	if pos == a {
		neg = b
	}
	t := &Target{Name: name, Positive: c.Levels[pos], Negative: c.Levels[neg], Why: why, Y: make([]float64, c.Len())}
	for i, code := range c.Codes {
		if int(code) == pos {
			t.Y[i] = 1
			t.Positives++
		} else {
			t.Negatives++
		}
	}
	return t, nil
}

// targetColumn finds the label column: present, loaded as strings and with
// a label on every row (the error names the first rows without).
func targetColumn(fr *Frame, name string) (*Column, error) {
	c := fr.Col(name)
	if c == nil {
		return nil, fmt.Errorf("target column %q is not in the table%s: %w", name, suggest(name, fr.Names()), ErrUnknownColumn)
	}
	if !c.Kind.IsString() {
		return nil, fmt.Errorf("target column %q was loaded as %s; load it with LoadOptions.Target set", name, c.Kind)
	}
	if c.Missing > 0 {
		var rows []string
		for i := 0; i < c.Len() && len(rows) < 5; i++ {
			if c.IsMissing(i) {
				rows = append(rows, fmt.Sprint(i+1))
			}
		}
		return nil, fmt.Errorf("target column %q: %d of %d rows have no label (data rows %s…); drop or fill them: %w",
			name, c.Missing, c.Len(), strings.Join(rows, ", "), ErrTarget)
	}
	return c, nil
}

// describeLabels lists the present levels of c with their counts, most
// frequent first, eight at most.
func describeLabels(c *Column, present []int) string {
	idx := append([]int(nil), present...)
	sort.Slice(idx, func(a, b int) bool { return c.Counts[idx[a]] > c.Counts[idx[b]] })
	var parts []string
	for k, i := range idx {
		if k == 8 {
			parts = append(parts, fmt.Sprintf("… %d more", len(idx)-8))
			break
		}
		parts = append(parts, fmt.Sprintf("%q×%d", c.Levels[i], c.Counts[i]))
	}
	return strings.Join(parts, ", ")
}

// choosePositive picks the positive level of the two present, and says
// why: the one named by positive, else the first conventional positive
// value present, else the rarer class.
func choosePositive(c *Column, name string, present []int, positive string) (pos int, why string, err error) {
	pos = -1
	if positive != "" {
		for _, i := range present {
			if c.Levels[i] == positive {
				pos = i
			}
		}
		if pos < 0 {
			return 0, "", fmt.Errorf("--positive %q is not a value of target column %q (values: %s): %w", positive, name, describeLabels(c, present), ErrTarget)
		}
		return pos, "--positive", nil
	}
	for _, cand := range conventionalPositive {
		for _, i := range present {
			if strings.EqualFold(c.Levels[i], cand) {
				return i, "conventional positive value", nil
			}
		}
	}
	// The rarer class; on a tie the lexicographically larger value.
	a, b := present[0], present[1]
	pos = a
	if c.Counts[b] < c.Counts[a] || (c.Counts[b] == c.Counts[a] && c.Levels[b] > c.Levels[a]) {
		pos = b
	}
	return pos, "rarer class", nil
}
