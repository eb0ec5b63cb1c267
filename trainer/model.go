package trainer

// Model is a trained binary classifier: what every learner returns.
type Model interface {
	// PredictProba returns the positive class's probability for each row.
	PredictProba(d *Dataset) ([]float64, error)
}
