package gbdt

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/trainer"
)

// TestFeatureNamesKeepWhatLightGBMAllows: a feature name reaches the model
// file as it is unless the format cannot carry a character (issue 16: 分类
// became ______).
func TestFeatureNamesKeepWhatLightGBMAllows(t *testing.T) {
	cases := []struct{ in, want string }{
		{"分类", "分类"},
		{"Größe_ü", "Größe_ü"},
		{"a b", "a_b"},
		{"x=1", "x_1"},
		{"日本語:列", "日本語_列"},
		{`q"[0]{k},v`, "q__0__k__v"},
		{"tab\there\nnl", "tab_here_nl"},
		{"ideographic\u3000space", "ideographic_space"},
		{"bad\xffutf8", "bad_utf8"},
		{"log1p(amount)", "log1p(amount)"},
		{"", "Column_3"},
	}
	for _, c := range cases {
		if got := sanitizeName(c.in, 3); got != c.want {
			t.Errorf("sanitizeName(%q) = %q, want %q", c.in, got, c.want)
		}
	}

	names := []string{"分类", "a b", "x=1", "日本語:列"}
	ds := &trainer.Dataset{Rows: 60}
	y := make([]float64, 60)
	for j, n := range names {
		f := trainer.Feature{Name: n, Values: make([]float64, 60)}
		for i := range f.Values {
			f.Values[i] = float64((i*(j+3))%11) + float64(i%2)
		}
		ds.Features = append(ds.Features, f)
	}
	for i := range y {
		y[i] = float64(i % 2)
	}
	ctx := context.Background()
	p, err := ParseParams(map[string]string{"num_iterations": "3", "min_data_in_leaf": "5"})
	if err != nil {
		t.Fatal(err)
	}
	binned, err := NewBinnedDataset(ctx, ds, p.MaxBin)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(ctx, p, Data{Binned: binned, Labels: y}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := m.WriteText(&file); err != nil {
		t.Fatal(err)
	}
	if want := "\nfeature_names=分类 a_b x_1 日本語_列\n"; !strings.Contains(file.String(), want) {
		t.Errorf("model file lacks %q", want)
	}
	lm, err := LoadLeaves(&file)
	if err != nil {
		t.Fatalf("leaves cannot read the model back: %v", err)
	}
	if lm.NumFeatures() != len(names) {
		t.Errorf("leaves reads %d features, want %d", lm.NumFeatures(), len(names))
	}
}
