package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	refused := errors.New("in.csv: no data rows")
	cases := []struct {
		name  string
		old   string // the file's content before, "" for none
		write func(io.Writer) error
		err   error  // the error Write must return as it is
		want  string // the file's content after, "" for none
	}{
		{"new file", "", func(w io.Writer) error { _, err := io.WriteString(w, "score\n0.5\n"); return err }, nil, "score\n0.5\n"},
		{"replaces", "old\n", func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err }, nil, "new\n"},
		{"refused, no file", "", func(w io.Writer) error { io.WriteString(w, "half"); return refused }, refused, ""},
		{"refused, old kept", "old\n", func(w io.Writer) error { io.WriteString(w, "half"); return refused }, refused, "old\n"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.csv")
		if c.old != "" {
			os.WriteFile(path, []byte(c.old), 0o644)
		}
		err := Write(path, c.write)
		if c.err != nil && (err == nil || err.Error() != c.err.Error() || !errors.Is(err, c.err)) {
			t.Errorf("%s: error %v, want %v as it is (not prefixed with the output's path)", c.name, err, c.err)
		}
		if c.err == nil && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		b, rerr := os.ReadFile(path)
		if got := string(b); (c.want == "" && rerr == nil) || got != c.want {
			t.Errorf("%s: file holds %q (%v), want %q", c.name, got, rerr, c.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != map[bool]int{true: 0, false: 1}[c.want == ""] {
			t.Errorf("%s: %d entries left in the directory, a temporary file among them", c.name, len(entries))
		}
	}
}
