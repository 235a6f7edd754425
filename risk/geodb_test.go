package risk

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// geoNet is one network of a test GeoIP database.
type geoNet struct {
	cidr                  string
	country, city, tz     string
	lat, lon              float64
	accuracyKm            uint16
	asn                   uint32
	noLocation, noCountry bool
}

// writeGeoDB writes a tiny GeoIP2-City-shaped database (with ASNs, as a
// combined database has them) into a temporary file and returns its path.
func writeGeoDB(tb testing.TB, nets []geoNet) string {
	tb.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            "Cupola-Test-City",
		IncludeReservedNetworks: true, // the tests use documentation ranges
		BuildEpoch:              1_700_000_000,
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, n := range nets {
		_, ipnet, err := net.ParseCIDR(n.cidr)
		if err != nil {
			tb.Fatal(err)
		}
		rec := mmdbtype.Map{}
		if !n.noCountry {
			rec["country"] = mmdbtype.Map{"iso_code": mmdbtype.String(n.country)}
		}
		if n.city != "" {
			rec["city"] = mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(n.city), "de": mmdbtype.String(n.city + "-de")}}
		}
		if !n.noLocation {
			rec["location"] = mmdbtype.Map{
				"latitude": mmdbtype.Float64(n.lat), "longitude": mmdbtype.Float64(n.lon),
				"time_zone": mmdbtype.String(n.tz), "accuracy_radius": mmdbtype.Uint16(n.accuracyKm),
			}
		}
		if n.asn != 0 {
			rec["autonomous_system_number"] = mmdbtype.Uint32(n.asn)
		}
		if err := w.Insert(ipnet, rec); err != nil {
			tb.Fatal(err)
		}
	}
	path := filepath.Join(tb.TempDir(), "test.mmdb")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// openGeoDB writes nets and opens them, closing the database at the end
// of the test.
func openGeoDB(tb testing.TB, nets []geoNet) *GeoIP {
	tb.Helper()
	g, err := OpenGeoIP(writeGeoDB(tb, nets))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { g.Close() })
	return g
}
