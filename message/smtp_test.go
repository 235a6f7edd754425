package message_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/cupola-auth/cupola/message"
)

// received is what the test server recorded for one message.
type received struct {
	From, To string
	Data     []byte
	AuthUser string
	TLS      bool
}

// backend is a go-smtp backend that records every message.
type backend struct {
	user, pass string // when set, the server offers AUTH PLAIN and requires it
	rejectRcpt *smtp.SMTPError
	inData     chan struct{} // when set, Data signals on it and then blocks until release is closed
	release    chan struct{}

	mu   sync.Mutex
	msgs []received
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{b: b, cur: received{TLS: isTLS}}, nil
}

func (b *backend) received() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type session struct {
	b     *backend
	authd bool
	cur   received
}

func (s *session) AuthMechanisms() []string {
	if s.b.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.authd = true
		s.cur.AuthUser = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.authd {
		return smtp.ErrAuthRequired
	}
	s.cur.From = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.b.rejectRcpt != nil {
		return s.b.rejectRcpt
	}
	s.cur.To = to
	return nil
}

func (s *session) Data(r io.Reader) error {
	if s.b.inData != nil {
		s.b.inData <- struct{}{}
		<-s.b.release
		return errors.New("too late")
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = data
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

type serverOpts struct {
	tls               *tls.Config // offered through STARTTLS, or from the first byte when implicit
	implicit          bool
	allowInsecureAuth bool
}

// startServer runs a go-smtp server on a loopback port and returns its address.
func startServer(t *testing.T, be *backend, o serverOpts) string {
	t.Helper()
	var l net.Listener
	var err error
	if o.implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", o.tls)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = o.allowInsecureAuth
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if !o.implicit {
		srv.TLSConfig = o.tls
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// selfSigned returns a server config with a fresh certificate for 127.0.0.1
// and localhost, and a client config trusting it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "cupola test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}

// constReader yields an endless run of one byte, making Message-ID and
// boundary predictable.
type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

var fixedNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newSender(t *testing.T, cfg message.SMTPConfig) *message.SMTPSender {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Cupola <no-reply@example.com>"
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return fixedNow }
	}
	if cfg.Random == nil {
		cfg.Random = constReader(0xab)
	}
	s, err := message.NewSMTPSender(cfg)
	if err != nil {
		t.Fatalf("NewSMTPSender: %v", err)
	}
	return s
}

func onlyMessage(t *testing.T, be *backend) received {
	t.Helper()
	msgs := be.received()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	return msgs[0]
}

// checkLines asserts the SMTP line rules: CRLF everywhere, no bare CR or LF,
// no line over 998 octets.
func checkLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Error("message does not end with CRLF")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Errorf("line %d has %d octets", i+1, len(line))
		}
	}
}

