package features

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// loadParquetFile reads a flat Parquet file. Kinds follow the file's schema
// rather than text inference: numeric physical types are numeric (except
// 64-bit integers beyond 2^53, kept as exact text), TIMESTAMP and DATE are
// datetime, byte arrays are strings (categorical, text or identifier, judged
// as for CSV). Nested and repeated columns are rejected with their path.
func loadParquetFile(path string, opt LoadOptions) (fr *Frame, err error) {
	// parquet-go panics on some malformed schemas (a DECIMAL without a
	// length, say); the file is input, so that is an error naming it.
	defer func() {
		if r := recover(); r != nil {
			fr, err = nil, fmt.Errorf("%s: not a readable Parquet file: %v", path, r)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable Parquet file: %w", path, err)
	}
	names, kinds, err := parquetColumns(path, pf.Schema())
	if err != nil {
		return nil, err
	}
	if err := checkHeader(path, names); err != nil {
		return nil, err
	}
	if err := checkOptionColumns(path, names, opt); err != nil {
		return nil, err
	}
	builders, err := parquetBuilders(path, names, kinds, opt)
	if err != nil {
		return nil, err
	}
	rows, err := readParquetRows(path, pf, names, kinds, builders)
	if err != nil {
		return nil, err
	}
	if rows == 0 {
		return nil, &ParseError{File: path, Err: ErrNoRows, Detail: "the file has a schema and no rows"}
	}
	return parquetFrame(path, rows, kinds, builders), nil
}

// parquetColumns names the schema's columns and their kinds, refusing
// nested and repeated ones.
func parquetColumns(path string, schema *parquet.Schema) ([]string, []pqKind, error) {
	paths := schema.Columns()
	names := make([]string, len(paths))
	kinds := make([]pqKind, len(paths))
	for i, p := range paths {
		if len(p) != 1 {
			return nil, nil, fmt.Errorf("%s: column %q is nested; only flat tables are supported", path, strings.Join(p, "."))
		}
		names[i] = p[0]
		leaf, _ := schema.Lookup(p...)
		if leaf.MaxRepetitionLevel > 0 {
			return nil, nil, fmt.Errorf("%s: column %q is repeated (a list); only flat tables are supported", path, p[0])
		}
		var err error
		kinds[i], err = parquetKind(leaf.Node.Type())
		if err != nil {
			return nil, nil, fmt.Errorf("%s: column %q: %w", path, p[0], err)
		}
	}
	return names, kinds, nil
}

// parquetBuilders makes the columns' builders; a string column of the file
// is built as strings, and may not be declared numeric.
func parquetBuilders(path string, names []string, kinds []pqKind, opt LoadOptions) ([]colBuilder, error) {
	builders := makeBuilders(names, opt)
	for j := range builders {
		b := &builders[j]
		if b.mode == modeNumber && kinds[j].text {
			if b.isForced && b.forced == Numeric {
				return nil, fmt.Errorf("%s: column %q is a string column in the file; it cannot be declared numeric", path, names[j])
			}
			b.mode = modeString
			b.dict = make(map[string]int32)
		}
	}
	return builders, nil
}

// readParquetRows adds every value of every row group to its column's
// builder and returns the row count. The per-value loop stays here, whole.
func readParquetRows(path string, pf *parquet.File, names []string, kinds []pqKind, builders []colBuilder) (int, error) {
	rows := 0
	buf := make([]parquet.Row, 256)
	for _, rg := range pf.RowGroups() {
		rr := rg.Rows()
		for {
			n, err := rr.ReadRows(buf)
			for _, row := range buf[:n] {
				for _, v := range row {
					j := v.Column()
					if j < 0 || j >= len(builders) {
						continue
					}
					if err := builders[j].addParquet(v, kinds[j]); err != nil {
						rr.Close()
						return 0, fmt.Errorf("%s: row %d, column %q: %w", path, rows+1, names[j], err)
					}
				}
				rows++
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rr.Close()
				return 0, fmt.Errorf("%s: row %d: %w", path, rows+1, err)
			}
		}
		rr.Close()
	}
	return rows, nil
}

// parquetFrame settles each kept column's kind (declared, the schema's
// datetime, inferred from strings, or an identifier as from CSV) and builds
// the frame.
func parquetFrame(path string, rows int, kinds []pqKind, builders []colBuilder) *Frame {
	fr := &Frame{Rows: rows, Source: path}
	for j := range builders {
		b := &builders[j]
		if b.mode == modeSkip {
			continue
		}
		k := Numeric
		switch {
		case b.isForced:
			k = b.forced
		case kinds[j].datetime:
			k = Datetime
		case b.mode == modeString:
			k = inferKind(b, rows)
		case isNumericID(b.num, rows):
			k = Identifier // as from CSV: a consecutive or increasing integer sequence
		}
		if k.IsString() && b.mode == modeNumber {
			b.numbersToStrings()
		}
		fr.Columns = append(fr.Columns, b.column(k))
	}
	return fr
}

type pqKind struct {
	text      bool
	datetime  bool
	date      bool    // INT32 days since epoch
	timeScale float64 // seconds per unit for timestamps
	decimal   bool    // DECIMAL: an unscaled integer (INT32, INT64 or big-endian bytes) × 10^-scale
	scale     int
	unsigned  bool // INT32/INT64 holding an unsigned integer (UINT_32, UINT_64)
}

func parquetKind(t parquet.Type) (pqKind, error) {
	lt := t.LogicalType()
	if lt != nil {
		switch v := lt.Value.(type) {
		case *format.DecimalType:
			if v.Scale < 0 || v.Scale > 76 {
				return pqKind{}, fmt.Errorf("DECIMAL scale %d is out of range", v.Scale)
			}
			return pqKind{decimal: true, scale: int(v.Scale)}, nil
		case *format.IntType:
			if !v.IsSigned && v.BitWidth >= 32 {
				return pqKind{unsigned: true}, nil
			}
		}
	}
	switch t.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return pqKind{text: true}, nil
	case parquet.Boolean, parquet.Float, parquet.Double:
		return pqKind{}, nil
	case parquet.Int32:
		if lt != nil {
			if _, ok := lt.Value.(*format.DateType); ok {
				return pqKind{datetime: true, date: true}, nil
			}
		}
		return pqKind{}, nil
	case parquet.Int64:
		if lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok {
				switch ts.Unit.Value.(type) {
				case *format.MilliSeconds:
					return pqKind{datetime: true, timeScale: 1e-3}, nil
				case *format.MicroSeconds:
					return pqKind{datetime: true, timeScale: 1e-6}, nil
				case *format.NanoSeconds:
					return pqKind{datetime: true, timeScale: 1e-9}, nil
				}
			}
		}
		return pqKind{}, nil
	case parquet.Int96:
		return pqKind{}, fmt.Errorf("INT96 timestamps are not supported; rewrite the file with INT64 TIMESTAMP")
	}
	return pqKind{}, fmt.Errorf("unsupported Parquet type %v", t)
}

