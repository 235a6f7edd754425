package message_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/message"
)

func TestDefaultTemplatesCoverEveryKindAndValidate(t *testing.T) {
	d := message.DefaultTemplates()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	for _, k := range message.Kinds() {
		tpl, ok := d[k]
		if !ok {
			t.Errorf("no default for %s", k)
			continue
		}
		// A notice names the account; every other kind carries the code.
		want := "{####}"
		shown := "123456"
		if k.Notice() {
			want, shown = "{username}", "alice"
		}
		if tpl.EmailSubject == "" || !strings.Contains(tpl.EmailText, want) || !strings.Contains(tpl.SMSText, want) {
			t.Errorf("default for %s is incomplete: %+v", k, tpl)
		}
		m, err := d.Email(k, "a@example.com", message.Data{Code: "123456", Username: "alice"})
		if err != nil || !strings.Contains(m.Text, shown) {
			t.Errorf("%s email = %+v, %v", k, m, err)
		}
		s, err := d.SMS(k, "+14155550100", message.Data{Code: "123456", Username: "alice"})
		if err != nil || !strings.Contains(s.Text, shown) {
			t.Errorf("%s sms = %+v, %v", k, s, err)
		}
	}
	m, err := d.Email(message.KindAdminCreateUser, "a@example.com", message.Data{Code: "Tmp#Pass1", Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Your username is alice and temporary password is Tmp#Pass1."; m.Text != want {
		t.Errorf("AdminCreateUser text = %q, want %q", m.Text, want)
	}
}

func TestTemplatesRender(t *testing.T) {
	custom := message.Templates{
		message.KindSignUp: {
			EmailSubject: "Welcome to {poolname}, {username}",
			EmailText:    "Hi {username}, your code is {####}. Again: {####}.",
			EmailHTML:    "<p>Hi {username}, your code is <b>{####}</b>.</p>",
			SMSText:      "{poolname} code: {####}",
		},
		message.KindForgotPassword: {SMSText: "Reset: {####}"}, // other fields fall back
	}
	tests := []struct {
		name        string
		kind        message.Kind
		data        message.Data
		wantSubject string
		wantText    string
		wantHTML    string
		wantSMS     string
	}{
		{
			name:        "every placeholder is filled, each time it occurs",
			kind:        message.KindSignUp,
			data:        message.Data{Code: "123456", Username: "alice", PoolName: "Acme"},
			wantSubject: "Welcome to Acme, alice",
			wantText:    "Hi alice, your code is 123456. Again: 123456.",
			wantHTML:    "<p>Hi alice, your code is <b>123456</b>.</p>",
			wantSMS:     "Acme code: 123456",
		},
		{
			name:        "a username holding a placeholder is not expanded again",
			kind:        message.KindSignUp,
			data:        message.Data{Code: "123456", Username: "{####}{username}", PoolName: "{####}"},
			wantSubject: "Welcome to {####}, {####}{username}",
			wantText:    "Hi {####}{username}, your code is 123456. Again: 123456.",
			wantHTML:    "<p>Hi {####}{username}, your code is <b>123456</b>.</p>",
			wantSMS:     "{####} code: 123456",
		},
		{
			name:        "values are HTML-escaped in the HTML body only",
			kind:        message.KindSignUp,
			data:        message.Data{Code: "123456", Username: `<script>alert("x")</script>&`, PoolName: "A&B"},
			wantSubject: `Welcome to A&B, <script>alert("x")</script>&`,
			wantText:    `Hi <script>alert("x")</script>&, your code is 123456. Again: 123456.`,
			wantHTML:    "<p>Hi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;, your code is <b>123456</b>.</p>",
			wantSMS:     "A&B code: 123456",
		},
		{
			name:        "empty fields of a pool template fall back to the defaults",
			kind:        message.KindForgotPassword,
			data:        message.Data{Code: "654321"},
			wantSubject: message.DefaultTemplates()[message.KindForgotPassword].EmailSubject,
			wantText:    strings.ReplaceAll(message.DefaultTemplates()[message.KindForgotPassword].EmailText, "{####}", "654321"),
			wantSMS:     "Reset: 654321",
		},
		{
			name:        "a kind the pool did not set uses the default",
			kind:        message.KindAuthentication,
			data:        message.Data{Code: "111222"},
			wantSubject: "Your sign-in code",
			wantText:    "Your sign-in code is 111222.",
			wantSMS:     "Your sign-in code is 111222.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := custom.Email(tt.kind, "a@example.com", tt.data)
			if err != nil {
				t.Fatalf("Email: %v", err)
			}
			if m.To != "a@example.com" || m.Subject != tt.wantSubject || m.Text != tt.wantText || m.HTML != tt.wantHTML {
				t.Errorf("Email = %+v\nwant subject %q text %q html %q", m, tt.wantSubject, tt.wantText, tt.wantHTML)
			}
			s, err := custom.SMS(tt.kind, "+14155550100", tt.data)
			if err != nil {
				t.Fatalf("SMS: %v", err)
			}
			if s.To != "+14155550100" || s.Text != tt.wantSMS {
				t.Errorf("SMS = %+v, want text %q", s, tt.wantSMS)
			}
		})
	}
}

