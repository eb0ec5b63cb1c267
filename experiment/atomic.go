package experiment

import (
	"io"

	"github.com/nightshift-ml/nightshift/experiment/atomicfile"
)

// WriteFileAtomic is atomicfile.Write: path appears only complete, or is
// left as it was.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}
