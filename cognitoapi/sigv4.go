package cognitoapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Admin actions are signed with AWS Signature Version 4
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html).
// The server recomputes the signature with the AWS SDK's own signer over
// the headers the client says it signed, compares it in constant time,
// refuses a date more than signatureWindow from now, and refuses a
// signature it has already accepted within the window (a replay).

// signatureWindow is the clock skew a signature may have, as AWS allows.
const signatureWindow = 5 * time.Minute

// signingService is the service name in Cognito's credential scope.
const signingService = "cognito-idp"

func sigErr(typ, msg string) *wireError {
	return wireErr(http.StatusBadRequest, typ, msg)
}

// authorization is a parsed Authorization header.
type authorization struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

func parseAuthorization(h string) (authorization, bool) {
	var a authorization
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return a, false
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, false
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return a, false
			}
			a.accessKey, a.date, a.region, a.service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	return a, a.accessKey != "" && len(a.signedHeaders) > 0 && len(a.signature) == 64
}

// verifySignature checks an admin request's Signature Version 4 and
// returns the access key ID that signed it.
func (h *handler) verifySignature(r *http.Request, body []byte) (string, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", sigErr("MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	a, ok := parseAuthorization(auth)
	if !ok || len(auth) > 4096 {
		return "", sigErr("IncompleteSignatureException", "The Authorization header is not a Signature Version 4 header.")
	}
	secret, ok := h.opts.AccessKeys[a.accessKey]
	if !ok {
		return "", sigErr("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	if a.service != signingService || (h.opts.Region != "" && a.region != h.opts.Region) {
		return "", sigErr("InvalidSignatureException", "Credential should be scoped to a valid region and service "+signingService+".")
	}
	signed, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil || signed.Format("20060102") != a.date {
		return "", sigErr("IncompleteSignatureException", "X-Amz-Date is missing or does not match the credential scope.")
	}
	now := h.now()
	if d := now.Sub(signed); d > signatureWindow || d < -signatureWindow {
		return "", sigErr("InvalidSignatureException", "Signature expired: the request date is more than 5 minutes from the server's.")
	}
	signedSet := map[string]bool{}
	for _, name := range a.signedHeaders {
		signedSet[name] = true
	}
	if !signedSet["host"] || !signedSet["x-amz-date"] || !signedSet["x-amz-target"] {
		return "", sigErr("IncompleteSignatureException", "The signature must cover host, x-amz-date and x-amz-target.")
	}
	// The request as the client signed it: only the headers it signed.
	clone, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+r.Host+r.URL.RequestURI(), io.NopCloser(bytes.NewReader(body)))
	if err != nil {
		return "", sigErr("IncompleteSignatureException", "The request cannot be verified.")
	}
	clone.Host = r.Host
	clone.ContentLength = int64(len(body))
	for name, values := range r.Header {
		if signedSet[strings.ToLower(name)] && !strings.EqualFold(name, "content-length") {
			clone.Header[name] = values
		}
	}
	if !signedSet["content-length"] {
		clone.ContentLength = -1 // not signed: keep the signer from adding it
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if got := r.Header.Get("X-Amz-Content-Sha256"); got != "" && got != payload {
		return "", sigErr("InvalidSignatureException", "The request body does not match its signed hash.")
	}
	err = v4.NewSigner().SignHTTP(r.Context(), aws.Credentials{AccessKeyID: a.accessKey, SecretAccessKey: secret},
		clone, payload, a.service, a.region, signed)
	if err != nil {
		return "", sigErr("InvalidSignatureException", "The request cannot be verified.")
	}
	want, ok := parseAuthorization(clone.Header.Get("Authorization"))
	if !ok || strings.Join(want.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") ||
		!hmac.Equal([]byte(want.signature), []byte(a.signature)) {
		return "", sigErr("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.")
	}
	if !h.replays.add(a.signature, now) {
		return "", sigErr("InvalidSignatureException", "This signature was already used.")
	}
	return a.accessKey, nil
}

// replayCache remembers accepted signatures for ttl, bounded in size: a
// signature seen again within the window is a replayed request.
type replayCache struct {
	mu   sync.Mutex
	ttl  time.Duration
	seen map[string]time.Time
}

// maxReplayEntries bounds the cache; beyond it, expired entries are swept
// and, if still full, new signatures are refused (fail closed).
const maxReplayEntries = 1 << 18

func newReplayCache(ttl time.Duration) *replayCache {
	return &replayCache{ttl: ttl, seen: map[string]time.Time{}}
}

// add records sig and reports whether it was new.
func (c *replayCache) add(sig string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.seen[sig]; ok && now.Sub(t) < c.ttl {
		return false
	}
	if len(c.seen) >= maxReplayEntries {
		for k, t := range c.seen {
			if now.Sub(t) >= c.ttl {
				delete(c.seen, k)
			}
		}
		if len(c.seen) >= maxReplayEntries {
			return false
		}
	}
	c.seen[sig] = now
	return true
}
