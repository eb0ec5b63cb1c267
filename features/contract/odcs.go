package contract

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The Go form of the parts of an Open Data Contract Standard v3.1 document
// (bitol-io/open-data-contract-standard, schema/odcs-json-schema-v3.1.0.json)
// that nightshift writes and reads. Every struct keeps the keys it does not
// model in Extra, so that whatever a person adds to the YAML (servers, team,
// tags, a rule for another engine, ...) survives Read and Write.

// APIVersion is the ODCS version nightshift writes.
const APIVersion = "v3.1.0"

// Contract is one ODCS v3.1 data contract describing a model's input table.
type Contract struct {
	APIVersion       string           `yaml:"apiVersion"`
	Kind             string           `yaml:"kind"`
	ID               string           `yaml:"id"`
	Name             string           `yaml:"name,omitempty"`
	Version          string           `yaml:"version"`
	Status           string           `yaml:"status"`
	Description      *Description     `yaml:"description,omitempty"`
	Schema           []*Object        `yaml:"schema"`
	CustomProperties []CustomProperty `yaml:"customProperties,omitempty"`
	CreatedTs        string           `yaml:"contractCreatedTs,omitempty"`
	Extra            map[string]any   `yaml:",inline"`
}

// Description is the contract's top-level description block.
type Description struct {
	Purpose     string         `yaml:"purpose,omitempty"`
	Usage       string         `yaml:"usage,omitempty"`
	Limitations string         `yaml:"limitations,omitempty"`
	Extra       map[string]any `yaml:",inline"`
}

// Object is a schema element of logical type object: the input table.
type Object struct {
	Name             string           `yaml:"name"`
	LogicalType      string           `yaml:"logicalType,omitempty"`
	PhysicalType     string           `yaml:"physicalType,omitempty"`
	Description      string           `yaml:"description,omitempty"`
	Properties       []*Property      `yaml:"properties"`
	Quality          []*Rule          `yaml:"quality,omitempty"`
	CustomProperties []CustomProperty `yaml:"customProperties,omitempty"`
	Extra            map[string]any   `yaml:",inline"`
}

// Property is one column of the input table.
type Property struct {
	Name               string           `yaml:"name"`
	LogicalType        string           `yaml:"logicalType,omitempty"`
	LogicalTypeOptions map[string]any   `yaml:"logicalTypeOptions,omitempty"`
	PhysicalType       string           `yaml:"physicalType,omitempty"`
	Description        string           `yaml:"description,omitempty"`
	Required           bool             `yaml:"required"`
	Examples           []any            `yaml:"examples,omitempty"`
	Quality            []*Rule          `yaml:"quality,omitempty"`
	CustomProperties   []CustomProperty `yaml:"customProperties,omitempty"`
	Extra              map[string]any   `yaml:",inline"`
}

// Rule is one ODCS data-quality rule. Library rules (Metric set) compare a
// metric with their operators (MustBe, MustBeLessOrEqualTo, ...); custom
// rules with Engine "nightshift" name a nightshift check in Implementation
// and carry its parameters in CustomProperties. Severity is "error",
// "warning" or "info", and is the user's to edit.
type Rule struct {
	ID                     string           `yaml:"id,omitempty"`
	Name                   string           `yaml:"name,omitempty"`
	Description            string           `yaml:"description,omitempty"`
	Type                   string           `yaml:"type,omitempty"`
	Metric                 string           `yaml:"metric,omitempty"`
	Arguments              map[string]any   `yaml:"arguments,omitempty"`
	MustBe                 *float64         `yaml:"mustBe,omitempty"`
	MustNotBe              *float64         `yaml:"mustNotBe,omitempty"`
	MustBeGreaterThan      *float64         `yaml:"mustBeGreaterThan,omitempty"`
	MustBeGreaterOrEqualTo *float64         `yaml:"mustBeGreaterOrEqualTo,omitempty"`
	MustBeLessThan         *float64         `yaml:"mustBeLessThan,omitempty"`
	MustBeLessOrEqualTo    *float64         `yaml:"mustBeLessOrEqualTo,omitempty"`
	MustBeBetween          []float64        `yaml:"mustBeBetween,omitempty,flow"`
	MustNotBeBetween       []float64        `yaml:"mustNotBeBetween,omitempty,flow"`
	Unit                   string           `yaml:"unit,omitempty"`
	Dimension              string           `yaml:"dimension,omitempty"`
	Engine                 string           `yaml:"engine,omitempty"`
	Implementation         string           `yaml:"implementation,omitempty"`
	Severity               string           `yaml:"severity,omitempty"`
	CustomProperties       []CustomProperty `yaml:"customProperties,omitempty"`
	Extra                  map[string]any   `yaml:",inline"`
}

// CustomProperty is an ODCS key/value pair outside the standard. Value is
// kept as a YAML node so that nightshift's statistics decode into their own
// types and a person's values come back as written.
type CustomProperty struct {
	ID          string    `yaml:"id,omitempty"`
	Property    string    `yaml:"property"`
	Value       yaml.Node `yaml:"value"`
	Description string    `yaml:"description,omitempty"`
}