func decodeQP(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(r))
	if err != nil {
		t.Fatalf("quoted-printable body: %v", err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestSMTPSenderDeliversPlainText(t *testing.T) {
	be := &backend{}
	addr := startServer(t, be, serverOpts{})
	s := newSender(t, message.SMTPConfig{Addr: addr, TLS: message.TLSNone})

	subject := "Vérifiez votre compte ✓ — code inside"
	text := "Bonjour Zoë,\n.a line starting with a dot\n" + strings.Repeat("long line ", 30) + "\ntrailing space \nYour code is 123456."
	err := s.SendEmail(t.Context(), message.Email{To: "Zoë Example <zoe@example.org>", Subject: subject, Text: text})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}

	got := onlyMessage(t, be)
	if got.From != "no-reply@example.com" || got.To != "zoe@example.org" {
		t.Errorf("envelope = %q -> %q, want no-reply@example.com -> zoe@example.org", got.From, got.To)
	}
	if got.TLS {
		t.Error("TLSNone session used TLS")
	}
	checkLines(t, got.Data)

	msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatalf("net/mail cannot parse the message: %v\n%s", err, got.Data)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	gotSubject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || gotSubject != subject {
		t.Errorf("decoded subject = %q, %v; want %q", gotSubject, err, subject)
	}
	if raw := h.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("non-ASCII subject is not Q-encoded: %q", raw)
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "Cupola" || from.Address != "no-reply@example.com" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	to, err := mail.ParseAddress(h.Get("To"))
	if err != nil || to.Name != "Zoë Example" || to.Address != "zoe@example.org" {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	date, err := h.Date()
	if err != nil || !date.Equal(fixedNow) {
		t.Errorf("Date = %q (%v), want %v", h.Get("Date"), err, fixedNow)
	}
	if want := "<" + strings.Repeat("ab", 16) + "@example.com>"; h.Get("Message-Id") != want {
		t.Errorf("Message-ID = %q, want %q", h.Get("Message-Id"), want)
	}
	if h.Get("Mime-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", h.Get("Mime-Version"))
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "text/plain" || params["charset"] != "utf-8" {
		t.Errorf("Content-Type = %q (%v)", h.Get("Content-Type"), err)
	}
	if h.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding = %q", h.Get("Content-Transfer-Encoding"))
	}
	// The data ends with a line break, as SMTP requires.
	if body := decodeQP(t, msg.Body); body != text+"\n" {
		t.Errorf("body = %q, want %q", body, text+"\n")
	}
}

func TestSMTPSenderDeliversMultipartAlternativeWhenHTMLIsSet(t *testing.T) {
	be := &backend{}
	addr := startServer(t, be, serverOpts{})
	s := newSender(t, message.SMTPConfig{Addr: addr, TLS: message.TLSNone})

	text := "Your code is 123456."
	htmlBody := "<p>Your code is <b>123456</b> — ✓</p>"
	if err := s.SendEmail(t.Context(), message.Email{To: "a@example.com", Subject: "Code", Text: text, HTML: htmlBody}); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	got := onlyMessage(t, be)
	checkLines(t, got.Data)
	msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for i, want := range []struct{ typ, body string }{{"text/plain", text}, {"text/html", htmlBody}} {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || pt != want.typ || pp["charset"] != "utf-8" {
			t.Errorf("part %d Content-Type = %q (%v), want %s; charset=utf-8", i, p.Header.Get("Content-Type"), err, want.typ)
		}
		if cte := p.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("part %d Content-Transfer-Encoding = %q", i, cte)
		}
		if body := decodeQP(t, p); body != want.body {
			t.Errorf("part %d body = %q, want %q", i, body, want.body)
		}
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		t.Errorf("after two parts: %v, want io.EOF", err)
	}
}

func TestSMTPSenderUsesTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	tests := []struct {
		name     string
		implicit bool
		mode     message.TLSMode
	}{
		{"STARTTLS upgrades the connection before sending", false, message.TLSStartTLS},
		{"implicit TLS encrypts from the first byte", true, message.TLSImplicit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{}
			addr := startServer(t, be, serverOpts{tls: serverTLS, implicit: tt.implicit})
			s := newSender(t, message.SMTPConfig{Addr: addr, TLS: tt.mode, TLSConfig: clientTLS})
			if err := s.SendEmail(t.Context(), message.Email{To: "a@example.com", Subject: "Hi", Text: "Code 1"}); err != nil {
				t.Fatalf("SendEmail: %v", err)
			}
			if got := onlyMessage(t, be); !got.TLS {
				t.Error("the server session was not over TLS")
			}
		})
	}
}

