package journal

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func bagOf(trial uint64, hash string, seed int64) HoldoutModel {
	return HoldoutModel{Role: "trial", Final: "bag", Parts: []HoldoutPart{{Trial: trial, SpecHash: hash, Seed: seed, Weight: 1}},
		Metrics: map[string]Figure{"auc": {Value: 0.81, SE: 0.02}, "pr_auc": {Value: 0.4, SE: math.NaN()}}, CV: 0.8, CVStd: 0.01, Trees: 40, Seconds: 1.5}
}

func ensembleOf(parts ...HoldoutPart) HoldoutModel {
	return HoldoutModel{Role: "final", Final: "ensemble", Parts: parts, Metrics: map[string]Figure{"auc": {Value: 0.83, SE: 0.02}}}
}

// TestHoldoutReadsAreVerdictThenRereadsOrRepeats journals a sequence of
// reads as `holdout` would and checks the standing each one gets.
func TestHoldoutReadsAreVerdictThenRereadsOrRepeats(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	ens := ensembleOf(HoldoutPart{Trial: 3, SpecHash: "h3", Seed: 1, Weight: 0.6}, HoldoutPart{Trial: 1, SpecHash: "h1", Seed: 1, Weight: 0.4})
	cases := []struct {
		name     string
		read     HoldoutRead
		standing ReadStanding
		repeatOf uint64
	}{
		{"first read is the verdict", HoldoutRead{Final: "ensemble", Top: 1, Models: []HoldoutModel{ens, bagOf(3, "h3", 1)}}, ReadVerdict, 0},
		{"same models again: a repeat of read 1", HoldoutRead{Final: "ensemble", Top: 1, Models: []HoldoutModel{ens, bagOf(3, "h3", 1)}}, ReadRepeat, 1},
		{"a subset of read 1's models: a repeat", HoldoutRead{Final: "bag", Top: 1, Models: []HoldoutModel{bagOf(3, "h3", 1)}}, ReadRepeat, 1},
		{"another seed is another model: a re-read", HoldoutRead{Final: "bag", Top: 1, Models: []HoldoutModel{bagOf(3, "h3", 2)}}, ReadReread, 0},
		{"a refit of a bagged trial is another model", HoldoutRead{Final: "refit", Top: 1, Models: []HoldoutModel{{Final: "refit", Parts: []HoldoutPart{{Trial: 3, SpecHash: "h3", Seed: 1, Weight: 1}}}}}, ReadReread, 0},
		{"other weights are another ensemble", HoldoutRead{Final: "ensemble", Models: []HoldoutModel{ensembleOf(HoldoutPart{Trial: 3, SpecHash: "h3", Seed: 1, Weight: 0.5}, HoldoutPart{Trial: 1, SpecHash: "h1", Seed: 1, Weight: 0.5})}}, ReadReread, 0},
		{"the same spec re-run under a new ID is the same model", HoldoutRead{Final: "bag", Models: []HoldoutModel{bagOf(9, "h3", 2)}}, ReadRepeat, 4},
	}
	for i, c := range cases {
		c.read.Command = "nightshift holdout --study s"
		got, err := j.AddHoldoutRead("s", c.read)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.ID != uint64(i+1) || got.Standing != c.standing || got.RepeatOf != c.repeatOf || got.Time.IsZero() {
			t.Errorf("%s: read %d standing %s repeat of %d; want read %d %s of %d", c.name, got.ID, got.Standing, got.RepeatOf, i+1, c.standing, c.repeatOf)
		}
	}
	reads, err := j.ListHoldoutReads("s")
	if err != nil || len(reads) != len(cases) {
		t.Fatalf("ListHoldoutReads: %d reads, %v", len(reads), err)
	}
	first := reads[0]
	if first.Command != "nightshift holdout --study s" || first.Final != "ensemble" || len(first.Models) != 2 ||
		first.Models[0].Parts[1] != (HoldoutPart{Trial: 1, SpecHash: "h1", Seed: 1, Weight: 0.4}) ||
		first.Models[1].Metrics["auc"] != (Figure{Value: 0.81, SE: 0.02}) || !math.IsNaN(first.Models[1].Metrics["pr_auc"].SE) ||
		first.Models[1].Trees != 40 || first.Models[1].CV != 0.8 {
		t.Errorf("read 1 did not round-trip: %+v", first)
	}
	snap, err := j.Snapshot("s")
	if err != nil || len(snap.HoldoutReads) != len(cases) {
		t.Errorf("Snapshot: %d holdout reads, %v", len(snap.HoldoutReads), err)
	}
	if _, err := j.AddHoldoutRead("s", HoldoutRead{Models: []HoldoutModel{{Final: "bag"}}}); !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), "names no trial") {
		t.Errorf("a model without trials: %v", err)
	}
	if _, err := j.AddHoldoutRead("nope", HoldoutRead{}); !errors.Is(err, ErrUnknownStudy) {
		t.Errorf("unknown study: %v", err)
	}
}

