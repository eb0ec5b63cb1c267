package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestJSONFloatRoundTripsSpecialValues(t *testing.T) {
	for _, x := range []float64{0, -0.5, 1e-300, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1), 0.1 + 0.2} {
		b, err := json.Marshal(jsonFloat(x))
		if err != nil {
			t.Fatalf("%v: %v", x, err)
		}
		var back jsonFloat
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%v → %s: %v", x, b, err)
		}
		if y := float64(back); !(y == x || math.IsNaN(x) && math.IsNaN(y)) || math.Signbit(x) != math.Signbit(y) && !math.IsNaN(x) {
			t.Fatalf("%v → %s → %v", x, b, y)
		}
	}
	var f jsonFloat
	if err := json.Unmarshal([]byte(`"abc"`), &f); err == nil {
		t.Fatal(`"abc" decoded as a float`)
	}
}

func TestDecodeRecordNamesTheRecord(t *testing.T) {
	tests := []struct {
		data string
		want error
	}{
		{`{"id":1,"state":"done"}`, ErrInvalidRecord},     // no version
		{`{"v":1,"id":"one"}`, ErrInvalidRecord},          // wrong type
		{`{"v":3,"id":"one","new":true}`, ErrNewerSchema}, // newer and incompatible
		{`not json`, ErrInvalidRecord},                    //
		{`{"v":1,"id":1,"mean":"+Inf"}`, nil},             //
	}
	for _, tc := range tests {
		var r trialRecord
		err := decodeRecord(`study "s" trial 1`, []byte(tc.data), &r)
		if !errors.Is(err, tc.want) || err == nil && tc.want != nil {
			t.Errorf("%s: err = %v, want %v", tc.data, err, tc.want)
		}
		if err != nil && !bytes.Contains([]byte(err.Error()), []byte(`study "s" trial 1`)) {
			t.Errorf("%s: error does not name the record: %v", tc.data, err)
		}
	}
}

// FuzzDecodeTrial: whatever bytes sit in a trial's slot, decoding returns
// an error or a record that encodes and decodes to itself; it never panics.
func FuzzDecodeTrial(f *testing.F) {
	good, _ := json.Marshal(helperTrial(7, TrialDone, 10).record())
	f.Add(good)
	f.Add([]byte(`{"v":1,"id":2,"state":"running","fold_scores":[null,"+Inf",0.5],"timings":{"total":"-Inf"}}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`{"v":1,"params":{"a":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r trialRecord
		if err := decodeRecord("fuzz", data, &r); err != nil {
			return
		}
		once, err := json.Marshal(r.trial().record())
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		var again trialRecord
		if err := decodeRecord("fuzz", once, &again); err != nil {
			t.Fatalf("re-encoded record does not decode: %v\n%s", err, once)
		}
		twice, _ := json.Marshal(again.trial().record())
		if !bytes.Equal(once, twice) {
			t.Fatalf("not a fixed point:\n%s\n%s", once, twice)
		}
	})
}
