package features

import (
	"bytes"
	"fmt"
	"io"
)

// csvReader tokenizes RFC 4180 CSV without allocating per field: the fields
// it returns are slices of its own buffer (or of scratch space for quoted
// fields with doubled quotes) and stay valid only until the next call.
//
// Accepted: quoted fields holding commas, quotes ("") and newlines; CRLF or
// LF line ends; a UTF-8 byte-order mark; a last line without a line end.
// Blank lines are skipped (as encoding/csv does). Rejected with a position:
// a bare quote inside an unquoted field, text after a closing quote, an
// unterminated quoted field.
type csvReader struct {
	r     io.Reader
	file  string
	comma byte // the field delimiter
	buf   []byte
	start int // first unread byte
	end   int // end of valid data
	eof   bool
	first bool

	line      int // 1-based line of buf[start]
	lineStart int // index in buf where that line began (may be < start)

	fields  [][]byte
	scratch []byte
	recLine int // line on which the last record started
	err     error
}

const csvBufSize = 1 << 20

func newCSVReader(r io.Reader, file string) *csvReader {
	return &csvReader{r: r, file: file, comma: ',', buf: make([]byte, csvBufSize), line: 1, first: true}
}

// fill moves the unread window to the front of the buffer and reads more.
// It grows the buffer when the window already fills it (a record longer than
// the buffer).
func (c *csvReader) fill() error {
	if c.start > 0 {
		n := copy(c.buf, c.buf[c.start:c.end])
		c.lineStart -= c.start
		c.end = n
		c.start = 0
	}
	if c.end == len(c.buf) {
		nb := make([]byte, 2*len(c.buf))
		copy(nb, c.buf[:c.end])
		c.buf = nb
	}
	for c.end < len(c.buf) {
		n, err := c.r.Read(c.buf[c.end:])
		c.end += n
		if err == io.EOF {
			c.eof = true
			break
		}
		if err != nil {
			return fmt.Errorf("%s: read: %w", c.file, err)
		}
		if n == 0 {
			continue
		}
		break
	}
	if c.first && c.end >= 3 && c.buf[0] == 0xEF && c.buf[1] == 0xBB && c.buf[2] == 0xBF {
		c.start = 3
		c.lineStart = 3
	}
	if c.first && (c.end >= 3 || c.eof) {
		c.first = false
	}
	return nil
}

// errNeedMore is an internal signal: the record runs past the buffered data.
var errNeedMore = fmt.Errorf("need more input")

// Read returns the next record's fields, or io.EOF after the last one.
func (c *csvReader) Read() ([][]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	for {
		if c.first && !c.eof && c.end-c.start < 3 {
			if err := c.fill(); err != nil {
				c.err = err
				return nil, err
			}
			continue
		}
		saveLine, saveLineStart := c.line, c.lineStart
		fields, next, err := c.parse()
		if err == errNeedMore {
			c.line, c.lineStart = saveLine, saveLineStart
			if c.eof {
				// parse asks for more only while input may continue.
				c.err = fmt.Errorf("%s: line %d: internal error: record incomplete at end of input", c.file, c.line)
				return nil, c.err
			}
			if err := c.fill(); err != nil {
				c.err = err
				return nil, err
			}
			continue
		}
		if err != nil {
			c.err = err
			return nil, err
		}
		if fields == nil {
			c.err = io.EOF
			return nil, io.EOF
		}
		c.start = next
		return fields, nil
	}
}

func (c *csvReader) errAt(pos int, base error, detail string) error {
	return &ParseError{File: c.file, Line: c.line, Column: pos - c.lineStart + 1, Err: base, Detail: detail}
}

