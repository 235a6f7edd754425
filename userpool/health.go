package userpool

import (
	"context"
	"errors"
	"fmt"

	"github.com/cupola-auth/cupola/store"
)

// Ready reports whether the pool can serve: it holds a key to sign with,
// and its store answers a read (an indexed look-up of a record that
// usually does not exist). A front end's readiness probe (cupola serve's
// /readyz) calls it with a short deadline; an error names what is wrong.
func (p *UserPool) Ready(ctx context.Context) error {
	if _, err := p.tok.Load().keys.SigningKey(p.now()); err != nil {
		return fmt.Errorf("userpool: no signing key: %w", err)
	}
	if _, err := p.store.GetSetting(ctx, p.cfg.ID, "readiness", ""); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("userpool: store: %w", err)
	}
	return nil
}