func TestTemplatesRefuseUnsafeOutput(t *testing.T) {
	d := message.DefaultTemplates()
	withUser := message.Templates{message.KindSignUp: {EmailSubject: "Hi {username}"}}
	tests := []struct {
		name   string
		render func() error
		want   error
	}{
		{"a username with a line break in the subject is header injection", func() error {
			_, err := withUser.Email(message.KindSignUp, "a@example.com", message.Data{Code: "1", Username: "x\r\nBcc: evil@example.net"})
			return err
		}, message.ErrHeaderInjection},
		{"an email without a code is refused", func() error {
			_, err := d.Email(message.KindSignUp, "a@example.com", message.Data{})
			return err
		}, message.ErrInvalidMessage},
		{"an sms without a code is refused", func() error {
			_, err := d.SMS(message.KindSignUp, "+14155550100", message.Data{})
			return err
		}, message.ErrInvalidMessage},
		{"a bad recipient address is refused", func() error {
			_, err := d.Email(message.KindSignUp, "alice", message.Data{Code: "1"})
			return err
		}, message.ErrInvalidMessage},
		{"a bad phone number is refused", func() error {
			_, err := d.SMS(message.KindSignUp, "555-0100", message.Data{Code: "1"})
			return err
		}, message.ErrInvalidMessage},
		{"an unknown kind is refused", func() error {
			_, err := d.Email("Nope", "a@example.com", message.Data{Code: "1"})
			return err
		}, message.ErrInvalidTemplate},
		{"a pool template without a code is refused when rendering", func() error {
			_, err := message.Templates{message.KindSignUp: {SMSText: "no code"}}.SMS(message.KindSignUp, "+14155550100", message.Data{Code: "1"})
			return err
		}, message.ErrInvalidTemplate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.render(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTemplatesValidate(t *testing.T) {
	tests := []struct {
		name    string
		t       message.Templates
		wantErr []string // substrings of the joined error, one per problem
	}{
		{"a nil set is valid", nil, nil},
		{"a partial override is valid", message.Templates{message.KindSignUp: {SMSText: "Code {####}"}}, nil},
		{"email text without a code is refused", message.Templates{message.KindSignUp: {EmailText: "Welcome"}}, []string{"SignUp: email text lacks {####}"}},
		{"email html without a code is refused", message.Templates{message.KindSignUp: {EmailHTML: "<p>Welcome</p>"}}, []string{"SignUp: email html lacks {####}"}},
		{"sms text without a code is refused", message.Templates{message.KindResendCode: {SMSText: "Welcome"}}, []string{"ResendCode: sms text lacks {####}"}},
		{"an invitation without the username is refused", message.Templates{message.KindAdminCreateUser: {EmailText: "Password {####}"}}, []string{"AdminCreateUser: email text lacks {username}"}},
		{"a subject with a line break is refused", message.Templates{message.KindSignUp: {EmailSubject: "a\nb"}}, []string{"SignUp: email subject"}},
		{"an unknown kind is refused", message.Templates{"SignUpTypo": {EmailText: "{####}"}}, []string{`unknown kind "SignUpTypo"`}},
		{"every problem is reported", message.Templates{
			message.KindSignUp:         {EmailText: "x", SMSText: "y"},
			message.KindForgotPassword: {EmailHTML: "z"},
		}, []string{"ForgotPassword: email html", "SignUp: email text", "SignUp: sms text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, message.ErrInvalidTemplate) {
				t.Fatalf("err = %v, want ErrInvalidTemplate", err)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestANoticeNeedsNoCode(t *testing.T) {
	d := message.DefaultTemplates()
	for _, k := range []message.Kind{message.KindPasswordChanged, message.KindMFAChanged, message.KindRecoveryCodes, message.KindAccountExists} {
		m, err := d.Email(k, "a@example.com", message.Data{Username: "alice", PoolName: "Shop"})
		if err != nil || !strings.Contains(m.Text, "alice") || !strings.Contains(m.Text, "Shop") {
			t.Errorf("%s email = %+v, %v", k, m, err)
		}
		if _, err := d.SMS(k, "+14155550100", message.Data{Username: "alice"}); err != nil {
			t.Errorf("%s sms: %v", k, err)
		}
	}
	if _, err := d.Email(message.KindSignUp, "a@example.com", message.Data{Username: "alice"}); err == nil {
		t.Error("a code message without a code was rendered")
	}
	custom := message.Templates{message.KindPasswordChanged: {EmailText: "Hi {username}, your password changed."}}
	if err := custom.Validate(); err != nil {
		t.Errorf("a notice template without {####} was refused: %v", err)
	}
}
