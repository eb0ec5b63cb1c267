package split_test

import (
	"fmt"

	"github.com/nightshift-ml/nightshift/trainer/split"
)

func ExampleStratifiedKFold() {
	y := []float64{0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1}
	folds, err := split.StratifiedKFold(y, 3, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, f := range folds {
		pos := 0
		for _, r := range f.Valid {
			pos += int(y[r])
		}
		fmt.Printf("fold %d: %d validation rows, %d positive\n", i, len(f.Valid), pos)
	}
	// Output:
	// fold 0: 4 validation rows, 1 positive
	// fold 1: 4 validation rows, 1 positive
	// fold 2: 4 validation rows, 2 positive
}
