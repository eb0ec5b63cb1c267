package features

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultMissing are the field values read as missing when LoadOptions.Missing is nil.
var DefaultMissing = []string{"", "NA", "NaN", "null", "None", "?"}

// LoadOptions control how a table is read and typed. The zero value infers
// everything from the data.
type LoadOptions struct {
	// Format is "csv" or "parquet"; empty means by file extension
	// (.parquet/.pq → parquet, anything else → csv).
	Format string
	// Missing lists the exact field values read as missing; nil means DefaultMissing.
	Missing []string
	// Target names the label column. It is always kept as categorical
	// (its exact text), whatever it looks like.
	Target string
	// Columns forced to a kind, overriding inference.
	Categorical, Text, IDCols, Numeric []string
	// Drop lists columns not to load at all.
	Drop []string
	// Delimiter is the CSV field delimiter (see ParseDelimiter); empty
	// means detect it from the header line (comma, semicolon or tab).
	Delimiter string
}

// Inference thresholds, stated once.
const (
	// A string column is text when its values are long and mostly contain
	// spaces, or when any value spans lines.
	textMinMeanLen    = 25
	textMinSpaceShare = 0.5
	// A string column with at most catMaxLevels distinct values, and at
	// most catMaxLevelShare distinct values per row, is categorical
	// whatever the values look like.
	catMaxLevels     = 100
	catMaxLevelShare = 0.05
	// A column with one distinct value per row is an identifier only when
	// there are enough rows to tell.
	idMinRows = 20
	// A column of numbers keeps a few stray strings ("oops", "n/a"): they
	// are read as missing, with a warning, when at most maxStrayShare of
	// its non-missing values and at most maxStrayValues distinct strings
	// are not numbers. A column declared numeric takes up to
	// maxStrayValues distinct strings whatever their share.
	maxStrayShare  = 0.01
	maxStrayValues = 10
	strayProbeRows = 100
)

// stray is a string found in a numeric column and read as missing.
type stray struct {
	text  string
	count int
	line  int // first line it is on (0: unknown)
}

// LoadFile reads a CSV or Parquet file into a typed Frame.
func LoadFile(path string, opt LoadOptions) (*Frame, error) {
	format := opt.Format
	if format == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".parquet", ".pq":
			format = "parquet"
		default:
			format = "csv"
			if hasPrefix(path, parquetMagic) {
				format = "parquet"
			}
		}
	}
	switch format {
	case "csv":
		return loadCSVFile(path, opt)
	case "parquet":
		return loadParquetFile(path, opt)
	}
	return nil, fmt.Errorf("%s: unknown format %q (want csv or parquet)", path, format)
}

// LoadCSV reads CSV from r; name is used in error messages. Columns whose
// kind is only settled late need a second pass over the data, so the reader
// is read into memory first when it is not a file; prefer LoadFile for large
// inputs.
func LoadCSV(r io.Reader, name string, opt LoadOptions) (*Frame, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		return loadCSV(rs, name, opt)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	return loadCSV(strings.NewReader(string(data)), name, opt)
}

func loadCSVFile(path string, opt LoadOptions) (*Frame, error) {
	rs, closeFn, err := openCSVFile(path)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	return loadCSV(rs, path, opt)
}

// hasPrefix reports whether the file at path starts with magic.
func hasPrefix(path string, magic []byte) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(magic))
	n, _ := io.ReadFull(f, head)
	return n == len(magic) && string(head) == string(magic)
}

type colMode uint8

const (
	modeNumber colMode = iota
	modeString
	modeSkip
)

// colBuilder accumulates one column. It starts numeric unless forced to a
// string kind and switches to strings at the first value that is not a
// number; rows before the switch are filled by a second pass (see
// refillStrings) so no value is ever turned into text via a float.
type colBuilder struct {
	name       string
	mode       colMode
	forced     Kind
	isForced   bool
	num        []float64
	codes      []int32
	dict       map[string]int32
	levels     []string
	counts     []int
	switchedAt int // first row held as string; rows before it need a refill
	missing    int // includes strays
	// csv: the values were text, so numbers may hide in a string column.
	csv bool
	// strays are the non-numbers of a numeric column, read as missing;
	// strayRows counts the rows holding them.
	strays     []stray
	strayRows  int
	levelLines []int32 // first line of each level (CSV)
	hasNewline bool
	lenSum     int
	spaced     int
}