func TestSMTPSenderRefusesInsecureTransport(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	tests := []struct {
		name      string
		serverTLS *tls.Config
		clientTLS *tls.Config
		wantOp    string
	}{
		{"a server without STARTTLS is not used in clear text", nil, clientTLS, "starttls"},
		{"an untrusted certificate is refused", serverTLS, nil, "starttls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{}
			addr := startServer(t, be, serverOpts{tls: tt.serverTLS})
			s := newSender(t, message.SMTPConfig{Addr: addr, TLSConfig: tt.clientTLS})
			err := s.SendEmail(t.Context(), message.Email{To: "a@example.com", Subject: "Hi", Text: "Code 1"})
			if !errors.Is(err, message.ErrDelivery) {
				t.Fatalf("err = %v, want ErrDelivery", err)
			}
			var de *message.DeliveryError
			if !errors.As(err, &de) || de.Op != tt.wantOp {
				t.Errorf("err = %#v, want a DeliveryError at %q", err, tt.wantOp)
			}
			if n := len(be.received()); n != 0 {
				t.Errorf("server received %d messages", n)
			}
		})
	}
}

func TestSMTPSenderAuthenticatesWithPlain(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	tests := []struct {
		name     string
		server   serverOpts
		cfg      message.SMTPConfig
		wantErr  bool
		wantCode int
	}{
		{
			name:   "the right credentials over STARTTLS are accepted",
			server: serverOpts{tls: serverTLS},
			cfg:    message.SMTPConfig{Username: "mailer", Password: "s3cret", TLSConfig: clientTLS},
		},
		{
			name:   "credentials in clear text to a loopback relay are accepted",
			server: serverOpts{allowInsecureAuth: true},
			cfg:    message.SMTPConfig{Username: "mailer", Password: "s3cret", TLS: message.TLSNone},
		},
		{
			name:     "a wrong password is a permanent delivery error",
			server:   serverOpts{tls: serverTLS},
			cfg:      message.SMTPConfig{Username: "mailer", Password: "wrong", TLSConfig: clientTLS},
			wantErr:  true,
			wantCode: 535,
		},
		{
			name:    "a server that does not offer AUTH gets no credentials",
			server:  serverOpts{}, // plain text, AllowInsecureAuth off: AUTH not advertised
			cfg:     message.SMTPConfig{Username: "mailer", Password: "s3cret", TLS: message.TLSNone},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{user: "mailer", pass: "s3cret"}
			tt.cfg.Addr = startServer(t, be, tt.server)
			s := newSender(t, tt.cfg)
			err := s.SendEmail(t.Context(), message.Email{To: "a@example.com", Subject: "Hi", Text: "Code 1"})
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("SendEmail: %v", err)
				}
				if got := onlyMessage(t, be); got.AuthUser != "mailer" {
					t.Errorf("server saw auth user %q", got.AuthUser)
				}
				return
			}
			var de *message.DeliveryError
			if !errors.Is(err, message.ErrDelivery) || !errors.As(err, &de) || de.Op != "auth" {
				t.Fatalf("err = %v, want ErrDelivery at auth", err)
			}
			if de.Code != tt.wantCode {
				t.Errorf("Code = %d, want %d", de.Code, tt.wantCode)
			}
			if n := len(be.received()); n != 0 {
				t.Errorf("server received %d messages", n)
			}
		})
	}
}

func TestSMTPSenderReportsRecipientRejection(t *testing.T) {
	tests := []struct {
		name          string
		reject        *smtp.SMTPError
		wantPermanent bool
	}{
		{"a 550 rejection is permanent", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, true},
		{"a 450 rejection is temporary", &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "try later"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &backend{rejectRcpt: tt.reject}
			addr := startServer(t, be, serverOpts{})
			s := newSender(t, message.SMTPConfig{Addr: addr, TLS: message.TLSNone})
			err := s.SendEmail(t.Context(), message.Email{To: "nobody@example.com", Subject: "Hi", Text: "Code 1"})
			if !errors.Is(err, message.ErrDelivery) {
				t.Fatalf("err = %v, want ErrDelivery", err)
			}
			if errors.Is(err, message.ErrInvalidMessage) {
				t.Error("a server rejection also matches ErrInvalidMessage")
			}
			var de *message.DeliveryError
			if !errors.As(err, &de) || de.Op != "rcpt" || de.Code != tt.reject.Code || de.Permanent() != tt.wantPermanent {
				t.Errorf("err = %#v, want op rcpt, code %d, permanent %v", de, tt.reject.Code, tt.wantPermanent)
			}
			var se *smtp.SMTPError
			if !errors.As(err, &se) {
				t.Error("the server's reply is not reachable with errors.As")
			}
		})
	}
}

