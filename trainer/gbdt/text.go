package gbdt

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// formatFloat writes the shortest decimal that parses back to v exactly,
// which both LightGBM's and leaves' parsers read without loss.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func joinFloats(b *strings.Builder, key string, vs []float64) {
	b.WriteString(key)
	b.WriteByte('=')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(formatFloat(v))
	}
	b.WriteByte('\n')
}

func joinInts[T int | int8 | uint32](b *strings.Builder, key string, vs []T) {
	b.WriteString(key)
	b.WriteByte('=')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(int64(v), 10))
	}
	b.WriteByte('\n')
}

// text renders one Tree= block exactly as LightGBM's Tree::ToString plus
// the saver's extra newline (src/io/tree.cpp, gbdt_model_text.cpp).
func (t *tree) text(i int) string {
	var b strings.Builder
	b.WriteString("Tree=" + strconv.Itoa(i) + "\n")
	b.WriteString("num_leaves=" + strconv.Itoa(t.numLeaves) + "\n")
	numCat := 0
	if len(t.catBoundaries) > 0 {
		numCat = len(t.catBoundaries) - 1
	}
	b.WriteString("num_cat=" + strconv.Itoa(numCat) + "\n")
	joinInts(&b, "split_feature", t.splitFeature)
	joinFloats(&b, "split_gain", t.splitGain)
	joinFloats(&b, "threshold", t.threshold)
	joinInts(&b, "decision_type", t.decisionType)
	joinInts(&b, "left_child", t.left)
	joinInts(&b, "right_child", t.right)
	joinFloats(&b, "leaf_value", t.leafValue)
	joinFloats(&b, "leaf_weight", t.leafWeight)
	joinInts(&b, "leaf_count", t.leafCount)
	joinFloats(&b, "internal_value", t.internalValue)
	joinFloats(&b, "internal_weight", t.internalWeight)
	joinInts(&b, "internal_count", t.internalCount)
	if numCat > 0 {
		joinInts(&b, "cat_boundaries", t.catBoundaries)
		joinInts(&b, "cat_threshold", t.catThreshold)
	}
	b.WriteString("is_linear=0\n")
	b.WriteString("shrinkage=" + formatFloat(t.shrinkage) + "\n")
	b.WriteString("\n\n")
	return b.String()
}

// WriteText writes the model in LightGBM's text format with version=v3
// (leaves rejects v4; LightGBM ignores the line) and exact tree_sizes, which
// LightGBM uses as byte offsets. See docs/lightgbm-model-format.md.
func (m *Model) WriteText(w io.Writer) error {
	blocks := make([]string, len(m.trees))
	sizes := make([]int, len(m.trees))
	for i, t := range m.trees {
		blocks[i] = t.text(i)
		sizes[i] = len(blocks[i])
	}
	bw := bufio.NewWriter(w)
	var h strings.Builder
	h.WriteString("tree\nversion=v3\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\n")
	h.WriteString("max_feature_idx=" + strconv.Itoa(len(m.names)-1) + "\n")
	h.WriteString("objective=binary sigmoid:1\n")
	h.WriteString("feature_names=" + strings.Join(m.names, " ") + "\n")
	h.WriteString("feature_infos=" + strings.Join(m.infos, " ") + "\n")
	joinInts(&h, "tree_sizes", sizes)
	h.WriteString("\n")
	bw.WriteString(h.String())
	for _, s := range blocks {
		bw.WriteString(s)
	}
	bw.WriteString("end of trees\n\nfeature_importances:\n")
	for _, x := range m.sortedImportance() {
		bw.WriteString(x.Feature + "=" + strconv.Itoa(x.Splits) + "\n")
	}
	bw.WriteString("\npandas_categorical:null\n")
	return bw.Flush()
}
