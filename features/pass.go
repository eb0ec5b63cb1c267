package features

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sync"
	"unicode/utf8"
)

// The first pass over a CSV runs as a pipeline: one goroutine tokenizes
// records into batches (field bytes copied into the batch's buffer), and
// converter goroutines, each owning a fixed subset of the columns, parse
// every batch's fields into their builders. Columns are independent, so no
// merge is needed and the result is the same as a sequential pass, whatever
// the number of converters.

// batchRows is the number of records per batch; the first batch is smaller
// so that the columns can be presized from its byte count.
const batchRows = 4096

type batch struct {
	buf      []byte  // field bytes, concatenated
	ends     []int32 // end offset in buf of each field, ncol per record
	lines    []int   // line each record starts on
	n        int     // records
	firstRow int     // row index of the first record
	presize  int     // > 0: converters grow their columns to this capacity first
	wg       sync.WaitGroup
}

func (b *batch) field(r, j, ncol int) []byte {
	k := r*ncol + j
	start := int32(0)
	if k > 0 {
		start = b.ends[k-1]
	}
	return b.buf[start:b.ends[k]]
}

// fieldError is a converter's error with the row, line and column it
// happened on.
type fieldError struct {
	row, line, col int
	err            error
}

// add appends one field to the builder; row is the field's row index and
// line the file line it is on. The error (without position) is for a value
// the column cannot take.
func (b *colBuilder) add(f []byte, row, line int, numericMarker bool, isMissing func([]byte) bool) error {
	switch b.mode {
	case modeSkip:
		return nil
	case modeNumber:
		// Numbers first: no default marker parses as a number other than
		// NaN (missing either way), and a custom marker that does (-999) is
		// checked before.
		if len(f) > 0 && !numericMarker {
			if v, ok := parseNumber(f); ok {
				b.addNumber(v)
				return nil
			}
		}
		if isMissing(f) {
			b.num = append(b.num, math.NaN())
			b.missing++
			return nil
		}
		if v, ok := parseNumber(f); ok {
			b.addNumber(v)
			return nil
		}
		if b.keepStray(f, row, line) {
			b.num = append(b.num, math.NaN())
			b.missing++
			return nil
		}
		if b.isForced {
			return fmt.Errorf("not a number: %q in a column declared numeric, which takes at most %d distinct strings as missing (or list them in --missing)", truncate(string(f), 40), maxStrayValues)
		}
		b.toStrings(row)
	}
	if !utf8.Valid(f) {
		return fmt.Errorf("invalid UTF-8")
	}
	if isMissing(f) {
		b.codes = append(b.codes, -1)
		b.missing++
		return nil
	}
	b.addString(f, line)
	return nil
}

func (b *colBuilder) addNumber(v float64) {
	b.num = append(b.num, v)
	if math.IsNaN(v) {
		b.missing++
	}
}

func (b *colBuilder) grow(n int) {
	switch b.mode {
	case modeNumber:
		if cap(b.num) < n {
			b.num = append(make([]float64, 0, n), b.num...)
		}
	case modeString:
		if cap(b.codes) < n {
			b.codes = append(make([]int32, 0, n), b.codes...)
		}
	}
}

// firstPass reads every record after the header into the builders and
// returns the line each row starts on (its length is the row count).
func firstPass(rs io.ReadSeeker, cr *csvReader, name string, builders []colBuilder, numericMarker bool, isMissing func([]byte) bool) ([]int32, error) {
	ncol := len(builders)
	cv := startConverters(builders, numericMarker, isMissing)
	// Three batches in flight: one filling, two converting.
	pool := make([]*batch, 3)
	for i := range pool {
		pool[i] = &batch{}
	}
	next := 0
	rows := 0
	var lines []int32
	var readErr error
	for {
		bt := pool[next%len(pool)]
		next++
		bt.wg.Wait() // converters are done with its previous contents
		bt.buf, bt.ends, bt.lines, bt.n, bt.firstRow, bt.presize = bt.buf[:0], bt.ends[:0], bt.lines[:0], 0, rows, 0
		limit := batchRows
		if rows == 0 {
			limit = sizeProbeRows
		}
		var eof bool
		lines, eof, readErr = fillBatch(bt, cr, name, ncol, limit, lines)
		if bt.firstRow == sizeProbeRows {
			bt.presize = estimateRows(rs, cr, rows+bt.n)
			if bt.presize > cap(lines) {
				lines = append(make([]int32, 0, bt.presize), lines...)
			}
		}
		rows += bt.n
		if bt.n > 0 {
			cv.send(bt)
		}
		if eof || readErr != nil {
			break
		}
	}
	// Report the earliest problem: a converter's field error on an earlier
	// row than the reader's error wins.
	if first := cv.stop(); first != nil {
		return nil, &ParseError{File: name, Line: first.line, Field: builders[first.col].name, Err: first.err}
	}
	if readErr != nil {
		return nil, readErr
	}
	return lines, nil
}