// Severity levels a rule may carry. A contract check fails on an error;
// warnings and infos are reported only.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// Marshal renders the contract as YAML.
func (c *Contract) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("contract %q: %w", c.Name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write writes the contract to path so that path only ever holds a complete
// document: a temporary file in the same directory is written, synced and
// renamed over path, then the directory is synced.
func (c *Contract) Write(path string) error {
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("%s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("%s: sync directory: %w", path, err)
		}
	}
	return nil
}

// Read reads and checks the contract at path.
func Read(path string) (*Contract, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// ErrContract marks a contract document that nightshift cannot use; the
// message names the file and the element at fault.
var ErrContract = errors.New("invalid data contract")

// Parse reads a contract from YAML; name is used in messages. Beyond YAML
// syntax it checks what the check relies on: one schema object, named
// properties, known severities and well-formed nightshift rules.
func Parse(data []byte, name string) (*Contract, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := stringKeys(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var c Contract
	if err := doc.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &c, nil
}

// stringKeys refuses a mapping key that is not a string: an ODCS document
// is a JSON value, whose object keys are strings (and YAML's 0 and 0.0 would
// both be written back as "0").
func stringKeys(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
				return fmt.Errorf("line %d: mapping key %q is not a string (ODCS documents are JSON objects: quote it): %w", k.Line, k.Value, ErrContract)
			}
		}
	}
	for _, c := range n.Content {
		if err := stringKeys(c); err != nil {
			return err
		}
	}
	return nil
}

func (c *Contract) validate() error {
	if c.Kind != "DataContract" {
		return fmt.Errorf("kind is %q, want DataContract: %w", c.Kind, ErrContract)
	}
	if !strings.HasPrefix(c.APIVersion, "v3.") {
		return fmt.Errorf("apiVersion %q: nightshift reads ODCS v3 contracts: %w", c.APIVersion, ErrContract)
	}
	if len(c.Schema) != 1 {
		return fmt.Errorf("schema has %d objects, want exactly one (the model's input table): %w", len(c.Schema), ErrContract)
	}
	obj := c.Schema[0]
	if obj == nil {
		return fmt.Errorf("schema[0] is empty: %w", ErrContract)
	}
	if err := validateRules(obj.Quality, "schema[0].quality"); err != nil {
		return err
	}
	seen := map[string]int{}
	for i, p := range obj.Properties {
		where := fmt.Sprintf("schema[0].properties[%d]", i)
		if p == nil || p.Name == "" {
			return fmt.Errorf("%s: a property without a name: %w", where, ErrContract)
		}
		if j, ok := seen[p.Name]; ok {
			return fmt.Errorf("%s: column %q is also properties[%d]: %w", where, p.Name, j, ErrContract)
		}
		seen[p.Name] = i
		if _, err := p.kind(); err != nil {
			return fmt.Errorf("%s (%s): %w", where, p.Name, err)
		}
		if err := validateRules(p.Quality, fmt.Sprintf("%s (%s).quality", where, p.Name)); err != nil {
			return err
		}
	}
	return nil
}

func validateRules(rules []*Rule, where string) error {
	for i, r := range rules {
		at := fmt.Sprintf("%s[%d]", where, i)
		if r == nil {
			return fmt.Errorf("%s: empty rule: %w", at, ErrContract)
		}
		if r.Name != "" {
			at += " (" + r.Name + ")"
		}
		switch r.Severity {
		case "", SeverityError, SeverityWarning, SeverityInfo:
		default:
			return fmt.Errorf("%s: severity %q (want error, warning or info): %w", at, r.Severity, ErrContract)
		}
		if r.isNightshift() {
			if _, ok := customChecks[r.check()]; !ok {
				return fmt.Errorf("%s: nightshift has no check %q (known: %s): %w", at, r.check(), knownChecks(), ErrContract)
			}
			for _, cp := range r.CustomProperties {
				var v float64
				if err := cp.Value.Decode(&v); err != nil {
					return fmt.Errorf("%s: customProperties %q: want a number: %w", at, cp.Property, ErrContract)
				}
			}
		}
		if len(r.MustBeBetween) != 0 && len(r.MustBeBetween) != 2 || len(r.MustNotBeBetween) != 0 && len(r.MustNotBeBetween) != 2 {
			return fmt.Errorf("%s: mustBeBetween/mustNotBeBetween take two numbers: %w", at, ErrContract)
		}
	}
	return nil
}

// Object returns the contract's input table (schema[0]).
func (c *Contract) Object() *Object { return c.Schema[0] }

// Property returns the column called name, or nil.
func (c *Contract) Property(name string) *Property {
	for _, p := range c.Object().Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// custom finds the custom property called name in cps and decodes its
// value into v; it reports whether the property was there.
func custom(cps []CustomProperty, name string, v any) (bool, error) {
	for i := range cps {
		if cps[i].Property == name {
			if err := cps[i].Value.Decode(v); err != nil {
				return true, fmt.Errorf("customProperties %q: %w", name, err)
			}
			return true, nil
		}
	}
	return false, nil
}

// newCustom builds a custom property holding v.
func newCustom(name string, v any) CustomProperty {
	cp := CustomProperty{Property: name}
	if err := cp.Value.Encode(v); err != nil {
		// Only nightshift's own plain values (numbers, strings, slices and
		// structs of them) are encoded here; failing is a programming error.
		panic(fmt.Sprintf("contract: encode custom property %q: %v", name, err))
	}
	return cp
}
