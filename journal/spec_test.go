package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// countInFile counts the occurrences of needle in every key and value of
// the journal, nested buckets included, the spec store's entries inflated.
func countInFile(t *testing.T, path string, needle []byte) int {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	var walk func(name []byte, b *bolt.Bucket)
	walk = func(name []byte, b *bolt.Bucket) {
		b.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(k, b.Bucket(k))
				return nil
			}
			if bytes.Equal(name, bucketSpecStore) && len(v) > 0 && v[0] == specEntryDeflated {
				var f inflater
				plain, err := f.inflate(v[1:])
				if err != nil {
					t.Fatalf("spec entry %x: %v", k, err)
				}
				v = plain
			}
			n += bytes.Count(k, needle) + bytes.Count(v, needle)
			return nil
		})
	}
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { walk(name, b); return nil })
	})
	return n
}

// realSpec is a spec as the experiment package writes it (canonical JSON
// of plan.TrialSpec), with the display fields that go with it.
func realSpec(leaves string) (json.RawMessage, Trial) {
	spec := json.RawMessage(`{"features":"log1p(amount)","model":"gbdt","params":{"learning_rate":"0.05","num_leaves":"` + leaves + `"},"seed":42}`)
	return spec, Trial{Spec: spec, Model: "gbdt", Features: "log1p(amount)", Params: map[string]string{"learning_rate": "0.05", "num_leaves": leaves}, Seed: 42}
}

