package studyview

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/journal"
)

// TestTrialRowScoreIsNullWithoutFolds: a trial's score in trials --json
// is the mean over the folds it ran, labelled with their number: all of
// them when done, the first few when pruned, none (null, not 0) when it
// failed or was interrupted before a score existed. Its spread needs two
// folds: a trial pruned after one has std and SE null, not 0 (it read "±
// 0.0000", as if its score were exact). Export says the same.
func TestTrialRowScoreIsNullWithoutFolds(t *testing.T) {
	cases := []struct {
		trial  journal.Trial
		want   string // in trials --json
		export string // in export --json
	}{
		{journal.Trial{ID: 1, State: journal.TrialDone, FoldScores: []float64{0.7, 0.8, 0.9}, Mean: 0.8, Std: 0.1}, `"score":0.8,"std":0.1,"score_folds":3`,
			`"mean":0.8,"std":0.1,"se":0.0577`},
		{journal.Trial{ID: 2, State: journal.TrialPruned, FoldScores: []float64{0.6, 0.62}, Mean: 0.61, Std: 0.014}, `"score":0.61,"std":0.014,"score_folds":2`,
			`"mean":0.61,"std":0.014,"se":0.0098`},
		{journal.Trial{ID: 6, State: journal.TrialPruned, FoldScores: []float64{0.6}, Mean: 0.6, Std: 0}, `"score":0.6,"std":null,"score_folds":1`,
			`"mean":0.6,"std":null,"se":null`},
		{journal.Trial{ID: 3, State: journal.TrialFailed, Error: "boom"}, `"score":null,"std":null,"score_folds":0`, `"mean":null,"std":null,"se":null`},
		{journal.Trial{ID: 4, State: journal.TrialInterrupted}, `"score":null,"std":null,"score_folds":0`, `"mean":null,"std":null,"se":null`},
		{journal.Trial{ID: 5, State: journal.TrialPruned, Screen: ptr(0.55)}, `"score":null,"std":null,"score_folds":0`, `"mean":null,"std":null,"se":null`}, // screened out before any fold
	}
	for _, c := range cases {
		b, err := json.Marshal(NewTrialRow(c.trial))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.want) {
			t.Errorf("trial %d (%s): %s\nwant %s", c.trial.ID, c.trial.State, b, c.want)
		}
		if b, err = json.Marshal(exportTrial(c.trial)); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.export) {
			t.Errorf("export of trial %d (%s): %s\nwant %s", c.trial.ID, c.trial.State, b, c.export)
		}
	}
}

func ptr(v float64) *float64 { return &v }
