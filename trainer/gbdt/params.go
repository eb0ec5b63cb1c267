package gbdt

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Params are the training parameters. Names, aliases and defaults follow
// LightGBM's (docs/Parameters.rst); only the binary objective exists.
type Params struct {
	NumIterations       int     // num_iterations: boosting rounds (trees)
	LearningRate        float64 // learning_rate: shrinkage folded into leaf values
	NumLeaves           int     // num_leaves: leaves per tree (leaf-wise growth)
	MaxDepth            int     // max_depth: <= 0 means no limit
	MinDataInLeaf       int     // min_data_in_leaf
	MinSumHessianInLeaf float64 // min_sum_hessian_in_leaf
	LambdaL1            float64 // lambda_l1
	LambdaL2            float64 // lambda_l2
	MinGainToSplit      float64 // min_gain_to_split
	FeatureFraction     float64 // feature_fraction: features sampled per tree
	BaggingFraction     float64 // bagging_fraction: rows sampled per bag
	BaggingFreq         int     // bagging_freq: re-bag every k rounds, 0 = no bagging
	ScalePosWeight      float64 // scale_pos_weight: weight of positive rows
	IsUnbalance         bool    // is_unbalance: weight classes to balance
	MaxBin              int     // max_bin: used when binning (NewBinnedDataset)
	MaxCatToOnehot      int     // max_cat_to_onehot: one-vs-rest below this many categories
	MaxCatThreshold     int     // max_cat_threshold: most categories on one side
	CatSmooth           float64 // cat_smooth
	CatL2               float64 // cat_l2
	MinDataPerGroup     int     // min_data_per_group: rows per categorical group
	EarlyStoppingRound  int     // early_stopping_round: 0 = off
	Metric              string  // metric for early stopping: binary_logloss or auc
	BoostFromAverage    bool    // boost_from_average
	Seed                int64   // seed: bagging and feature sampling
	NumThreads          int     // num_threads: 0 = GOMAXPROCS
	ForceRowWise        bool    // force_row_wise: histograms from row-major bins
	ForceColWise        bool    // force_col_wise: histograms from columns

	// Quantized training (Shi et al., "Quantized Training of Gradient
	// Boosting Decision Trees", NeurIPS 2022; LightGBM's
	// gradient_discretizer.cpp): see quant.go.
	UseQuantizedGrad    bool // use_quantized_grad: integer gradients and histograms
	NumGradQuantBins    int  // num_grad_quant_bins: levels of a discretized gradient
	QuantTrainRenewLeaf bool // quant_train_renew_leaf: leaf values from the exact gradients (cat_l2 kept below categorical splits, unlike LightGBM)
	StochasticRounding  bool // stochastic_rounding: round gradients at random (unbiased)
}

// DefaultParams returns LightGBM's defaults for the binary objective.
func DefaultParams() Params {
	return Params{
		NumIterations:       100,
		LearningRate:        0.1,
		NumLeaves:           31,
		MaxDepth:            -1,
		MinDataInLeaf:       20,
		MinSumHessianInLeaf: 1e-3,
		FeatureFraction:     1,
		BaggingFraction:     1,
		ScalePosWeight:      1,
		MaxBin:              255,
		MaxCatToOnehot:      4,
		MaxCatThreshold:     32,
		CatSmooth:           10,
		CatL2:               10,
		MinDataPerGroup:     100,
		Metric:              "binary_logloss",
		BoostFromAverage:    true,
		NumGradQuantBins:    4,
		StochasticRounding:  true,
	}
}

