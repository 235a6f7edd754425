package token

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// DiscoverKeySet reads the OpenID Provider configuration at
// issuer + "/.well-known/openid-configuration" (OpenID Connect Discovery
// 1.0 §4) and returns a RemoteKeySet for its jwks_uri, not yet fetched.
//
// The document's issuer must equal issuer exactly (§4.3), so a provider
// cannot vouch for another; jwks_uri must be https (or http to a loopback
// host). issuer itself must be https, or http to a loopback host. Failures
// match ErrDiscovery, bad options ErrConfig.
func DiscoverKeySet(ctx context.Context, issuer string, opts RemoteOptions) (*RemoteKeySet, error) {
	if err := checkFetchURL(issuer); err != nil {
		return nil, fmt.Errorf("discover key set: %w: %w", ErrConfig, err)
	}
	if strings.ContainsAny(issuer, "?#") {
		return nil, fmt.Errorf("discover key set: issuer %.128q has a query: %w", issuer, ErrConfig)
	}
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("discover key set: %w", err)
	}
	client := opts.Client
	if client == nil {
		client = defaultClient()
	}
	ctx, cancel := context.WithTimeout(ctx, orDefault(opts.FetchTimeout, DefaultFetchTimeout))
	defer cancel()
	u := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	body, _, err := getBounded(ctx, client, u, "application/json", orDefault(opts.MaxBodyBytes, DefaultMaxJWKSBytes))
	if err != nil {
		return nil, fmt.Errorf("discover key set: %w: %w", ErrDiscovery, err)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("discover key set: %w: decode configuration: %w", ErrDiscovery, err)
	}
	if doc.Issuer != issuer {
		return nil, fmt.Errorf("discover key set: configuration names issuer %.128q, want %.128q: %w", doc.Issuer, issuer, ErrDiscovery)
	}
	if err := checkFetchURL(doc.JWKSURI); err != nil {
		return nil, fmt.Errorf("discover key set: jwks_uri: %w: %w", ErrDiscovery, err)
	}
	r, err := NewRemoteKeySet(doc.JWKSURI, opts)
	if err != nil {
		return nil, fmt.Errorf("discover key set: %w", err)
	}
	return r, nil
}
