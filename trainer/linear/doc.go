// Package linear is nightshift's logistic regression: L2, L1, elastic-net or
// no penalty on standardised inputs, solved to a stated tolerance, with its
// preprocessing saved next to the coefficients.
//
// The objective is scikit-learn's LogisticRegression objective,
//
//	C · Σ_i s_i · logloss(y_i, b + x_i·w) + (1−ρ)/2 · ‖w‖² + ρ · ‖w‖₁,
//
// with ρ = l1_ratio (ρ = 0 for l2, 1 for l1, no penalty terms for none), the
// intercept b unpenalised and s_i the class weight of row i. L2 and none are
// minimised with gonum's L-BFGS; L1 and elastic-net with a proximal Newton
// method whose quadratic subproblems are solved by coordinate descent
// (newGLMNET: Yuan, Ho & Lin, JMLR 2012). Both stop when the largest entry of
// the (minimum-norm sub)gradient of the objective divided by C·Σ s_i is below
// tol, so coefficients agree with sklearn's lbfgs/saga at the optimum.
// L-BFGS runs on diagonally preconditioned variables (rare one-hot levels
// have tiny curvature) and, when its line search stalls at rounding level
// above tol, hands over to the Newton method to finish.
//
// Comparing with scikit-learn 1.2: its lbfgs passes only gtol to scipy, so
// scipy's default ftol (2.2e-9, relative) ends it at a gradient near 1e-6
// whatever tol is, 1e-4..5e-4 from the optimum in the coefficients on
// creditcard_10k; newton-cg (tol 1e-10) and saga (tol 1e-10) reach it, and
// the tests compare against those (testdata/gen_sklearn.py).
//
// Preprocessing (fitted on the training rows, stored in the model):
//   - numeric features: mean imputation; a missing-indicator column when the
//     training rows had a missing value; value and indicator standardised
//     with the population standard deviation (sklearn's StandardScaler; a
//     constant column keeps scale 1);
//   - categorical features (integer codes): one 0/1 column per level, for at
//     most max_levels levels with at least min_level_count rows (most frequent
//     first); rarer levels share one "other" column, a missing code gets a
//     "missing" column when the training rows had one; levels never seen in
//     training score as "other" when there is one, else contribute nothing
//     (sklearn's handle_unknown="ignore"), and so does a missing code when
//     training had none. A numeric NaN at prediction is imputed with the
//     training mean (and sets the indicator if there is one);
//     one-hot columns are not scaled (as the peers' OneHotEncoder);
//   - sparse blocks: used as they are (no centring, which would destroy
//     sparsity, and no scaling: hashed counts and tf-idf are already on a
//     common scale).
//
// Features are matched by name when scoring, so column order may differ.
// Fitting is single-threaded; run folds in parallel for more cores.
//
// The model is JSON (Save/Load) with a format name and version; Load checks
// every field and returns an error instead of a model it cannot trust.
package linear