// paramAliases maps every accepted name to its canonical LightGBM name.
var paramAliases = map[string]string{
	"num_iterations": "num_iterations", "num_iteration": "num_iterations", "n_iter": "num_iterations",
	"num_tree": "num_iterations", "num_trees": "num_iterations", "num_round": "num_iterations",
	"num_rounds": "num_iterations", "nrounds": "num_iterations", "num_boost_round": "num_iterations",
	"n_estimators": "num_iterations", "max_iter": "num_iterations",
	"learning_rate": "learning_rate", "shrinkage_rate": "learning_rate", "eta": "learning_rate",
	"num_leaves": "num_leaves", "num_leaf": "num_leaves", "max_leaves": "num_leaves", "max_leaf": "num_leaves",
	"max_leaf_nodes":   "num_leaves",
	"max_depth":        "max_depth",
	"min_data_in_leaf": "min_data_in_leaf", "min_data_per_leaf": "min_data_in_leaf", "min_data": "min_data_in_leaf",
	"min_child_samples": "min_data_in_leaf", "min_samples_leaf": "min_data_in_leaf",
	"min_sum_hessian_in_leaf": "min_sum_hessian_in_leaf", "min_sum_hessian_per_leaf": "min_sum_hessian_in_leaf",
	"min_sum_hessian": "min_sum_hessian_in_leaf", "min_hessian": "min_sum_hessian_in_leaf",
	"min_child_weight": "min_sum_hessian_in_leaf",
	"lambda_l1":        "lambda_l1", "reg_alpha": "lambda_l1", "l1_regularization": "lambda_l1",
	"lambda_l2": "lambda_l2", "reg_lambda": "lambda_l2", "lambda": "lambda_l2", "l2_regularization": "lambda_l2",
	"min_gain_to_split": "min_gain_to_split", "min_split_gain": "min_gain_to_split",
	"feature_fraction": "feature_fraction", "sub_feature": "feature_fraction", "colsample_bytree": "feature_fraction",
	"bagging_fraction": "bagging_fraction", "sub_row": "bagging_fraction", "subsample": "bagging_fraction",
	"bagging":      "bagging_fraction",
	"bagging_freq": "bagging_freq", "subsample_freq": "bagging_freq",
	"scale_pos_weight": "scale_pos_weight",
	"is_unbalance":     "is_unbalance", "unbalance": "is_unbalance", "unbalanced_sets": "is_unbalance",
	"max_bin": "max_bin", "max_bins": "max_bin",
	"max_cat_to_onehot":    "max_cat_to_onehot",
	"max_cat_threshold":    "max_cat_threshold",
	"cat_smooth":           "cat_smooth",
	"cat_l2":               "cat_l2",
	"min_data_per_group":   "min_data_per_group",
	"early_stopping_round": "early_stopping_round", "early_stopping_rounds": "early_stopping_round",
	"early_stopping": "early_stopping_round", "n_iter_no_change": "early_stopping_round",
	"metric": "metric", "metrics": "metric", "metric_types": "metric",
	"boost_from_average": "boost_from_average",
	"seed":               "seed", "random_seed": "seed", "random_state": "seed",
	"num_threads": "num_threads", "num_thread": "num_threads", "nthread": "num_threads",
	"nthreads": "num_threads", "n_jobs": "num_threads",
	"force_row_wise": "force_row_wise", "force_col_wise": "force_col_wise",
	"use_quantized_grad": "use_quantized_grad", "num_grad_quant_bins": "num_grad_quant_bins",
	"quant_train_renew_leaf": "quant_train_renew_leaf", "stochastic_rounding": "stochastic_rounding",
	"objective": "objective", "objective_type": "objective", "app": "objective", "application": "objective",
	"loss": "objective",
}

// ParseParams starts from DefaultParams and applies kv, whose keys are
// LightGBM parameter names or aliases. Unknown names, unparsable values and
// values outside a parameter's range are errors naming the parameter.
func ParseParams(kv map[string]string) (Params, error) {
	p := DefaultParams()
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic first error
	seen := map[string]string{}
	for _, k := range keys {
		name, ok := paramAliases[strings.TrimSpace(k)]
		if !ok {
			return p, fmt.Errorf("gbdt: unknown parameter %q", k)
		}
		if prev, dup := seen[name]; dup {
			return p, fmt.Errorf("gbdt: parameter %q given twice (as %q and %q)", name, prev, k)
		}
		seen[name] = k
		if err := p.set(name, strings.TrimSpace(kv[k])); err != nil {
			return p, err
		}
	}
	return p, p.Validate()
}

