package report

import (
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema loads a JSON schema file (nbformat's is draft-04).
func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("nbformat.v4.5.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("nbformat.v4.5.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}
