package metrics_test

import (
	"fmt"

	"github.com/nightshift-ml/nightshift/trainer/metrics"
)

// The figures equal sklearn 1.2.1's roc_auc_score, average_precision_score,
// log_loss and brier_score_loss on the same six rows.
func ExampleCompute() {
	y := []float64{0, 0, 1, 1, 0, 1}
	p := []float64{0.1, 0.4, 0.35, 0.8, 0.4, 0.9}
	r, err := metrics.Compute(y, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("auc %.4f pr_auc %.4f logloss %.4f brier %.4f\n", r.AUC, r.PRAUC, r.LogLoss, r.Brier)
	fmt.Printf("at 0.5: precision %.2f recall %.2f; best F1 %.3f at score >= %v\n", r.Precision, r.Recall, r.BestF1, r.BestF1Threshold)
	// Output:
	// auc 0.7778 pr_auc 0.8667 logloss 0.4176 brier 0.1338
	// at 0.5: precision 1.00 recall 0.67; best F1 0.800 at score >= 0.8
}
