package journal_test

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/nightshift-ml/nightshift/journal"
)

// The engine's side: one study, a trial written running before it starts
// and done after, each in its own transaction; a reader beside it.
func Example() {
	dir, _ := os.MkdirTemp("", "journal-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "nightshift.db")

	j, err := journal.Open(path, journal.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer j.Close()
	if _, err := j.CreateStudy(journal.Study{
		Name: "fraud", ConfigVersion: 1, Config: json.RawMessage(`{"target":"is_fraud"}`),
		Data: journal.Fingerprint{Size: 1234, SHA256: "…"},
	}); err != nil {
		log.Fatal(err)
	}
	t := journal.Trial{State: journal.TrialRunning, SpecHash: "9f2c", Model: "gbdt", Seed: 1, Started: time.Now()}
	if t.ID, err = j.PutTrial("fraud", t); err != nil {
		log.Fatal(err)
	}
	t.State, t.Metric, t.FoldScores, t.Mean, t.Std = journal.TrialDone, "auc", []float64{0.91, 0.93}, 0.92, 0.01
	if _, err := j.PutTrial("fraud", t); err != nil {
		log.Fatal(err)
	}

	// `nightshift status` in another process, during the run:
	r, err := journal.Open(path, journal.Options{ReadOnly: true})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	counts, _ := r.CountTrials("fraud")
	trials, _ := r.ListTrials("fraud")
	fmt.Printf("done=%d; trial %d %s %s=%.2f±%.2f\n", counts.Done, trials[0].ID, trials[0].Model, trials[0].Metric, trials[0].Mean, trials[0].Std)
	// Output: done=1; trial 1 gbdt auc=0.92±0.01
}
