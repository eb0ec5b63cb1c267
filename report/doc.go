// Package report turns one snapshot of a study (studyview.Study) into the
// morning report: a Jupyter notebook (nbformat 4.5) and a self-contained
// HTML page with the same content.
//
// A report is a Doc — a list of cells, each markdown blocks or a Python
// code cell with its pre-rendered outputs (HTML tables, PNG figures drawn
// with gonum/plot) — rendered twice: as notebook JSON (Notebook) and as
// HTML (HTML). Every code cell is real Python that recomputes its table or
// figure from `nightshift export --json`; cells whose data a test compares
// carry the data as an application/json output.
//
// It reads, never trains: it imports the read model and the journal, never
// the experiment or trainer packages, and never takes the journal's write
// lock, so it runs while a study does. Everything from the data file or a
// planner (column names, category values, hypotheses, error texts) is
// untrusted and escaped in both renderings; the HTML page loads nothing
// (a Content-Security-Policy forbids scripts and remote fetches, images
// are data: URIs). The same snapshot gives the same bytes, the
// generated-at line aside.
package report