// set parses v into the field of the canonical parameter name. The switch is
// the table: one case a parameter, naming its field and the parser of its
// kind, where the compiler checks that the two agree.
func (p *Params) set(name, v string) error {
	switch name {
	case "num_iterations":
		return parseIntParam(name, v, &p.NumIterations)
	case "learning_rate":
		return parseFloatParam(name, v, &p.LearningRate)
	case "num_leaves":
		return parseIntParam(name, v, &p.NumLeaves)
	case "max_depth":
		return parseIntParam(name, v, &p.MaxDepth)
	case "min_data_in_leaf":
		return parseIntParam(name, v, &p.MinDataInLeaf)
	case "min_sum_hessian_in_leaf":
		return parseFloatParam(name, v, &p.MinSumHessianInLeaf)
	case "lambda_l1":
		return parseFloatParam(name, v, &p.LambdaL1)
	case "lambda_l2":
		return parseFloatParam(name, v, &p.LambdaL2)
	case "min_gain_to_split":
		return parseFloatParam(name, v, &p.MinGainToSplit)
	case "feature_fraction":
		return parseFloatParam(name, v, &p.FeatureFraction)
	case "bagging_fraction":
		return parseFloatParam(name, v, &p.BaggingFraction)
	case "bagging_freq":
		return parseIntParam(name, v, &p.BaggingFreq)
	case "scale_pos_weight":
		return parseFloatParam(name, v, &p.ScalePosWeight)
	case "is_unbalance":
		return parseBoolParam(name, v, &p.IsUnbalance)
	case "max_bin":
		return parseIntParam(name, v, &p.MaxBin)
	case "max_cat_to_onehot":
		return parseIntParam(name, v, &p.MaxCatToOnehot)
	case "max_cat_threshold":
		return parseIntParam(name, v, &p.MaxCatThreshold)
	case "cat_smooth":
		return parseFloatParam(name, v, &p.CatSmooth)
	case "cat_l2":
		return parseFloatParam(name, v, &p.CatL2)
	case "min_data_per_group":
		return parseIntParam(name, v, &p.MinDataPerGroup)
	case "early_stopping_round":
		return parseIntParam(name, v, &p.EarlyStoppingRound)
	case "metric":
		return p.setMetric(v)
	case "boost_from_average":
		return parseBoolParam(name, v, &p.BoostFromAverage)
	case "seed":
		return parseInt64Param(name, v, &p.Seed)
	case "num_threads":
		return parseIntParam(name, v, &p.NumThreads)
	case "force_row_wise":
		return parseBoolParam(name, v, &p.ForceRowWise)
	case "force_col_wise":
		return parseBoolParam(name, v, &p.ForceColWise)
	case "use_quantized_grad":
		return parseBoolParam(name, v, &p.UseQuantizedGrad)
	case "num_grad_quant_bins":
		return parseIntParam(name, v, &p.NumGradQuantBins)
	case "quant_train_renew_leaf":
		return parseBoolParam(name, v, &p.QuantTrainRenewLeaf)
	case "stochastic_rounding":
		return parseBoolParam(name, v, &p.StochasticRounding)
	case "objective":
		return checkObjective(v)
	}
	return nil
}

// badParam is the error for a value of parameter name that is not of its kind.
func badParam(name, v, kind string) error {
	return fmt.Errorf("gbdt: parameter %s: %q is not %s", name, v, kind)
}

func parseIntParam(name, v string, dst *int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return badParam(name, v, "an integer")
	}
	*dst = n
	return nil
}

func parseInt64Param(name, v string, dst *int64) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return badParam(name, v, "an integer")
	}
	*dst = n
	return nil
}

// parseFloatParam refuses NaN, which no range check would catch.
func parseFloatParam(name, v string, dst *float64) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) {
		return badParam(name, v, "a number")
	}
	*dst = f
	return nil
}

func parseBoolParam(name, v string, dst *bool) error {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "+":
		*dst = true
	case "false", "0", "no", "-":
		*dst = false
	default:
		return badParam(name, v, "a boolean (true or false)")
	}
	return nil
}

// setMetric takes LightGBM's names for the two metrics early stopping knows.
func (p *Params) setMetric(v string) error {
	switch v {
	case "binary_logloss", "binary", "logloss":
		p.Metric = "binary_logloss"
	case "auc":
		p.Metric = "auc"
	default:
		return fmt.Errorf("gbdt: parameter metric: %q is not one of binary_logloss, auc", v)
	}
	return nil
}

