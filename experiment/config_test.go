package experiment

import (
	"encoding/json"
	"maps"
	"testing"
)

// TestGBDTParamsKeepWhatTheJournalSays: a study's fixed GBDT parameters come
// from its stored configuration, so a resumed study keeps them whatever the
// binary's --gbdt-quantized means now. A journal written before gbdt_params
// existed, with gbdt_quantized alone, meant use_quantized_grad=true alone.
func TestGBDTParamsKeepWhatTheJournalSays(t *testing.T) {
	for _, c := range []struct {
		stored string
		want   map[string]string
	}{
		{`{"data":"d.csv","target":"y"}`, nil},
		{`{"data":"d.csv","target":"y","gbdt_quantized":true}`, map[string]string{"use_quantized_grad": "true"}},
		{`{"data":"d.csv","target":"y","gbdt_quantized":true,"gbdt_params":{"use_quantized_grad":"true","num_grad_quant_bins":"16","quant_train_renew_leaf":"true"}}`, QuantizedGBDTParams()},
		{`{"data":"d.csv","target":"y","gbdt_quantized":true,"gbdt_params":{"use_quantized_grad":"true","num_grad_quant_bins":"8"}}`, map[string]string{"use_quantized_grad": "true", "num_grad_quant_bins": "8"}},
	} {
		var cfg StudyConfig
		if err := json.Unmarshal([]byte(c.stored), &cfg); err != nil {
			t.Fatalf("%s: %v", c.stored, err)
		}
		if got := cfg.gbdtParams(); !maps.Equal(got, c.want) {
			t.Errorf("%s: gbdtParams = %v, want %v", c.stored, got, c.want)
		}
	}
	// A new study's configuration round-trips through its JSON.
	cfg := StudyConfig{GBDTQuantized: true, GBDTParams: QuantizedGBDTParams()}
	b, err := json.Marshal(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	var back StudyConfig
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(back.gbdtParams(), QuantizedGBDTParams()) {
		t.Errorf("round trip of %s: gbdtParams = %v", b, back.gbdtParams())
	}
}
