package studyview

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/nightshift-ml/nightshift/journal"
)

// Status and the top trials are read without specs (the journal's costly
// part) and must say exactly what a full read says.
func TestStatusAndTopTrialsReadWithoutSpecsAgreeWithAFullRead(t *testing.T) {
	var trials []journal.Trial
	var accepted []journal.Proposal
	for i := uint64(1); i <= 12; i++ {
		tr := done(i, 0.7+float64(i%5)/100, 0.71+float64(i%7)/100, 0.72)
		tr.Params = map[string]string{"num_leaves": fmt.Sprint(10 + i)}
		tr.Seed = 42
		tr.Spec, _ = json.Marshal(map[string]any{"features": "", "model": "gbdt", "params": tr.Params, "seed": 42})
		tr.SpecHash, tr.Round, tr.Hypothesis = fmt.Sprintf("hash%d", i), 1, "TPE over gbdt parameters"
		if i%4 == 0 {
			tr.State, tr.FoldScores = journal.TrialPruned, tr.FoldScores[:1]
		}
		trials = append(trials, tr)
		accepted = append(accepted, journal.Proposal{SpecHash: tr.SpecHash, Spec: tr.Spec, Hypothesis: tr.Hypothesis})
	}
	j := newStudy(t, Config{Metric: MetricAUC, Planner: "builtin"}, journal.StudyRunning, nil, nil)
	if _, err := j.AddRound("s", journal.Round{Planner: "builtin", Accepted: accepted}); err != nil {
		t.Fatal(err)
	}
	for _, tr := range trials {
		if _, err := j.PutTrial("s", tr); err != nil {
			t.Fatal(err)
		}
	}
	full, err := Read(j, "s")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ReadStatus(j, "s")
	if err != nil {
		t.Fatal(err)
	}
	if want := full.Status(); !reflect.DeepEqual(st, want) {
		t.Errorf("status read without specs\n got %+v\nwant %+v", st, want)
	}
	all, err := ReadTrials(j, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 12 || all[0].Params == nil || all[0].Hypothesis != "TPE over gbdt parameters" {
		t.Fatalf("full rows: %d, first %+v", len(all), all[0])
	}
	for _, k := range []int{1, 5, 12, 20} {
		top, err := ReadTopTrials(j, "s", k)
		if err != nil {
			t.Fatal(err)
		}
		// Compared as JSON, as trials --json shows them: a pruned
		// trial's std is NaN (one fold has no spread), never DeepEqual.
		got, _ := json.Marshal(top)
		want, _ := json.Marshal(all[:min(k, len(all))])
		if string(got) != string(want) {
			t.Errorf("top %d\n got %s\nwant %s", k, got, want)
		}
	}
}