func checkObjective(v string) error {
	if v != "binary" {
		return fmt.Errorf("gbdt: parameter objective: %q is not supported, only binary", v)
	}
	return nil
}

// Validate checks every parameter against its valid range; the error names
// the parameter and the range.
func (p Params) Validate() error {
	type check struct {
		name  string
		ok    bool
		valid string
		value any
	}
	checks := []check{
		{"num_iterations", p.NumIterations >= 1, ">= 1", p.NumIterations},
		{"learning_rate", p.LearningRate > 0 && !math.IsInf(p.LearningRate, 0), "> 0", p.LearningRate},
		{"num_leaves", p.NumLeaves >= 2 && p.NumLeaves <= 131072, "2..131072", p.NumLeaves},
		{"min_data_in_leaf", p.MinDataInLeaf >= 0, ">= 0", p.MinDataInLeaf},
		{"min_sum_hessian_in_leaf", p.MinSumHessianInLeaf >= 0, ">= 0", p.MinSumHessianInLeaf},
		{"lambda_l1", p.LambdaL1 >= 0 && !math.IsInf(p.LambdaL1, 0), ">= 0", p.LambdaL1},
		{"lambda_l2", p.LambdaL2 >= 0 && !math.IsInf(p.LambdaL2, 0), ">= 0", p.LambdaL2},
		{"min_gain_to_split", p.MinGainToSplit >= 0 && !math.IsInf(p.MinGainToSplit, 0), ">= 0", p.MinGainToSplit},
		{"feature_fraction", p.FeatureFraction > 0 && p.FeatureFraction <= 1, "(0, 1]", p.FeatureFraction},
		{"bagging_fraction", p.BaggingFraction > 0 && p.BaggingFraction <= 1, "(0, 1]", p.BaggingFraction},
		{"bagging_freq", p.BaggingFreq >= 0, ">= 0", p.BaggingFreq},
		{"scale_pos_weight", p.ScalePosWeight > 0 && !math.IsInf(p.ScalePosWeight, 0), "> 0", p.ScalePosWeight},
		{"max_bin", p.MaxBin >= 2 && p.MaxBin <= 255, "2..255 (bins are stored as uint8)", p.MaxBin},
		{"max_cat_to_onehot", p.MaxCatToOnehot >= 1, ">= 1", p.MaxCatToOnehot},
		{"max_cat_threshold", p.MaxCatThreshold >= 1, ">= 1", p.MaxCatThreshold},
		{"cat_smooth", p.CatSmooth >= 0 && !math.IsInf(p.CatSmooth, 0), ">= 0", p.CatSmooth},
		{"cat_l2", p.CatL2 >= 0 && !math.IsInf(p.CatL2, 0), ">= 0", p.CatL2},
		{"min_data_per_group", p.MinDataPerGroup >= 1, ">= 1", p.MinDataPerGroup},
		{"early_stopping_round", p.EarlyStoppingRound >= 0, ">= 0", p.EarlyStoppingRound},
		{"metric", p.Metric == "binary_logloss" || p.Metric == "auc", "binary_logloss or auc", p.Metric},
		{"num_grad_quant_bins", p.NumGradQuantBins >= 2 && p.NumGradQuantBins <= maxGradQuantBins, "2..127 (LightGBM keeps a discretized hessian in an int8)", p.NumGradQuantBins},
		{"num_threads", p.NumThreads >= 0 && p.NumThreads <= 1024, "0..1024 (0 = all cores)", p.NumThreads},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("gbdt: parameter %s = %v out of range, valid: %s", c.name, c.value, c.valid)
		}
	}
	if p.ForceRowWise && p.ForceColWise {
		return fmt.Errorf("gbdt: parameters force_row_wise and force_col_wise cannot both be true")
	}
	if p.IsUnbalance && p.ScalePosWeight != 1 {
		return fmt.Errorf("gbdt: parameters is_unbalance and scale_pos_weight = %v cannot be used together", p.ScalePosWeight)
	}
	return nil
}
