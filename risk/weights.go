package risk

import (
	"fmt"
	"math"
)

// Weights are the default assessor's feature weights, level thresholds
// and feature parameters. A sign-in's score is the sum of the weights of
// the features that fired, capped at 100; its level is High from the High
// threshold up, Medium from the Medium threshold up, Low below.
//
// A zero field takes its default; a negative weight switches its feature
// off. The defaults, tuned on the scenario of scenario_test.go (normal
// users at ≤ 1 % above Low, attacks at ≥ 95 % Medium or High):
//
//	feature (reason)          weight  fires when
//	new_device                    25  the device key is missing or not among KnownDevices, and the user has history
//	new_network                   15  the /24 (/48) is in neither KnownNetworks nor around any LastSuccesses address, and its ASN is new or unknown
//	new_network_known_asn          5  as new_network, but the ASN is that of an earlier success (a mobile carrier's changing addresses)
//	new_country                   20  the GeoIP country is known and none of LastSuccesses was from it
//	impossible_travel             45  on a new network of a new ASN: from the newest located success, more than MinTravelKm away, faster than MaxSpeedKmh
//	source_velocity               45  SourceAccounts ≥ SourceAccounts threshold or SourceFailures ≥ SourceFailures threshold (stuffing, spraying)
//	user_failure_streak           20  UserFailures ≥ UserFailures threshold (guessing at one account)
//	unusual_user_agent            15  a very short user agent, or an HTTP library's or automation tool's (none at all is no signal)
//	hostile_network               70  the address is in HostileNetworks ("Invalid" feedback)
//	hostile_device                70  the device key is among HostileDevices ("Invalid" feedback)
//
//	threshold / parameter     default
//	Medium                         40  so an unknown device on an unknown network is Medium
//	High                           70
//	MaxSpeedKmh                  1000  faster than an airliner, door to door
//	MinTravelKm                   500  GeoIP places are not precise; nearer is never impossible travel
//	SourceAccounts                  5  distinct accounts failed from the network in the hour
//	SourceFailures                 20  failures from the network in the hour
//	UserFailures                    3  consecutive failures of the user in 24 hours
//
// "Has history" means at least one known device, known network or
// earlier success: a user's first sign-in is not new anything. A pool
// that never sets device keys (no device tracking, no hosted-UI cookie)
// gets no device feature at all: a missing key with no known devices is
// silence, not novelty.
type Weights struct {
	NewDevice          float64
	NewNetwork         float64
	NewNetworkKnownASN float64
	NewCountry         float64
	ImpossibleTravel   float64
	SourceVelocity     float64
	UserFailureStreak  float64
	UnusualUserAgent   float64
	HostileNetwork     float64
	HostileDevice      float64

	// Medium and High are the level thresholds (0 < Medium < High ≤ 100).
	Medium, High float64

	// MaxSpeedKmh and MinTravelKm parametrise impossible_travel.
	MaxSpeedKmh, MinTravelKm float64
	// SourceAccounts and SourceFailures are source_velocity's thresholds,
	// against History's fields of the same names.
	SourceAccounts, SourceFailures int
	// UserFailures is user_failure_streak's threshold.
	UserFailures int
}

// maxScore caps the score.
const maxScore = 100

// DefaultWeights returns the documented defaults (see Weights).
func DefaultWeights() Weights {
	return Weights{
		NewDevice:          25,
		NewNetwork:         15,
		NewNetworkKnownASN: 5,
		NewCountry:         20,
		ImpossibleTravel:   45,
		SourceVelocity:     45,
		UserFailureStreak:  20,
		UnusualUserAgent:   15,
		HostileNetwork:     70,
		HostileDevice:      70,
		Medium:             40,
		High:               70,
		MaxSpeedKmh:        1000,
		MinTravelKm:        500,
		SourceAccounts:     5,
		SourceFailures:     20,
		UserFailures:       3,
	}
}

// ConfigError is an invalid option or weight: which field, and why.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("risk: %s %s", e.Field, e.Reason)
}

// resolved fills zero fields with defaults and checks the result.
func (w Weights) resolved() (Weights, error) {
	d := DefaultWeights()
	fill := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	filli := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&w.NewDevice, d.NewDevice)
	fill(&w.NewNetwork, d.NewNetwork)
	fill(&w.NewNetworkKnownASN, d.NewNetworkKnownASN)
	fill(&w.NewCountry, d.NewCountry)
	fill(&w.ImpossibleTravel, d.ImpossibleTravel)
	fill(&w.SourceVelocity, d.SourceVelocity)
	fill(&w.UserFailureStreak, d.UserFailureStreak)
	fill(&w.UnusualUserAgent, d.UnusualUserAgent)
	fill(&w.HostileNetwork, d.HostileNetwork)
	fill(&w.HostileDevice, d.HostileDevice)
	fill(&w.Medium, d.Medium)
	fill(&w.High, d.High)
	fill(&w.MaxSpeedKmh, d.MaxSpeedKmh)
	fill(&w.MinTravelKm, d.MinTravelKm)
	filli(&w.SourceAccounts, d.SourceAccounts)
	filli(&w.SourceFailures, d.SourceFailures)
	filli(&w.UserFailures, d.UserFailures)

	for _, f := range []struct {
		name string
		v    float64
	}{
		{"NewDevice", w.NewDevice}, {"NewNetwork", w.NewNetwork}, {"NewNetworkKnownASN", w.NewNetworkKnownASN},
		{"NewCountry", w.NewCountry}, {"ImpossibleTravel", w.ImpossibleTravel}, {"SourceVelocity", w.SourceVelocity},
		{"UserFailureStreak", w.UserFailureStreak}, {"UnusualUserAgent", w.UnusualUserAgent},
		{"HostileNetwork", w.HostileNetwork}, {"HostileDevice", w.HostileDevice},
		{"Medium", w.Medium}, {"High", w.High}, {"MaxSpeedKmh", w.MaxSpeedKmh}, {"MinTravelKm", w.MinTravelKm},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return w, &ConfigError{"Weights." + f.name, "is not a finite number"}
		}
	}
	switch {
	case w.Medium <= 0 || w.Medium > maxScore:
		return w, &ConfigError{"Weights.Medium", "must be in (0, 100]"}
	case w.High <= w.Medium || w.High > maxScore:
		return w, &ConfigError{"Weights.High", "must be above Medium and at most 100"}
	case w.MaxSpeedKmh < 0:
		return w, &ConfigError{"Weights.MaxSpeedKmh", "must not be negative"}
	case w.MinTravelKm < 0:
		return w, &ConfigError{"Weights.MinTravelKm", "must not be negative"}
	case w.SourceAccounts < 0 || w.SourceFailures < 0 || w.UserFailures < 0:
		return w, &ConfigError{"Weights.SourceAccounts/SourceFailures/UserFailures", "must not be negative"}
	}
	return w, nil
}
