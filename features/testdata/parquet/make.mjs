// Writes the Parquet files the loader is tested against, with DuckDB as an
// independent writer (issue 16). Regenerate (see README.md here):
//
//	tmp=$(mktemp -d) && cp make.mjs "$tmp" && (cd "$tmp" && npm install @duckdb/node-api && node make.mjs "$OLDPWD")
//
// The data are a function of the row number only, so the files are the same
// on every run of the same DuckDB version.
import { DuckDBInstance } from '@duckdb/node-api';
import path from 'node:path';

const out = process.argv[2] ?? '.';
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
// One thread keeps the row order and splits the 2,500 rows into row groups
// of 2,048 (DuckDB's smallest) and 452.
await con.run('SET threads = 1');

// 2,500 rows: a consecutive id, decimals of three physical widths, the
// timestamp units, a date, booleans, small integers, floats, a
// low-cardinality string (dictionary-encoded by DuckDB) and a 0/1 label.
await con.run(`
CREATE TABLE t AS
SELECT
  i::INTEGER AS id,
  CASE WHEN i % 97 = 0 THEN NULL ELSE (1.5 + (i % 500) / 100)::DECIMAL(10,2) END AS price,
  ((i % 90) / 10 - 4.5)::DECIMAL(4,1) AS delta,
  (i * 1000.123456)::DECIMAL(38,6) AS big,
  TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i * 3600) AS ts,
  (TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i * 60))::TIMESTAMP_MS AS ts_ms,
  (TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i))::TIMESTAMP_NS AS ts_ns,
  (DATE '2020-02-29' + i::INTEGER) AS day,
  (i % 3 = 0) AS flag,
  (i % 7 - 3)::TINYINT AS small,
  (i % 200)::UTINYINT AS u8,
  (i / 8)::FLOAT AS f,
  (i / 3)::DOUBLE AS d,
  ['north', 'south', 'east', 'west', 'centre'][1 + i % 5] AS city,
  CASE WHEN (i * 7919) % 10 < 3 THEN 1 ELSE 0 END AS y
FROM range(1, 2501) r(i)
`);

const copy = async (name, opts) => {
  await con.run(`COPY t TO '${path.join(out, name)}' (${opts})`);
};
await copy('duckdb_zstd.parquet', "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1024");
await copy('duckdb_snappy.parquet', "FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 1024");
// The same table as CSV (the columns both formats can spell alike), to
// check that the kind rules agree between the formats.
await con.run(`COPY (SELECT id, price, delta, ts, day, small, u8, city, y FROM t) TO '${path.join(out, 'duckdb.csv')}' (FORMAT csv, HEADER)`);

const meta = await con.runAndReadAll(`
SELECT count(DISTINCT row_group_id) AS row_groups, min(compression) AS compression
FROM parquet_metadata('${path.join(out, 'duckdb_zstd.parquet')}')`);
console.log('duckdb', (await import('@duckdb/node-api')).default.version(), meta.getRowObjects());