func (b *colBuilder) toStrings(row int) {
	b.mode = modeString
	b.switchedAt = row
	b.codes = make([]int32, row, max(cap(b.num), row+1))
	b.num = nil
	b.dict = make(map[string]int32)
	b.missing = 0 // recounted by the refill
	b.strays, b.strayRows = nil, 0
}

// addString appends f; line is the file line it is on (0: unknown).
func (b *colBuilder) addString(f []byte, line int) {
	b.codes = append(b.codes, b.intern(f, line))
}

// keepStray records f, a non-number in a numeric column, as a stray to be
// read as missing, and reports whether the column can stay numeric. It
// cannot when it holds more than maxStrayValues distinct strings, or
// (unless declared numeric) when, strayProbeRows rows in, strings
// outnumber the numbers: a string column, most likely, switched early so
// that the second pass re-reads only those rows (numbersInStrings turns a
// string column back to numbers when it is one after all).
func (b *colBuilder) keepStray(f []byte, row, line int) bool {
	if !utf8.Valid(f) {
		return false
	}
	if !b.isForced && row+1 >= strayProbeRows && b.strayRows+1 > row-b.missing {
		return false
	}
	for i := range b.strays {
		if b.strays[i].text == string(f) {
			b.strays[i].count++
			b.strayRows++
			return true
		}
	}
	if len(b.strays) == maxStrayValues {
		return false
	}
	b.strays = append(b.strays, stray{text: string(f), count: 1, line: line})
	b.strayRows++
	return true
}

// straysFit reports whether the strays are few enough for a numeric column
// of rows rows.
func (b *colBuilder) straysFit(rows int) bool {
	present := rows - b.missing + b.strayRows
	return b.isForced || float64(b.strayRows) <= maxStrayShare*float64(present)
}

// intern returns f's code, adding it to the dictionary when new, and counts
// one more row for it.
func (b *colBuilder) intern(f []byte, line int) int32 {
	code, ok := b.dict[string(f)]
	if !ok {
		s := string(f)
		code = int32(len(b.levels))
		b.dict[s] = code
		b.levels = append(b.levels, s)
		b.counts = append(b.counts, 0)
		if b.csv {
			b.levelLines = append(b.levelLines, int32(min(line, math.MaxInt32)))
		}
		b.lenSum += len(f)
		if strings.IndexByte(s, ' ') >= 0 {
			b.spaced++
		}
		if strings.IndexByte(s, '\n') >= 0 {
			b.hasNewline = true
		}
	}
	b.counts[code]++
	return code
}

func loadCSV(rs io.ReadSeeker, name string, opt LoadOptions) (*Frame, error) {
	missing := opt.Missing
	if missing == nil {
		missing = DefaultMissing
	}
	isMissing := missingSet(missing)
	rs, cr, names, err := readCSVHeader(rs, name, opt)
	if err != nil {
		return nil, err
	}
	if err := checkOptionColumns(name, names, opt); err != nil {
		return nil, err
	}
	builders := makeBuilders(names, opt)
	for j := range builders {
		builders[j].csv = true
	}
	lines, err := firstPass(rs, cr, name, builders, hasNumericMarker(missing), isMissing)
	if err != nil {
		return nil, err
	}
	rows := len(lines)
	if rows == 0 {
		return nil, &ParseError{File: name, Err: ErrNoRows, Detail: "the file has a header line and nothing else"}
	}
	finals, err := settleCSVKinds(rs, name, cr.comma, builders, rows, isMissing)
	if err != nil {
		return nil, err
	}
	return csvFrame(name, lines, builders, finals), nil
}

// readCSVHeader sniffs the dialect, reads and checks the header and returns
// the reader positioned on the first record, with rs as it is to be read
// from now on (line ends converted if the file ends lines with CR alone).
func readCSVHeader(rs io.ReadSeeker, name string, opt LoadOptions) (io.ReadSeeker, *csvReader, []string, error) {
	delim, err := ParseDelimiter(opt.Delimiter)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	d, err := sniffCSV(rs, name, delim)
	if err != nil {
		return nil, nil, nil, err
	}
	if d.crOnly {
		rs = crToLF{rs}
	}
	cr := newCSVReader(rs, name)
	cr.comma = d.comma
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, nil, &ParseError{File: name, Line: 1, Err: ErrBadHeader, Detail: "empty file: a header row is required"}
	}
	if err != nil {
		return nil, nil, nil, err
	}
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.TrimSpace(string(h))
	}
	if err := checkHeader(name, names); err != nil {
		if d.comma != ',' {
			return nil, nil, nil, fmt.Errorf("%w (fields split at %q, chosen from the header line; --delimiter sets it)", err, d.comma)
		}
		return nil, nil, nil, err
	}
	return rs, cr, names, nil
}

