package federation

import (
	"context"
	"fmt"
)

// New builds the provider of cfg.Type: NewOIDC, NewGoogle, NewApple,
// NewFacebook, NewAmazon or NewSAML. An unknown type is ErrConfig.
func New(ctx context.Context, cfg Config) (Provider, error) {
	switch cfg.Type {
	case TypeOIDC:
		return NewOIDC(ctx, cfg)
	case TypeGoogle:
		return NewGoogle(ctx, cfg)
	case TypeApple:
		return NewApple(ctx, cfg)
	case TypeFacebook:
		return NewFacebook(ctx, cfg)
	case TypeAmazon:
		return NewAmazon(ctx, cfg)
	case TypeSAML:
		return NewSAML(ctx, cfg)
	}
	return nil, &Error{Provider: cfg.Name, Op: "config", Kind: ErrConfig, Detail: fmt.Sprintf("unknown provider type %q", cfg.Type)}
}
