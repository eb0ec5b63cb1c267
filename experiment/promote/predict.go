package promote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/final"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/contract"
)

// PredictOptions say how to score a file with a registry version.
type PredictOptions struct {
	// VersionDir is the version's directory (registry.Resolve).
	VersionDir string
	Data       string
	// IDCols are written before the score; nil: the schema's identifier
	// columns that the file has.
	IDCols []string
	// AllowViolations scores a file that breaks the contract's error
	// rules (the violations are still reported).
	AllowViolations bool
	// BlockRows is how many rows are scored at a time (default 65536):
	// the members' designs are built per block, so memory stays bounded.
	BlockRows int
}

// PredictResult is what a prediction did.
type PredictResult struct {
	Rows   int              `json:"rows"`
	IDCols []string         `json:"id_cols"`
	Report *contract.Report `json:"contract,omitempty"` // nil when the version has no contract
	// Seconds: reading and checking the file, and scoring and writing.
	CheckSeconds float64 `json:"check_seconds"`
	ScoreSeconds float64 `json:"score_seconds"`
}

// ContractViolation is a file the model's contract rejects; cmd maps it to
// exit code 3.
type ContractViolation struct {
	Data   string
	Report *contract.Report
}

func (e *ContractViolation) Error() string {
	return fmt.Sprintf("%s violates the model's data contract: %d error(s), %d warning(s); nothing was scored (--allow-violations scores anyway)", e.Data, e.Report.Errors, e.Report.Warnings)
}

// Predict checks o.Data against the version's data contract, then scores
// every row with the version's final model and writes CSV to w: the id
// columns, then score (the positive class's probability), in input order,
// a block of rows at a time. On a contract error (unless allowed) nothing
// is written and the error is a *ContractViolation carrying the report.
func Predict(ctx context.Context, o PredictOptions, w io.Writer) (*PredictResult, error) {
	start := time.Now()
	res := &PredictResult{}
	fr, err := contractFrame(ctx, o, res)
	if err != nil {
		return nil, err
	}
	if res.Report != nil && res.Report.Failed() && !o.AllowViolations {
		return res, &ContractViolation{Data: o.Data, Report: res.Report}
	}
	m, err := final.Read(o.VersionDir)
	if err != nil {
		return nil, err
	}
	if fr == nil {
		if fr, err = features.LoadFile(o.Data, m.Schema.LoadOptions()); err != nil {
			return nil, err
		}
	}
	res.CheckSeconds = time.Since(start).Seconds()
	start = time.Now()

	ids, err := idColumns(fr, m, o.IDCols, o.Data)
	if err != nil {
		return nil, err
	}
	for _, c := range ids {
		res.IDCols = append(res.IDCols, c.Name)
	}
	texts := make([]func(int) string, len(ids)) // before Conform re-codes categories
	for i, c := range ids {
		texts[i] = cellText(c)
	}
	conformed, err := m.Conform(fr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Data, err)
	}
	if err := writeScores(ctx, bufio.NewWriterSize(w, 1<<16), o, m, conformed, res.IDCols, texts); err != nil {
		return nil, err
	}
	res.Rows = conformed.Rows
	res.ScoreSeconds = time.Since(start).Seconds()
	return res, nil
}

// contractFrame reads and checks o.Data by the version's data contract,
// setting res.Report; without a contract it returns no frame and the
// caller reads the file by the model's schema.
func contractFrame(ctx context.Context, o PredictOptions, res *PredictResult) (*features.Frame, error) {
	cpath := filepath.Join(o.VersionDir, ContractFile)
	if _, err := os.Stat(cpath); err != nil {
		return nil, nil
	}
	c, err := contract.Read(cpath)
	if err != nil {
		return nil, err
	}
	in, err := contract.Load(ctx, c, o.Data)
	if err != nil {
		return nil, err
	}
	if res.Report, err = contract.Check(ctx, c, in, contract.CheckOptions{}); err != nil {
		return nil, err
	}
	return in.Frame, nil
}