// silentServer is a listener that records connections and never speaks.
type silentServer struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn // in accept order
}

func listenSilently(t *testing.T) *silentServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &silentServer{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			a.mu.Lock()
			a.conns = append(a.conns, c)
			a.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		a.mu.Lock()
		defer a.mu.Unlock()
		for _, c := range a.conns {
			_ = c.Close()
		}
	})
	return a
}

func (a *silentServer) addr() string { return a.l.Addr().String() }

// connectionsBefore returns how many connections were accepted before a
// probe of its own. The listener accepts in arrival order, so once the probe
// is seen, every earlier connection has been counted.
func (a *silentServer) connectionsBefore(t *testing.T) int {
	t.Helper()
	probe, err := net.Dial("tcp", a.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		a.mu.Lock()
		for i, c := range a.conns {
			if c.RemoteAddr().String() == probe.LocalAddr().String() {
				a.mu.Unlock()
				return i
			}
		}
		a.mu.Unlock()
	}
	t.Fatal("probe connection never accepted")
	return 0
}

func TestSMTPSenderRefusesInvalidMessagesBeforeConnecting(t *testing.T) {
	srv := listenSilently(t)
	s := newSender(t, message.SMTPConfig{Addr: srv.addr(), TLS: message.TLSNone, Timeout: 200 * time.Millisecond})
	tests := []struct {
		name      string
		m         message.Email
		injection bool
	}{
		{"a CRLF in the address is header injection", message.Email{To: "a@example.com\r\nBcc: evil@example.net", Subject: "Hi", Text: "x"}, true},
		{"a CRLF in the subject is header injection", message.Email{To: "a@example.com", Subject: "Hi\r\nBcc: evil@example.net", Text: "x"}, true},
		{"a bare LF in the subject is header injection", message.Email{To: "a@example.com", Subject: "Hi\nBcc: evil@example.net", Text: "x"}, true},
		{"a bare CR in the display name is header injection", message.Email{To: "\"A\rB\" <a@example.com>", Subject: "Hi", Text: "x"}, true},
		{"an empty body is refused", message.Email{To: "a@example.com", Subject: "Hi"}, false},
		{"a blank body is refused", message.Email{To: "a@example.com", Subject: "Hi", Text: " \r\n\t"}, false},
		{"a malformed address is refused", message.Email{To: "not-an-address", Subject: "Hi", Text: "x"}, false},
		{"two addresses are refused", message.Email{To: "a@example.com, b@example.com", Subject: "Hi", Text: "x"}, false},
		{"a quoted local part smuggling SMTP parameters is refused", message.Email{To: `"a> NOTIFY=NEVER x"@example.com`, Subject: "Hi", Text: "x"}, false},
		{"a non-ASCII address is refused", message.Email{To: "zoë@example.com", Subject: "Hi", Text: "x"}, false},
		{"a control character in the subject is refused", message.Email{To: "a@example.com", Subject: "Hi\x00", Text: "x"}, false},
		{"invalid UTF-8 in the body is refused", message.Email{To: "a@example.com", Subject: "Hi", Text: "\xff\xfe"}, false},
		{"an oversized subject is refused", message.Email{To: "a@example.com", Subject: strings.Repeat("a", message.MaxSubjectBytes+1), Text: "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.SendEmail(t.Context(), tt.m)
			if !errors.Is(err, message.ErrInvalidMessage) {
				t.Fatalf("err = %v, want ErrInvalidMessage", err)
			}
			if errors.Is(err, message.ErrDelivery) {
				t.Error("a refused message also matches ErrDelivery")
			}
			if got := errors.Is(err, message.ErrHeaderInjection); got != tt.injection {
				t.Errorf("errors.Is(err, ErrHeaderInjection) = %v, want %v (err %v)", got, tt.injection, err)
			}
			var me *message.MessageError
			if !errors.As(err, &me) || me.Field == "" {
				t.Errorf("err %v is not a *MessageError naming the field", err)
			}
		})
	}
	if n := srv.connectionsBefore(t); n != 0 {
		t.Errorf("%d connections were opened for refused messages", n)
	}
}

