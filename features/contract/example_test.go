package contract_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/contract"
)

// A model's contract is generated from the rows it was trained on, written
// beside the model, and checked against each new file before scoring.
func Example() {
	dir, _ := os.MkdirTemp("", "contract-example")
	defer os.RemoveAll(dir)
	raw, _ := os.ReadFile("../../testdata/data/criteo_200.csv")
	lines := strings.SplitAfter(string(raw), "\n")
	train := filepath.Join(dir, "train.csv")
	os.WriteFile(train, []byte(strings.Join(lines[:161], "")), 0o644)

	// Promotion: the training rows (never the holdout) and their profile.
	fr, _ := features.LoadFile(train, features.LoadOptions{Target: "label"})
	label, _ := features.ParseTarget(fr, "label", "")
	rows := fr.Without("label")
	c, err := contract.Generate(rows, features.ProfileFrame(rows, label, 1), contract.Options{Name: "click", Version: "1.0.0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	path := filepath.Join(dir, "contract.odcs.yaml")
	if err := c.Write(path); err != nil {
		fmt.Println(err)
		return
	}

	// The producer's CI: new rows where I2 now holds a word on two lines.
	fresh := lines[161:]
	for _, i := range []int{3, 17} {
		f := strings.Split(fresh[i], ",")
		f[2] = "twelve"
		fresh[i] = strings.Join(f, ",")
	}
	data := filepath.Join(dir, "new.csv")
	os.WriteFile(data, []byte(lines[0]+strings.Join(fresh, "")), 0o644)

	c, _ = contract.Read(path)
	in, err := contract.Load(context.Background(), c, data)
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, _ := contract.Check(context.Background(), c, in, contract.CheckOptions{})
	for _, v := range rep.Violations {
		if v.Severity == contract.SeverityError {
			fmt.Printf("%s %s [%s]: %d rows, first %q on line %d\n", v.Severity, v.Column, v.Check, v.Count, v.Examples[0].Value, v.Examples[0].Line)
		}
	}
	fmt.Println("failed:", rep.Failed())
	// Output:
	// error I2 [type]: 2 rows, first "twelve" on line 5
	// failed: true
}
