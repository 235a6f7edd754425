package risk

import (
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Location is what a GeoIP lookup tells of an address. The zero Location
// (Found false) means the address is not in the database.
type Location struct {
	Found bool
	// Country is the ISO 3166-1 alpha-2 code ("DE"); City its English
	// name; Timezone an IANA zone ("Europe/Berlin"). Each may be empty.
	Country, City, Timezone string
	// Lat and Lon are in degrees; HasLocation says whether the database
	// gave them. AccuracyKm is the database's accuracy radius, 0 unknown.
	Lat, Lon    float64
	HasLocation bool
	AccuracyKm  float64
	// ASN is the autonomous system number, 0 when the database has none
	// (a City database has none; an ASN database or a combined one has).
	ASN uint
}

// Locator places an address. *GeoIP is the one this package provides; a
// pool may plug in another (a service, a cache).
type Locator interface {
	Locate(ip netip.Addr) (Location, error)
}

// GeoIP is a MaxMind-format database (GeoIP2/GeoLite2 City or Country,
// ASN, or a database of the same layout) opened with OpenGeoIP. It is
// safe for concurrent use. A nil *GeoIP locates nothing.
type GeoIP struct {
	r    *maxminddb.Reader
	path string
}

// GeoIPError is a GeoIP database that could not be opened or read.
type GeoIPError struct {
	Path string
	Err  error
}

func (e *GeoIPError) Error() string {
	return fmt.Sprintf("risk: GeoIP database %q: %v", e.Path, e.Err)
}

func (e *GeoIPError) Unwrap() error { return e.Err }

// OpenGeoIP opens the MaxMind-format database at path. A missing or
// unreadable file, or one that is not a MaxMind DB, is a *GeoIPError
// (errors.Is(err, fs.ErrNotExist) still tells a missing file).
func OpenGeoIP(path string) (*GeoIP, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, &GeoIPError{Path: path, Err: err}
	}
	return &GeoIP{r: r, path: path}, nil
}

// Close releases the database. Lookups after Close fail.
func (g *GeoIP) Close() error {
	if g == nil || g.r == nil {
		return nil
	}
	if err := g.r.Close(); err != nil {
		return &GeoIPError{Path: g.path, Err: err}
	}
	return nil
}

// geoRecord is the part of a GeoIP2 City/Country/ASN record read here.
type geoRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
	City struct {
		Names struct {
			EN string `maxminddb:"en"`
		} `maxminddb:"names"`
	} `maxminddb:"city"`
	Location struct {
		Latitude       float64 `maxminddb:"latitude"`
		Longitude      float64 `maxminddb:"longitude"`
		TimeZone       string  `maxminddb:"time_zone"`
		AccuracyRadius uint16  `maxminddb:"accuracy_radius"`
	} `maxminddb:"location"`
	ASN uint `maxminddb:"autonomous_system_number"`
}

// Locate looks ip up. An address not in the database is the zero
// Location and no error; a database that cannot be decoded is a
// *GeoIPError.
func (g *GeoIP) Locate(ip netip.Addr) (Location, error) {
	if g == nil || g.r == nil || !ip.IsValid() {
		return Location{}, nil
	}
	res := g.r.Lookup(ip.Unmap())
	if err := res.Err(); err != nil {
		return Location{}, &GeoIPError{Path: g.path, Err: err}
	}
	if !res.Found() {
		return Location{}, nil
	}
	var rec geoRecord
	if err := res.Decode(&rec); err != nil {
		return Location{}, &GeoIPError{Path: g.path, Err: err}
	}
	loc := Location{
		Found:      true,
		Country:    rec.Country.ISOCode,
		City:       rec.City.Names.EN,
		Timezone:   rec.Location.TimeZone,
		AccuracyKm: float64(rec.Location.AccuracyRadius),
		ASN:        rec.ASN,
	}
	if loc.Country == "" {
		loc.Country = rec.RegisteredCountry.ISOCode
	}
	// 0°N 0°E is open sea: a record there has no place.
	if rec.Location.Latitude != 0 || rec.Location.Longitude != 0 {
		loc.Lat, loc.Lon, loc.HasLocation = rec.Location.Latitude, rec.Location.Longitude, true
	}
	return loc, nil
}

var _ Locator = (*GeoIP)(nil)
