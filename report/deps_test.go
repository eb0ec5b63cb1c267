package report

import (
	"os/exec"
	"strings"
	"testing"
)

// The report reads, never trains: neither it nor the read model depends
// on the experiment package or a trainer.
func TestReportImportsNothingThatTrains(t *testing.T) {
	for _, pkg := range []string{"github.com/nightshift-ml/nightshift/report", "github.com/nightshift-ml/nightshift/experiment/studyview"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Skipf("go list: %v", err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if !strings.HasPrefix(dep, "github.com/nightshift-ml/nightshift/") {
				continue
			}
			rest := strings.TrimPrefix(dep, "github.com/nightshift-ml/nightshift/")
			switch {
			case rest == "experiment", strings.HasPrefix(rest, "trainer"), strings.HasPrefix(rest, "features/dsl"),
				strings.HasPrefix(rest, "experiment/") && rest != "experiment/studyview" && rest != "experiment/atomicfile":
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
