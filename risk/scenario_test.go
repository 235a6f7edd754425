package risk

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// The scenario replays six weeks of simulated sign-ins to one pool, through
// a simulated pool that keeps auth events and computes History from them
// as a pool would, and the default assessor with its default weights and a
// generated GeoIP database. It measures the share of normal sign-ins
// assessed above Low (false positives) and, per attack, the share of
// attack sign-ins assessed Medium or High (detections).

const (
	fpTarget        = 0.01 // at most 1 % of normal sign-ins above Low
	detectionTarget = 0.95 // at least 95 % of attack sign-ins Medium or High
)

type city struct {
	name, country, tz string
	lat, lon          float64
}

var simCities = []city{
	{"Berlin", "DE", "Europe/Berlin", 52.52, 13.40}, {"Munich", "DE", "Europe/Berlin", 48.14, 11.58},
	{"New York", "US", "America/New_York", 40.71, -74.01}, {"Chicago", "US", "America/Chicago", 41.88, -87.63},
	{"San Francisco", "US", "America/Los_Angeles", 37.77, -122.42}, {"London", "GB", "Europe/London", 51.51, -0.13},
	{"Paris", "FR", "Europe/Paris", 48.86, 2.35}, {"São Paulo", "BR", "America/Sao_Paulo", -23.55, -46.63},
	{"Tokyo", "JP", "Asia/Tokyo", 35.68, 139.69},
	// Where only attackers and VPN exits are.
	{"Amsterdam", "NL", "Europe/Amsterdam", 52.37, 4.90}, {"Moscow", "RU", "Europe/Moscow", 55.76, 37.62},
	{"Hanoi", "VN", "Asia/Bangkok", 21.03, 105.85}, {"Singapore", "SG", "Asia/Singapore", 1.35, 103.82},
	{"Lagos", "NG", "Africa/Lagos", 6.52, 3.38}, {"Bucharest", "RO", "Europe/Bucharest", 44.43, 26.10},
}

const homeCities = 9 // the first nine cities have users

// isp is one /16 of one autonomous system in one city.
type isp struct {
	block netip.Prefix
	asn   uint32
	city  int
}

// simWorld is the address plan: per city two home ISPs, a business ISP, a
// public Wi-Fi ISP and a hotel ISP; per country a mobile carrier; per city
// a hosting ISP; a VPN provider with exits in three cities.
type simWorld struct {
	isps                           []isp
	home                           [][2]int // city → isp indexes
	business, wifi, hotel, hosting []int    // city → isp index
	mobile                         map[string]int
	vpnExits                       []int
	geo                            *GeoIP
	nets                           []geoNet
	nextASN                        uint32
}

func (w *simWorld) add(cityIdx int, asn uint32) int {
	i := len(w.isps)
	block := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(20 + i/256), byte(i % 256), 0, 0}), 16)
	w.isps = append(w.isps, isp{block, asn, cityIdx})
	c := simCities[cityIdx]
	w.nets = append(w.nets, geoNet{cidr: block.String(), country: c.country, city: c.name, tz: c.tz, lat: c.lat, lon: c.lon, accuracyKm: 20, asn: asn})
	return i
}

func (w *simWorld) newASN() uint32 { w.nextASN++; return w.nextASN }

func newSimWorld(tb testing.TB) *simWorld {
	w := &simWorld{nextASN: 64_000, mobile: map[string]int{}}
	homeASNs := map[string][2]uint32{}
	for ci, c := range simCities {
		if ci < homeCities {
			asns, ok := homeASNs[c.country] // a country's home ISPs serve all its cities
			if !ok {
				asns = [2]uint32{w.newASN(), w.newASN()}
				homeASNs[c.country] = asns
			}
			w.home = append(w.home, [2]int{w.add(ci, asns[0]), w.add(ci, asns[1])})
			if _, ok := w.mobile[c.country]; !ok {
				w.mobile[c.country] = w.add(ci, w.newASN())
			}
		} else {
			w.home = append(w.home, [2]int{-1, -1})
		}
		w.business = append(w.business, w.add(ci, w.newASN()))
		w.wifi = append(w.wifi, w.add(ci, w.newASN()))
		w.hotel = append(w.hotel, w.add(ci, w.newASN()))
		w.hosting = append(w.hosting, w.add(ci, w.newASN()))
	}
	vpn := w.newASN()
	for _, ci := range []int{9, 2, 12} { // Amsterdam, New York, Singapore
		w.vpnExits = append(w.vpnExits, w.add(ci, vpn))
	}
	w.geo = openGeoDB(tb, w.nets)
	return w
}

