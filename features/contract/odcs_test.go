package contract

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// odcsSchema compiles the ODCS v3.1.0 JSON schema committed in testdata.
func odcsSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "odcs-json-schema-v3.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("odcs-v3.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("odcs-v3.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validateODCS validates YAML against the schema the way JSON-schema tools
// see a YAML document: as the JSON value it denotes.
func validateODCS(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

func TestGeneratedContractIsValidODCS(t *testing.T) {
	s := odcsSchema(t)
	for _, tc := range []struct{ file, target string }{
		{"fraud/creditcard_10k.csv", "Class"},
		{"click/criteo_5k.csv", "label"},
		{"fraud/vehicle_claims.csv", "FraudFound_P"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			tb := readTable(t, sharedData(t, tc.file))
			c := trained(t, tb, tc.target)
			data, err := c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if err := validateODCS(t, s, data); err != nil {
				t.Fatalf("generated contract is not valid ODCS v3.1.0: %v", err)
			}
		})
	}
}

// TestSchemaRejectsBrokenContract keeps the validation test honest: the same
// document with a property's logicalType misspelt must fail.
func TestSchemaRejectsBrokenContract(t *testing.T) {
	s := odcsSchema(t)
	c := trained(t, readTable(t, sharedData(t, "fraud/creditcard_10k.csv")), "Class")
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	broken := bytes.Replace(data, []byte("logicalType: number"), []byte("logicalType: numeric"), 1)
	if err := validateODCS(t, s, broken); err == nil {
		t.Fatal("a contract with logicalType numeric validated")
	}
}

// TestUnknownKeysSurvive: keys a person adds anywhere (standard keys
// nightshift does not model, a rule for another engine, keys of their own)
// are kept by Read and Write, and rules nightshift does not run are listed
// as skipped.
func TestUnknownKeysSurvive(t *testing.T) {
	c := trained(t, readTable(t, sharedData(t, "fraud/creditcard_10k.csv")), "Class")
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	edits := []struct{ after, insert string }{
		{"status: active\n", "tags: [finance, fraud]\nteam:\n  name: fraud-data\n  members:\n    - username: ada\n      role: owner\nx-ticket: DATA-42\n"},
		{"    physicalType: file\n", "    dataGranularityDescription: one card transaction per row\n"},
		{"      - name: Amount\n", "        businessName: transaction amount\n        classification: restricted\n        x-unit: EUR\n"},
		{"        quality:\n", "          - type: custom\n            engine: soda\n            implementation: |\n              type: duplicate_percent\n            severity: warning\n"},
	}
	for _, e := range edits {
		i := strings.Index(doc, e.after)
		if i < 0 {
			t.Fatalf("no %q in the document", e.after)
		}
		i += len(e.after)
		doc = doc[:i] + e.insert + doc[i:]
	}
	path := filepath.Join(t.TempDir(), "contract.odcs.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Write(path); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"tags:", "- finance", "team:", "username: ada", "x-ticket: DATA-42",
		"dataGranularityDescription: one card transaction per row", "businessName: transaction amount",
		"classification: restricted", "x-unit: EUR", "engine: soda", "type: duplicate_percent"} {
		if !strings.Contains(string(again), key) {
			t.Errorf("%q lost by Read and Write", key)
		}
	}
	rep := check(t, back, readTable(t, sharedData(t, "fraud/creditcard_10k.csv")).split(true).write(t, "holdout.csv"))
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0], `engine "soda"`) {
		t.Errorf("skipped %q, want the soda rule", rep.Skipped)
	}
}