// fillBatch reads records into bt until it holds limit of them, appending
// the line each starts on to lines; eof is true at the end of the input.
// The per-record loop stays here, whole: one call a batch.
func fillBatch(bt *batch, cr *csvReader, name string, ncol, limit int, lines []int32) (_ []int32, eof bool, err error) {
	for bt.n < limit {
		fields, err := cr.Read()
		if err == io.EOF {
			return lines, true, nil
		}
		if err != nil {
			return lines, false, err
		}
		if len(fields) != ncol {
			return lines, false, &ParseError{File: name, Line: cr.recLine, Err: ErrRaggedRow,
				Detail: fmt.Sprintf("%d fields, the header has %d", len(fields), ncol)}
		}
		for _, f := range fields {
			bt.buf = append(bt.buf, f...)
			bt.ends = append(bt.ends, int32(len(bt.buf)))
		}
		bt.lines = append(bt.lines, cr.recLine)
		lines = append(lines, int32(min(cr.recLine, math.MaxInt32)))
		bt.n++
	}
	return lines, false, nil
}

// converters are the pipeline's converter goroutines, each owning a fixed
// subset of the columns; errs[w] is converter w's first error.
type converters struct {
	in   []chan *batch
	errs []*fieldError
	done sync.WaitGroup
}

// startConverters deals the kept columns to the converters round-robin
// and starts them.
func startConverters(builders []colBuilder, numericMarker bool, isMissing func([]byte) bool) *converters {
	ncol := len(builders)
	workers := min(runtime.GOMAXPROCS(0), ncol)
	own := make([][]int, workers)
	k := 0
	for j := range builders {
		if builders[j].mode != modeSkip {
			own[k%workers] = append(own[k%workers], j)
			k++
		}
	}
	cv := &converters{in: make([]chan *batch, workers), errs: make([]*fieldError, workers)}
	for w := range workers {
		cv.in[w] = make(chan *batch, 2)
		cv.done.Add(1)
		go func() {
			defer cv.done.Done()
			for bt := range cv.in[w] {
				if cv.errs[w] == nil {
					cv.errs[w] = convert(bt, own[w], builders, ncol, numericMarker, isMissing)
				}
				bt.wg.Done()
			}
		}()
	}
	return cv
}

// send hands bt to every converter; bt.wg counts those not done with it.
func (cv *converters) send(bt *batch) {
	bt.wg.Add(len(cv.in))
	for _, c := range cv.in {
		c <- bt
	}
}

// stop closes the converters' input, waits for them and returns their
// error on the earliest row, nil if none had one.
func (cv *converters) stop() *fieldError {
	for _, c := range cv.in {
		close(c)
	}
	cv.done.Wait()
	var first *fieldError
	for _, e := range cv.errs {
		if e != nil && (first == nil || e.row < first.row) {
			first = e
		}
	}
	return first
}

func convert(bt *batch, cols []int, builders []colBuilder, ncol int, numericMarker bool, isMissing func([]byte) bool) *fieldError {
	for _, j := range cols {
		b := &builders[j]
		if bt.presize > 0 {
			b.grow(bt.presize)
		}
		for r := 0; r < bt.n; r++ {
			if err := b.add(bt.field(r, j, ncol), bt.firstRow+r, bt.lines[r], numericMarker, isMissing); err != nil {
				return &fieldError{row: bt.firstRow + r, line: bt.lines[r], col: j, err: err}
			}
		}
	}
	return nil
}

// estimateRows guesses the input's row count from the bytes the first rows
// took, with 5% to spare; 0 when the input is not a file.
func estimateRows(rs io.ReadSeeker, cr *csvReader, rows int) int {
	f, ok := rs.(*os.File)
	if !ok || rows == 0 {
		return 0
	}
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0
	}
	consumed := pos - int64(cr.end-cr.start) // bytes parsed so far
	if consumed <= 0 {
		return 0
	}
	return int(float64(st.Size()) / float64(consumed) * float64(rows) * 1.05)
}
