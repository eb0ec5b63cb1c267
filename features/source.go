package features

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// What a CSV input looks like before it is parsed: compressed or not, text
// or not, which line ends and which delimiter. Decided from the first bytes
// so that a wrong guess fails with a message saying what was seen.

// ErrNotText marks an input that is not (UTF-8) text.
var ErrNotText = errors.New("does not look like text")

// sniffSize is how much of an input is looked at before parsing.
const sniffSize = 64 << 10

var (
	gzipMagic    = []byte{0x1f, 0x8b}
	zstdMagic    = []byte{0x28, 0xb5, 0x2f, 0xfd}
	parquetMagic = []byte("PAR1")
)

// openCSVFile opens path for loadCSV: compressed files (gzip, zstd; told by
// their first bytes, whatever the name) are decompressed on the fly, and
// re-opened for the second pass.
func openCSVFile(path string) (io.ReadSeeker, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	var open func(io.Reader) (io.ReadCloser, error)
	switch {
	case bytes.HasPrefix(head[:n], gzipMagic):
		open = func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }
	case bytes.HasPrefix(head[:n], zstdMagic):
		open = func(r io.Reader) (io.ReadCloser, error) {
			d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
			if err != nil {
				return nil, err
			}
			return d.IOReadCloser(), nil
		}
	default:
		return f, f.Close, nil
	}
	d := &decompressed{f: f, open: open, name: path}
	if err := d.reopen(); err != nil {
		f.Close()
		return nil, nil, err
	}
	return d, d.Close, nil
}

// decompressed reads a compressed file; it can only seek back to the start
// (which decompresses again), which is all loadCSV needs.
type decompressed struct {
	f    *os.File
	name string
	open func(io.Reader) (io.ReadCloser, error)
	r    io.ReadCloser
}

func (d *decompressed) reopen() error {
	if d.r != nil {
		d.r.Close()
	}
	if _, err := d.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r, err := d.open(d.f)
	if err != nil {
		return fmt.Errorf("%s: cannot decompress: %w", d.name, err)
	}
	d.r = r
	return nil
}

func (d *decompressed) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("decompress: %w", err)
	}
	return n, err
}

func (d *decompressed) Seek(off int64, whence int) (int64, error) {
	if off != 0 || whence != io.SeekStart {
		return 0, fmt.Errorf("%s: a compressed input can only be read again from the start", d.name)
	}
	return 0, d.reopen()
}

func (d *decompressed) Close() error {
	d.r.Close()
	return d.f.Close()
}

// dialect is what sniffing found.
type dialect struct {
	comma  byte
	crOnly bool // lines end in a lone CR (classic Mac OS)
}

// sniffCSV looks at the start of rs (and seeks back): it refuses input that
// is not text, finds the line ends, and picks the delimiter from the header
// line unless delim forces one.
func sniffCSV(rs io.ReadSeeker, name string, delim byte) (dialect, error) {
	buf := make([]byte, sniffSize)
	n, err := io.ReadFull(rs, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return dialect{}, fmt.Errorf("%s: read: %w", name, err)
	}
	buf = buf[:n]
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return dialect{}, fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case bytes.HasPrefix(buf, []byte{0xFF, 0xFE}), bytes.HasPrefix(buf, []byte{0xFE, 0xFF}):
		return dialect{}, &ParseError{File: name, Line: 1, Err: ErrNotText, Detail: "it is UTF-16 (byte-order mark); save it as UTF-8"}
	case bytes.HasPrefix(buf, parquetMagic):
		return dialect{}, &ParseError{File: name, Line: 1, Err: ErrNotText, Detail: "it starts like a Parquet file; name it .parquet or pass the parquet format"}
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		return dialect{}, &ParseError{File: name, Err: ErrNotText,
			Detail: fmt.Sprintf("a NUL byte at offset %d; nightshift reads CSV text (UTF-8, optionally gzip or zstd compressed) and Parquet", i)}
	}
	d := dialect{comma: delim}
	lf := bytes.IndexByte(buf, '\n')
	cr := bytes.IndexByte(buf, '\r')
	// CR-only (classic Mac OS) files hold no LF at all; a lone CR in a file
	// that has LFs is data (inside a quoted field) and left alone.
	if cr >= 0 && lf < 0 {
		d.crOnly = true
	}
	end := len(buf)
	if d.crOnly {
		end = cr
	} else if lf >= 0 {
		end = lf
	}
	header := buf[:end]
	h := header
	if end == len(buf) && n == sniffSize {
		h = h[:max(0, len(h)-utf8.UTFMax)] // the last rune may be cut
	}
	if !utf8.Valid(h) {
		return dialect{}, &ParseError{File: name, Line: 1, Err: ErrNotText, Detail: "the header line is not valid UTF-8"}
	}
	if d.comma == 0 {
		d.comma = guessDelimiter(header)
	}
	return d, nil
}

// guessDelimiter picks, among comma, semicolon and tab, the one the header
// line holds most often outside quotes (comma on a tie or when none is
// there: a one-column file).
func guessDelimiter(header []byte) byte {
	var counts [3]int
	cands := [3]byte{',', ';', '\t'}
	quoted := false
	for _, b := range header {
		if b == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		for i, c := range cands {
			if b == c {
				counts[i]++
			}
		}
	}
	best := 0
	for i := 1; i < len(cands); i++ {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return cands[best]
}

// ParseDelimiter reads a --delimiter value: one character (",", ";", "|"),
// "\t" or "tab"; "" means detect from the header.
func ParseDelimiter(s string) (byte, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case "comma":
		return ',', nil
	case "semicolon":
		return ';', nil
	}
	if len(s) != 1 || s[0] == '"' || s[0] == '\r' || s[0] == '\n' || s[0] >= utf8.RuneSelf ||
		('a' <= s[0]|0x20 && s[0]|0x20 <= 'z') || ('0' <= s[0] && s[0] <= '9') || s[0] == '.' || s[0] == '-' || s[0] == '+' {
		return 0, fmt.Errorf("delimiter %q: want one ASCII character such as , ; | or tab (not a quote, letter, digit, sign or dot)", s)
	}
	return s[0], nil
}

// crToLF reads a CR-only input as if its lines ended in LF.
type crToLF struct{ io.ReadSeeker }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.ReadSeeker.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
