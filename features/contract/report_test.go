package contract

import (
	"encoding/json"
	"testing"
)

// TestReportHasOneShape: a violation about the whole file (no column, no
// limit in words) and an example without a line (Parquet) or a count still
// carry every field, "" or 0, so consumers of check --json never meet an
// absent key.
func TestReportHasOneShape(t *testing.T) {
	var r Report
	r.add(Violation{Rule: "rows", Check: "rowCount", Severity: "error", Examples: []Example{{Value: "3", Row: 1}}})
	b, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Violations []map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &got); err != nil || len(got.Violations) != 1 {
		t.Fatalf("%s: %v", b, err)
	}
	v := got.Violations[0]
	for _, k := range []string{"column", "rule", "check", "severity", "count", "observed", "limit", "message", "examples"} {
		if _, ok := v[k]; !ok {
			t.Errorf("violation has no %q: %s", k, b)
		}
	}
	var ex []map[string]json.RawMessage
	if err := json.Unmarshal(v["examples"], &ex); err != nil || len(ex) != 1 {
		t.Fatalf("examples %s: %v", v["examples"], err)
	}
	for _, k := range []string{"value", "line", "row", "count", "more_lines"} {
		if _, ok := ex[0][k]; !ok {
			t.Errorf("example has no %q: %s", k, b)
		}
	}
}