// addr returns an address in isp i: on the /24 sub if sub ≥ 0, else on
// a random one.
func (w *simWorld) addr(r *rand.Rand, i, sub int) netip.Addr {
	b := w.isps[i].block.Addr().As4()
	if sub < 0 {
		sub = r.IntN(256)
	}
	b[2], b[3] = byte(sub), byte(1+r.IntN(254))
	return netip.AddrFrom4(b)
}

// attempt is one sign-in attempt to replay.
type attempt struct {
	t         time.Time
	login     string
	ip        netip.Addr
	ua        string
	device    string
	succeeds  bool   // the password is right
	kind      string // "normal" or the attack's name
	situation string // for normal sign-ins: what the user was doing
}

// simPool keeps the auth events the way a pool would and computes History.
type simPool struct {
	devices   map[string][]string
	successes map[string][]Sighting // newest first, at most keepSuccesses
	streak    map[string][]time.Time
	failures  map[netip.Prefix][]sourceFailure
}

type sourceFailure struct {
	t     time.Time
	login string
}

const keepSuccesses = 50

func newSimPool() *simPool {
	return &simPool{devices: map[string][]string{}, successes: map[string][]Sighting{}, streak: map[string][]time.Time{}, failures: map[netip.Prefix][]sourceFailure{}}
}

func (p *simPool) history(a attempt) History {
	h := History{KnownDevices: p.devices[a.login], LastSuccesses: p.successes[a.login]}
	for _, ft := range p.streak[a.login] {
		if a.t.Sub(ft) <= 24*time.Hour {
			h.UserFailures++
		}
	}
	net := NetworkOf(a.ip)
	fs := p.failures[net]
	i := 0
	for i < len(fs) && a.t.Sub(fs[i].t) > time.Hour {
		i++
	}
	p.failures[net] = fs[i:] // older than the window: forgotten
	accounts := map[string]bool{}
	for _, f := range fs[i:] {
		h.SourceFailures++
		accounts[f.login] = true
	}
	h.SourceAccounts = len(accounts)
	return h
}

// record stores the outcome: a right password at Low, or a normal user's
// at any level (they pass the MFA a Medium or High risk asks for), is a
// success; an attacker's right password above Low is blocked.
func (p *simPool) record(a attempt, as Assessment) {
	if a.succeeds && (a.kind == "normal" || as.Level == Low) {
		sg := Sighting{Time: a.t, IP: a.ip, Country: as.Country}
		p.successes[a.login] = slices.Insert(p.successes[a.login], 0, sg)[:min(keepSuccesses, len(p.successes[a.login])+1)]
		if a.device != "" && !slices.Contains(p.devices[a.login], a.device) {
			p.devices[a.login] = append(p.devices[a.login], a.device)
		}
		p.streak[a.login] = nil
		return
	}
	p.streak[a.login] = append(p.streak[a.login], a.t)
	net := NetworkOf(a.ip)
	p.failures[net] = append(p.failures[net], sourceFailure{a.t, a.login})
}

var browserUAs = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:142.0) Gecko/20100101 Firefox/142.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	"Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Mobile Safari/537.36",
	"aws-amplify/6.4 react-native",
}

type simUser struct {
	login            string
	city             int
	homeISP, homeSub int
	office           int // business /24, -1 without
	laptop, phone    string
	laptopUA         string
	phoneUA          string
	vpn              bool
}

var scenarioStart = time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)

// The pool has run for warmupDays before the weeks measured: users have
// history, as in a pool that keeps 90 days of events.
const (
	warmupDays   = 21
	scenarioDays = warmupDays + 42
)

