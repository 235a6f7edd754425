package store

import (
	"context"
	"slices"
)

// Attributes ListUsers can filter on (cognito.md §1).
const (
	SearchUsername          = "username"
	SearchSub               = "sub"
	SearchStatus            = "cognito:user_status"
	SearchEnabled           = "status"
	SearchEmail             = "email"
	SearchPhoneNumber       = "phone_number"
	SearchName              = "name"
	SearchGivenName         = "given_name"
	SearchFamilyName        = "family_name"
	SearchPreferredUsername = "preferred_username"
)

// SearchAttributes lists the filterable attributes.
func SearchAttributes() []string {
	return []string{SearchUsername, SearchSub, SearchStatus, SearchEnabled, SearchEmail, SearchPhoneNumber,
		SearchName, SearchGivenName, SearchFamilyName, SearchPreferredUsername}
}

// SearchKey is the value a user is found under for a search attribute:
// the username as given, the sub, the status ("CONFIRMED"…), "Enabled" or
// "Disabled", or the attribute's value. ok is false when the user has no
// value (such users never match). Every store indexes exactly these keys.
func SearchKey(u User, attr string) (key string, ok bool) {
	switch attr {
	case SearchUsername:
		return u.Username, true
	case SearchSub:
		return u.Sub, true
	case SearchStatus:
		return string(u.Status), true
	case SearchEnabled:
		if u.Enabled {
			return "Enabled", true
		}
		return "Disabled", true
	}
	if !slices.Contains(SearchAttributes(), attr) {
		return "", false
	}
	v, ok := u.Attributes[attr]
	return v, ok && v != ""
}

// UserQuery selects a page of ListUsers.
type UserQuery struct {
	// Attribute is one of SearchAttributes; empty lists every user.
	Attribute string
	// Value is compared with the user's SearchKey bytewise: equal, or a
	// prefix when Prefix is set.
	Value  string
	Prefix bool
	// AfterKey and AfterSub are the last user of the previous page: the
	// page starts after (AfterKey, AfterSub). Both empty start at the
	// beginning. Without an Attribute, AfterKey is ignored.
	AfterKey string
	AfterSub string
	// Limit bounds the page (the store may cap it at 1000).
	Limit int
}

// UserSearch finds users by attribute.
type UserSearch interface {
	// ListUsers returns at most q.Limit users matching q, ordered by
	// (SearchKey, Sub) bytewise, or by Sub when q.Attribute is empty. It
	// must use an index: its cost grows with the page, not the pool.
	// An Attribute outside SearchAttributes is ErrInvalid.
	ListUsers(ctx context.Context, poolID string, q UserQuery) ([]User, error)
}
