package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
)

// keysRotate publishes a new signing key now and signs with it after
// -publish-ahead, so that verifiers caching the JWKS know it before the
// first token it signs. Running servers pick it up within a minute.
func (a *app) keysRotate(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("keys rotate", "keys rotate [-publish-ahead 24h]")
	ahead := fs.Duration("publish-ahead", 24*time.Hour, "how long the new key is published before it signs (`duration`; 0 switches at once)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *ahead < 0 {
		return usagef("keys rotate: -publish-ahead must not be negative")
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	before := kids(in.pool.KeySet().Keys())
	if _, err := in.pool.RotateSigningKey(ctx, userpool.RotateSigningKeyInput{PublishAhead: *ahead}); err != nil {
		return fmt.Errorf("rotate signing key: %w", err)
	}
	for _, k := range in.pool.KeySet().Keys() {
		if !slices.Contains(before, k.ID) {
			fmt.Fprintf(a.stdout, "new signing key %s (%s): published now, signs from %s\n",
				k.ID, k.Algorithm, k.Active.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

func kids(keys []token.Key) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k.ID)
	}
	return out
}
