package journal

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func openTemp(t *testing.T) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nightshift.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

func newStudy(t *testing.T, j *Journal, name string) Study {
	t.Helper()
	s, err := j.CreateStudy(Study{
		Name:          name,
		ConfigVersion: 1,
		Config:        json.RawMessage(`{"target":"is_fraud","folds":5}`),
		Data:          Fingerprint{Size: 42, SHA256: strings.Repeat("ab", 32)},
		Profile:       json.RawMessage(`{"rows":1000}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fullTrial() Trial {
	screen := 0.87
	start := time.Date(2026, 11, 27, 19, 0, 0, 0, time.UTC)
	return Trial{
		State:    TrialDone,
		SpecHash: "h1",
		Spec:     json.RawMessage(`{"model":"gbdt","params":{"num_leaves":31}}`),
		Model:    "gbdt", Features: "log1p(amount); count(merchant)",
		Params:        map[string]string{"num_leaves": "31", "learning_rate": "0.05"},
		Seed:          7,
		Metric:        "auc",
		FoldScores:    []float64{0.91, 0.92, math.NaN(), 0.93},
		Mean:          0.92,
		Std:           0.01,
		BestIteration: []int{120, 133, 0, 98},
		Timings:       map[string]float64{PhaseTrain: 1.5, PhaseTotal: 2.25, PhaseBin: math.Inf(1)},
		Worker:        1, Round: 3,
		Hypothesis: "log amount helps", Verdict: "better (paired t, p=0.01)",
		Started: start, Finished: start.Add(3 * time.Second),
		Holdout: map[string]float64{"auc": 0.9},
		Screen:  &screen,
	}
}

// sameTrial compares trials with NaN equal to NaN.
func sameTrial(a, b Trial) bool {
	ja, _ := json.Marshal(a.record())
	jb, _ := json.Marshal(b.record())
	return string(ja) == string(jb)
}

func TestStudyRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 27, 19, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "j.db")
	j, err := Open(path, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	want := newStudy(t, j, "fraud-1")
	if want.State != StudyCreated || !want.Created.Equal(now) {
		t.Fatalf("defaults not applied: %+v", want)
	}
	got, err := j.GetStudy("fraud-1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetStudy = %+v\nwant %+v", got, want)
	}
	now = now.Add(time.Hour)
	if err := j.SetStudyState("fraud-1", StudyRunning); err != nil {
		t.Fatal(err)
	}
	got, _ = j.GetStudy("fraud-1")
	if got.State != StudyRunning || !got.Updated.Equal(now) || !got.Created.Equal(want.Created) {
		t.Fatalf("after SetStudyState: %+v", got)
	}
	if _, err := j.CreateStudy(want); !errors.Is(err, ErrStudyExists) {
		t.Fatalf("duplicate CreateStudy: %v, want ErrStudyExists", err)
	}
	if _, err := j.GetStudy("nope"); !errors.Is(err, ErrUnknownStudy) || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("GetStudy(nope) = %v", err)
	}
}

func TestPutTrialRoundTripKeepsNaNAndInf(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	tr := fullTrial()
	id, err := j.PutTrial("s", tr)
	if err != nil {
		t.Fatal(err)
	}
	if id != 1 {
		t.Fatalf("first trial id = %d, want 1", id)
	}
	tr.ID = id
	got, err := j.GetTrial("s", id)
	if err != nil {
		t.Fatal(err)
	}
	if !sameTrial(got, tr) {
		t.Fatalf("GetTrial = %+v\nwant %+v", got, tr)
	}
	if !math.IsNaN(got.FoldScores[2]) || !math.IsInf(got.Timings[PhaseBin], 1) {
		t.Fatalf("NaN/Inf lost: %v %v", got.FoldScores, got.Timings)
	}
}

func TestClosedJournalRefusesEverything(t *testing.T) {
	j, path := openTemp(t)
	newStudy(t, j, "s")
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := j.ListTrials("s"); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}
	if _, err := j.PutTrial("s", Trial{State: TrialRunning}); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	// Close released the run lock: another writer gets in at once.
	j2, err := Open(path, Options{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	j2.Close()
}

func TestStudyNamesAreChecked(t *testing.T) {
	j, _ := openTemp(t)
	for _, name := range []string{"", "a b", "../x", "é", strings.Repeat("n", 101)} {
		_, err := j.CreateStudy(Study{Name: name, ConfigVersion: 1, Config: json.RawMessage(`{}`)})
		if !errors.Is(err, ErrInvalidName) {
			t.Errorf("CreateStudy(%q): %v, want ErrInvalidName", name, err)
		}
	}
	for _, bad := range []Study{
		{Name: "ok", ConfigVersion: 0, Config: json.RawMessage(`{}`)},
		{Name: "ok", ConfigVersion: 1, Config: json.RawMessage(`{`)},
		{Name: "ok", ConfigVersion: 1, Config: json.RawMessage(`{}`), Profile: json.RawMessage(`nope`)},
	} {
		if _, err := j.CreateStudy(bad); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("CreateStudy(%+v): %v, want ErrInvalidRecord", bad, err)
		}
	}
	if studies, _ := j.ListStudies(); len(studies) != 0 {
		t.Fatalf("refused studies were stored: %+v", studies)
	}
	if err := ValidateStudyName("creditcard_10k-2026.11.27"); err != nil {
		t.Fatal(err)
	}
}

func TestStudySettersAndListOrder(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "zeta")
	newStudy(t, j, "alpha")
	fp := Fingerprint{Size: 99, SHA256: strings.Repeat("cd", 32)}
	if err := j.SetFingerprint("zeta", fp); err != nil {
		t.Fatal(err)
	}
	if err := j.SetStudyConfig("zeta", 2, json.RawMessage(`{"target":"y","budget":"8h"}`)); err != nil {
		t.Fatal(err)
	}
	if err := j.SetProfile("zeta", json.RawMessage(`{"rows":5}`)); err != nil {
		t.Fatal(err)
	}
	if err := j.SetStudyConfig("zeta", 2, json.RawMessage(`{`)); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("bad config: %v", err)
	}
	if err := j.SetStudyState("zeta", "paused"); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("bad state: %v", err)
	}
	if err := j.SetFingerprint("nope", fp); !errors.Is(err, ErrUnknownStudy) {
		t.Fatalf("unknown study: %v", err)
	}
	studies, err := j.ListStudies()
	if err != nil || len(studies) != 2 || studies[0].Name != "alpha" || studies[1].Name != "zeta" {
		t.Fatalf("ListStudies = %+v, %v", studies, err)
	}
	z := studies[1]
	if !z.Data.Equal(fp) || z.ConfigVersion != 2 || string(z.Config) != `{"target":"y","budget":"8h"}` || string(z.Profile) != `{"rows":5}` || z.State != StudyCreated {
		t.Fatalf("zeta after setters = %+v", z)
	}
	if studies[0].Data.Equal(fp) {
		t.Fatal("SetFingerprint on zeta changed alpha")
	}
}

func TestStudySchemaIsStoredAtCreationOrSetLater(t *testing.T) {
	j, _ := openTemp(t)
	cases := []struct {
		name   string
		create json.RawMessage
		set    json.RawMessage
		want   string
	}{
		{"stored at creation", json.RawMessage(`{"columns":[{"name":"a","kind":"numeric"}]}`), nil, `{"columns":[{"name":"a","kind":"numeric"}]}`},
		{"a study from before: none", nil, nil, ""},
		{"set later", nil, json.RawMessage(`{"columns":[]}`), `{"columns":[]}`},
	}
	for i, c := range cases {
		name := string(rune('a' + i))
		if _, err := j.CreateStudy(Study{Name: name, ConfigVersion: 1, Config: json.RawMessage(`{}`), Schema: c.create}); err != nil {
			t.Fatal(err)
		}
		if c.set != nil {
			if err := j.SetSchema(name, c.set); err != nil {
				t.Fatal(err)
			}
		}
		got, err := j.GetStudy(name)
		if err != nil || string(got.Schema) != c.want {
			t.Errorf("%s: schema %s (%v), want %s", c.name, got.Schema, err, c.want)
		}
	}
	if err := j.SetSchema("a", json.RawMessage(`{`)); !errors.Is(err, ErrInvalidRecord) {
		t.Errorf("invalid schema JSON: %v", err)
	}
}
