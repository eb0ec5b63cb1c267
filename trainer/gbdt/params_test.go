package gbdt

import (
	"strings"
	"testing"
)

func TestParseParamsAliasesAndDefaults(t *testing.T) {
	p, err := ParseParams(map[string]string{
		"num_trees": "200", "eta": "0.05", "max_leaves": "15", "min_child_samples": "7",
		"reg_lambda": "1.5", "colsample_bytree": "0.8", "subsample": "0.7", "subsample_freq": "1",
		"is_unbalance": "true", "early_stopping_rounds": "30", "random_state": "9", "n_jobs": "2",
		"objective": "binary", "metric": "auc",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultParams()
	want.NumIterations, want.LearningRate, want.NumLeaves, want.MinDataInLeaf = 200, 0.05, 15, 7
	want.LambdaL2, want.FeatureFraction, want.BaggingFraction, want.BaggingFreq = 1.5, 0.8, 0.7, 1
	want.IsUnbalance, want.EarlyStoppingRound, want.Seed, want.NumThreads, want.Metric = true, 30, 9, 2, "auc"
	if p != want {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
	d := DefaultParams()
	if d.NumIterations != 100 || d.LearningRate != 0.1 || d.NumLeaves != 31 || d.MinDataInLeaf != 20 ||
		d.MinSumHessianInLeaf != 1e-3 || d.MaxBin != 255 || d.MaxCatToOnehot != 4 || d.MaxCatThreshold != 32 ||
		d.CatSmooth != 10 || d.CatL2 != 10 || d.MaxDepth != -1 || d.ScalePosWeight != 1 {
		t.Fatalf("defaults differ from LightGBM's: %+v", d)
	}
}

func TestParseParamsErrorsNameParameterAndRange(t *testing.T) {
	cases := []struct {
		kv   map[string]string
		want string
	}{
		{map[string]string{"num_leaves": "1"}, "num_leaves = 1 out of range, valid: 2..131072"},
		{map[string]string{"learning_rate": "-0.1"}, "learning_rate = -0.1 out of range, valid: > 0"},
		{map[string]string{"feature_fraction": "1.5"}, "feature_fraction = 1.5 out of range, valid: (0, 1]"},
		{map[string]string{"bagging_fraction": "0"}, "bagging_fraction = 0 out of range"},
		{map[string]string{"max_bin": "1000"}, "max_bin = 1000 out of range, valid: 2..255"},
		{map[string]string{"num_iterations": "ten"}, `num_iterations: "ten" is not an integer`},
		{map[string]string{"lambda_l1": "abc"}, `lambda_l1: "abc" is not a number`},
		{map[string]string{"is_unbalance": "maybe"}, `is_unbalance: "maybe" is not a boolean`},
		{map[string]string{"objective": "regression"}, `objective: "regression" is not supported`},
		{map[string]string{"num_leafs": "3"}, `unknown parameter "num_leafs"`},
		{map[string]string{"num_trees": "3", "num_iterations": "4"}, `parameter "num_iterations" given twice`},
		{map[string]string{"is_unbalance": "true", "scale_pos_weight": "3"}, "is_unbalance and scale_pos_weight"},
		{map[string]string{"metric": "rmse"}, `metric: "rmse" is not one of binary_logloss, auc`},
		{map[string]string{"min_data_in_leaf": "-1"}, "min_data_in_leaf = -1 out of range, valid: >= 0"},
	}
	for _, c := range cases {
		_, err := ParseParams(c.kv)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to contain %q", c.kv, err, c.want)
		}
	}
}
