package contract

import (
	"bytes"
	"testing"
)

// FuzzParse: Parse never panics, and a contract it accepts is a fixed point
// of Marshal after one round trip (what Write writes, Read reads back the same).
func FuzzParse(f *testing.F) {
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
