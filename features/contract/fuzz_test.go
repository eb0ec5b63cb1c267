package contract

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, a contract it accepts is a fixed point of
// Marshal after one round trip (what Write writes, Read reads back the
// same), and checking a small file against it never panics.
func FuzzParse(f *testing.F) {
	csvPath := filepath.Join(f.TempDir(), "small.csv")
	rows := "amount,country,label\n5,fr,0\n50,de,1\n,fr,0\n500,it,1\nlots,fr,0\n"
	if err := os.WriteFile(csvPath, []byte(rows), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(smallContract))
	f.Add([]byte("apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: '1'\nstatus: active\nschema:\n  - name: t\n    properties: []\n"))
	f.Add([]byte("kind: DataContract\napiVersion: v3.1.0\nschema: [{name: t, properties: [{name: a, logicalType: number, quality: [{type: custom, engine: nightshift, implementation: psi, customProperties: [{property: maxPSI, value: x}]}]}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.odcs.yaml")
		if err != nil {
			return
		}
		once, err := c.Marshal()
		if err != nil {
			return // a value yaml cannot write back (never one Parse made from text, so far)
		}
		c2, err := Parse(once, "once.odcs.yaml")
		if err != nil {
			t.Fatalf("a parsed contract does not parse after Marshal: %v\n%s", err, once)
		}
		twice, err := c2.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("Marshal is not stable:\n%s\n---\n%s", once, twice)
		}
		in, err := Load(context.Background(), c, csvPath)
		if err != nil {
			return // a contract can make the file unreadable (a numeric missing marker, ...)
		}
		rep, err := Check(context.Background(), c, in, CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Errors+rep.Warnings != len(rep.Violations) {
			t.Fatalf("%d errors + %d warnings for %d violations", rep.Errors, rep.Warnings, len(rep.Violations))
		}
	})
}

// smallContract is a hand-written contract with every rule kind nightshift runs.
const smallContract = `apiVersion: v3.1.0
kind: DataContract
id: small-1
name: small
version: "1"
status: active
schema:
  - name: small
    logicalType: object
    quality:
      - {type: custom, engine: nightshift, implementation: missingColumns, severity: error}
      - {type: custom, engine: nightshift, implementation: extraColumns, severity: warning}
      - {type: custom, engine: nightshift, implementation: labelLeak, severity: error, customProperties: [{property: minAUC, value: 0.99}]}
      - {metric: rowCount, mustBeGreaterThan: 0}
    properties:
      - name: amount
        logicalType: number
        logicalTypeOptions: {minimum: 0, maximum: 100}
        required: true
        quality:
          - {type: custom, engine: nightshift, implementation: type}
          - {metric: nullValues, mustBe: 0}
          - {type: custom, engine: nightshift, implementation: range, customProperties: [{property: maxPercent, value: 1}]}
          - {type: custom, engine: nightshift, implementation: psi, severity: warning}
        customProperties:
          - {property: kind, value: numeric}
          - {property: psiBins, value: {edges: [10, 50], shares: [0.2, 0.5, 0.3], missingShare: 0}}
      - name: country
        logicalType: string
        quality:
          - {metric: invalidValues, arguments: {validValues: [fr, de]}, mustBeLessOrEqualTo: 1, unit: percent, customProperties: [{property: significance, value: 0.01}]}
        customProperties:
          - {property: categories, value: [{value: fr, count: 6, share: 0.6}, {value: de, count: 4, share: 0.4}]}
    customProperties:
      - {property: target, value: label}
      - {property: positive, value: "1"}
      - {property: rows, value: 10}
`
