// Package gbdt is nightshift's histogram gradient-boosted tree trainer for
// binary classification. It writes standard LightGBM text models, which
// github.com/dmitryikh/leaves (inside nightshift) and LightGBM itself load.
//
// The model, in the order data flows:
//
//   - BinnedDataset: a trainer.Dataset quantised once to at most max_bin
//     bins per feature (uint8, column-major; NaN gets its own bin;
//     categorical codes get one bin each, most frequent first, bin 0 for
//     NaN/rare/unseen). Build it with NewBinnedDataset(ctx, ds, maxBin), or
//     feature by feature with a Binner (NewBinner, Add, Dataset: the same
//     bins, and each feature's float64 values can be dropped once binned),
//     and reuse it for every trial and fold; BinnedDataset.Bin(ctx, other)
//     bins a separate validation Dataset with the same bounds.
//   - Params: LightGBM's parameter names, aliases and defaults
//     (DefaultParams, ParseParams(map[string]string)).
//   - Train(ctx, params, Data{Binned, Labels, Rows}, *Data) grows trees
//     leaf-wise with binary log-loss from the average (boost_from_average),
//     learning the NaN direction per split and native categorical splits,
//     with histogram subtraction (the smaller child is built), float32
//     ordered gradients, a stable in-place row partition (sixteen rows
//     at a time with AVX-512), cache-blocked
//     feature-parallel histograms (hist.go: amd64 assembly kernels take up
//     to four features per pass over a leaf's rows, read each row id and
//     gradient pair once for them and add a float64 gradient/hessian pair
//     with one instruction; the root reads bins and gradients in place;
//     force_row_wise switches to row-major bins), gradients with an inline
//     exponential, eight rows at a time with AVX-512 or four with AVX2
//     (grad.go), and no
//     allocation per node. The kernels and their portable Go loops (build
//     tag purego, or any other GOARCH) give the same bits. The parallel
//     sections of a fit (some 100 a tree) run on a team of num_threads
//     goroutines started once per Train call (team.go), which poll, then
//     park, between sections. A fold is a Rows subset; the optional
//     validation Data drives early_stopping_round.
//   - use_quantized_grad (quant.go; LightGBM's parameters and defaults,
//     Shi et al., NeurIPS 2022): each iteration's gradients and hessians
//     are discretized to num_grad_quant_bins levels with stochastic
//     rounding seeded per row (so the model still does not depend on
//     num_threads), packed into one integer per row, and summed into
//     integer histograms (int32 bins for leaves with fewer than 2^16 /
//     num_grad_quant_bins rows, int64 above; subtraction widens or narrows
//     in place), with integer-add assembly kernels on amd64 and the
//     discretization eight rows at a time with AVX-512 (the same bits as
//     its Go loop). The root is summed from the columns; every other leaf
//     from a row-major copy of the bins (rows x features bytes, made once
//     per dataset) and its rows' pairs in 16 bits, its rows cut into one
//     chunk per worker, each summed into histograms of its own and added
//     up after: integer sums do not depend on the order. Off by default,
//     as in LightGBM.
//   - Model: PredictRaw / PredictProba on a trainer.Dataset (own scoring),
//     FeatureImportance (split count and gain), BestIteration, and
//     WriteText (LightGBM text format, version=v3, exact tree_sizes).
//   - LoadLeaves / LoadLeavesFile: read any such model through leaves for
//     prediction; a malformed file is an error, never a panic or a hang.
//
// Guarantees: leaves' probabilities equal PredictProba to 1e-12 (in the tests
// they are bit-identical); the same data, parameters and seed give a
// byte-identical model file whatever num_threads is; a single-class training
// set is ErrSingleClass. max_bin is limited to 255 because bins are bytes.
// Nothing here reads files other than a model given to the loader, and
// nothing looks at labels while binning.
package gbdt