func TestSMTPSenderHonoursDeadlines(t *testing.T) {
	msg := message.Email{To: "a@example.com", Subject: "Hi", Text: "Code 1"}
	check := func(t *testing.T, err error, want error, start time.Time) {
		t.Helper()
		if !errors.Is(err, message.ErrDelivery) || !errors.Is(err, want) {
			t.Errorf("err = %v, want ErrDelivery and %v", err, want)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("SendEmail returned after %v", d)
		}
	}

	t.Run("a context deadline ends a send to a server that never greets", func(t *testing.T) {
		srv := listenSilently(t)
		s := newSender(t, message.SMTPConfig{Addr: srv.addr(), TLS: message.TLSNone})
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		check(t, s.SendEmail(ctx, msg), context.DeadlineExceeded, start)
	})

	t.Run("the configured timeout ends a send to a server that never greets", func(t *testing.T) {
		srv := listenSilently(t)
		s := newSender(t, message.SMTPConfig{Addr: srv.addr(), TLS: message.TLSNone, Timeout: 200 * time.Millisecond})
		start := time.Now()
		check(t, s.SendEmail(context.Background(), msg), context.DeadlineExceeded, start)
	})

	t.Run("the configured timeout ends a STARTTLS send to a server that never greets", func(t *testing.T) {
		srv := listenSilently(t)
		s := newSender(t, message.SMTPConfig{Addr: srv.addr(), Timeout: 200 * time.Millisecond})
		start := time.Now()
		check(t, s.SendEmail(context.Background(), msg), context.DeadlineExceeded, start)
	})

	t.Run("cancelling the context ends a send stalled in DATA", func(t *testing.T) {
		be := &backend{inData: make(chan struct{}, 1), release: make(chan struct{})}
		addr := startServer(t, be, serverOpts{})
		t.Cleanup(func() { close(be.release) }) // runs before the server closes
		s := newSender(t, message.SMTPConfig{Addr: addr, TLS: message.TLSNone})
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-be.inData
			cancel()
		}()
		start := time.Now()
		check(t, s.SendEmail(ctx, msg), context.Canceled, start)
	})

	t.Run("a context already cancelled opens no connection", func(t *testing.T) {
		srv := listenSilently(t)
		s := newSender(t, message.SMTPConfig{Addr: srv.addr(), TLS: message.TLSNone})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		check(t, s.SendEmail(ctx, msg), context.Canceled, time.Now())
		if n := srv.connectionsBefore(t); n != 0 {
			t.Errorf("%d connections opened", n)
		}
	})
}