func TestSpecIsStoredOnceAndReadBackWhole(t *testing.T) {
	j, path := openTemp(t)
	newStudy(t, j, "s")
	spec1, t1 := realSpec("31")
	spec2, t2 := realSpec("63")
	spec3, _ := realSpec("127")
	round := Round{Planner: "builtin", Prompt: "builtin: TPE", Accepted: []Proposal{
		{SpecHash: "h1", Spec: spec1, Hypothesis: "wider trees"},
		{SpecHash: "h2", Spec: spec2, Hypothesis: "even more leaves"},
	}, Rejected: []Proposal{{SpecHash: "h3", Spec: spec3, Hypothesis: "too many", Reason: "over budget"}}}
	rid, err := j.AddRound("s", round)
	if err != nil {
		t.Fatal(err)
	}
	// Trial 1 as the scheduler writes it: same hypothesis as its proposal.
	// Trial 2 keeps its own hypothesis, and trial 3 display fields that
	// disagree with its spec: both must come back exactly as written.
	t1.State, t1.SpecHash, t1.Round, t1.Hypothesis, t1.Metric = TrialRunning, "h1", rid, "wider trees", "auc"
	t2.State, t2.SpecHash, t2.Round, t2.Hypothesis = TrialPruned, "h2", rid, ""
	t3 := Trial{State: TrialDone, SpecHash: "h4", Spec: json.RawMessage(`{"model":"gbdt","params":{"num_leaves":31}}`), Model: "gbdt", Params: map[string]string{"num_leaves": "31"}}
	want := []Trial{t1, t2, t3}
	for i := range want {
		id, err := j.PutTrial("s", want[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i].ID = id
	}
	t1 = want[0]
	t1.State, t1.FoldScores, t1.Mean = TrialDone, []float64{0.9}, 0.9
	if _, err := j.PutTrial("s", t1); err != nil {
		t.Fatal(err)
	}
	want[0] = t1

	got, err := j.ListTrials("s")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("trials read back\n got %+v\nwant %+v", got, want)
	}
	one, err := j.GetTrial("s", t1.ID)
	if err != nil || !reflect.DeepEqual(one, t1) {
		t.Fatalf("GetTrial: %+v, %v", one, err)
	}
	if byHash, err := j.TrialBySpecHash("s", "h2"); err != nil || byHash.ID != want[1].ID {
		t.Fatalf("TrialBySpecHash(h2): %+v, %v", byHash, err)
	}
	if _, err := j.TrialBySpecHash("s", "h3"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TrialBySpecHash of a spec only proposed: %v, want ErrNotFound", err)
	}
	rounds, err := j.ListRounds("s")
	if err != nil {
		t.Fatal(err)
	}
	wantRound := round
	wantRound.ID, wantRound.Time = rid, rounds[0].Time
	wantRound.Accepted = []Proposal{round.Accepted[0], round.Accepted[1]}
	wantRound.Accepted[0].TrialID, wantRound.Accepted[1].TrialID = want[0].ID, want[1].ID
	if !reflect.DeepEqual(rounds, []Round{wantRound}) {
		t.Fatalf("round read back\n got %+v\nwant %+v", rounds, []Round{wantRound})
	}

	for _, spec := range []json.RawMessage{spec1, spec2, spec3} {
		if n := countInFile(t, path, spec); n != 1 {
			t.Errorf("spec %s is stored %d times, want once", spec, n)
		}
	}
	for _, hyp := range []string{"wider trees", "even more leaves"} {
		if n := countInFile(t, path, []byte(hyp)); n != 1 {
			t.Errorf("hypothesis %q is stored %d times, want once", hyp, n)
		}
	}
	// A snapshot without specs leaves out exactly what the store holds
	// (trial 3 keeps its inline spec), and Trials completes it.
	lite, err := j.SnapshotWith("s", SnapshotOptions{NoSpecs: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range lite.Trials {
		stripped := want[i]
		if i < 2 {
			stripped.SpecHash, stripped.Spec, stripped.Model, stripped.Features, stripped.Params, stripped.Seed = "", nil, "", "", nil, 0
			if i == 0 {
				stripped.Hypothesis = ""
			}
		}
		if !reflect.DeepEqual(tr, stripped) {
			t.Errorf("NoSpecs trial %d\n got %+v\nwant %+v", tr.ID, tr, stripped)
		}
	}
	scores, err := j.SnapshotWith("s", SnapshotOptions{ScoresOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range scores.Trials {
		w := want[i]
		brief := Trial{ID: w.ID, State: w.State, Round: w.Round, FoldScores: w.FoldScores, Mean: w.Mean, Std: w.Std, Screen: w.Screen, Started: w.Started, Finished: w.Finished}
		if !reflect.DeepEqual(tr, brief) {
			t.Errorf("ScoresOnly trial %d\n got %+v\nwant %+v", tr.ID, tr, brief)
		}
	}
	full, err := j.Trials("s", []uint64{want[1].ID, want[0].ID})
	if err != nil || !reflect.DeepEqual(full, []Trial{want[1], want[0]}) {
		t.Fatalf("Trials(2, 1): %+v, %v", full, err)
	}
	if _, err := j.Trials("s", []uint64{99}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Trials(99): %v, want ErrNotFound", err)
	}
	// A spec's second run is refused as before, found through the store.
	dup := want[1]
	dup.ID, dup.State = 0, TrialRunning
	if _, err := j.PutTrial("s", dup); !errors.Is(err, ErrDuplicateSpec) {
		t.Fatalf("second run of spec h2: %v, want ErrDuplicateSpec", err)
	}
}

// TestOpensVersion2Journal opens a journal written by nightshift before
// specs were stored once (testdata/v2/README.md says how it was made): a
// read-write open migrates it, and the study reads back as that version
// read it, except that accepted proposals now name the trial that ran them.
func TestOpensVersion2Journal(t *testing.T) {
	src, err := os.ReadFile("testdata/v2/criteo200.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/v2/criteo200.snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	var want Snapshot
	if err := json.Unmarshal(golden, &want); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrOlderSchema) {
		t.Fatalf("read-only open of a schema-2 journal: %v, want ErrOlderSchema", err)
	}
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got, err := j.Snapshot("fx")
	if err != nil {
		t.Fatal(err)
	}
	got.Writer, got.WriterRunning = Holder{}, false
	if len(want.Trials) != 12 || len(want.Rounds) != 4 || len(want.HoldoutReads) != 1 {
		t.Fatalf("fixture: %d trials, %d rounds, %d holdout reads; want 12, 4, 1", len(want.Trials), len(want.Rounds), len(want.HoldoutReads))
	}
	owner := map[string]uint64{}
	for _, tr := range want.Trials {
		owner[tr.SpecHash] = tr.ID
	}
	linked := 0
	for i := range want.Rounds {
		for k := range want.Rounds[i].Accepted {
			p := &want.Rounds[i].Accepted[k]
			if p.TrialID == 0 && owner[p.SpecHash] != 0 {
				p.TrialID = owner[p.SpecHash]
				linked++
			}
		}
	}
	if linked != 12 {
		t.Errorf("%d accepted proposals link to their trial, want all 12", linked)
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Fatalf("migrated snapshot differs from what schema 2 read\n got %s\nwant %s", gj, wj)
	}
	// Each spec is now in the file once, and the study goes on: a new
	// trial is written, and a spec already run is refused.
	j.Close()
	for _, tr := range want.Trials {
		if n := countInFile(t, path, tr.Spec); n != 1 {
			t.Errorf("trial %d: spec stored %d times after migration, want once", tr.ID, n)
		}
	}
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	again := want.Trials[3]
	again.ID, again.State = 0, TrialRunning
	if _, err := j.PutTrial("fx", again); !errors.Is(err, ErrDuplicateSpec) {
		t.Fatalf("rerun of a migrated trial's spec: %v, want ErrDuplicateSpec", err)
	}
	// A journal from before fold splits reads every trial as split 0 and
	// takes a re-evaluation of an old spec on a further split, once.
	for _, tr := range got.Trials {
		if tr.Split != 0 || tr.Of != 0 || tr.Reason != "" {
			t.Fatalf("migrated trial %d: split %d of %d reason %q, want split 0", tr.ID, tr.Split, tr.Of, tr.Reason)
		}
	}
	again.Split, again.Of, again.Reason = 1, want.Trials[3].ID, "race: re-evaluate"
	reval, err := j.PutTrial("fx", again)
	if err != nil || reval != 13 {
		t.Fatalf("re-evaluation of a migrated trial's spec on split 1: id %d, %v; want 13", reval, err)
	}
	if _, err := j.PutTrial("fx", again); !errors.Is(err, ErrDuplicateSpec) {
		t.Fatalf("second run of a (spec, split): %v, want ErrDuplicateSpec", err)
	}
	fresh := Trial{State: TrialRunning, SpecHash: "new", Spec: json.RawMessage(`{"features":"","model":"logreg","params":{"C":"2"},"seed":42}`),
		Model: "logreg", Params: map[string]string{"C": "2"}, Seed: 42, Started: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)}
	id, err := j.PutTrial("fx", fresh)
	if err != nil || id != 14 {
		t.Fatalf("new trial after migration: id %d, %v; want 14", id, err)
	}
}

// TestSpecEntryVersions reads both stored forms of a spec entry (plain,
// written by the first schema-3 nightshift, and deflated), and refuses a
// newer or damaged one by name.
func TestSpecEntryVersions(t *testing.T) {
	spec, _ := realSpec("31")
	want := specEntry{hash: "ab12", spec: spec, hypothesis: "wider trees"}
	plain := []byte{specEntryPlain, 4}
	plain = append(append(plain, "ab12"...), byte(len(spec)))
	plain = append(append(plain, spec...), "wider trees"...)
	deflated, err := want.encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(deflated) >= len(plain)/2 {
		t.Errorf("deflated entry is %d bytes, plain %d: the dictionary does not help", len(deflated), len(plain))
	}
	var f inflater
	for name, v := range map[string][]byte{"plain": plain, "deflated": deflated} {
		got, err := decodeSpecEntry(v, &f, "s", 7)
		if err != nil || got.hash != want.hash || !bytes.Equal(got.spec, want.spec) || got.hypothesis != want.hypothesis {
			t.Errorf("%s entry reads back as %+v, %v", name, got, err)
		}
	}
	newer := append([]byte{specEntryVersion + 1}, deflated[1:]...)
	if _, err := decodeSpecEntry(newer, &f, "s", 7); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("entry version %d: %v, want ErrNewerSchema", specEntryVersion+1, err)
	}
	for name, v := range map[string][]byte{"plain": plain[:10], "deflated": deflated[:len(deflated)/2]} {
		if _, err := decodeSpecEntry(v, &f, "s", 7); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), `study "s": spec 7`) {
			t.Errorf("%s entry cut short: %v, want ErrInvalidRecord naming spec 7", name, err)
		}
	}
}
