package risk

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"
)

// assessDB places the addresses of the assessor's tests.
var assessDB = []geoNet{
	{cidr: "192.0.2.0/24", country: "DE", city: "Berlin", tz: "Europe/Berlin", lat: 52.52, lon: 13.40, accuracyKm: 20, asn: 3320},
	{cidr: "81.10.0.0/16", country: "DE", city: "Munich", tz: "Europe/Berlin", lat: 48.14, lon: 11.58, accuracyKm: 50, asn: 3320},
	{cidr: "85.0.0.0/16", country: "DE", city: "Hamburg", tz: "Europe/Berlin", lat: 53.55, lon: 9.99, accuracyKm: 20, asn: 6805},
	{cidr: "198.51.100.0/24", country: "US", city: "New York", tz: "America/New_York", lat: 40.71, lon: -74.01, accuracyKm: 10, asn: 7922},
	{cidr: "2001:db8::/32", country: "FR", city: "Paris", tz: "Europe/Paris", lat: 48.86, lon: 2.35, accuracyKm: 10, asn: 3215},
}

// fakeNow is the fake clock's time.
var fakeNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"

func newTestAssessor(tb testing.TB, w Weights) *DefaultAssessor {
	tb.Helper()
	a, err := NewDefaultAssessor(Options{Weights: w, Geo: openGeoDB(tb, assessDB), Now: func() time.Time { return fakeNow }})
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// homeSignIn is a user signing in from home, on their laptop, two hours
// after the last time.
func homeSignIn() Signals {
	return Signals{
		Time: fakeNow, IP: netip.MustParseAddr("192.0.2.10"), UserAgent: browserUA, DeviceKey: "dev-laptop", Login: "alice",
		History: History{
			KnownDevices:  []string{"dev-laptop", "dev-phone"},
			LastSuccesses: []Sighting{{Time: fakeNow.Add(-2 * time.Hour), IP: netip.MustParseAddr("192.0.2.99"), Country: "DE"}},
		},
	}
}

func assess(t *testing.T, a Assessor, s Signals) Assessment {
	t.Helper()
	as, err := a.Assess(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestAnOrdinarySignInIsLow(t *testing.T) {
	as := assess(t, newTestAssessor(t, Weights{}), homeSignIn())
	if as.Level != Low || as.Score != 0 || len(as.Reasons) != 0 {
		t.Fatalf("got %+v, want Low with no reasons", as)
	}
	if as.Country != "DE" || as.City != "Berlin" || as.Timezone != "Europe/Berlin" {
		t.Fatalf("place %q %q %q, want DE Berlin Europe/Berlin", as.Country, as.City, as.Timezone)
	}
}

func TestEachFeatureFiresAlone(t *testing.T) {
	a := newTestAssessor(t, Weights{})
	ip := netip.MustParseAddr
	for _, tc := range []struct {
		name    string
		change  func(*Signals)
		reasons []string
		level   Level
	}{
		{"new device", func(s *Signals) { s.DeviceKey = "dev-other" }, []string{ReasonNewDevice}, Low},
		{"no device key though the user has devices", func(s *Signals) { s.DeviceKey = "" }, []string{ReasonNewDevice}, Low},
		{"no device tracking at all", func(s *Signals) { s.DeviceKey, s.History.KnownDevices = "", nil }, nil, Low},
		{"new network of a known ASN", func(s *Signals) { s.IP = ip("81.10.3.4") }, []string{ReasonNewNetworkKnownASN}, Low},
		{"new network of a new ASN", func(s *Signals) { s.IP = ip("85.0.1.1") }, []string{ReasonNewNetwork}, Low},
		{"a known network by prefix", func(s *Signals) {
			s.IP = ip("85.0.1.1")
			s.History.KnownNetworks = []netip.Prefix{netip.MustParsePrefix("85.0.0.0/16")}
		}, nil, Low},
		{"new country, reachable", func(s *Signals) { s.IP = ip("2001:db8::5") }, []string{ReasonNewNetwork, ReasonNewCountry}, Low},
		{"impossible travel", func(s *Signals) { s.IP = ip("198.51.100.5") }, []string{ReasonNewNetwork, ReasonNewCountry, ReasonImpossibleTravel}, High},
		{"a long but possible trip", func(s *Signals) { s.Time = fakeNow.Add(8 * time.Hour); s.IP = ip("198.51.100.5") }, []string{ReasonNewNetwork, ReasonNewCountry}, Low},
		{"failures from many accounts at the source", func(s *Signals) { s.History.SourceFailures, s.History.SourceAccounts = 6, 5 }, []string{ReasonSourceVelocity}, Medium},
		{"many failures at the source", func(s *Signals) { s.History.SourceFailures, s.History.SourceAccounts = 20, 1 }, []string{ReasonSourceVelocity}, Medium},
		{"a few failures at the source", func(s *Signals) { s.History.SourceFailures, s.History.SourceAccounts = 4, 4 }, nil, Low},
		{"a failure streak", func(s *Signals) { s.History.UserFailures = 3 }, []string{ReasonUserFailureStreak}, Low},
		{"two failures", func(s *Signals) { s.History.UserFailures = 2 }, nil, Low},
		{"curl", func(s *Signals) { s.UserAgent = "curl/8.5.0" }, []string{ReasonUnusualUserAgent}, Low},
		{"no user agent is no signal (API sign-ins carry none)", func(s *Signals) { s.UserAgent = "" }, nil, Low},
		{"a too short user agent", func(s *Signals) { s.UserAgent = "x" }, []string{ReasonUnusualUserAgent}, Low},
		{"a mobile SDK", func(s *Signals) { s.UserAgent = "aws-amplify/6.0.0 react-native" }, nil, Low},
		{"a hostile network", func(s *Signals) {
			s.History.HostileNetworks = []netip.Prefix{netip.MustParsePrefix("192.0.2.10/32")}
		}, []string{ReasonHostileNetwork}, High},
		{"a hostile device", func(s *Signals) {
			s.DeviceKey = "dev-evil"
			s.History.HostileDevices = []string{"dev-evil"}
		}, []string{ReasonNewDevice, ReasonHostileDevice}, High},
		{"a new device on a new network", func(s *Signals) { s.DeviceKey, s.IP = "dev-other", ip("85.0.1.1") }, []string{ReasonNewDevice, ReasonNewNetwork}, Medium},
		{"a new device from a new country", func(s *Signals) { s.DeviceKey, s.IP = "", ip("2001:db8::5") }, []string{ReasonNewDevice, ReasonNewNetwork, ReasonNewCountry}, Medium},
		{"a first sign-in", func(s *Signals) { s.History = History{}; s.DeviceKey = "dev-new"; s.IP = ip("198.51.100.5") }, nil, Low},
		{"an unknown address", func(s *Signals) { s.IP = netip.Addr{} }, nil, Low},
		{"an unplaced address", func(s *Signals) { s.IP = ip("100.64.9.9") }, []string{ReasonNewNetwork}, Low},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := homeSignIn()
			tc.change(&s)
			as := assess(t, a, s)
			if !slices.Equal(as.Reasons, tc.reasons) || as.Level != tc.level {
				t.Fatalf("got %v %v (score %v), want %v %v", as.Level, as.Reasons, as.Score, tc.level, tc.reasons)
			}
			var sum float64
			for _, r := range as.Reasons {
				sum += weightOf(a.Weights(), r)
			}
			if want := min(sum, 100); as.Score != want {
				t.Fatalf("score %v, want the sum of the weights %v", as.Score, want)
			}
		})
	}
}

func weightOf(w Weights, reason string) float64 {
	return map[string]float64{
		ReasonNewDevice: w.NewDevice, ReasonNewNetwork: w.NewNetwork, ReasonNewNetworkKnownASN: w.NewNetworkKnownASN,
		ReasonNewCountry: w.NewCountry, ReasonImpossibleTravel: w.ImpossibleTravel, ReasonSourceVelocity: w.SourceVelocity,
		ReasonUserFailureStreak: w.UserFailureStreak, ReasonUnusualUserAgent: w.UnusualUserAgent,
		ReasonHostileNetwork: w.HostileNetwork, ReasonHostileDevice: w.HostileDevice,
	}[reason]
}

func TestTheScoreIsCapped(t *testing.T) {
	s := homeSignIn()
	s.IP, s.DeviceKey, s.UserAgent = netip.MustParseAddr("198.51.100.5"), "", "python-requests/2.31"
	s.History.SourceAccounts, s.History.UserFailures = 50, 9
	as := assess(t, newTestAssessor(t, Weights{}), s)
	if as.Score != 100 || as.Level != High || len(as.Reasons) != 7 {
		t.Fatalf("got %+v", as)
	}
}

func TestTheClockIsTheOptionsClock(t *testing.T) {
	a := newTestAssessor(t, Weights{})
	s := homeSignIn()
	s.Time = time.Time{} // now: the fake clock, one hour after the last success
	s.History.LastSuccesses[0].Time = fakeNow.Add(-time.Hour)
	s.IP = netip.MustParseAddr("198.51.100.5")
	if as := assess(t, a, s); !slices.Contains(as.Reasons, ReasonImpossibleTravel) {
		t.Fatalf("New York an hour after Berlin by the fake clock: %v", as.Reasons)
	}
	s.History.LastSuccesses[0].Time = fakeNow.Add(-12 * time.Hour)
	if as := assess(t, a, s); slices.Contains(as.Reasons, ReasonImpossibleTravel) {
		t.Fatalf("New York twelve hours after Berlin: %v", as.Reasons)
	}
}

func TestTravelUsesTheNewestSightingAndItsGivenPlace(t *testing.T) {
	a := newTestAssessor(t, Weights{})
	s := homeSignIn()
	s.IP = netip.MustParseAddr("198.51.100.5") // New York
	s.History.LastSuccesses = []Sighting{
		{Time: fakeNow.Add(-30 * time.Minute), Country: "US", Lat: 42.36, Lon: -71.06, HasLocation: true}, // Boston, no address
		{Time: fakeNow.Add(-3 * time.Hour), IP: netip.MustParseAddr("192.0.2.1"), Country: "DE"},
	}
	if as := assess(t, a, s); slices.Contains(as.Reasons, ReasonImpossibleTravel) || slices.Contains(as.Reasons, ReasonNewCountry) {
		t.Fatalf("Boston then New York: %v", as.Reasons)
	}
	s.History.LastSuccesses[0].Lat, s.History.LastSuccesses[0].Lon = 35.68, 139.69 // Tokyo
	if as := assess(t, a, s); !slices.Contains(as.Reasons, ReasonImpossibleTravel) {
		t.Fatalf("Tokyo then New York in half an hour: %v", as.Reasons)
	}
}

func TestSightingsWithoutCountryAreLookedUp(t *testing.T) {
	a := newTestAssessor(t, Weights{})
	s := homeSignIn()
	s.History.LastSuccesses[0].Country = ""
	s.History.LastSuccesses[0].Time = fakeNow.Add(-48 * time.Hour)
	s.IP = netip.MustParseAddr("2001:db8::1")
	if as := assess(t, a, s); !slices.Contains(as.Reasons, ReasonNewCountry) {
		t.Fatalf("Paris after Berlin (looked up): %v", as.Reasons)
	}
	s.IP = netip.MustParseAddr("85.0.0.1") // Hamburg
	if as := assess(t, a, s); slices.Contains(as.Reasons, ReasonNewCountry) {
		t.Fatalf("Hamburg after Berlin: %v", as.Reasons)
	}
}

func TestWithoutGeoIPThePlaceFeaturesAreSilent(t *testing.T) {
	a, err := NewDefaultAssessor(Options{Geo: (*GeoIP)(nil)})
	if err != nil {
		t.Fatal(err)
	}
	s := homeSignIn()
	s.IP = netip.MustParseAddr("198.51.100.5")
	as := assess(t, a, s)
	if !slices.Equal(as.Reasons, []string{ReasonNewNetwork}) || as.Country != "" {
		t.Fatalf("got %+v", as)
	}
}

func TestWeights(t *testing.T) {
	a := newTestAssessor(t, Weights{NewDevice: 50, NewNetwork: -1})
	s := homeSignIn()
	s.DeviceKey, s.IP = "dev-other", netip.MustParseAddr("85.0.1.1")
	as := assess(t, a, s)
	if !slices.Equal(as.Reasons, []string{ReasonNewDevice}) || as.Score != 50 || as.Level != Medium {
		t.Fatalf("new device weighing 50, new network off: %+v", as)
	}
	if w := a.Weights(); w.NewCountry != DefaultWeights().NewCountry || w.High != 70 {
		t.Fatalf("zero fields did not take defaults: %+v", w)
	}
	for _, w := range []Weights{{Medium: 80, High: 60}, {High: 120}, {Medium: -5}, {MaxSpeedKmh: -1}, {UserFailures: -1}} {
		var ce *ConfigError
		if _, err := NewDefaultAssessor(Options{Weights: w}); !errors.As(err, &ce) {
			t.Errorf("NewDefaultAssessor(%+v) = %v, want a *ConfigError", w, err)
		}
	}
}

func TestLevelStrings(t *testing.T) {
	for l, want := range map[Level]string{Low: "Low", Medium: "Medium", High: "High", Level(7): "Level(7)"} {
		if l.String() != want {
			t.Errorf("%d: %q, want %q", int(l), l.String(), want)
		}
	}
}

// brokenLocator fails every lookup.
type brokenLocator struct{}

func (brokenLocator) Locate(netip.Addr) (Location, error) {
	return Location{}, errors.New("disk on fire")
}

func TestAFailingAssessmentNeverPassesSilently(t *testing.T) {
	a, err := NewDefaultAssessor(Options{Geo: brokenLocator{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Assess(t.Context(), homeSignIn())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a broken GeoIP: %v, want ErrUnavailable", err)
	}
	as, err := FailClosed.Assess(t.Context(), a, homeSignIn())
	if err == nil || as.Level != High || !slices.Equal(as.Reasons, []string{ReasonUnavailable}) {
		t.Fatalf("fail closed: %+v, %v; want High and the error", as, err)
	}
	as, err = FailOpen.Assess(t.Context(), a, homeSignIn())
	if !errors.Is(err, ErrUnavailable) || as.Level != Low {
		t.Fatalf("fail open: %+v, %v; want Low and the error", as, err)
	}
	if as, err := FailClosed.Assess(t.Context(), nil, homeSignIn()); err == nil || as.Level != High {
		t.Fatalf("no assessor: %+v, %v", as, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := newTestAssessor(t, Weights{}).Assess(ctx, homeSignIn()); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a cancelled context: %v", err)
	}
	good := newTestAssessor(t, Weights{})
	if as, err := FailClosed.Assess(t.Context(), good, homeSignIn()); err != nil || as.Level != Low {
		t.Fatalf("a working assessor through the fail mode: %+v, %v", as, err)
	}
}

func TestAPluggedModel(t *testing.T) {
	model := AssessorFunc(func(_ context.Context, s Signals) (Assessment, error) {
		if s.Login == "root" {
			return Assessment{Level: High, Score: 0.97, Reasons: []string{"model"}}, nil
		}
		return Assessment{Level: Low, Score: 0.01}, nil
	})
	s := homeSignIn()
	s.Login = "root"
	if as, err := FailClosed.Assess(t.Context(), model, s); err != nil || as.Level != High {
		t.Fatalf("%+v, %v", as, err)
	}
}

func TestAssessIsSafeForConcurrentUse(t *testing.T) {
	a := newTestAssessor(t, Weights{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s := homeSignIn()
			if i%2 == 1 {
				s.IP = netip.MustParseAddr("198.51.100.5")
			}
			for range 50 {
				if _, err := a.Assess(context.Background(), s); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
