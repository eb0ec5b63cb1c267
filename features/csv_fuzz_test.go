package features

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
)

func readAllRecords(data []byte) ([][]string, error) {
	r := newCSVReader(bytes.NewReader(data), "f.csv")
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		row := make([]string, len(rec))
		for i, f := range rec {
			row[i] = string(f)
		}
		out = append(out, row)
	}
}

// FuzzCSVReader checks that the tokenizer never panics, that every error
// carries a position, and that it agrees with encoding/csv on input both
// read the same way (no carriage returns: encoding/csv rewrites \r\n inside
// quoted fields, which we keep verbatim).
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"x\"\"y\",\"a\nb\"\n", "a,b\r\n1,2\r\n", "\xEF\xBB\xBFa\n1", "a,\"b\n", "a\"b,c\n", "a,b,\n", "\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := readAllRecords(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 || pe.File != "f.csv" {
				t.Fatalf("error without a position: %v", err)
			}
		}
		if bytes.IndexByte(data, '\r') >= 0 || bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
			return
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		want, werr := cr.ReadAll()
		if (err == nil) != (werr == nil) {
			t.Fatalf("ours err=%v, encoding/csv err=%v on %q", err, werr, data)
		}
		if err == nil && !equalRecords(got, want) {
			t.Fatalf("records differ on %q:\n ours %q\n std  %q", data, got, want)
		}
	})
}

func equalRecords(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") || len(a[i]) != len(b[i]) {
			return false
		}
	}
	return true
}

// FuzzLoadCSV checks the whole loader: no panic; errors name the file.
func FuzzLoadCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "x,y\n1,a\n2,b\n", "id,t\n1,2024-01-01\n", "a\n02134\n1\n",
		"a;b\n1;inf\n2;x\n", "a\tb\r1\t-Infinity\r2\tnan\r", "a,b\n1e400,oops\n3,4\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := LoadCSV(bytes.NewReader(data), "f.csv", LoadOptions{})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(fr.Lines) != fr.Rows {
			t.Fatalf("%d row lines for %d rows", len(fr.Lines), fr.Rows)
		}
		for _, c := range fr.Columns {
			if c.Len() != fr.Rows {
				t.Fatalf("column %q has %d rows, frame %d", c.Name, c.Len(), fr.Rows)
			}
			missing := 0
			for i := 0; i < c.Len(); i++ {
				if c.IsMissing(i) {
					missing++
				}
			}
			if missing != c.Missing {
				t.Fatalf("column %q: %d missing rows, Missing says %d", c.Name, missing, c.Missing)
			}
		}
	})
}

// TestTokenizerSmallBuffers runs records across buffer refills.
func TestTokenizerAcrossRefills(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("\"q,\"\"" + itoa(i) + "\"\"\nline\",plain" + itoa(i) + ",\r\n")
	}
	recs, err := readAllRecords([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 20001 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs[1:] {
		if r[0] != "q,\""+itoa(i)+"\"\nline" || r[1] != "plain"+itoa(i) || r[2] != "" {
			t.Fatalf("record %d = %q", i, r)
		}
	}
}