// parse parses one record starting at c.start. It returns nil fields at the
// end of input, and errNeedMore when the buffered data ends mid-record and
// more may follow.
func (c *csvReader) parse() ([][]byte, int, error) {
	buf := c.buf[:c.end]
	p := c.start
	// Skip blank lines.
	for {
		if p >= len(buf) {
			if !c.eof {
				return nil, 0, errNeedMore
			}
			return nil, 0, nil
		}
		if buf[p] == '\n' {
			p++
			c.line++
			c.lineStart = p
			continue
		}
		if buf[p] == '\r' {
			if p+1 >= len(buf) {
				if !c.eof {
					return nil, 0, errNeedMore
				}
				return nil, 0, nil
			}
			if buf[p+1] == '\n' {
				p += 2
				c.line++
				c.lineStart = p
				continue
			}
		}
		break
	}
	c.recLine = c.line
	fields := c.fields[:0]
	c.scratch = c.scratch[:0]
	// Quoted fields that need unescaping are appended to scratch; their
	// slices are taken once the record is complete, since scratch may grow.
	type span struct{ idx, from, to int }
	var spans []span
	for {
		if p < len(buf) && buf[p] == '"' {
			// Quoted field.
			q := p + 1
			from := q
			escaped := false
			sFrom := len(c.scratch)
			for {
				i := bytes.IndexByte(buf[q:], '"')
				if i < 0 {
					if !c.eof {
						return nil, 0, errNeedMore
					}
					c.line += bytes.Count(buf[q:], []byte{'\n'})
					return nil, 0, &ParseError{File: c.file, Line: c.recLine, Err: ErrQuote, Detail: "quoted field not closed before end of file"}
				}
				seg := buf[q : q+i]
				if nl := bytes.Count(seg, []byte{'\n'}); nl > 0 {
					c.line += nl
					c.lineStart = q + bytes.LastIndexByte(seg, '\n') + 1
				}
				j := q + i + 1 // byte after the quote
				if j >= len(buf) && !c.eof {
					return nil, 0, errNeedMore
				}
				if j < len(buf) && buf[j] == '"' {
					// Doubled quote: an escaped quote character.
					if !escaped {
						escaped = true
						c.scratch = append(c.scratch, buf[from:q+i+1]...)
					} else {
						c.scratch = append(c.scratch, buf[q:q+i+1]...)
					}
					q = j + 1
					continue
				}
				// Closing quote.
				if escaped {
					c.scratch = append(c.scratch, buf[q:q+i]...)
					spans = append(spans, span{len(fields), sFrom, len(c.scratch)})
					fields = append(fields, nil)
				} else {
					fields = append(fields, buf[from:q+i])
				}
				p = j
				break
			}
			if p >= len(buf) {
				break // end of input ends the record
			}
			switch buf[p] {
			case c.comma:
				p++
				if p >= len(buf) && !c.eof {
					return nil, 0, errNeedMore
				}
				continue
			case '\n':
				p++
				c.line++
				c.lineStart = p
			case '\r':
				if p+1 >= len(buf) && !c.eof {
					return nil, 0, errNeedMore
				}
				if p+1 < len(buf) && buf[p+1] == '\n' {
					p += 2
					c.line++
					c.lineStart = p
				} else {
					return nil, 0, c.errAt(p, ErrQuote, "carriage return after closing quote")
				}
			default:
				return nil, 0, c.errAt(p, ErrQuote, fmt.Sprintf("unexpected %q after closing quote", buf[p]))
			}
			break
		}
		// Unquoted field: up to the next comma or line end.
		q := p
		for q < len(buf) {
			b := buf[q]
			if b == c.comma || b == '\n' {
				break
			}
			if b == '"' {
				return nil, 0, c.errAt(q, ErrQuote, `bare " in unquoted field (quote the whole field and double the quote)`)
			}
			q++
		}
		if q >= len(buf) && !c.eof {
			return nil, 0, errNeedMore
		}
		f := buf[p:q]
		if q >= len(buf) || buf[q] == '\n' {
			if n := len(f); n > 0 && f[n-1] == '\r' {
				f = f[:n-1]
			}
			fields = append(fields, f)
			if q < len(buf) {
				q++
				c.line++
				c.lineStart = q
			}
			p = q
			break
		}
		fields = append(fields, f)
		p = q + 1
		if p >= len(buf) && !c.eof {
			return nil, 0, errNeedMore
		}
		if p >= len(buf) {
			fields = append(fields, buf[p:p]) // trailing comma at EOF: one more empty field
			break
		}
	}
	for _, s := range spans {
		fields[s.idx] = c.scratch[s.from:s.to]
	}
	c.fields = fields
	return fields, p, nil
}
