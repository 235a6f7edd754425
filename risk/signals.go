package risk

import (
	"net/netip"
	"time"
)

// Signals is what an assessor knows about one sign-in attempt. The pool
// fills it from the request and from its stored authentication events;
// everything in it is plain data, so a pool, a test or a replay can build
// one without this package's help.
type Signals struct {
	// Time is when the attempt was made. Zero means the assessor's clock
	// (Options.Now) at the time of the assessment.
	Time time.Time
	// IP is the client's address (Cognito's ContextData.IpAddress or the
	// connection's peer, as the pool trusts). The zero Addr means unknown:
	// the network, country and travel features then stay silent.
	IP netip.Addr
	// UserAgent is the client's User-Agent, as sent; empty when none was.
	UserAgent string
	// DeviceKey identifies the client device: the remembered-device key
	// (Cognito's DeviceKey), the device fingerprint of
	// UserContextData/ContextData, or the hosted UI's device cookie,
	// whichever the pool has. Empty when the client presented none.
	DeviceKey string
	// Login is the user name the attempt was made for, as typed. The
	// default assessor does not use it; a trained model may.
	Login string
	// History is what the pool knows of this user and of this source.
	History History
}

// History is the recent past of the user signing in and of the network the
// attempt comes from, as the pool computes it from its stored
// authentication events. Every field is optional: an empty one only means
// that the features reading it stay silent. The windows below are the ones
// the default weights were tuned for; a pool may choose others, and the
// field docs say what each count must mean.
type History struct {
	// KnownDevices are the device keys (as in Signals.DeviceKey) of the
	// user's successful sign-ins that were not reported "Invalid", over
	// the retention of the pool's events (Cognito keeps 90 days), plus the
	// user's remembered devices. Order does not matter.
	KnownDevices []string
	// KnownNetworks are networks the user is known to sign in from
	// (typically the /24 or /48 of each earlier successful sign-in not
	// reported "Invalid", or networks an administrator trusts). The
	// assessor also treats the /24 (IPv4) or /48 (IPv6) around each
	// LastSuccesses address as known, so a pool may leave this empty.
	KnownNetworks []netip.Prefix
	// HostileNetworks and HostileDevices are where sign-ins the user or an
	// administrator reported "Invalid" (UpdateAuthEventFeedback,
	// AdminUpdateAuthEventFeedback) came from: networks (the pool may use
	// the single address, /32 or /128, or its /24 or /48) and device keys.
	HostileNetworks []netip.Prefix
	HostileDevices  []string
	// LastSuccesses are the user's latest successful sign-ins not reported
	// "Invalid", newest first (the assessor finds the newest by Time
	// whatever the order, but GeoIP fill-ins go to the first ones). A few
	// dozen are plenty: the newest feeds impossible travel, all feed the
	// known-network and known-country checks.
	LastSuccesses []Sighting
	// UserFailures is the number of consecutive failed sign-ins of this
	// user since their last successful one, counting only failures of the
	// last 24 hours, from any source. The attempt being assessed is not
	// counted.
	UserFailures int
	// SourceFailures is the number of failed sign-ins, across all users
	// and unknown user names of the pool, from the network of Signals.IP
	// (its /24 for IPv4, /48 for IPv6) during the last hour, not counting
	// the attempt being assessed. SourceAccounts is how many distinct
	// user names those failures were for.
	SourceFailures int
	SourceAccounts int
}

// Sighting is one earlier successful sign-in: when and where. Country,
// Lat/Lon and ASN may be left zero: when the assessor has a GeoIP
// database it looks the address up, for the newest sighting's place and
// for at most 16 sightings lacking a Country or an ASN, in the order
// given (see DefaultAssessor).
type Sighting struct {
	Time time.Time
	IP   netip.Addr
	// Country is the ISO 3166-1 alpha-2 code, as Assessment.Country gave
	// it at the time; empty when unknown.
	Country string
	// Lat and Lon are the place in degrees, meaningful only with HasLocation.
	Lat, Lon    float64
	HasLocation bool
	// ASN is the autonomous system number of IP, 0 when unknown.
	ASN uint
}
