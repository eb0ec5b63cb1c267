package dsl

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// floats is a []float64 whose JSON form keeps NaN and ±Inf (as the strings
// "NaN", "+Inf", "-Inf"); finite values use Go's shortest round-trip
// formatting, so a decoded state is bit-identical to the encoded one.
type floats []float64

func (f floats) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(f)*8)
	b = append(b, '[')
	for i, v := range f {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, v)
	}
	return append(b, ']'), nil
}

func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(v, -1):
		return append(b, `"-Inf"`...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func (f *floats) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]float64, len(raw))
	for i, r := range raw {
		v, err := decodeFloat(r)
		if err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
		out[i] = v
	}
	*f = out
	return nil
}

// float is a float64 with the same JSON form as floats' elements.
type float float64

func (f float) MarshalJSON() ([]byte, error) { return appendFloat(nil, float64(f)), nil }

func (f *float) UnmarshalJSON(b []byte) error {
	v, err := decodeFloat(b)
	*f = float(v)
	return err
}

func decodeFloat(r []byte) (float64, error) {
	if len(r) > 0 && r[0] == '"' {
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return 0, err
		}
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "+Inf":
			return math.Inf(1), nil
		case "-Inf":
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("bad float %q", s)
	}
	return strconv.ParseFloat(string(r), 64)
}