// addParquet appends one value. 64-bit integers that float64 cannot hold
// exactly switch the column to exact text, like CSV ids.
func (b *colBuilder) addParquet(v parquet.Value, k pqKind) error {
	switch {
	case b.mode == modeSkip:
		return nil
	case v.IsNull():
		if b.mode == modeNumber {
			b.num = append(b.num, math.NaN())
		} else {
			b.codes = append(b.codes, -1)
		}
		b.missing++
		return nil
	case b.mode == modeString:
		b.addString(parquetText(v, k), 0)
		return nil
	case k.decimal:
		x, err := decimalValue(v, k.scale)
		if err != nil {
			return err
		}
		b.num = append(b.num, x)
		return nil
	case v.Kind() == parquet.Int64:
		return b.addParquetInt64(v.Int64(), k)
	}
	x, err := parquetNumber(v, k)
	if err != nil {
		return err
	}
	b.num = append(b.num, x)
	return nil
}

// parquetText is a value as a text column's cell; an unsigned integer
// reads as its unsigned value (an id past 2^63 has its own text).
func parquetText(v parquet.Value, k pqKind) []byte {
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return v.ByteArray()
	case parquet.Int64:
		if k.unsigned {
			return strconv.AppendUint(nil, uint64(v.Int64()), 10)
		}
		return strconv.AppendInt(nil, v.Int64(), 10)
	case parquet.Int32:
		if k.unsigned {
			return strconv.AppendUint(nil, uint64(uint32(v.Int32())), 10)
		}
		return strconv.AppendInt(nil, int64(v.Int32()), 10)
	case parquet.Boolean:
		return strconv.AppendBool(nil, v.Boolean())
	}
	return strconv.AppendFloat(nil, v.Double(), 'g', -1, 64)
}

