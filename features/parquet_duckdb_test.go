package features

import (
	"math"
	"path/filepath"
	"testing"
	"time"
)

// The files in testdata/parquet were written by DuckDB (make.mjs there):
// row i (1-based) holds id i, price 1.5 + (i % 500)/100 (NULL when i % 97
// == 0), delta (i % 90)/10 - 4.5, big i·1000.123456, ts 2024-01-01 + i h,
// ts_ms + i min, ts_ns + i s, day 2020-02-29 + i days, flag i % 3 == 0,
// small i % 7 - 3, u8 i % 200, city, y.

func loadDuckDB(t *testing.T, name string) *Frame {
	t.Helper()
	fr, err := LoadFile(filepath.Join("testdata", "parquet", name), LoadOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	return fr
}

// TestParquetFromDuckDB: DECIMAL read with its scale (issue 16: 1.50 read as
// 150), timestamp units, DATE, BOOLEAN, TINYINT, UTINYINT, dictionary-
// encoded strings, two row groups, zstd and snappy.
func TestParquetFromDuckDB(t *testing.T) {
	secs := func(s string) float64 {
		tm, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return float64(tm.Unix())
	}
	cases := []struct {
		col  string
		kind Kind
		row  int // 0-based
		num  float64
		str  string
	}{
		{"id", Identifier, 0, 0, "1"},
		{"id", Identifier, 2499, 0, "2500"},
		{"price", Numeric, 0, 1.51, ""},
		{"price", Numeric, 498, 1.5 + 4.99, ""},
		{"price", Numeric, 499, 1.5, ""},
		{"price", Numeric, 96, math.NaN(), ""},
		{"delta", Numeric, 0, -4.4, ""},
		{"delta", Numeric, 88, 4.4, ""},
		{"big", Numeric, 0, 1000.123456, ""},
		{"big", Numeric, 2499, 2500308.64, ""},
		{"ts", Datetime, 0, secs("2024-01-01 01:00:00"), ""},
		{"ts", Datetime, 2099, secs("2024-03-28 12:00:00"), ""}, // second row group
		{"ts_ms", Datetime, 0, secs("2024-01-01 00:01:00"), ""},
		{"ts_ns", Datetime, 59, secs("2024-01-01 00:01:00"), ""},
		{"day", Datetime, 0, secs("2020-03-01 00:00:00"), ""},
		{"flag", Numeric, 2, 1, ""},
		{"flag", Numeric, 3, 0, ""},
		{"small", Numeric, 0, -2, ""},
		{"small", Numeric, 5, 3, ""},
		{"u8", Numeric, 198, 199, ""},
		{"city", Categorical, 0, 0, "south"},
		{"city", Categorical, 2400, 0, "south"},
	}
	for _, file := range []string{"duckdb_zstd.parquet", "duckdb_snappy.parquet"} {
		fr := loadDuckDB(t, file)
		if fr.Rows != 2500 {
			t.Fatalf("%s: %d rows, want 2500 (two row groups)", file, fr.Rows)
		}
		for _, c := range cases {
			col := fr.Col(c.col)
			if col.Kind != c.kind {
				t.Errorf("%s: %s is %s, want %s", file, c.col, col.Kind, c.kind)
				continue
			}
			if c.kind.IsString() {
				if got, _ := col.Str(c.row); got != c.str {
					t.Errorf("%s: %s row %d = %q, want %q", file, c.col, c.row, got, c.str)
				}
				continue
			}
			got := col.Num[c.row]
			if got != c.num && !(math.IsNaN(got) && math.IsNaN(c.num)) {
				t.Errorf("%s: %s row %d = %v, want %v", file, c.col, c.row, got, c.num)
			}
		}
	}
}

// TestParquetAndCSVAgree: the same table written by DuckDB as Parquet and
// as CSV loads with the same kinds and the same values (issue 16: a
// consecutive integer id was an identifier from CSV, numeric from Parquet).
func TestParquetAndCSVAgree(t *testing.T) {
	pq := loadDuckDB(t, "duckdb_zstd.parquet")
	csv := loadDuckDB(t, "duckdb.csv")
	for _, c := range csv.Columns {
		p := pq.Col(c.Name)
		if p == nil {
			t.Fatalf("column %s missing from the Parquet file", c.Name)
		}
		if p.Kind != c.Kind {
			t.Errorf("%s: %s from Parquet, %s from CSV", c.Name, p.Kind, c.Kind)
			continue
		}
		for i := 0; i < csv.Rows; i++ {
			if c.Kind.IsString() {
				a, _ := p.Str(i)
				b, _ := c.Str(i)
				if a != b {
					t.Errorf("%s row %d: %q from Parquet, %q from CSV", c.Name, i, a, b)
					break
				}
				continue
			}
			if a, b := p.Num[i], c.Num[i]; math.Float64bits(a) != math.Float64bits(b) && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Errorf("%s row %d: %v from Parquet, %v from CSV", c.Name, i, a, b)
				break
			}
		}
		if p.Missing != c.Missing {
			t.Errorf("%s: %d missing from Parquet, %d from CSV", c.Name, p.Missing, c.Missing)
		}
	}
}
