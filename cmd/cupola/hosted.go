package main

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"

	"github.com/cupola-auth/cupola/hostedui"
)

// maxBrandingFileBytes bounds a logo or stylesheet file; the hosted UI
// applies its own, smaller, logo limit.
const maxBrandingFileBytes = 1 << 20

// hostedUI builds the hosted UI (pages, OAuth2/OIDC endpoints, JWKS and
// discovery) of the instance's pool. It is the only file that knows
// package hostedui.
func (a *app) hostedUI(in *instance, cookieKeys [][]byte, log *slog.Logger) (http.Handler, error) {
	h := in.cfg.HostedUI
	b := h.Branding
	branding := hostedui.Branding{
		Title: b.Title, LogoName: b.LogoName,
		BackgroundColor: b.BackgroundColor, TextColor: b.TextColor, PrimaryColor: b.PrimaryColor,
		ButtonTextColor: b.ButtonTextColor, ErrorColor: b.ErrorColor,
		CSS: b.CSS, LegalText: b.LegalText,
	}
	if branding.Title == "" {
		branding.Title = in.cfg.Pool.Name
	}
	if b.LogoFile != "" {
		logo, err := readSmallFile(b.LogoFile, maxBrandingFileBytes)
		if err != nil {
			return nil, fmt.Errorf("hosted_ui.branding.logo_file: %w", err)
		}
		branding.LogoPNG = logo
	}
	if b.CSSFile != "" {
		css, err := readSmallFile(b.CSSFile, maxBrandingFileBytes)
		if err != nil {
			return nil, fmt.Errorf("hosted_ui.branding.css_file: %w", err)
		}
		branding.CSS += "\n" + string(css)
	}
	var templates, assets fs.FS
	if h.TemplatesDir != "" {
		templates = os.DirFS(h.TemplatesDir)
	}
	if h.AssetsDir != "" {
		assets = os.DirFS(h.AssetsDir)
	}
	handler, err := hostedui.New(in.pool, hostedui.Options{
		BaseURL:          in.pool.Issuer(),
		CookieKeys:       cookieKeys,
		SessionTTL:       h.SessionTTL,
		SignUpAttributes: h.SignUpAttributes,
		Branding:         branding,
		Templates:        templates,
		Assets:           assets,
		Clock:            a.now,
		Logger:           log,
	})
	if err != nil {
		return nil, fmt.Errorf("hosted ui: %w", err)
	}
	return handler, nil
}
