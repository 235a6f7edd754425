package risk

import (
	"context"
	"strconv"
	"time"
)

// Level is a sign-in's risk level, as Cognito reports it (RiskLevel) and
// as its AccountTakeoverRiskConfiguration chooses an action by. The zero
// value is Low.
type Level int

const (
	Low Level = iota
	Medium
	High
)

// String returns "Low", "Medium" or "High" (Cognito's casing in auth
// events).
func (l Level) String() string {
	switch l {
	case Medium:
		return "Medium"
	case High:
		return "High"
	case Low:
		return "Low"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Assessment is an assessor's judgement of one sign-in.
type Assessment struct {
	Level Level
	// Score is the assessor's number behind Level; for the default
	// assessor, the sum of the weights of Reasons, capped at 100.
	Score float64
	// Reasons names the features that fired (the Reason* constants for
	// the default assessor), in a fixed order.
	Reasons []string
	// Country (ISO 3166-1 alpha-2), City and Timezone (IANA) are where
	// GeoIP places the address; empty without GeoIP or when it does not
	// know. A pool stores them with the auth event, and gives Country
	// back in later History.LastSuccesses.
	Country, City, Timezone string
}

// Assessor judges a sign-in. The default one is NewDefaultAssessor's; a
// trained model plugs in by implementing this. Assess must be safe for
// concurrent use. An error means no judgement: the pool then applies its
// FailMode (see FailMode.Assess), never a silent Low.
type Assessor interface {
	Assess(ctx context.Context, s Signals) (Assessment, error)
}

// AssessorFunc adapts a function to Assessor.
type AssessorFunc func(ctx context.Context, s Signals) (Assessment, error)

// Assess calls f.
func (f AssessorFunc) Assess(ctx context.Context, s Signals) (Assessment, error) { return f(ctx, s) }

// Reasons the default assessor gives: one per feature (see Weights).
const (
	ReasonNewDevice          = "new_device"
	ReasonNewNetwork         = "new_network"
	ReasonNewNetworkKnownASN = "new_network_known_asn"
	ReasonNewCountry         = "new_country"
	ReasonImpossibleTravel   = "impossible_travel"
	ReasonSourceVelocity     = "source_velocity"
	ReasonUserFailureStreak  = "user_failure_streak"
	ReasonUnusualUserAgent   = "unusual_user_agent"
	ReasonHostileNetwork     = "hostile_network"
	ReasonHostileDevice      = "hostile_device"
)

// Options configure NewDefaultAssessor.
type Options struct {
	// Weights are the feature weights and thresholds; zero fields take the
	// documented defaults (see Weights).
	Weights Weights
	// Geo places addresses; nil (or a nil *GeoIP) for none, and the
	// country and travel features stay silent. Usually an *GeoIP from
	// OpenGeoIP.
	Geo Locator
	// Now is the clock for Signals without a Time; nil for time.Now.
	Now func() time.Time
}

// DefaultAssessor is the transparent assessor: named features with
// documented weights (see Weights). It is safe for concurrent use.
//
// Cost: a handful of comparisons per History entry, one GeoIP lookup for
// the address, and with GeoIP at most geoFillBudget more for sightings
// whose Country, ASN or place the pool left out (plus one for the newest
// sighting's place) — so a pool that stores Assessment.Country with its
// events pays for few lookups.
type DefaultAssessor struct {
	w   Weights
	geo Locator
	now func() time.Time
}

// NewDefaultAssessor returns the default assessor, or a *ConfigError
// when the weights are inconsistent.
func NewDefaultAssessor(o Options) (*DefaultAssessor, error) {
	w, err := o.Weights.resolved()
	if err != nil {
		return nil, err
	}
	a := &DefaultAssessor{w: w, geo: o.Geo, now: o.Now}
	if g, ok := o.Geo.(*GeoIP); ok && g == nil {
		a.geo = nil
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a, nil
}

// Weights returns the weights in force, defaults filled in.
func (a *DefaultAssessor) Weights() Weights { return a.w }

// Assess implements Assessor. It fails only when the context is done or
// the GeoIP database cannot be read, with an *UnavailableError.
func (a *DefaultAssessor) Assess(ctx context.Context, s Signals) (Assessment, error) {
	if err := ctx.Err(); err != nil {
		return Assessment{}, unavailable("assessor", err)
	}
	if s.Time.IsZero() {
		s.Time = a.now()
	}
	s.IP = s.IP.Unmap()
	var loc Location
	if a.geo != nil && s.IP.IsValid() {
		var err error
		if loc, err = a.geo.Locate(s.IP); err != nil {
			return Assessment{}, unavailable("geoip", err)
		}
	}
	fired, err := a.features(s, loc)
	if err != nil {
		return Assessment{}, unavailable("geoip", err)
	}
	as := Assessment{Country: loc.Country, City: loc.City, Timezone: loc.Timezone}
	for _, f := range fired {
		as.Score += f.weight
		as.Reasons = append(as.Reasons, f.name)
	}
	as.Score = min(max(as.Score, 0), maxScore)
	as.Level = a.level(as.Score)
	return as, nil
}

func (a *DefaultAssessor) level(score float64) Level {
	switch {
	case score >= a.w.High:
		return High
	case score >= a.w.Medium:
		return Medium
	}
	return Low
}

var _ Assessor = (*DefaultAssessor)(nil)
