package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nightshift-ml/nightshift/experiment/atomicfile"
	"github.com/nightshift-ml/nightshift/experiment/studyview"
)

// Paths are where a report was written.
type Paths struct {
	Notebook string // DIR/report.ipynb
	HTML     string // DIR/report.html
}

// Write builds the report of one snapshot and writes DIR/report.ipynb and
// DIR/report.html, each atomically (atomicfile: temp file in DIR, fsync,
// rename, fsync of DIR): a reader sees the old file or the new one, never
// a part.
func Write(s *studyview.Study, dir string, o Options) (Paths, error) {
	doc, err := Build(s, o)
	if err != nil {
		return Paths{}, err
	}
	nb, err := doc.Notebook()
	if err != nil {
		return Paths{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Paths{}, fmt.Errorf("report directory: %w", err)
	}
	p := Paths{Notebook: filepath.Join(dir, "report.ipynb"), HTML: filepath.Join(dir, "report.html")}
	for _, f := range []struct {
		path string
		data []byte
	}{{p.Notebook, nb}, {p.HTML, doc.HTML()}} {
		if err := atomicfile.Write(f.path, func(w io.Writer) error { _, err := w.Write(f.data); return err }); err != nil {
			return Paths{}, err
		}
	}
	return p, nil
}
