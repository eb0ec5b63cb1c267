package journal

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// recordVersion is the version written in the "v" field of every record.
// A record with a larger "v" was written by a newer nightshift.
const recordVersion = 1

// versioned is embedded first in every record type, giving it the "v"
// field.
type versioned struct {
	V int `json:"v"`
}

func (v versioned) version() int { return v.V }

// record is any record type: a struct embedding versioned.
type record interface{ version() int }

// current is the version stamp of a record written now.
func current() versioned { return versioned{V: recordVersion} }

// decodeRecord unmarshals a record into dst (a pointer to a zero value of a
// record type: a field absent from data keeps dst's value) and checks its
// version; what names the record in errors (for example
// `study "x" trial 12`). The body is decoded once, since JSON decoding is
// most of what reading a study costs; only when that fails is the version
// decoded on its own, so that a record from a newer nightshift with
// incompatible fields is reported as ErrNewerSchema, not as a type error.
func decodeRecord(what string, data []byte, dst record) error {
	err := json.Unmarshal(data, dst)
	v := dst.version()
	if err != nil {
		var only versioned
		_ = json.Unmarshal(data, &only)
		v = only.V
	}
	switch {
	case v > recordVersion:
		return fmt.Errorf("%s: record version %d, this nightshift reads up to %d; upgrade nightshift: %w", what, v, recordVersion, ErrNewerSchema)
	case err != nil:
		return fmt.Errorf("%s: %v: %w", what, err, ErrInvalidRecord)
	case v == 0:
		return fmt.Errorf("%s: record has no version field \"v\": %w", what, ErrInvalidRecord)
	}
	return nil
}

func encodeRecord(what string, rec any) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", what, err, ErrInvalidRecord)
	}
	return b, nil
}

// seqKey is the big-endian key of sequence number n, so that bbolt's byte
// order is numeric order.
func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// jsonFloat is a float64 that survives JSON: NaN (an undefined fold score, a
// metric that was never computed) is written as null and ±Inf as the strings
// "+Inf" and "-Inf"; encoding/json refuses all three.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch {
	case math.IsNaN(x):
		return []byte("null"), nil
	case math.IsInf(x, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, x, 'g', -1, 64), nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		*f = jsonFloat(math.NaN())
		return nil
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
		return nil
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
		return nil
	}
	x, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("number %s: %w", b, err)
	}
	*f = jsonFloat(x)
	return nil
}

func toJSONFloats(xs []float64) []jsonFloat {
	if xs == nil {
		return nil
	}
	out := make([]jsonFloat, len(xs))
	for i, x := range xs {
		out[i] = jsonFloat(x)
	}
	return out
}

func fromJSONFloats(xs []jsonFloat) []float64 {
	if xs == nil {
		return nil
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

func toJSONFloatMap(m map[string]float64) map[string]jsonFloat {
	if m == nil {
		return nil
	}
	out := make(map[string]jsonFloat, len(m))
	for k, x := range m {
		out[k] = jsonFloat(x)
	}
	return out
}

func fromJSONFloatMap(m map[string]jsonFloat) map[string]float64 {
	if m == nil {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, x := range m {
		out[k] = float64(x)
	}
	return out
}

// validRaw reports whether raw is empty or valid JSON.
func validRaw(raw json.RawMessage) bool { return len(raw) == 0 || json.Valid(raw) }
