package federation

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"time"
)

// decodeClaims parses a JSON object of claims, keeping numbers as
// written (json.Number) so that large IDs and times are not rounded
// through float64.
func decodeClaims(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("claims are not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the claims object")
	}
	return m, nil
}

// flattenClaims turns claims into Identity.Attributes: strings as they
// are, numbers and booleans as JSON writes them, arrays and objects as
// their JSON; null claims are left out, as if absent.
func flattenClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if s, ok := flattenClaim(v); ok {
			out[k] = s
		}
	}
	return out
}

func flattenClaim(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
}

// mergeClaims adds to dst the claims it lacks from src: the signed ID
// token's claims win over the userinfo answer's.
func mergeClaims(dst, src map[string]string) {
	for k, v := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = v
		}
	}
}

// claimTrue reads a boolean claim that some providers send as the string
// "true" (Apple's email_verified, Cognito-fronted IdPs) rather than as a
// JSON boolean. Flattened, both read "true".
func claimTrue(attrs map[string]string, name string) bool {
	return attrs[name] == "true"
}

// claimTime reads a NumericDate claim (seconds since the epoch, possibly
// fractional); zero when absent or unreadable.
func claimTime(attrs map[string]string, name string) time.Time {
	v, ok := attrs[name]
	if !ok {
		return time.Time{}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > math.MaxInt32*4 || math.IsNaN(f) {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}
