package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Bounds on a [Setting]'s fields, in bytes; [Setting.Check] refuses more.
const (
	MaxSettingKind     = 64
	MaxSettingScope    = 128
	MaxSettingDocument = 64 << 10
)

// Setting is one run-time setting document of a pool: Kind names what it
// configures ("risk"), Scope narrows it ("" for the whole pool, or an app
// client's ID). The pool owns Document's format; the store never reads it.
// A pool's settings are kept until deleted: Cleanup leaves them alone.
type Setting struct {
	PoolID string
	// Kind and Scope, with PoolID, are the setting's key, compared
	// exactly; the pool-wide setting of a kind (Scope "") and its
	// per-scope settings are separate records.
	Kind     string
	Scope    string
	Document []byte
	// Version is the compare-and-swap counter: PutSetting with Version 0
	// creates the setting, any other Version must match the stored one.
	Version int64
	// UpdatedAt is stored as given.
	UpdatedAt time.Time
}

// Settings stores setting documents.
type Settings interface {
	// GetSetting returns the setting, or ErrNotFound.
	GetSetting(ctx context.Context, poolID, kind, scope string) (Setting, error)
	// PutSetting creates the setting when s.Version is 0 (*ExistsError
	// with Key "setting" if it is present), or else replaces its Document
	// and UpdatedAt if s.Version is the stored version (stale: ErrConflict;
	// missing: ErrNotFound). It returns the setting as stored, with
	// Version incremented (1 on create). On any error nothing changes; of
	// concurrent creates of one key, or updates from one version, exactly
	// one succeeds.
	PutSetting(ctx context.Context, s Setting) (Setting, error)
	// DeleteSetting removes a setting, or returns ErrNotFound.
	DeleteSetting(ctx context.Context, poolID, kind, scope string) error
	// ListSettings returns the pool's settings of a kind, ordered by Scope
	// (byte order, so the pool-wide setting comes first). An empty pool ID
	// or kind is ErrInvalid.
	ListSettings(ctx context.Context, poolID, kind string) ([]Setting, error)
}

// Check reports what is wrong with s, if anything; stores refuse such a
// setting with ErrInvalid.
func (s Setting) Check() error {
	switch {
	case s.PoolID == "":
		return errors.New("pool id missing")
	case s.Kind == "":
		return errors.New("kind missing")
	case len(s.Kind) > MaxSettingKind:
		return fmt.Errorf("kind longer than %d bytes", MaxSettingKind)
	case len(s.Scope) > MaxSettingScope:
		return fmt.Errorf("scope longer than %d bytes", MaxSettingScope)
	case len(s.Document) == 0:
		return errors.New("document missing")
	case len(s.Document) > MaxSettingDocument:
		return fmt.Errorf("document larger than %d bytes", MaxSettingDocument)
	case s.Version < 0:
		return errors.New("negative version")
	}
	return nil
}

// CheckSettingList reports what is wrong with ListSettings' arguments, if
// anything; stores refuse such a call with ErrInvalid.
func CheckSettingList(poolID, kind string) error {
	switch {
	case poolID == "":
		return errors.New("pool id missing")
	case kind == "":
		return errors.New("kind missing")
	}
	return nil
}