// parquetNumber is a non-Int64, non-decimal value as a number: a date
// (days) in seconds, an unsigned 32-bit integer by its unsigned value.
func parquetNumber(v parquet.Value, k pqKind) (float64, error) {
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return 1, nil
		}
		return 0, nil
	case parquet.Int32:
		x := float64(v.Int32())
		if k.unsigned {
			x = float64(uint32(v.Int32()))
		}
		if k.date {
			x *= 86400
		}
		return x, nil
	case parquet.Float:
		return float64(v.Float()), nil
	case parquet.Double:
		return v.Double(), nil
	}
	return 0, fmt.Errorf("unexpected value kind %v", v.Kind())
}

// addParquetInt64 appends a 64-bit integer: a timestamp scaled to seconds,
// else the number when float64 holds it exactly (|i| ≤ 2^53), else the
// column becomes exact text (an id) — an error if it is forced numeric.
func (b *colBuilder) addParquetInt64(i int64, k pqKind) error {
	var text []byte
	switch {
	case k.unsigned && i < 0: // beyond 2^63
		text = strconv.AppendUint(nil, uint64(i), 10)
	case k.datetime:
		b.num = append(b.num, float64(i)*k.timeScale)
		return nil
	case i > 1<<53 || i < -(1<<53):
		text = strconv.AppendInt(nil, i, 10)
	default:
		b.num = append(b.num, float64(i))
		return nil
	}
	if b.isForced && b.forced == Numeric {
		return fmt.Errorf("integer %s cannot be held exactly as a number", text)
	}
	b.numbersToStrings()
	b.addString(text, 0)
	return nil
}

// numbersToStrings converts a numeric builder to strings, formatting each
// value with the shortest text that reads back to it.
func (b *colBuilder) numbersToStrings() {
	num := b.num
	b.mode = modeString
	b.dict = make(map[string]int32)
	b.codes = make([]int32, 0, len(num))
	b.missing = 0
	for _, x := range num {
		if math.IsNaN(x) {
			b.codes = append(b.codes, -1)
			b.missing++
			continue
		}
		b.addString(strconv.AppendFloat(nil, x, 'f', -1, 64), 0)
	}
	b.num = nil
}

// decimalValue reads a DECIMAL: the unscaled integer (INT32, INT64, or
// big-endian two's complement bytes) divided by 10^scale, rounded as
// parseNumber rounds the same decimal written as text, so a Parquet file
// and its CSV export load the same float64 values.
func decimalValue(v parquet.Value, scale int) (float64, error) {
	var u big.Int
	switch v.Kind() {
	case parquet.Int32:
		u.SetInt64(int64(v.Int32()))
	case parquet.Int64:
		u.SetInt64(v.Int64())
	case parquet.ByteArray, parquet.FixedLenByteArray:
		raw := v.ByteArray()
		if len(raw) == 0 {
			return 0, fmt.Errorf("DECIMAL value with no bytes")
		}
		u.SetBytes(raw)
		if raw[0]&0x80 != 0 { // negative: subtract 2^(8·len)
			u.Sub(&u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(raw))))
		}
	default:
		return 0, fmt.Errorf("DECIMAL stored as %v", v.Kind())
	}
	if u.IsInt64() && scale < len(pow10) {
		i := u.Int64()
		if i <= 1<<53 && i >= -(1<<53) {
			return float64(i) / pow10[scale], nil
		}
	}
	digits := u.String()
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	text := digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	if neg {
		text = "-" + text
	}
	x, err := strconv.ParseFloat(text, 64)
	if err != nil && !math.IsInf(x, 0) {
		return 0, fmt.Errorf("DECIMAL %s: %w", text, err)
	}
	return x, nil
}
