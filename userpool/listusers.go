package userpool

import (
	"context"

	"github.com/cupola-auth/cupola/store"
)

// ListUsersInput is ListUsers' request.
type ListUsersInput struct {
	// Filter is Cognito's filter: `email ^= "ali"`, `username = "bob"`,
	// `cognito:user_status = "UNCONFIRMED"`, `status = "Disabled"`…
	Filter string
	// AttributesToGet limits the attributes returned; empty means all.
	AttributesToGet []string
	// Limit 1–60; zero means 60.
	Limit int
	// PaginationToken continues a listing; it expires after an hour and
	// only continues the same filter.
	PaginationToken string
}

// ListUsersOutput is a page of users.
type ListUsersOutput struct {
	Users           []UserType
	PaginationToken string
}

// ListUsers searches the pool's users by one attribute, through the
// store's index: the cost follows the page size, not the pool size.
func (p *UserPool) ListUsers(ctx context.Context, in ListUsersInput) (_ *ListUsersOutput, err error) {
	ctx, ob := p.begin(ctx, "ListUsers", "")
	defer func() { ob.finish(ctx, err) }()
	limit, err := pageLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	f, err := parseFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	for _, a := range in.AttributesToGet {
		if _, ok := p.schemaOf(a); !ok && a != "sub" && a != "email_verified" && a != "phone_number_verified" {
			return nil, invalidParam("Attribute does not exist in the schema: " + sanitize(a))
		}
	}
	kind := "users:" + f.Attribute + ":" + boolString(f.Prefix) + ":" + f.Value
	afterKey, afterSub, err := p.decodePage(kind, in.PaginationToken)
	if err != nil {
		return nil, err
	}
	us, err := p.store.ListUsers(ctx, p.cfg.ID, store.UserQuery{Attribute: f.Attribute, Value: f.Value, Prefix: f.Prefix,
		AfterKey: afterKey, AfterSub: afterSub, Limit: limit + 1})
	if err != nil {
		return nil, internalErr("list users", err)
	}
	out := &ListUsersOutput{}
	if len(us) > limit {
		us = us[:limit]
		last := us[limit-1]
		key, _ := store.SearchKey(last, f.Attribute)
		if out.PaginationToken, err = p.encodePage(kind, key, last.Sub); err != nil {
			return nil, err
		}
	}
	var keep func(string) bool
	if len(in.AttributesToGet) > 0 {
		keep = func(name string) bool {
			for _, a := range in.AttributesToGet {
				if a == name {
					return true
				}
			}
			return false
		}
	}
	for _, u := range us {
		t := userType(u)
		if keep != nil {
			t.Attributes = visibleAttributes(u.Sub, u.Attributes, keep)
			if !keep("sub") {
				t.Attributes = t.Attributes[1:]
			}
		}
		out.Users = append(out.Users, *t)
	}
	return out, nil
}

func boolString(b bool) string {
	if b {
		return "prefix"
	}
	return "exact"
}