// hasNumericMarker reports whether a missing-value marker reads as a number
// (such as -999), which the converters must then test before parsing.
func hasNumericMarker(missing []string) bool {
	numericMarker := false
	for _, m := range missing {
		if v, ok := parseNumber([]byte(m)); ok && !math.IsNaN(v) {
			numericMarker = true
		}
	}
	return numericMarker
}

// settleCSVKinds infers each kept column's kind after the first pass. A
// column that turned out to be strings after rows were read as numbers is
// filled again from the file by refillStrings, and its kind inferred anew.
func settleCSVKinds(rs io.ReadSeeker, name string, comma byte, builders []colBuilder, rows int, isMissing func([]byte) bool) ([]Kind, error) {
	finals := make([]Kind, len(builders))
	needRefill := false
	for j := range builders {
		b := &builders[j]
		if b.mode == modeSkip {
			continue
		}
		finals[j] = inferKind(b, rows)
		if finals[j].IsString() && b.mode == modeNumber {
			b.toStrings(rows)
			b.codes = b.codes[:rows]
		}
		if b.mode == modeString && b.switchedAt > 0 {
			needRefill = true
		}
	}
	if needRefill {
		if err := refillStrings(rs, name, comma, builders, isMissing); err != nil {
			return nil, err
		}
		for j := range builders {
			if builders[j].mode == modeString {
				finals[j] = inferKind(&builders[j], rows)
			}
		}
	}
	return finals, nil
}

// csvFrame builds the frame of the kept columns, with a warning for each
// numeric column that read strays as missing.
func csvFrame(name string, lines []int32, builders []colBuilder, finals []Kind) *Frame {
	fr := &Frame{Rows: len(lines), Source: name, Lines: lines}
	for j := range builders {
		b := &builders[j]
		if b.mode == modeSkip {
			continue
		}
		fr.Columns = append(fr.Columns, b.column(finals[j]))
		if finals[j] == Numeric && len(b.strays) > 0 {
			fr.Warnings = append(fr.Warnings, strayWarning(name, b))
		}
	}
	return fr
}

// strayWarning says which strings of a numeric column were read as missing.
func strayWarning(file string, b *colBuilder) Warning {
	sort.SliceStable(b.strays, func(i, j int) bool { return b.strays[i].count > b.strays[j].count })
	var parts []string
	for _, s := range b.strays {
		rowsWord := "rows"
		if s.count == 1 {
			rowsWord = "row"
		}
		where := ""
		if s.line > 0 {
			where = fmt.Sprintf(", first on line %d", s.line)
		}
		parts = append(parts, fmt.Sprintf("%q (%d %s%s)", truncate(s.text, 40), s.count, rowsWord, where))
	}
	noun := "values that are not numbers were"
	if b.strayRows == 1 {
		noun = "value that is not a number was"
	}
	return Warning{Column: b.name, Message: fmt.Sprintf("%s: column %q is numeric; %d %s read as missing: %s (--categorical %s keeps them as text)",
		file, b.name, b.strayRows, noun, strings.Join(parts, ", "), b.name)}
}

// sizeProbeRows is how many rows are read before the row count of the whole
// input is estimated from their size, to allocate each column once.
const sizeProbeRows = 1000

func missingSet(markers []string) func([]byte) bool {
	set := make(map[string]bool, len(markers))
	hasEmpty := false
	for _, m := range markers {
		set[m] = true
		if m == "" {
			hasEmpty = true
		}
	}
	return func(f []byte) bool {
		if len(f) == 0 {
			return hasEmpty
		}
		return set[string(f)]
	}
}

func checkHeader(file string, names []string) error {
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			return &ParseError{File: file, Line: 1, Err: ErrBadHeader, Detail: fmt.Sprintf("column %d has an empty name", i+1)}
		}
		if j, ok := seen[n]; ok {
			return &ParseError{File: file, Line: 1, Err: ErrBadHeader, Field: n,
				Detail: fmt.Sprintf("name used twice, by columns %d and %d", j+1, i+1)}
		}
		seen[n] = i
	}
	return nil
}

