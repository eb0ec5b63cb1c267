package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/trainer/learners"
)

// Model kinds a trial may use (trainer/learners knows each one).
const (
	ModelGBDT   = learners.GBDT
	ModelLogreg = learners.Logreg
)

// TrialSpec is everything that defines a trial: the feature set relative to
// the base columns (in the transform language), the model kind, its
// parameters and the seed. Its canonical JSON hashes to the trial's
// identity, so the same spec never runs twice in a study.
type TrialSpec struct {
	Features string            `json:"features"`
	Model    string            `json:"model"`
	Params   map[string]string `json:"params"`
	Seed     uint64            `json:"seed"`
}

// Normalize validates the spec against the transform language and the
// model's parameter schema and rewrites it in canonical form (features in
// canonical text, parameters through the model's own parser so that aliases
// and spellings of one value compare equal). It never runs anything.
func (s TrialSpec) Normalize() (TrialSpec, error) {
	out := TrialSpec{Model: s.Model, Seed: s.Seed, Params: map[string]string{}}
	if strings.TrimSpace(s.Features) != "" {
		fs, err := dsl.Parse(s.Features)
		if err != nil {
			return out, fmt.Errorf("features: %w", err)
		}
		out.Features = fs.Canonical()
	}
	for k, v := range s.Params {
		out.Params[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	l, err := learners.Lookup(s.Model)
	if err != nil {
		return out, err
	}
	if err := l.CheckParams(out.Params); err != nil {
		return out, err
	}
	return out, nil
}

// CanonicalJSON is the spec's JSON with sorted parameter keys (encoding/json
// sorts map keys), the input of Hash.
func (s TrialSpec) CanonicalJSON() []byte {
	b, _ := json.Marshal(s) // a struct of strings and a map[string]string cannot fail
	return b
}

// Hash is the hex SHA-256 of the canonical JSON: the trial's identity.
func (s TrialSpec) Hash() string {
	sum := sha256.Sum256(append([]byte("nightshift/trial-spec/v1\n"), s.CanonicalJSON()...))
	return hex.EncodeToString(sum[:])
}

// ParamsString renders the parameters as sorted k=v pairs, for display.
func (s TrialSpec) ParamsString() string {
	keys := make([]string, 0, len(s.Params))
	for k := range s.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + s.Params[k]
	}
	return strings.Join(parts, " ")
}

// QuoteColumn writes a column name in the transform language: bare when
// it is an identifier, else in backquotes with backquotes doubled.
func QuoteColumn(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
		}
	}
	if plain {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}