func TestNewSMTPSenderChecksConfig(t *testing.T) {
	tests := []struct {
		name      string
		cfg       message.SMTPConfig
		wantErr   bool
		injection bool
	}{
		{name: "STARTTLS with credentials to a remote server is allowed", cfg: message.SMTPConfig{Addr: "smtp.example.com:587", From: "no-reply@example.com", Username: "u", Password: "p"}},
		{name: "implicit TLS with credentials to a remote server is allowed", cfg: message.SMTPConfig{Addr: "smtp.example.com:465", From: "no-reply@example.com", Username: "u", Password: "p", TLS: message.TLSImplicit}},
		{name: "clear text with credentials to localhost is allowed", cfg: message.SMTPConfig{Addr: "localhost:25", From: "no-reply@example.com", Username: "u", Password: "p", TLS: message.TLSNone}},
		{name: "clear text to an IPv6 loopback is allowed", cfg: message.SMTPConfig{Addr: "[::1]:25", From: "Cupola <no-reply@example.com>", TLS: message.TLSNone}},
		{name: "credentials in clear text to a remote server are refused", cfg: message.SMTPConfig{Addr: "smtp.example.com:25", From: "no-reply@example.com", Username: "u", Password: "p", TLS: message.TLSNone}, wantErr: true},
		{name: "clear text to a remote server is refused", cfg: message.SMTPConfig{Addr: "10.0.0.1:25", From: "no-reply@example.com", TLS: message.TLSNone}, wantErr: true},
		{name: "a password without a username is refused", cfg: message.SMTPConfig{Addr: "smtp.example.com:587", From: "no-reply@example.com", Password: "p"}, wantErr: true},
		{name: "a NUL in the password is refused", cfg: message.SMTPConfig{Addr: "smtp.example.com:587", From: "no-reply@example.com", Username: "u", Password: "p\x00q"}, wantErr: true},
		{name: "an address without a port is refused", cfg: message.SMTPConfig{Addr: "smtp.example.com", From: "no-reply@example.com"}, wantErr: true},
		{name: "port zero is refused", cfg: message.SMTPConfig{Addr: "smtp.example.com:0", From: "no-reply@example.com"}, wantErr: true},
		{name: "a missing host is refused", cfg: message.SMTPConfig{Addr: ":25", From: "no-reply@example.com"}, wantErr: true},
		{name: "a malformed From is refused", cfg: message.SMTPConfig{Addr: "smtp.example.com:587", From: "no-reply"}, wantErr: true},
		{name: "a From with a line break is refused as injection", cfg: message.SMTPConfig{Addr: "smtp.example.com:587", From: "a@example.com\r\nBcc: b@example.com"}, wantErr: true, injection: true},
		{name: "an unknown TLS mode is refused", cfg: message.SMTPConfig{Addr: "smtp.example.com:587", From: "no-reply@example.com", TLS: 7}, wantErr: true},
		{name: "a negative timeout is refused", cfg: message.SMTPConfig{Addr: "smtp.example.com:587", From: "no-reply@example.com", Timeout: -time.Second}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := message.NewSMTPSender(tt.cfg)
			if !tt.wantErr {
				if err != nil || s == nil {
					t.Fatalf("NewSMTPSender: %v", err)
				}
				return
			}
			if !errors.Is(err, message.ErrInvalidConfig) || s != nil {
				t.Fatalf("NewSMTPSender = %v, %v; want nil, ErrInvalidConfig", s, err)
			}
			if got := errors.Is(err, message.ErrHeaderInjection); got != tt.injection {
				t.Errorf("errors.Is(err, ErrHeaderInjection) = %v, want %v", got, tt.injection)
			}
		})
	}
}

func TestSMTPSenderFoldsLongHeaders(t *testing.T) {
	be := &backend{}
	addr := startServer(t, be, serverOpts{})
	s := newSender(t, message.SMTPConfig{Addr: addr, TLS: message.TLSNone})
	subjects := []string{
		strings.TrimSpace(strings.Repeat("Ünïcödé wörds ", 40)),
		strings.TrimSpace(strings.Repeat("plain ascii words ", 40)),
	}
	for _, subject := range subjects {
		if err := s.SendEmail(t.Context(), message.Email{To: "a@example.com", Subject: subject, Text: "x"}); err != nil {
			t.Fatalf("SendEmail: %v", err)
		}
	}
	for i, got := range be.received() {
		checkLines(t, got.Data)
		headers, _, _ := bytes.Cut(got.Data, []byte("\r\n\r\n"))
		sc := bufio.NewScanner(bytes.NewReader(headers))
		for sc.Scan() {
			// Encoded words may reach 75 characters after "Subject: ".
			if len(sc.Text()) > 85 {
				t.Errorf("message %d: header line of %d characters: %q", i, len(sc.Text()), sc.Text())
			}
		}
		msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || decoded != subjects[i] {
			t.Errorf("message %d: subject = %q (%v), want %q", i, decoded, err, subjects[i])
		}
	}
}
