package features

import (
	"errors"
	"fmt"
	"io"
	"math"
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
func loadParquetFile(path string, opt LoadOptions) (*Frame, error) {
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
	schema := pf.Schema()
	paths := schema.Columns()
	names := make([]string, len(paths))
	kinds := make([]pqKind, len(paths))
	for i, p := range paths {
		if len(p) != 1 {
			return nil, fmt.Errorf("%s: column %q is nested; only flat tables are supported", path, strings.Join(p, "."))
		}
		names[i] = p[0]
		leaf, _ := schema.Lookup(p...)
		if leaf.MaxRepetitionLevel > 0 {
			return nil, fmt.Errorf("%s: column %q is repeated (a list); only flat tables are supported", path, p[0])
		}
		kinds[i], err = parquetKind(leaf.Node.Type())
		if err != nil {
			return nil, fmt.Errorf("%s: column %q: %w", path, p[0], err)
		}
	}
	if err := checkHeader(path, names); err != nil {
		return nil, err
	}
	if err := checkOptionColumns(path, names, opt); err != nil {
		return nil, err
	}
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
						return nil, fmt.Errorf("%s: row %d, column %q: %w", path, rows+1, names[j], err)
					}
				}
				rows++
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rr.Close()
				return nil, fmt.Errorf("%s: row %d: %w", path, rows+1, err)
			}
		}
		rr.Close()
	}
	if rows == 0 {
		return nil, &ParseError{File: path, Err: ErrNoRows, Detail: "the file has a schema and no rows"}
	}
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
		}
		if k.IsString() && b.mode == modeNumber {
			b.numbersToStrings()
		}
		fr.Columns = append(fr.Columns, b.column(k))
	}
	return fr, nil
}

type pqKind struct {
	text      bool
	datetime  bool
	date      bool    // INT32 days since epoch
	timeScale float64 // seconds per unit for timestamps
}

func parquetKind(t parquet.Type) (pqKind, error) {
	lt := t.LogicalType()
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
	if b.mode == modeSkip {
		return nil
	}
	if v.IsNull() {
		if b.mode == modeNumber {
			b.num = append(b.num, math.NaN())
		} else {
			b.codes = append(b.codes, -1)
		}
		b.missing++
		return nil
	}
	if b.mode == modeString {
		var s []byte
		switch v.Kind() {
		case parquet.ByteArray, parquet.FixedLenByteArray:
			s = v.ByteArray()
		case parquet.Int64:
			s = strconv.AppendInt(nil, v.Int64(), 10)
		case parquet.Int32:
			s = strconv.AppendInt(nil, int64(v.Int32()), 10)
		case parquet.Boolean:
			s = strconv.AppendBool(nil, v.Boolean())
		default:
			s = strconv.AppendFloat(nil, v.Double(), 'g', -1, 64)
		}
		b.addString(s, 0)
		return nil
	}
	var x float64
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			x = 1
		}
	case parquet.Int32:
		x = float64(v.Int32())
		if k.date {
			x *= 86400
		}
	case parquet.Int64:
		i := v.Int64()
		if k.datetime {
			x = float64(i) * k.timeScale
		} else {
			if i > 1<<53 || i < -(1<<53) {
				if b.isForced && b.forced == Numeric {
					return fmt.Errorf("integer %d cannot be held exactly as a number", i)
				}
				b.numbersToStrings()
				b.addString(strconv.AppendInt(nil, i, 10), 0)
				return nil
			}
			x = float64(i)
		}
	case parquet.Float:
		x = float64(v.Float())
	case parquet.Double:
		x = v.Double()
	default:
		return fmt.Errorf("unexpected value kind %v", v.Kind())
	}
	b.num = append(b.num, x)
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
