package report

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
)

// Paths are where a report was written.
type Paths struct {
	Notebook string // DIR/report.ipynb
	HTML     string // DIR/report.html
}

// Write builds the report of one snapshot and writes DIR/report.ipynb and
// DIR/report.html, each atomically (temp file in DIR, fsync, rename, fsync
// of DIR): a reader sees the old file or the new one, never a part.
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
	if err := writeAtomic(p.Notebook, nb); err != nil {
		return Paths{}, err
	}
	if err := writeAtomic(p.HTML, doc.HTML()); err != nil {
		return Paths{}, err
	}
	return p, nil
}

func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("%s: sync directory: %w", dir, err)
	}
	return nil
}
