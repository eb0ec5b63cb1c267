package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// specialValues are injected into random numeric columns: extremes that
// overflow naive statistics, infinities and NaN in their spellings,
// subnormals, missing markers and strings that are not numbers.
var specialValues = []string{
	"1e308", "-1.7976931348623157e308", "1e105", "1e400", "-1e400", "1e-320", "4.9e-324", "-0",
	"inf", "-inf", "Infinity", "-INFINITY", "nan", "NaN", "", "NA", "?",
	"oops", "n/a", "0x10", "1e", "--1", `"1,5"`, "٣", "02134", "12345678901234567890", "1.2.3",
}

// messyTable writes a CSV of random numeric columns x0..x{k-1} and a label
// y, then injects special values where data says: data[0] and data[1]
// choose the size, each later pair of bytes a cell and a special value.
func messyTable(data []byte) string {
	h := fnv.New64a()
	h.Write(data)
	rng := rand.New(rand.NewPCG(h.Sum64(), 7))
	rows, cols := 40, 2
	if len(data) > 1 {
		rows = 20 + int(data[0])%180
		cols = 1 + int(data[1])%3
	}
	cells := make([][]string, rows)
	for i := range cells {
		cells[i] = make([]string, cols+1)
		for j := 0; j < cols; j++ {
			cells[i][j] = fmt.Sprintf("%.6g", rng.NormFloat64()*float64(int(1)<<(j*7)))
		}
		cells[i][cols] = fmt.Sprint(i % 2) // both classes, always
	}
	for k := 2; k+1 < len(data); k += 2 {
		pos := int(data[k]) * 7919 % (rows * cols)
		cells[pos/cols][pos%cols] = specialValues[int(data[k+1])%len(specialValues)]
	}
	var b strings.Builder
	for j := 0; j < cols; j++ {
		fmt.Fprintf(&b, "x%d,", j)
	}
	b.WriteString("y\n")
	for _, r := range cells {
		b.WriteString(strings.Join(r, ","))
		b.WriteByte('\n')
	}
	return b.String()
}

var namesAColumn = regexp.MustCompile(`"x[0-9]"|column x[0-9]|field "x[0-9]"`)

// FuzzMessyNumbers: profile --json and a one-model evaluation (fit, and
// for one input in four a one-trial run) on random numeric columns with
// injected extreme, infinite and non-numeric values either succeed with
// valid JSON or fail with an error naming the column, and never panic.
func FuzzMessyNumbers(f *testing.F) {
	f.Add([]byte{100, 1})
	f.Add([]byte{30, 2, 5, 2, 9, 3})                   // 1e105, 1e400
	f.Add([]byte{60, 0, 1, 8, 2, 9, 3, 10, 4, 12})     // inf, -inf, Infinity, nan
	f.Add([]byte{180, 1, 1, 17, 50, 17, 99, 17})       // stray words
	f.Add([]byte{20, 0, 0, 6, 1, 5, 2, 4, 3, 1, 4, 2}) // subnormals and extremes
	f.Add([]byte{40, 2, 0, 19, 1, 20, 2, 21, 3, 22, 4, 23, 5, 24, 6, 25, 7, 26, 8, 18, 9, 17, 10, 12})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "m.csv")
		if err := os.WriteFile(file, []byte(messyTable(data)), 0o600); err != nil {
			t.Fatal(err)
		}
		runs := [][]string{
			{"profile", "--data", file, "--target", "y", "--json"},
			{"fit", "--data", file, "--target", "y", "--model", "logreg", "--json"},
			{"fit", "--data", file, "--target", "y", "--model", "gbdt", "--param", "num_iterations=5", "--json"},
		}
		if len(data) > 0 && data[0]%4 == 0 {
			runs = append(runs, []string{"run", "--data", file, "--target", "y", "--db", filepath.Join(dir, "j.db"), "--max-trials", "1", "--folds", "2", "--json"})
		}
		for _, args := range runs {
			code, out, errs := runCmd(t, args...)
			switch {
			case code == 0 && !json.Valid([]byte(out)):
				t.Fatalf("%s: exit 0 but stdout is not valid JSON:\n%s\ninput:\n%s", args[0], out, messyTable(data))
			case code != 0 && !namesAColumn.MatchString(errs):
				t.Fatalf("%s: exit %d, the error names no column: %s\ninput:\n%s", args[0], code, errs, messyTable(data))
			}
		}
	})
}
