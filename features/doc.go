// Package features turns a user's table into typed columns and features.
//
// Load reads CSV (RFC 4180) or Parquet into a Frame of typed Columns
// (numeric, categorical, text, identifier, datetime). Profile summarises a
// Frame for people and planners. The transform language (subpackage dsl)
// describes feature engineering that is parsed, validated, fitted on training
// rows only and applied identically at prediction time.
//
// Nothing here knows about models or studies.
package features
