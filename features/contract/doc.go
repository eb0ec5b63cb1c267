// Package contract writes and checks a model's data contract: the schema and
// statistics its input rows must meet, as one Open Data Contract Standard
// v3.1 document (YAML, conventionally contract.odcs.yaml).
//
// The model:
//
//	Generate(search frame, profile) → Contract → Write(path) ... Read(path) → Contract
//	Load(contract, data file) → Input → Check(contract, input) → Report{Violations}
//
// A Contract holds one schema object (the input table) whose properties are
// the input columns: logical type, required or not, and nightshift's
// statistics of the rows it was generated from in customProperties (kind,
// null rate, mean/std, quantiles, population-stability bins, the category
// set with frequencies, the column's single-column AUC). Every check is an
// ODCS quality rule with a severity (error, warning or info) a person may
// edit, delete or copy with other limits; Check runs exactly the rules the
// document holds:
//
//   - library rules: nullValues (a required column: mustBe 0; otherwise a
//     ceiling on the null rate), invalidValues with validValues (the share
//     of rows holding categories the model never saw) or pattern, rowCount;
//   - custom rules with engine "nightshift", their limits in the rule's
//     customProperties: type (every value parses as the column's type),
//     range (the share of values outside logicalTypeOptions
//     minimum..maximum), psi (population stability index), and on the
//     table: missingColumns, extraColumns, labelLeak.
//
// Keys nightshift does not model are kept on Read and Write, so a contract a
// person extended survives being rewritten.
//
// Invariants: Generate must be given the rows the model was searched on and
// never the holdout (the contract is part of what promotion publishes, and
// the holdout must stay unseen); Load reads a file with the contract's
// column kinds forced, so a string in a numeric column is reported with its
// line, never silently turned into a categorical column.
package contract
