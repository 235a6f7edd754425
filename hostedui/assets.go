package hostedui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
)

//go:embed assets
var embeddedAssets embed.FS

// assetTypes are the files served under /assets/, by extension.
var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".svg": "image/svg+xml", ".ico": "image/x-icon", ".woff2": "font/woff2", ".gif": "image/gif", ".webp": "image/webp",
}

// getAsset serves the logo, the branding stylesheet, and static files
// from Options.Assets or the embedded set.
func (h *handler) getAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var body []byte
	var ctype string
	switch name {
	case "logo":
		body, ctype = h.cfg.Branding.LogoPNG, h.cfg.logoType
	case "branding.css":
		body, ctype = h.brandingCSS, assetTypes[".css"]
	default:
		ctype = assetTypes[path.Ext(name)]
		if ctype == "" || !fs.ValidPath(name) {
			break
		}
		b, err := h.readAsset(name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			h.cfg.Logger.ErrorContext(r.Context(), "hosted ui asset unreadable", "name", name, "err", err)
		}
		body = b
	}
	if len(body) == 0 || ctype == "" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("Cache-Control", "public, max-age=3600")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

func (h *handler) readAsset(name string) ([]byte, error) {
	if h.cfg.Assets != nil {
		b, err := fs.ReadFile(h.cfg.Assets, name)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return b, err
		}
	}
	return embeddedAssets.ReadFile("assets/" + name)
}

// brandingStylesheet turns Branding's colours and CSS into a stylesheet
// (CSP allows no inline style). Colours were checked by Options.check.
func brandingStylesheet(b Branding) []byte {
	var buf bytes.Buffer
	rule := func(sel, prop, v string) {
		if v != "" {
			fmt.Fprintf(&buf, "%s { %s: %s; }\n", sel, prop, v)
		}
	}
	rule(".background-customizable", "background-color", b.BackgroundColor)
	rule("body", "color", b.TextColor)
	rule(".submitButton-customizable", "background-color", b.PrimaryColor)
	rule(".submitButton-customizable", "border-color", b.PrimaryColor)
	rule("a", "color", b.PrimaryColor)
	rule(".submitButton-customizable", "color", b.ButtonTextColor)
	rule(".errorMessage-customizable", "color", b.ErrorColor)
	if b.CSS != "" {
		buf.WriteString(b.CSS)
		buf.WriteByte('\n')
	}
	if buf.Len() == 0 {
		buf.WriteString("/* no branding */\n")
	}
	return buf.Bytes()
}
