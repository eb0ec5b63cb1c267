package planner_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nightshift-ml/nightshift/experiment"
	"github.com/nightshift-ml/nightshift/experiment/planner"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
)

// TestFeatureMovesReadBinnedRangesInOrder: on vehicle_claims (read from
// ../shared when present) the profile's binned-range categoricals — and
// only they — get one move that replaces each by range_mid, and the move
// passes the transform language's checks.
func TestFeatureMovesReadBinnedRangesInOrder(t *testing.T) {
	const path = "../../shared/data/fraud/vehicle_claims.csv"
	tab, err := experiment.LoadTable(experiment.TableSpec{Path: path, Target: "FraudFound_P"})
	if err != nil {
		t.Skipf("vehicle_claims (no-redistribute, read from ../shared): %v", err)
	}
	p := features.ProfileFrame(tab.Frame, tab.Target, 1)
	var move *planner.Move
	for _, m := range planner.FeatureMoves(p) {
		if strings.Contains(strings.Join(m.Exprs, ";"), "range_mid") {
			if move != nil {
				t.Fatal("more than one range_mid move")
			}
			move = &m
		}
	}
	if move == nil {
		t.Fatal("no range_mid move for vehicle_claims")
	}
	want := []string{"AgeOfPolicyHolder", "AgeOfVehicle", "AddressChange_Claim", "Days_Policy_Accident", "Days_Policy_Claim",
		"NumberOfCars", "NumberOfSuppliments", "PastNumberOfClaims", "VehiclePrice"}
	slices.Sort(want)
	var got []string
	for _, e := range move.Exprs {
		if strings.HasPrefix(e, "range_mid(") {
			got = append(got, strings.TrimSuffix(strings.TrimPrefix(e, "range_mid("), ")"))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("range_mid columns %v, want %v", got, want)
	}
	spec, err := dsl.Parse(strings.Join(move.Exprs, "; "))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dsl.Check(spec, tab.Frame, dsl.CheckOptions{}); err != nil {
		t.Errorf("the move fails the checks: %v", err)
	}
}
