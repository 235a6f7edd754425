package federation

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestBoundedBody(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		wantErr bool
	}{
		{"a body under the bound is read whole", 99, false},
		{"a body exactly at the bound is read whole", 100, false},
		{"a body one byte over the bound fails", 101, true},
		{"a body far over the bound fails", 10000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &boundedBody{rc: io.NopCloser(strings.NewReader(strings.Repeat("x", tt.size))), left: 100, limit: 100}
			got, err := io.ReadAll(b)
			var tooLarge errBodyTooLarge
			if tt.wantErr != errors.As(err, &tooLarge) {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && len(got) != tt.size {
				t.Errorf("read %d bytes, want %d", len(got), tt.size)
			}
			if len(got) > 100 {
				t.Errorf("read %d bytes past the bound", len(got))
			}
		})
	}
}

func TestBoundedClientKeepsTheCallersSettings(t *testing.T) {
	caller := http.Client{Timeout: 3 * time.Second}
	c := boundedClient(&caller)
	if c.Timeout != 3*time.Second {
		t.Errorf("timeout %v", c.Timeout)
	}
	if caller.Transport != nil {
		t.Error("the caller's client was changed")
	}
	if d := boundedClient(nil); d.Timeout != defaultHTTPTimeout {
		t.Errorf("default timeout %v", d.Timeout)
	}
}
