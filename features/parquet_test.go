package features

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

type pqRow struct {
	Amount   *float64  `parquet:"amount,optional"`
	Merchant *string   `parquet:"merchant,optional"`
	ID       int64     `parquet:"id"`
	Fraud    bool      `parquet:"fraud"`
	TS       time.Time `parquet:"ts,timestamp(millisecond)"`
	Note     string    `parquet:"note"`
}

func TestParquetKindsAndValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	f := func(v float64) *float64 { return &v }
	s := func(v string) *string { return &v }
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var rows []pqRow
	for i := 0; i < 40; i++ {
		r := pqRow{Amount: f(float64(i) * 1.5), Merchant: s([]string{"a", "b", "c"}[i%3]), ID: 10000169349117863715 - 1<<62 + int64(i)*1<<55,
			Fraud: i%4 == 0, TS: base.Add(time.Duration(i) * time.Hour), Note: "free text with several words in it, row " + string(rune('a'+i%26))}
		if i == 3 {
			r.Amount, r.Merchant = nil, nil
		}
		rows = append(rows, r)
	}
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	fr, err := LoadFile(path, LoadOptions{Target: "fraud"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Kind{"amount": Numeric, "merchant": Categorical, "id": Identifier, "fraud": Categorical, "ts": Datetime, "note": Text}
	for name, k := range want {
		c := fr.Col(name)
		if c == nil || c.Kind != k {
			t.Errorf("column %s: %v, want %s", name, c, k)
		}
	}
	if fr.Rows != 40 {
		t.Fatalf("%d rows", fr.Rows)
	}
	amount := fr.Col("amount")
	if amount.Num[2] != 3 || !math.IsNaN(amount.Num[3]) || amount.Missing != 1 {
		t.Errorf("amount %v missing %d", amount.Num[:4], amount.Missing)
	}
	if m := fr.Col("merchant"); !m.IsMissing(3) {
		t.Errorf("merchant row 3 should be missing")
	}
	// ids beyond 2^53 keep their exact decimal text
	if got, want := fr.Col("id").Str(1); got != strconv.FormatInt(rows[1].ID, 10) || !want {
		t.Errorf("id row 1 = %q, want %d", got, rows[1].ID)
	}
	if ts := fr.Col("ts").Num; ts[1] != float64(base.Add(time.Hour).Unix()) {
		t.Errorf("ts row 1 = %v", ts[1])
	}
	if y, _ := fr.Col("fraud").Str(0); y != "true" {
		t.Errorf("fraud row 0 = %q", y)
	}
}

type pqIDRow struct {
	Account uint64 `parquet:"account"`
	Big     int64  `parquet:"big"`
	Label   bool   `parquet:"label"`
}

// Integers float64 cannot hold exactly (unsigned past 2^63, signed past
// 2^53) keep their exact text; a column forced numeric refuses them, naming
// the file, the row and the column.
func TestParquetIntegersBeyondFloat64(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ids.parquet")
	var rows []pqIDRow
	for i := range 30 {
		rows = append(rows, pqIDRow{Account: 1<<63 + uint64(i)*7919, Big: int64(i), Label: i%2 == 0})
	}
	rows[4].Big = 1<<53 + 1
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	fr, err := LoadFile(path, LoadOptions{Target: "label"})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := fr.Col("account").Str(2); !ok || got != strconv.FormatUint(rows[2].Account, 10) {
		t.Errorf("account row 2 = %q, want %d", got, rows[2].Account)
	}
	if got, ok := fr.Col("big").Str(4); !ok || got != "9007199254740993" {
		t.Errorf("big row 4 = %q, want 9007199254740993", got)
	}
	if got, _ := fr.Col("big").Str(3); got != "3" {
		t.Errorf("big row 3 = %q, want 3 (numbers before the switch keep their text)", got)
	}
	_, err = LoadFile(path, LoadOptions{Target: "label", Numeric: []string{"big"}})
	want := path + `: row 5, column "big": integer 9007199254740993 cannot be held exactly as a number`
	if err == nil || err.Error() != want {
		t.Errorf("forced numeric: err = %v, want %s", err, want)
	}
}