// TestMigrationTurnsOldHoldoutFiguresIntoTheVerdict builds a schema-1
// journal as the previous nightshift left it (no holdout_reads bucket, the
// ensemble's figures in a "holdout" event, a trial's in the trial) and
// opens it: the figures become read 1, the verdict, and the next read is a
// re-read.
func TestMigrationTurnsOldHoldoutFiguresIntoTheVerdict(t *testing.T) {
	cases := []struct {
		name   string
		old    func(j *Journal)
		models int
		final  string
	}{
		{"no holdout seen", func(j *Journal) {}, 0, ""},
		{"ensemble event and a trial's figures", func(j *Journal) {
			j.AddEvent("s", Event{Kind: "holdout", Details: map[string]string{"final": "ensemble", "parts": "#1 0.75, #2 0.25", "auc": "0.9", "cv": "0.88"}})
			tr := fullTrial()
			tr.Holdout = map[string]float64{"auc": 0.91}
			j.PutTrial("s", tr)
		}, 2, "ensemble"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j, path := openTemp(t)
			newStudy(t, j, "s")
			c.old(j)
			j.Close()
			db, _ := bolt.Open(path, 0o644, nil)
			db.Update(func(tx *bolt.Tx) error {
				if err := tx.Bucket(bucketStudies).Bucket([]byte("s")).DeleteBucket(bucketHoldoutReads); err != nil {
					return err
				}
				return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, 1))
			})
			db.Close()
			if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrOlderSchema) {
				t.Fatalf("read-only open of a schema-1 journal: %v", err)
			}
			j, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			reads, err := j.ListHoldoutReads("s")
			if err != nil {
				t.Fatal(err)
			}
			if c.models == 0 {
				if len(reads) != 0 {
					t.Fatalf("a study never read got %d reads", len(reads))
				}
				return
			}
			if len(reads) != 1 || !reads[0].Legacy || reads[0].Standing != ReadVerdict || len(reads[0].Models) != c.models || reads[0].Final != c.final {
				t.Fatalf("migrated reads: %+v", reads)
			}
			ens := reads[0].Models[0]
			if ens.Final != "ensemble" || len(ens.Parts) != 2 || ens.Parts[0].Trial != 1 || ens.Parts[0].Weight != 0.75 || ens.Metrics["auc"].Value != 0.9 || ens.CV != 0.88 {
				t.Errorf("migrated ensemble: %+v", ens)
			}
			if tr := reads[0].Models[1]; tr.Parts[0].SpecHash != "h1" || tr.Metrics["auc"].Value != 0.91 {
				t.Errorf("migrated trial figures: %+v", tr)
			}
			next, err := j.AddHoldoutRead("s", HoldoutRead{Models: []HoldoutModel{bagOf(1, "h1", 7)}})
			if err != nil || next.ID != 2 || next.Standing != ReadReread {
				t.Errorf("first read after the migration: %+v %v", next, err)
			}
		})
	}
}

// A read's curves and the final model's importance come back as written;
// a model without them reads back nil (as reads from before they existed).
func TestHoldoutReadKeepsCurvesAndImportance(t *testing.T) {
	j, _ := openTemp(t)
	newStudy(t, j, "s")
	ens := ensembleOf(HoldoutPart{Trial: 3, SpecHash: "h3", Seed: 1, Weight: 1})
	ens.Curves = &Curves{
		ROC:         []CurvePoint{{0, 0}, {0.1, 0.6}, {1, 1}},
		PR:          []CurvePoint{{0, 1}, {0.6, 0.75}, {1, 0.1}},
		Calibration: []CalibrationBin{{Predicted: 0.05, Observed: 0.04, Rows: 180}, {Predicted: 0.93, Observed: math.NaN(), Rows: 20}},
	}
	ens.Importance = []FeatureGain{{Feature: "amount", Gain: 0.7}, {Feature: "count(merchant)", Gain: 0.3}}
	if _, err := j.AddHoldoutRead("s", HoldoutRead{Models: []HoldoutModel{ens, bagOf(3, "h3", 1)}}); err != nil {
		t.Fatal(err)
	}
	reads, err := j.ListHoldoutReads("s")
	if err != nil {
		t.Fatal(err)
	}
	got := reads[0].Models
	c := got[0].Curves
	if c == nil || len(c.ROC) != 3 || c.ROC[1] != (CurvePoint{0.1, 0.6}) || c.PR[2] != (CurvePoint{1, 0.1}) ||
		len(c.Calibration) != 2 || c.Calibration[0] != (CalibrationBin{0.05, 0.04, 180}) || !math.IsNaN(c.Calibration[1].Observed) {
		t.Errorf("curves read back as %+v", c)
	}
	if len(got[0].Importance) != 2 || got[0].Importance[1] != (FeatureGain{"count(merchant)", 0.3}) {
		t.Errorf("importance read back as %+v", got[0].Importance)
	}
	if got[1].Curves != nil || got[1].Importance != nil {
		t.Errorf("a model written without curves reads back %+v, %+v", got[1].Curves, got[1].Importance)
	}
}
