package risk

import "strings"

// automationAgents are substrings (lower case) of the user agents of HTTP
// libraries, command-line clients and browser automation: a person
// signing in does not send them. Mobile SDKs (aws-amplify, okhttp inside
// an app) are not here: apps sign in with them legitimately.
var automationAgents = [...]string{
	"curl/", "wget/", "python-requests", "python-urllib", "aiohttp", "httpx",
	"go-http-client", "java/", "apache-httpclient", "libwww-perl", "lwp::",
	"node-fetch", "axios/", "undici", "got (", "postmanruntime", "insomnia",
	"scrapy", "headlesschrome", "phantomjs", "selenium", "puppeteer",
	"playwright", "httpie", "powershell", "ruby", "guzzlehttp", "openbullet",
	"bot/", "bot;", "spider", "crawler",
}

// minUserAgentLen is the shortest user agent taken for a real client's.
const minUserAgentLen = 10

// unusualUserAgent reports whether ua is too short to be a client's or an
// automation tool's. An empty one is no signal: many flows (an API sign-in
// through a back end) carry no user agent at all.
func unusualUserAgent(ua string) bool {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return false
	}
	if len(ua) < minUserAgentLen {
		return true
	}
	l := strings.ToLower(ua)
	for _, a := range automationAgents {
		if strings.Contains(l, a) {
			return true
		}
	}
	return false
}
