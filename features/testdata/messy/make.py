#!/usr/bin/env python3
"""Writes the small messy tables the loading tests read (issue 16).

Regenerate with `python3 make.py` in this folder (needs gzip and zstd on
PATH). Every file is deterministic (seeded), so regenerating changes nothing.
"""
import gzip
import random
import subprocess


def base_rows(n, seed):
    """n rows of x (gaussian), z (uniform) and a label y that x predicts."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        x = rng.gauss(0, 1)
        z = rng.random()
        y = 1 if x + rng.gauss(0, 1) > 0 else 0
        out.append([f"{x:.4f}", f"{z:.3f}", str(y)])
    return out


def write(name, header, rows, sep=",", end="\n"):
    with open(name, "w", newline="") as f:
        f.write(sep.join(header) + end)
        for r in rows:
            f.write(sep.join(r) + end)


# Huge values: one value in x at file line 52 (data row 51).
for name, v in [("huge_1e105.csv", "1e105"), ("huge_1e400.csv", "1e400"),
                ("huge_neg_1e308.csv", "-1.7e308"), ("tiny_1e-320.csv", "1e-320")]:
    rows = base_rows(200, 1)
    rows[50][0] = v
    write(name, ["x", "z", "y"], rows)

# Spellings of infinity and NaN among 1,000 numbers.
rows = base_rows(1000, 2)
for i, v in zip([10, 20, 30, 40, 50, 60, 70, 80], ["inf", "-inf", "Infinity", "-Infinity", "nan", "NaN", "INF", "+inf"]):
    rows[i][0] = v
write("inf_spellings.csv", ["x", "z", "y"], rows)

# Three stray words among 1,000 numbers: numeric, the words become missing.
rows = base_rows(1000, 3)
for i in [5, 400, 900]:
    rows[i][0] = "oops"
rows[600][1] = "n/a"
write("stray_words.csv", ["x", "z", "y"], rows)

# Stray words at the very top: still numeric.
rows = base_rows(1000, 4)
rows[0][0] = "oops"
rows[1][0] = "oops"
write("stray_first.csv", ["x", "z", "y"], rows)

# 2% words: too many to be strays, the column is categorical.
rows = base_rows(1000, 5)
for i in range(0, 1000, 50):
    rows[i][0] = "oops"
write("stray_too_many.csv", ["x", "z", "y"], rows)

# 11 distinct words (0.5% of rows each at most): too many distinct strays.
rows = base_rows(2000, 6)
for k in range(11):
    rows[100 + k][0] = f"word{k}"
write("stray_too_varied.csv", ["x", "z", "y"], rows)

# Five long sentences repeated over 3,000 rows: categorical, not text.
sentences = [
    "the customer called twice about a late delivery",
    "payment was declined by the bank on the first try",
    "account opened online with a verified email address",
    "order shipped to a different address than billing",
    "customer asked to cancel the subscription last week",
]
rng = random.Random(7)
rows = []
for _ in range(3000):
    k = rng.randrange(5)
    y = 1 if rng.random() < [0.1, 0.6, 0.2, 0.7, 0.3][k] else 0
    rows.append([f"{rng.random():.3f}", sentences[k], str(y)])
write("sentences.csv", ["z", "note", "y"], rows)

# Delimiters, compression, line ends.
rows = base_rows(120, 8)
write("semicolon.csv", ["x", "z", "y"], rows, sep=";")
write("tab.tsv", ["x", "z", "y"], rows, sep="\t")
write("cr_only.csv", ["x", "z", "y"], rows, end="\r")
write("plain.csv", ["x", "z", "y"], rows)
with open("plain.csv", "rb") as f:
    data = f.read()
with gzip.GzipFile("plain.csv.gz", "wb", mtime=0) as f:
    f.write(data)
subprocess.run(["zstd", "-q", "-f", "-19", "plain.csv", "-o", "plain.csv.zst"], check=True)
write("header_only.csv", ["x", "z", "y"], [])
with open("binary.csv", "wb") as f:
    f.write(bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + bytes(range(256)) * 4)

# Dates: a datetime column summarised as dates.
rng = random.Random(9)
rows = []
for i in range(100):
    d = 1 + i % 28
    m = 1 + (i // 28) % 12
    rows.append([f"2024-{m:02d}-{d:02d}", f"{rng.random():.3f}", str(i % 2)])
write("dates.csv", ["day", "z", "y"], rows)

# Names: a non-ASCII column name and a 10,000-character one.
rows = base_rows(200, 10)
write("names.csv", ["分类", "z" * 10000, "y"], rows)