// normalTraffic simulates users' own sign-ins.
func normalTraffic(r *rand.Rand, w *simWorld, users []*simUser) []attempt {
	var out []attempt
	for _, u := range users {
		tripDay, tripLen, tripCity := -1, 0, 0
		if r.Float64() < 0.12 {
			tripDay, tripLen, tripCity = warmupDays+r.IntN(scenarioDays-warmupDays-7), 2+r.IntN(6), r.IntN(homeCities)
		}
		newPhoneDay := -1
		if r.Float64() < 0.15 {
			newPhoneDay = warmupDays + r.IntN(scenarioDays-warmupDays)
		}
		hotelSub := r.IntN(256)
		for day := range scenarioDays {
			if day == newPhoneDay {
				u.phone = fmt.Sprintf("%s-phone-%d", u.login, day)
			}
			if r.Float64() < 0.12 && day%14 == 0 { // the home ISP hands out another address
				u.homeSub = r.IntN(256)
			}
			n := 0
			if r.Float64() < 0.85 {
				n = 1 + r.IntN(2)
			}
			for range n {
				t := scenarioStart.Add(time.Duration(day)*24*time.Hour + time.Duration(7+r.IntN(16))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
				a := attempt{t: t, login: u.login, succeeds: true, kind: "normal", device: u.laptop, ua: u.laptopUA}
				travelling := tripDay >= 0 && day >= tripDay && day < tripDay+tripLen
				switch x := r.Float64(); {
				case travelling && day == tripDay:
					// the day of the flight: a sign-in from the hotel once there
					c0, c1 := simCities[u.city], simCities[tripCity]
					flight := time.Duration((haversineKm(c0.lat, c0.lon, c1.lat, c1.lon)/800 + 3) * float64(time.Hour))
					a.t = scenarioStart.Add(time.Duration(day)*24*time.Hour + 6*time.Hour).Add(flight)
					a.ip, a.situation = w.addr(r, w.hotel[tripCity], hotelSub), "hotel"
				case travelling && x < 0.6:
					a.ip, a.situation = w.addr(r, w.hotel[tripCity], hotelSub), "hotel"
				case travelling:
					a.ip, a.device, a.ua, a.situation = w.addr(r, w.mobile[simCities[u.city].country], -1), u.phone, u.phoneUA, "roaming"
				case u.vpn && x < 0.2:
					a.ip, a.situation = w.addr(r, w.vpnExits[r.IntN(len(w.vpnExits))], 7), "vpn"
				case x < 0.5:
					a.ip, a.situation = w.addr(r, u.homeISP, u.homeSub), "home"
					if r.Float64() < 0.3 {
						a.device, a.ua = u.phone, u.phoneUA
					}
				case x < 0.75 && u.office >= 0:
					a.ip, a.situation = w.addr(r, w.business[u.city], u.office), "office"
				case x < 0.95:
					a.ip, a.device, a.ua, a.situation = w.addr(r, w.mobile[simCities[u.city].country], -1), u.phone, u.phoneUA, "mobile"
				default:
					a.ip, a.situation = w.addr(r, w.wifi[u.city], -1), "café"
				}
				if r.Float64() < 0.02 { // a private window: no device cookie
					a.device, a.situation = "", a.situation+"+private"
				}
				// Typos first, now and then.
				typos := 0
				if x := r.Float64(); x < 0.01 {
					typos = 2 + r.IntN(3)
				} else if x < 0.07 {
					typos = 1
				}
				for k := range typos {
					f := a
					f.t, f.succeeds = a.t.Add(time.Duration(k)*20*time.Second), false
					out = append(out, f)
				}
				a.t = a.t.Add(time.Duration(typos) * 20 * time.Second)
				out = append(out, a)
			}
		}
	}
	return out
}

type attackPlan struct {
	name     string
	attempts []attempt
}

// attacks simulates the four attacks and the stolen-password run.
func attacks(r *rand.Rand, w *simWorld, users []*simUser, normal []attempt) []attackPlan {
	day := func(d int, h int) time.Time {
		return scenarioStart.Add(time.Duration(warmupDays+d)*24*time.Hour + time.Duration(h)*time.Hour)
	}
	var plans []attackPlan

	// Credential stuffing: one hosting network, hundreds of accounts from
	// a combo list (a tenth unknown to the pool), 3 % right passwords,
	// spoofed browser user agents, no device.
	stuffing := attackPlan{name: "credential stuffing"}
	src := w.hosting[9] // Amsterdam
	t := day(20, 3)
	for i, ui := range r.Perm(len(users))[:300] {
		login := users[ui].login
		if i%10 == 9 {
			login = fmt.Sprintf("nobody%d@example.test", i)
		}
		t = t.Add(time.Duration(2+r.IntN(8)) * time.Second)
		stuffing.attempts = append(stuffing.attempts, attempt{t: t, login: login, ip: w.addr(r, src, 66), ua: browserUAs[r.IntN(3)], succeeds: r.Float64() < 0.03})
	}
	plans = append(plans, stuffing)

	// Password spraying: forty networks, half hosting, half residential
	// proxies in the users' own countries and ISPs, one common password
	// for every account, spread over three hours.
	spraying := attackPlan{name: "password spraying"}
	var nets []netip.Addr
	for i := range 40 {
		if i%2 == 0 {
			nets = append(nets, w.addr(r, w.hosting[r.IntN(len(simCities))], -1))
		} else {
			ci := r.IntN(homeCities)
			nets = append(nets, w.addr(r, w.home[ci][r.IntN(2)], -1))
		}
	}
	for i, ui := range r.Perm(len(users)) {
		spraying.attempts = append(spraying.attempts, attempt{
			t: day(30, 1).Add(time.Duration(r.IntN(3*3600)) * time.Second), login: users[ui].login,
			ip: nets[i%len(nets)], ua: browserUAs[r.IntN(len(browserUAs)-1)], succeeds: r.Float64() < 0.015,
		})
	}
	plans = append(plans, spraying)

	// Impossible travel: an infostealer took the password and the device
	// cookie (half the time); the thief signs in from far away within two
	// hours of the user's own sign-in.
	travel := attackPlan{name: "impossible travel"}
	for _, ui := range r.Perm(len(users))[:40] {
		u := users[ui]
		var own *attempt
		for i := range normal {
			if a := &normal[i]; a.login == u.login && a.succeeds && a.t.After(day(1, 0)) && a.situation == "home" {
				own = a
				break
			}
		}
		if own == nil {
			continue
		}
		far := r.IntN(len(simCities))
		for haversineKm(simCities[far].lat, simCities[far].lon, simCities[u.city].lat, simCities[u.city].lon) < 3000 {
			far = r.IntN(len(simCities))
		}
		a := attempt{t: own.t.Add(time.Duration(20+r.IntN(100)) * time.Minute), login: u.login, ip: w.addr(r, w.hosting[far], -1), ua: own.ua, succeeds: true}
		if r.IntN(2) == 0 {
			a.device = own.device
		}
		travel.attempts = append(travel.attempts, a)
	}
	plans = append(plans, travel)

	// A stolen (phished) password used days later from a new device in
	// another country, through a residential network there.
	stolen := attackPlan{name: "stolen password, new device and country"}
	for _, ui := range r.Perm(len(users))[:60] {
		u := users[ui]
		ci := r.IntN(len(simCities))
		for simCities[ci].country == simCities[u.city].country {
			ci = r.IntN(len(simCities))
		}
		ispIdx := w.hosting[ci]
		if ci < homeCities {
			ispIdx = w.home[ci][r.IntN(2)]
		}
		stolen.attempts = append(stolen.attempts, attempt{
			t: day(3+r.IntN(35), 8+r.IntN(12)), login: u.login, ip: w.addr(r, ispIdx, -1),
			ua: browserUAs[r.IntN(len(browserUAs)-1)], device: fmt.Sprintf("attacker-%d", ui), succeeds: true,
		})
	}
	plans = append(plans, stolen)
	for i := range plans {
		for j := range plans[i].attempts {
			plans[i].attempts[j].kind = plans[i].name
		}
	}
	return plans
}

func TestScenario(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 3))
	w := newSimWorld(t)
	var users []*simUser
	offices := map[int]int{}
	for i := range 400 {
		ci := r.IntN(homeCities)
		u := &simUser{
			login: fmt.Sprintf("user%03d@example.test", i), city: ci, homeISP: w.home[ci][r.IntN(2)], homeSub: r.IntN(256), office: -1,
			laptop: fmt.Sprintf("user%03d-laptop", i), phone: fmt.Sprintf("user%03d-phone", i),
			laptopUA: browserUAs[r.IntN(3)], phoneUA: browserUAs[3+r.IntN(3)], vpn: r.Float64() < 0.03,
		}
		if r.Float64() < 0.6 {
			u.office = offices[ci]*16 + r.IntN(2) // offices of a few dozen people
			if r.Float64() < 0.1 {
				offices[ci]++
			}
		}
		users = append(users, u)
	}
	normal := normalTraffic(r, w, users)
	plans := attacks(r, w, users, normal)
	all := slices.Clone(normal)
	for _, p := range plans {
		all = append(all, p.attempts...)
	}
	slices.SortStableFunc(all, func(a, b attempt) int { return a.t.Compare(b.t) })

	a, err := NewDefaultAssessor(Options{Geo: w.geo, Now: func() time.Time { return scenarioStart }})
	if err != nil {
		t.Fatal(err)
	}
	pool := newSimPool()
	type tally struct{ n, flagged int }
	tallies := map[string]*tally{}
	fpWhy, missed := map[string]int{}, map[string]int{}
	measureFrom := scenarioStart.Add(warmupDays * 24 * time.Hour)
	levels := map[string]*[3]int{}
	for _, at := range all {
		as, err := a.Assess(context.Background(), Signals{Time: at.t, IP: at.ip, UserAgent: at.ua, DeviceKey: at.device, Login: at.login, History: pool.history(at)})
		if err != nil {
			t.Fatal(err)
		}
		pool.record(at, as)
		if at.t.Before(measureFrom) {
			continue
		}
		tl := tallies[at.kind]
		if tl == nil {
			tl, levels[at.kind] = &tally{}, &[3]int{}
			tallies[at.kind] = tl
		}
		tl.n++
		levels[at.kind][as.Level]++
		if at.kind == "normal" {
			if as.Level > Low {
				tl.flagged++
				fpWhy[at.situation+": "+strings.Join(as.Reasons, "+")]++
			}
		} else if as.Level >= Medium {
			tl.flagged++
		} else {
			missed[at.kind+": "+strings.Join(as.Reasons, "+")]++
		}
	}

	fp := tallies["normal"]
	fpRate := float64(fp.flagged) / float64(fp.n)
	t.Logf("normal: %d sign-ins, %d above Low: %.2f %% (target ≤ %.0f %%); levels L/M/H %v", fp.n, fp.flagged, 100*fpRate, 100*fpTarget, *levels["normal"])
	whys := slices.Collect(func(yield func(string) bool) {
		for k := range fpWhy {
			if !yield(k) {
				return
			}
		}
	})
	slices.SortFunc(whys, func(x, y string) int { return cmp.Or(cmp.Compare(fpWhy[y], fpWhy[x]), cmp.Compare(x, y)) })
	for _, k := range whys {
		t.Logf("    false positive ×%d  %s", fpWhy[k], k)
	}
	if fpRate > fpTarget {
		t.Errorf("false-positive rate %.2f %% over %.0f %%", 100*fpRate, 100*fpTarget)
	}
	for _, p := range plans {
		tl := tallies[p.name]
		if tl == nil {
			t.Errorf("%s: no sign-in simulated", p.name)
			continue
		}
		rate := float64(tl.flagged) / float64(tl.n)
		t.Logf("%s: %d sign-ins, %d at Medium or High: %.1f %% (target ≥ %.0f %%); levels L/M/H %v", p.name, tl.n, tl.flagged, 100*rate, 100*detectionTarget, *levels[p.name])
		for k, n := range missed {
			if strings.HasPrefix(k, p.name+": ") {
				t.Logf("    missed ×%d  %s", n, k)
			}
		}
		if tl.n < 30 {
			t.Errorf("%s: only %d sign-ins simulated", p.name, tl.n)
		}
		if rate < detectionTarget {
			t.Errorf("%s: detection %.1f %% under %.0f %%", p.name, 100*rate, 100*detectionTarget)
		}
	}
}