// TestEditedSeverityIsHonoured: a person turns the type rule of V3 from
// error to warning in the YAML; the same bad file then passes with a warning.
func TestEditedSeverityIsHonoured(t *testing.T) {
	tb := readTable(t, sharedData(t, "fraud/creditcard_10k.csv"))
	c := trained(t, tb, "Class")
	hold := tb.split(true)
	hold[11][hold.col(t, "V3")] = "high"
	bad := hold.write(t, "bad.csv")
	if rep := check(t, c, bad); !rep.Failed() {
		t.Fatal("the unedited contract passes a word in V3")
	}
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	at := strings.Index(doc, "      - name: V3\n")
	rule := strings.Index(doc[at:], "implementation: type\n")
	sev := strings.Index(doc[at+rule:], "severity: error")
	if at < 0 || rule < 0 || sev < 0 {
		t.Fatal("V3's type rule not found")
	}
	i := at + rule + sev
	doc = doc[:i] + "severity: warning" + doc[i+len("severity: error"):]
	edited, err := Parse([]byte(doc), "edited.odcs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep := check(t, edited, bad)
	if rep.Failed() || rep.Warnings != 1 {
		t.Fatalf("edited contract: failed=%v, %d warnings; want a pass with 1 warning", rep.Failed(), rep.Warnings)
	}
	v := rep.Violations[0]
	if v.Column != "V3" || v.Check != "type" || v.Severity != SeverityWarning || v.Count != 1 || v.Examples[0].Line != 12 {
		t.Fatalf("violation %+v, want V3's type rule as a warning at line 12", v)
	}
}

func TestParseRejectsUnknownSeverity(t *testing.T) {
	c := trained(t, readTable(t, sharedData(t, "fraud/creditcard_10k.csv")), "Class")
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(data), "severity: warning", "severity: fatal", 1)
	_, err = Parse([]byte(doc), "x.odcs.yaml")
	if err == nil || !strings.Contains(err.Error(), `x.odcs.yaml: schema[0].properties[0] (Time).quality[3] (psi): severity "fatal" (want error, warning or info)`) {
		t.Fatalf("error %v, want one naming the file, the rule and the severity", err)
	}
}

// TestPSIHandComputed checks the index on cases worked by hand.
func TestPSIHandComputed(t *testing.T) {
	for _, tc := range []struct {
		name             string
		expected, actual []float64
		want             float64
	}{
		{"same", []float64{0.2, 0.3, 0.5}, []float64{0.2, 0.3, 0.5}, 0},
		// (0.25−0.5)·ln(0.25/0.5) + (0.75−0.5)·ln(0.75/0.5) = 0.25·ln 2 + 0.25·ln 1.5
		{"two bins", []float64{0.5, 0.5}, []float64{0.25, 0.75}, 0.25*math.Ln2 + 0.25*math.Log(1.5)},
		// the empty training bin is floored at 0.0001:
		// 0 + (0.4−0.5)·ln(0.8) + (0.1−0.0001)·ln(0.1/0.0001)
		{"empty bin", []float64{0.5, 0.5, 0}, []float64{0.5, 0.4, 0.1}, -0.1*math.Log(0.8) + 0.0999*math.Log(1000)},
	} {
		if got := PSI(tc.expected, tc.actual); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: PSI %.15g, want %.15g", tc.name, got, tc.want)
		}
	}
	// Bins from edges: values 1..10 against edges {3, 7}: (-inf,3] holds
	// 1,2,3, (3,7] 4..7, (7,inf) 8,9,10; one NaN is missing.
	counts, missing := binCounts([]float64{3, 7}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, math.NaN()})
	if want := []int{3, 4, 3}; !equalInts(counts, want) || missing != 1 {
		t.Fatalf("bin counts %v missing %d, want %v and 1", counts, missing, want)
	}
}

// TestNoiseAllowances checks the sampling-noise figures against values
// computed exactly (Python's math.comb sums; χ² tables).
func TestNoiseAllowances(t *testing.T) {
	for _, tc := range []struct {
		k, n int
		p    float64
		want float64
	}{
		{1, 40, 0.01, 1 - math.Pow(0.99, 40)}, // one unseen category in 40 rows against a 1% limit
		{2, 3, 0.5, 0.5},
		{10, 40, 0.234375, 0.4681227632428442}, // 10 of 40 missing against a 23.4% ceiling
		{100, 995, 0.01, 5.1294492100387946e-65},
		{0, 10, 0.3, 1},
		{11, 10, 0.3, 0},
	} {
		got := binomialTail(tc.k, tc.n, tc.p)
		if tc.want == 0 && got != 0 || tc.want != 0 && math.Abs(got/tc.want-1) > 1e-9 {
			t.Errorf("P(X ≥ %d | n=%d, p=%g) = %.17g, want %.17g", tc.k, tc.n, tc.p, got, tc.want)
		}
	}
	// χ² 99th percentiles from tables: 9 df 21.666, 21 df 38.932.
	for _, tc := range []struct{ k, want float64 }{{9, 21.666}, {21, 38.932}} {
		if got := chiSquare99(tc.k); math.Abs(got/tc.want-1) > 0.005 {
			t.Errorf("χ²₉₉(%g) = %.3f, want %.3f", tc.k, got, tc.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
