package trigger

import (
	"reflect"
	"strconv"
	"testing"
)

// allEvents returns a new zero value of every event type.
func allEvents() []event {
	return []event{
		new(PreSignUpEvent), new(PostConfirmationEvent), new(PreAuthenticationEvent),
		new(PostAuthenticationEvent), new(PreTokenGenerationEvent), new(PreTokenGenerationV2Event),
		new(MigrateUserEvent), new(CustomMessageEvent), new(CustomEmailSenderEvent),
		new(CustomSMSSenderEvent), new(DefineAuthChallengeEvent), new(CreateAuthChallengeEvent),
		new(VerifyAuthChallengeResponseEvent),
	}
}

// fill sets every field reachable from v to a non-zero value derived from
// seed; JSON-like values go into map[string]any.
func fill(v reflect.Value, seed string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(seed)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), seed+"."+v.Type().Field(i).Name)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), seed)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), seed+strconv.Itoa(i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, seed+strconv.Itoa(i))
			v.SetMapIndex(reflect.ValueOf("k"+strconv.Itoa(i)), e)
		}
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]any{
			"s": seed, "n": 1.5, "b": true,
			"m": map[string]any{"x": seed, "l": []any{seed, map[string]any{"y": seed}}},
			"l": []any{seed, []any{seed}},
		}))
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

// mutate changes every leaf reachable from v in place, following maps,
// slices and pointers: whatever a copy shares with its original changes in
// both.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Struct:
		for i := range v.NumField() {
			mutate(v.Field(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			mutate(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			mutate(e)
			v.SetMapIndex(k, e)
		}
		v.SetMapIndex(reflect.ValueOf("added"), reflect.Zero(v.Type().Elem()))
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		inner := reflect.New(v.Elem().Type()).Elem()
		inner.Set(v.Elem())
		mutate(inner)
		v.Set(inner)
	}
}

func TestCloneEvent(t *testing.T) {
	for _, ev := range allEvents() {
		name := reflect.TypeOf(ev).Elem().Name()
		t.Run(name+" copy equals the original and shares no memory with it", func(t *testing.T) {
			fill(reflect.ValueOf(ev).Elem(), "v")
			c := ev.cloneEvent()
			if reflect.TypeOf(c) != reflect.TypeOf(ev) {
				t.Fatalf("clone is %T, want %T", c, ev)
			}
			if !reflect.DeepEqual(c, ev) {
				t.Fatalf("clone differs:\n%+v\n%+v", c, ev)
			}
			mutate(reflect.ValueOf(c).Elem())
			want := reflect.New(reflect.TypeOf(ev).Elem())
			fill(want.Elem(), "v")
			if !reflect.DeepEqual(ev, want.Interface()) {
				t.Errorf("changing the clone changed the original:\n%+v", ev)
			}
			if reflect.DeepEqual(c, want.Interface()) {
				t.Error("mutate changed nothing: the test proves nothing")
			}
		})
		t.Run(name+" copy of a zero event keeps nil as nil", func(t *testing.T) {
			zero := reflect.New(reflect.TypeOf(ev).Elem()).Interface().(event)
			if c := zero.cloneEvent(); !reflect.DeepEqual(c, zero) {
				t.Errorf("clone of zero is %+v", c)
			}
		})
		t.Run(name+" takeResponse copies the response and nothing else", func(t *testing.T) {
			dst := reflect.New(reflect.TypeOf(ev).Elem()).Interface().(event)
			src := reflect.New(reflect.TypeOf(ev).Elem()).Interface().(event)
			fill(reflect.ValueOf(src).Elem(), "src")
			dst.takeResponse(src)
			got := reflect.ValueOf(dst).Elem()
			for i := range got.NumField() {
				f := got.Type().Field(i)
				if f.Name == "Response" {
					if !reflect.DeepEqual(got.Field(i).Interface(), reflect.ValueOf(src).Elem().Field(i).Interface()) {
						t.Error("response not copied")
					}
				} else if !got.Field(i).IsZero() {
					t.Errorf("%s copied too", f.Name)
				}
			}
			if reflect.ValueOf(dst.responsePtr()).Elem().Type() != got.FieldByName("Response").Type() {
				t.Error("responsePtr does not point at Response")
			}
		})
	}
}

func TestCloneValueCopiesJSONValuesDeeply(t *testing.T) {
	orig := map[string]any{
		"m":   map[string]any{"a": []any{"x", map[string]any{"b": "y"}}},
		"ss":  []string{"p"},
		"ms":  map[string]string{"q": "r"},
		"raw": []byte(nil),
	}
	c := cloneAnyMap(orig)
	c["m"].(map[string]any)["a"].([]any)[1].(map[string]any)["b"] = "changed"
	c["ss"].([]string)[0] = "changed"
	c["ms"].(map[string]string)["q"] = "changed"
	if orig["m"].(map[string]any)["a"].([]any)[1].(map[string]any)["b"] != "y" ||
		orig["ss"].([]string)[0] != "p" || orig["ms"].(map[string]string)["q"] != "r" {
		t.Errorf("original changed: %v", orig)
	}
}