// writeScores writes the CSV: a header of the id columns and score, then
// a line a row, the rows scored a block (o.BlockRows) at a time; texts
// give each id column's cell of a row.
func writeScores(ctx context.Context, bw *bufio.Writer, o PredictOptions, m *final.Model, conformed *features.Frame, idCols []string, texts []func(int) string) error {
	block := o.BlockRows
	if block <= 0 {
		block = 65536
	}
	var line []byte
	for i, name := range append(append([]string{}, idCols...), "score") {
		if i > 0 {
			line = append(line, ',')
		}
		line = appendCSVField(line, name)
	}
	bw.Write(append(line, '\n'))
	for lo := 0; lo < conformed.Rows; lo += block {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+block, conformed.Rows)
		p, err := m.Predict(ctx, rowRange(conformed, lo, hi))
		if err != nil {
			return fmt.Errorf("%s rows %d-%d: %w", o.Data, lo+1, hi, err)
		}
		for k, v := range p {
			line = line[:0]
			for _, text := range texts {
				line = append(appendCSVField(line, text(lo+k)), ',')
			}
			line = append(strconv.AppendFloat(line, v, 'g', -1, 64), '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// rowRange is rows lo..hi-1 of fr sharing its columns' storage (no copy):
// the block predict scores.
func rowRange(fr *features.Frame, lo, hi int) *features.Frame {
	if lo == 0 && hi == fr.Rows {
		return fr
	}
	out := &features.Frame{Rows: hi - lo, Source: fr.Source}
	if fr.Lines != nil {
		out.Lines = fr.Lines[lo:hi]
	}
	for _, c := range fr.Columns {
		v := &features.Column{Name: c.Name, Kind: c.Kind, Levels: c.Levels}
		if c.Kind.IsString() {
			v.Codes = c.Codes[lo:hi]
		} else {
			v.Num = c.Num[lo:hi]
		}
		for r := range v.Len() {
			if v.IsMissing(r) {
				v.Missing++
			}
		}
		out.Columns = append(out.Columns, v)
	}
	return out
}

// appendCSVField appends s as one RFC 4180 field: quoted, with quotes
// doubled, when it holds a comma, a quote, a line break or leading space.
func appendCSVField(b []byte, s string) []byte {
	if s == "" || !strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t' {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// idColumns are the named columns of fr, or by default the schema's
// identifier columns that fr has. A name fr lacks is a usage error
// (exit 2) naming the flag and the file.
func idColumns(fr *features.Frame, m *final.Model, names []string, file string) ([]*features.Column, error) {
	var out []*features.Column
	if names == nil {
		for _, c := range m.Schema.Columns {
			if c.Kind == features.Identifier.String() && fr.Col(c.Name) != nil {
				out = append(out, fr.Col(c.Name))
			}
		}
		return out, nil
	}
	for _, n := range names {
		c := fr.Col(n)
		if c == nil {
			return nil, &experiment.OptionError{Flag: "id-col", Err: fmt.Errorf("--id-col %q is not a column of %s (columns: %s): %w", n, file, features.ClipNames(fr.Names(), 8), features.ErrUnknownColumn)}
		}
		out = append(out, c)
	}
	return out, nil
}

// cellText renders a column's row as text: a string column's value, a
// number in its shortest exact form (positional unless tiny or huge), missing as empty. It keeps its own
// copy of a categorical column's codes (Conform re-codes them in place).
func cellText(c *features.Column) func(int) string {
	if c.Kind.IsString() {
		levels, codes := c.Levels, c.Codes
		if c.Kind == features.Categorical {
			codes = append([]int32(nil), codes...)
		}
		return func(r int) string {
			if codes[r] < 0 {
				return ""
			}
			return levels[codes[r]]
		}
	}
	num := c.Num
	return func(r int) string {
		v := num[r]
		switch a := math.Abs(v); {
		case v != v:
			return ""
		case a == 0 || a >= 1e-4 && a < 1e21:
			return strconv.FormatFloat(v, 'f', -1, 64) // 14102100, not 1.41021e+07
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
}

// IsContractViolation reports whether err is a contract refusal.
func IsContractViolation(err error) bool {
	var v *ContractViolation
	return errors.As(err, &v)
}
