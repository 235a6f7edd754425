package trigger

import (
	"encoding/json"
	"maps"
	"slices"
)

// The clone helpers keep nil as nil and empty as empty, so a copy marshals
// to the same JSON as the original.

func cloneStrings(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	return maps.Clone(m)
}

func cloneList(s []string) []string {
	if s == nil {
		return nil
	}
	return slices.Clone(s)
}

func cloneStringPtr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneValue deep-copies the values JSON decoding produces (maps, slices,
// numbers, strings, booleans) plus the common typed maps and slices. Any
// other value is copied as is: a trigger that stores its own pointers in a
// claim shares them with its caller.
func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneAnyMap(v)
	case []any:
		if v == nil {
			return v
		}
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = cloneValue(e)
		}
		return c
	case map[string]string:
		return cloneStrings(v)
	case []string:
		return cloneList(v)
	case json.RawMessage:
		return slices.Clone(v)
	default:
		return v
	}
}

func cloneAnyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = cloneValue(v)
	}
	return c
}

func cloneGroupConfiguration(g GroupConfiguration) GroupConfiguration {
	return GroupConfiguration{
		GroupsToOverride:   cloneList(g.GroupsToOverride),
		IAMRolesToOverride: cloneList(g.IAMRolesToOverride),
		PreferredRole:      cloneStringPtr(g.PreferredRole),
	}
}

func cloneGroupConfigurationPtr(g *GroupConfiguration) *GroupConfiguration {
	if g == nil {
		return nil
	}
	c := cloneGroupConfiguration(*g)
	return &c
}

func cloneSession(s []ChallengeResult) []ChallengeResult {
	if s == nil {
		return nil
	}
	return slices.Clone(s)
}
