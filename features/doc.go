// Package features turns a user's table into typed columns and features.
//
// Load reads CSV (RFC 4180; comma, semicolon or tab; plain, gzip or zstd)
// or Parquet into a Frame of typed Columns (numeric, categorical, text,
// identifier, datetime). A Frame remembers the file line of each row, so
// that a value found bad later is reported where it is (Frame.ValueError),
// and what loading did unasked (Frame.Warnings: stray strings in a numeric
// column read as missing). Profile summarises a
// Frame for people and planners. The transform language (subpackage dsl)
// describes feature engineering that is parsed, validated, fitted on training
// rows only and applied identically at prediction time.
//
// Nothing here knows about models or studies.
package features