func checkOptionColumns(file string, names []string, opt LoadOptions) error {
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	check := func(flag string, cols []string) error {
		for _, c := range cols {
			if !have[c] {
				return fmt.Errorf("%s: %s names column %q, which is not in the header%s: %w",
					file, flag, c, suggest(c, names), ErrUnknownColumn)
			}
		}
		return nil
	}
	if opt.Target != "" {
		if err := check("the target", []string{opt.Target}); err != nil {
			return err
		}
	}
	for _, p := range []struct {
		flag string
		cols []string
	}{{"--categorical", opt.Categorical}, {"--text", opt.Text}, {"--id-col", opt.IDCols}, {"--numeric", opt.Numeric}, {"--drop", opt.Drop}} {
		if err := check(p.flag, p.cols); err != nil {
			return err
		}
	}
	return nil
}

// suggest returns ` (did you mean "x"?)` for the closest name, or "".
func suggest(name string, names []string) string {
	best, bestD := "", 1<<30
	for _, n := range names {
		d := editDistance(strings.ToLower(name), strings.ToLower(n))
		if d < bestD {
			best, bestD = n, d
		}
	}
	if best != "" && bestD <= max(2, len(name)/3) {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func makeBuilders(names []string, opt LoadOptions) []colBuilder {
	forced := map[string]Kind{}
	for _, c := range opt.Categorical {
		forced[c] = Categorical
	}
	for _, c := range opt.Text {
		forced[c] = Text
	}
	for _, c := range opt.IDCols {
		forced[c] = Identifier
	}
	for _, c := range opt.Numeric {
		forced[c] = Numeric
	}
	if opt.Target != "" {
		forced[opt.Target] = Categorical
	}
	drop := map[string]bool{}
	for _, c := range opt.Drop {
		drop[c] = true
	}
	bs := make([]colBuilder, len(names))
	for i, n := range names {
		b := colBuilder{name: n, mode: modeNumber}
		if k, ok := forced[n]; ok {
			b.forced, b.isForced = k, true
			if k.IsString() {
				b.mode = modeString
				b.dict = make(map[string]int32)
			}
		}
		if drop[n] {
			b.mode = modeSkip
		}
		bs[i] = b
	}
	return bs
}

// inferKind settles a column's kind from what pass one saw.
func inferKind(b *colBuilder, rows int) Kind {
	if b.isForced {
		return b.forced
	}
	if b.mode == modeNumber {
		if !b.straysFit(rows) {
			return Categorical // settled again once the refill has read the text
		}
		if isNumericID(b.num, rows) {
			return Identifier
		}
		return Numeric
	}
	if b.csv && b.switchedAt == 0 {
		if r, ok := b.numbersInStrings(); ok {
			if isNumericID(r.num, rows) {
				return Identifier // its exact text is kept
			}
			b.mode, b.num, b.codes = modeNumber, r.num, nil
			b.strays, b.strayRows = r.strays, r.strayRows
			b.missing += r.strayRows + r.nanRows
			b.levels, b.counts, b.levelLines, b.dict = nil, nil, nil, nil
			return Numeric
		}
	}
	present := rows - b.missing
	if b.switchedAt > 0 {
		// Counts are incomplete until the refill; judge on what is known.
		present = rows - b.switchedAt - b.missing
	}
	if present == 0 {
		return Categorical
	}
	if isDatetimeLevels(b.levels) {
		return Datetime
	}
	if len(b.levels) <= catMaxLevels && float64(len(b.levels)) <= catMaxLevelShare*float64(present) {
		return Categorical // a few values repeated, however long (short sentences)
	}
	if len(b.levels) > 0 {
		mean := float64(b.lenSum) / float64(len(b.levels))
		if b.hasNewline || (mean >= textMinMeanLen && float64(b.spaced) >= textMinSpaceShare*float64(len(b.levels))) {
			return Text
		}
	}
	if b.switchedAt == 0 && len(b.levels) == present && present >= idMinRows {
		return Identifier
	}
	return Categorical
}

// numbersRead is a string column read as numbers.
type numbersRead struct {
	num       []float64 // per row; strays and NaN spellings are NaN
	strays    []stray
	strayRows int
	nanRows   int // rows spelling NaN ("nan"), missing too
}

// numbersInStrings checks whether a string column is numbers with a few
// stray strings (as when a column switched to strings early, at a stray in
// its first rows) and if so returns it read as numbers. It changes nothing.
func (b *colBuilder) numbersInStrings() (numbersRead, bool) {
	var r numbersRead
	vals := make([]float64, len(b.levels))
	numRows := 0
	for i, s := range b.levels {
		if b.counts[i] == 0 {
			continue
		}
		v, ok := parseNumber([]byte(s))
		switch {
		case !ok:
			if len(r.strays) == maxStrayValues {
				return r, false
			}
			r.strays = append(r.strays, stray{text: s, count: b.counts[i], line: int(b.levelLines[i])})
			r.strayRows += b.counts[i]
			v = math.NaN()
		case math.IsNaN(v):
			r.nanRows += b.counts[i]
		default:
			numRows += b.counts[i]
		}
		vals[i] = v
	}
	if numRows == 0 || float64(r.strayRows) > maxStrayShare*float64(numRows+r.strayRows) {
		return r, false
	}
	r.num = make([]float64, len(b.codes))
	for i, code := range b.codes {
		if code < 0 {
			r.num[i] = math.NaN()
		} else {
			r.num[i] = vals[code]
		}
	}
	return r, true
}

// isNumericID recognises a row id stored as numbers: integers, all distinct,
// forming a consecutive range or strictly increasing (PolicyNumber 1..n).
func isNumericID(v []float64, rows int) bool {
	if rows < idMinRows*5 {
		return false
	}
	increasing := true
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, x := range v {
		if math.IsNaN(x) || x != math.Trunc(x) {
			return false
		}
		if i > 0 && x <= v[i-1] {
			increasing = false
		}
		lo, hi = min(lo, x), max(hi, x)
	}
	if increasing {
		return true
	}
	if hi-lo+1 != float64(rows) {
		return false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			return false
		}
	}
	return true
}

var datetimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// parseDatetime reads the layouts nightshift accepts for datetime columns;
// values without a zone are UTC.
func parseDatetime(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDatetimeLevels(levels []string) bool {
	if len(levels) == 0 {
		return false
	}
	for _, s := range levels {
		if _, ok := parseDatetime(s); !ok {
			return false
		}
	}
	return true
}

// refillStrings reads the input again and fills, for every column that
// switched to strings after row 0 (or was turned into one at the end), the
// rows before the switch with their exact text.
func refillStrings(rs io.ReadSeeker, name string, comma byte, builders []colBuilder, isMissing func([]byte) bool) error {
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: cannot re-read for type inference: %w", name, err)
	}
	var cols []int
	last := 0
	for j := range builders {
		b := &builders[j]
		if b.mode == modeString && b.switchedAt > 0 {
			cols = append(cols, j)
			last = max(last, b.switchedAt)
		}
	}
	cr := newCSVReader(rs, name)
	cr.comma = comma
	if _, err := cr.Read(); err != nil {
		return err
	}
	for row := 0; row < last; row++ {
		fields, err := cr.Read()
		if err != nil {
			return fmt.Errorf("%s: re-read for type inference: %w", name, err)
		}
		for _, j := range cols {
			b := &builders[j]
			if row >= b.switchedAt {
				continue
			}
			f := fields[j]
			if isMissing(f) {
				b.codes[row] = -1
				b.missing++
				continue
			}
			b.codes[row] = b.intern(f, cr.recLine)
		}
	}
	for _, j := range cols {
		builders[j].switchedAt = 0
	}
	return nil
}

// column turns a finished builder into a Column of kind k.
func (b *colBuilder) column(k Kind) *Column {
	c := &Column{Name: b.name, Kind: k, Missing: b.missing}
	switch {
	case k == Datetime && b.mode == modeString:
		c.Num = make([]float64, len(b.codes))
		secs := make([]float64, len(b.levels))
		for i, s := range b.levels {
			t, _ := parseDatetime(s)
			secs[i] = float64(t.UnixNano()) / 1e9
		}
		for i, code := range b.codes {
			if code < 0 {
				c.Num[i] = math.NaN()
			} else {
				c.Num[i] = secs[code]
			}
		}
	case k.IsString():
		c.Codes, c.Levels, c.Counts = b.codes, b.levels, b.counts
	default:
		c.Num = b.num
		if c.Num == nil { // forced numeric on a string column is rejected earlier
			c.Num = []float64{}
		}
	}
	return c
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
