package risk

import (
	"math"
	"slices"
	"time"
)

// geoFillBudget bounds the GeoIP lookups one assessment makes for
// sightings the pool gave without Country or ASN.
const geoFillBudget = 16

// feature is one fired feature: its reason and weight.
type feature struct {
	name   string
	weight float64
}

// features evaluates every feature on s, whose IP is unmapped and whose
// address GeoIP placed at loc, and returns those that fired, in the order
// of the Reason constants. Features whose weight is negative are off.
func (a *DefaultAssessor) features(s Signals, loc Location) ([]feature, error) {
	w, h := a.w, s.History
	fired := make([]feature, 0, 4)
	fire := func(name string, weight float64) {
		if weight >= 0 {
			fired = append(fired, feature{name, weight})
		}
	}
	hasHistory := len(h.KnownDevices) > 0 || len(h.KnownNetworks) > 0 || len(h.LastSuccesses) > 0

	// new_device: a missing key with no known devices is no device
	// tracking, not a new device.
	if hasHistory && (s.DeviceKey != "" || len(h.KnownDevices) > 0) && !slices.Contains(h.KnownDevices, s.DeviceKey) {
		fire(ReasonNewDevice, w.NewDevice)
	}

	// new_network / new_network_known_asn.
	newNetwork, newNetworkKnownASN := false, false
	if s.IP.IsValid() {
		netHistory, known := len(h.KnownNetworks) > 0, ContainsAddr(h.KnownNetworks, s.IP)
		for i := 0; i < len(h.LastSuccesses) && !known; i++ {
			if ip := h.LastSuccesses[i].IP; ip.IsValid() {
				netHistory = true
				known = NetworkOf(ip).Contains(s.IP)
			}
		}
		if netHistory && !known {
			newNetwork = true
			sameASN, err := a.seenASN(h.LastSuccesses, loc.ASN)
			if err != nil {
				return nil, err
			}
			if sameASN {
				newNetworkKnownASN = true
				fire(ReasonNewNetworkKnownASN, w.NewNetworkKnownASN)
			} else {
				fire(ReasonNewNetwork, w.NewNetwork)
			}
		}
	}

	// new_country.
	if loc.Country != "" {
		seen, same, err := a.seenCountry(h.LastSuccesses, loc.Country)
		if err != nil {
			return nil, err
		}
		if seen && !same {
			fire(ReasonNewCountry, w.NewCountry)
		}
	}

	// impossible_travel, only from a network new to the user and of an
	// autonomous system new to them: coming back home from a trip or a
	// VPN exit is no travel to judge, and a carrier whose addresses GeoIP
	// places anywhere in the country has not moved its user.
	if loc.HasLocation && newNetwork && !newNetworkKnownASN {
		travel, err := a.impossibleTravel(h.LastSuccesses, s.Time, loc)
		if err != nil {
			return nil, err
		}
		if travel {
			fire(ReasonImpossibleTravel, w.ImpossibleTravel)
		}
	}

	if (w.SourceAccounts > 0 && h.SourceAccounts >= w.SourceAccounts) || (w.SourceFailures > 0 && h.SourceFailures >= w.SourceFailures) {
		fire(ReasonSourceVelocity, w.SourceVelocity)
	}
	if w.UserFailures > 0 && h.UserFailures >= w.UserFailures {
		fire(ReasonUserFailureStreak, w.UserFailureStreak)
	}
	if unusualUserAgent(s.UserAgent) {
		fire(ReasonUnusualUserAgent, w.UnusualUserAgent)
	}
	if ContainsAddr(h.HostileNetworks, s.IP) {
		fire(ReasonHostileNetwork, w.HostileNetwork)
	}
	if s.DeviceKey != "" && slices.Contains(h.HostileDevices, s.DeviceKey) {
		fire(ReasonHostileDevice, w.HostileDevice)
	}
	return fired, nil
}

// seenASN reports whether asn (non-zero) is that of any sighting, looking
// up at most geoFillBudget sightings that lack one.
func (a *DefaultAssessor) seenASN(ss []Sighting, asn uint) (bool, error) {
	if asn == 0 {
		return false, nil
	}
	budget := geoFillBudget
	for _, sg := range ss {
		got := sg.ASN
		if got == 0 && a.geo != nil && sg.IP.IsValid() && budget > 0 {
			budget--
			l, err := a.geo.Locate(sg.IP.Unmap())
			if err != nil {
				return false, err
			}
			got = l.ASN
		}
		if got == asn {
			return true, nil
		}
	}
	return false, nil
}

// seenCountry reports whether any sighting has a known country (seen) and
// whether one is country (same), looking up at most geoFillBudget
// sightings that lack one.
func (a *DefaultAssessor) seenCountry(ss []Sighting, country string) (seen, same bool, err error) {
	budget := geoFillBudget
	for _, sg := range ss {
		c := sg.Country
		if c == "" && a.geo != nil && sg.IP.IsValid() && budget > 0 {
			budget--
			l, err := a.geo.Locate(sg.IP.Unmap())
			if err != nil {
				return false, false, err
			}
			c = l.Country
		}
		if c != "" {
			seen = true
			if c == country {
				return true, true, nil
			}
		}
	}
	return seen, false, nil
}

// impossibleTravel reports whether getting from the newest sighting to
// loc by t was faster than MaxSpeedKmh over more than MinTravelKm (both
// places' accuracy radii taken off the distance).
func (a *DefaultAssessor) impossibleTravel(ss []Sighting, t time.Time, loc Location) (bool, error) {
	newest := -1
	for i, sg := range ss {
		if newest < 0 || sg.Time.After(ss[newest].Time) {
			newest = i
		}
	}
	if newest < 0 {
		return false, nil
	}
	last := ss[newest]
	lat, lon, ok, acc := last.Lat, last.Lon, last.HasLocation, 0.0
	if !ok && a.geo != nil && last.IP.IsValid() {
		l, err := a.geo.Locate(last.IP.Unmap())
		if err != nil {
			return false, err
		}
		lat, lon, ok, acc = l.Lat, l.Lon, l.HasLocation, l.AccuracyKm
	}
	if !ok {
		return false, nil
	}
	km := haversineKm(lat, lon, loc.Lat, loc.Lon) - acc - loc.AccuracyKm
	if km <= a.w.MinTravelKm {
		return false, nil
	}
	hours := t.Sub(last.Time).Hours()
	return hours <= 0 || km/hours > a.w.MaxSpeedKmh, nil
}

// earthRadiusKm is the mean radius of the Earth.
const earthRadiusKm = 6371.0

// haversineKm is the great-circle distance between two places in degrees.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(1, h)))
}
