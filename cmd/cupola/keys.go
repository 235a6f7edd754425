package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/store"
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

// Signing key states, as keys list shows them.
const (
	keyPending = "pending" // published, signs from its activation time
	keySigning = "signing" // the key that signs now
	keyActive  = "active"  // may sign, but a newer key does
	keyRetired = "retired" // no longer signs; still verifies until it expires
	keyExpired = "expired" // dropped from the JWKS
)

// keyJSON is a signing key in JSON output (keys list). The field names are
// stable; times are null when unset.
type keyJSON struct {
	KID       string     `json:"kid"`
	Algorithm string     `json:"alg"`
	State     string     `json:"state"`
	Published *time.Time `json:"published"`
	Active    *time.Time `json:"active"`
	Retired   *time.Time `json:"retired"`
	Expires   *time.Time `json:"expires"`
}

// keyState is a stored key's state at now; signing is the ID of the key
// that signs at now.
func keyState(k store.SigningKey, now time.Time, signing string) string {
	switch {
	case !k.Expires.IsZero() && !now.Before(k.Expires):
		return keyExpired
	case !k.Retired.IsZero() && !now.Before(k.Retired):
		return keyRetired
	case now.Before(k.Active):
		return keyPending
	case k.ID == signing:
		return keySigning
	}
	return keyActive
}

// keysList prints the pool's signing keys, oldest first, with their
// state; private keys are never shown.
func (a *app) keysList(ctx context.Context, args []string) (err error) {
	fs, cf := a.flagSet("keys list", "keys list [-o text|json]")
	format := outputFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkOutput("keys list", *format); err != nil {
		return err
	}
	in, err := a.adminPool(ctx, cf)
	if err != nil {
		return err
	}
	defer closeInto(in, &err)
	stored, err := in.store.ListSigningKeys(ctx, in.pool.ID())
	if err != nil {
		return fmt.Errorf("keys list: %w", err)
	}
	now := a.now()
	signing := ""
	if k, err := in.pool.KeySet().SigningKey(now); err == nil {
		signing = k.ID
	}
	keys := make([]keyJSON, 0, len(stored))
	for _, k := range stored {
		keys = append(keys, keyJSON{KID: k.ID, Algorithm: k.Algorithm, State: keyState(k, now, signing),
			Published: timeJSON(k.Published), Active: timeJSON(k.Active), Retired: timeJSON(k.Retired), Expires: timeJSON(k.Expires)})
	}
	if *format == formatJSON {
		return a.writeJSON(keys)
	}
	tw := a.table()
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tPUBLISHED\tACTIVE\tRETIRED\tEXPIRES")
	for i, k := range keys {
		s := stored[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(k.KID), cell(k.Algorithm), k.State,
			timeText(s.Published), timeText(s.Active), timeText(s.Retired), timeText(s.Expires))
	}
	return tw.Flush()
}
