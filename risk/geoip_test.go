package risk

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// placesDB are a few places in documentation ranges.
var placesDB = []geoNet{
	{cidr: "192.0.2.0/24", country: "DE", city: "Berlin", tz: "Europe/Berlin", lat: 52.52, lon: 13.40, accuracyKm: 20, asn: 3320},
	{cidr: "198.51.100.0/24", country: "US", city: "New York", tz: "America/New_York", lat: 40.71, lon: -74.01, accuracyKm: 10, asn: 7922},
	{cidr: "203.0.113.0/25", country: "JP", tz: "Asia/Tokyo", noLocation: true},
	{cidr: "203.0.113.128/25", noCountry: true, asn: 64500},
	{cidr: "2001:db8::/32", country: "FR", city: "Paris", tz: "Europe/Paris", lat: 48.86, lon: 2.35, asn: 3215},
}

func TestGeoIPLocates(t *testing.T) {
	g := openGeoDB(t, placesDB)
	for _, tc := range []struct {
		ip   string
		want Location
	}{
		{"192.0.2.7", Location{Found: true, Country: "DE", City: "Berlin", Timezone: "Europe/Berlin", Lat: 52.52, Lon: 13.40, HasLocation: true, AccuracyKm: 20, ASN: 3320}},
		{"::ffff:198.51.100.1", Location{Found: true, Country: "US", City: "New York", Timezone: "America/New_York", Lat: 40.71, Lon: -74.01, HasLocation: true, AccuracyKm: 10, ASN: 7922}},
		{"203.0.113.5", Location{Found: true, Country: "JP"}},
		{"203.0.113.200", Location{Found: true, ASN: 64500}},
		{"2001:db8:1::1", Location{Found: true, Country: "FR", City: "Paris", Timezone: "Europe/Paris", Lat: 48.86, Lon: 2.35, HasLocation: true, ASN: 3215}},
		{"100.64.0.1", Location{}}, // not in the database
	} {
		got, err := g.Locate(netip.MustParseAddr(tc.ip))
		if err != nil || got != tc.want {
			t.Errorf("Locate(%s) = %+v, %v; want %+v", tc.ip, got, err, tc.want)
		}
	}
	if got, err := g.Locate(netip.Addr{}); err != nil || got.Found {
		t.Errorf("Locate(zero) = %+v, %v; want nothing", got, err)
	}
}

func TestNilGeoIPLocatesNothing(t *testing.T) {
	var g *GeoIP
	if got, err := g.Locate(netip.MustParseAddr("192.0.2.1")); err != nil || got.Found {
		t.Fatalf("nil GeoIP: %+v, %v", got, err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenGeoIPRefusesWhatIsNotADatabase(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.mmdb")
	if err := os.WriteFile(garbage, []byte("this is not a MaxMind database, only words"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.mmdb")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.mmdb")
	whole, err := os.ReadFile(writeGeoDB(t, placesDB))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(truncated, whole[:len(whole)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.mmdb"), garbage, empty, truncated, dir} {
		g, err := OpenGeoIP(path)
		var ge *GeoIPError
		if !errors.As(err, &ge) || ge.Path != path || g != nil {
			t.Errorf("OpenGeoIP(%s) = %v, %v; want a *GeoIPError", filepath.Base(path), g, err)
		}
	}
	if _, err := OpenGeoIP(filepath.Join(dir, "missing.mmdb")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist within", err)
	}
}

func TestGeoIPAfterCloseFails(t *testing.T) {
	g, err := OpenGeoIP(writeGeoDB(t, placesDB))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Locate(netip.MustParseAddr("192.0.2.1")); err == nil {
		t.Fatal("a lookup in a closed database succeeded")
	}
}
