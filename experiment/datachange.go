package experiment

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
)

// A study stores its holdout as row numbers of its data file. After the
// file changes (--allow-data-change) those numbers name the rows they
// named only if no row before them was deleted, inserted or moved: rows
// appended at the end, or values edited outside the holdout, keep them
// right; anything else would silently hold out other rows and let
// held-out ones into the search. So the study stores, at creation, the
// table's row count and a digest of its held-out rows' values, and a
// changed file is continued only when both still hold.
//
// Its folds are drawn from the search rows' labels: on a grown file the
// rows it had keep their fold on every split and appended rows are dealt
// after them (split.StratifiedKFoldAppended), so it stores a digest of
// those labels too, and refuses a file that changed them. Even so, a fold
// after the change holds more rows (or other values) than before: each
// continuation is a new version of the data (journal.Trial.Data, an
// EventDataChange), and the fold-paired comparisons — the median pruner,
// the incumbent's test, plan.ComparePaired (the race, the ensemble), the
// hypotheses' verdicts — never pair trials of different versions.

// holdoutDigest is a SHA-256 over the label and every column's value of
// the given rows, in order: a value is its float64 bits (NaN as one NaN)
// or its text, so category codes, which a later load may number
// differently, do not enter it.
func holdoutDigest(tab *Table, rows []int) string {
	h := sha256.New()
	var b [8]byte
	num := func(x float64) {
		if math.IsNaN(x) {
			x = math.NaN()
		}
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		h.Write(b[:])
	}
	for _, r := range rows {
		num(tab.Target.Y[r])
		for _, c := range tab.Frame.Columns {
			if !c.Kind.IsString() {
				num(c.Num[r])
				continue
			}
			s, ok := c.Str(r)
			if !ok {
				h.Write([]byte{0})
				continue
			}
			binary.LittleEndian.PutUint64(b[:], uint64(len(s)))
			h.Write(b[:])
			h.Write([]byte(s))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// searchLabelsDigest is a SHA-256 over the labels of the table's first n
// rows that are not held out, in order: the labels the study's folds were
// drawn from.
func searchLabelsDigest(tab *Table, holdout []int, n int) string {
	held := make(map[int]bool, len(holdout))
	for _, r := range holdout {
		held[r] = true
	}
	h := sha256.New()
	var b [8]byte
	for r := range min(n, len(tab.Target.Y)) {
		if !held[r] {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(tab.Target.Y[r]))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkChangedData refuses to continue a study on a changed data file
// whose stored holdout row numbers no longer name the rows set aside
// (see above). Studies from before the count and the digest were stored
// are checked only for rows beyond the table's end (NewSearch).
func checkChangedData(tab *Table, cfg *StudyConfig) error {
	n := tab.Frame.Rows
	const fresh = "start a new study on the changed file (--study NEW)"
	if cfg.Rows > 0 && n < cfg.Rows {
		return fmt.Errorf("%s: %w: it has %d rows, the study was created on %d: rows were deleted, so the %d held-out rows, stored by row number, are no longer the rows set aside (continuing would let held-out rows into the search); --allow-data-change continues only on rows appended at the end or values edited outside the holdout: %s",
			cfg.Data, ErrDataChanged, n, cfg.Rows, len(cfg.HoldoutRows), fresh)
	}
	if cfg.HoldoutDigest == "" {
		return nil
	}
	for _, r := range cfg.HoldoutRows {
		if r < 0 || r >= n {
			return fmt.Errorf("%s: %w: held-out row %d is beyond its %d rows: %s", cfg.Data, ErrDataChanged, r, n, fresh)
		}
	}
	if holdoutDigest(tab, cfg.HoldoutRows) != cfg.HoldoutDigest {
		return fmt.Errorf("%s: %w: the %d held-out rows, stored by row number, no longer hold the values they held: rows were deleted, inserted or reordered before them, or held-out rows edited, so they are no longer the rows set aside (continuing would let held-out rows into the search); --allow-data-change continues only on rows appended at the end or values edited outside the holdout: %s",
			cfg.Data, ErrDataChanged, len(cfg.HoldoutRows), fresh)
	}
	// Every earlier row keeps its fold (split.StratifiedKFoldAppended)
	// only if the labels the folds were drawn from still hold.
	if cfg.SearchLabels != "" && searchLabelsDigest(tab, cfg.HoldoutRows, cfg.Rows) != cfg.SearchLabels {
		return fmt.Errorf("%s: %w: labels of the %d search rows the study was created with changed: its folds were drawn from those labels, so those rows could not keep the folds earlier trials were scored on; --allow-data-change continues only on rows appended at the end or values other than labels edited outside the holdout: %s",
			cfg.Data, ErrDataChanged, cfg.Rows-len(cfg.HoldoutRows), fresh)
	}
	return nil
}
