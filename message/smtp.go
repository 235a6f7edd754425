package message

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLSMode selects how an [SMTPSender] protects the connection.
type TLSMode int

const (
	// TLSStartTLS connects in clear text and requires the server to offer
	// STARTTLS; delivery fails if it does not. This is the default.
	TLSStartTLS TLSMode = iota
	// TLSImplicit connects with TLS from the first byte (SMTPS, port 465).
	TLSImplicit
	// TLSNone sends in clear text. It is allowed only to a loopback
	// address (a local relay or test server).
	TLSNone
)

// String returns the mode's name.
func (m TLSMode) String() string {
	switch m {
	case TLSStartTLS:
		return "starttls"
	case TLSImplicit:
		return "implicit"
	case TLSNone:
		return "none"
	}
	return "TLSMode(" + strconv.Itoa(int(m)) + ")"
}

// DefaultSMTPTimeout bounds a whole send when [SMTPConfig.Timeout] is zero.
const DefaultSMTPTimeout = 10 * time.Second

// SMTPConfig configures an [SMTPSender]. The zero values of TLS, Timeout,
// Now and Random are safe defaults.
type SMTPConfig struct {
	Addr string // host:port of the submission server
	From string // envelope and header From: a bare address or "Name <addr>"
	// Username and Password enable AUTH PLAIN. Credentials are sent only
	// inside TLS or to a loopback address; NewSMTPSender refuses any other
	// combination.
	Username, Password string
	TLS                TLSMode
	// TLSConfig is cloned; ServerName defaults to the host of Addr and
	// MinVersion to TLS 1.2. Tests pass one trusting their own certificate.
	TLSConfig *tls.Config
	// Timeout bounds dialling and the whole send; zero means
	// DefaultSMTPTimeout. The context's deadline applies as well.
	Timeout time.Duration
	Now     func() time.Time // Date header; nil means time.Now
	Random  io.Reader        // Message-ID and MIME boundary; nil means crypto/rand
}

// SMTPSender is an [EmailSender] that submits each message over a new SMTP
// connection. Messages are built with the standard library's mime packages
// and validated first, so a refused message never opens a connection. It is
// safe for concurrent use.
type SMTPSender struct {
	addr     string
	from     mail.Address
	username string
	password string
	mode     TLSMode
	tls      *tls.Config
	timeout  time.Duration
	now      func() time.Time
	random   io.Reader
}

var _ EmailSender = (*SMTPSender)(nil)

// NewSMTPSender checks cfg and returns a sender. It refuses, with
// [ErrInvalidConfig]: an Addr that is not host:port, a From that is not one
// valid address, an unknown TLS mode, TLSNone to a non-loopback host,
// credentials that would travel in clear text to a non-loopback host, and a
// negative Timeout.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: addr: %w", ErrInvalidConfig, err)
	}
	if host == "" {
		return nil, fmt.Errorf("%w: addr: missing host", ErrInvalidConfig)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("%w: addr: port %q is not a number from 1 to 65535", ErrInvalidConfig, port)
	}
	from, err := parseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("%w: from: %w", ErrInvalidConfig, err)
	}
	if cfg.TLS != TLSStartTLS && cfg.TLS != TLSImplicit && cfg.TLS != TLSNone {
		return nil, fmt.Errorf("%w: unknown tls mode %d", ErrInvalidConfig, int(cfg.TLS))
	}
	loopback := isLoopback(host)
	if cfg.Username == "" && cfg.Password != "" {
		return nil, fmt.Errorf("%w: password without username", ErrInvalidConfig)
	}
	if cfg.Username != "" {
		if cfg.TLS == TLSNone && !loopback {
			return nil, fmt.Errorf("%w: plain auth needs tls or a loopback server, not %q", ErrInvalidConfig, host)
		}
		// PLAIN separates its fields with NUL.
		if strings.ContainsRune(cfg.Username, 0) || strings.ContainsRune(cfg.Password, 0) {
			return nil, fmt.Errorf("%w: nul byte in credentials", ErrInvalidConfig)
		}
	}
	if cfg.TLS == TLSNone && !loopback {
		return nil, fmt.Errorf("%w: tls none is allowed only to a loopback address, not %q", ErrInvalidConfig, host)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative timeout", ErrInvalidConfig)
	}

	s := &SMTPSender{
		addr:     cfg.Addr,
		from:     *from,
		username: cfg.Username,
		password: cfg.Password,
		mode:     cfg.TLS,
		timeout:  cfg.Timeout,
		now:      cfg.Now,
		random:   cfg.Random,
	}
	if s.timeout == 0 {
		s.timeout = DefaultSMTPTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	if cfg.TLSConfig != nil {
		s.tls = cfg.TLSConfig.Clone()
	} else {
		s.tls = &tls.Config{}
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = host
	}
	if s.tls.MinVersion == 0 {
		s.tls.MinVersion = tls.VersionTLS12
	}
	return s, nil
}

// isLoopback reports whether host names this machine: "localhost" or a
// loopback IP literal.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if i := strings.IndexByte(host, '%'); i >= 0 { // IPv6 zone
		host = host[:i]
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SendEmail validates and builds m, then submits it: connect, STARTTLS or
// implicit TLS as configured, AUTH PLAIN when configured, MAIL, RCPT, DATA.
// An invalid message is refused with [ErrInvalidMessage] before any
// connection. A failed delivery returns a [*DeliveryError] matching
// [ErrDelivery]; when the context or the configured Timeout ends the send,
// it also matches context.Canceled or context.DeadlineExceeded.
//
// Once the server has accepted the message, a failure of the closing QUIT is
// ignored: the message was delivered and a retry would duplicate it.
func (s *SMTPSender) SendEmail(ctx context.Context, m Email) error {
	to, err := m.validate()
	if err != nil {
		return err
	}
	raw, err := compose(s.from, to, m, s.now(), s.random)
	if err != nil {
		return &DeliveryError{Op: "compose", Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &DeliveryError{Op: "dial", Err: err}
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	conn, err := s.dial(ctx)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return &DeliveryError{Op: "dial", Err: err}
	}
	// go-smtp sets and clears per-command deadlines itself, so the overall
	// deadline and cancellation are enforced by closing the connection,
	// which unblocks any read or write in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	op, err := s.deliver(conn, to.Address, raw)
	if !stop() && err != nil {
		err = ctx.Err()
	}
	if err != nil {
		d := &DeliveryError{Op: op, Err: err}
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			d.Code = se.Code
		}
		return d
	}
	return nil
}

func (s *SMTPSender) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	if s.mode == TLSImplicit {
		td := &tls.Dialer{NetDialer: d, Config: s.tls}
		return td.DialContext(ctx, "tcp", s.addr)
	}
	return d.DialContext(ctx, "tcp", s.addr)
}

// deliver runs the SMTP dialogue on conn and returns the step that failed.
func (s *SMTPSender) deliver(conn net.Conn, to string, raw []byte) (op string, err error) {
	var c *smtp.Client
	if s.mode == TLSStartTLS {
		c, err = smtp.NewClientStartTLS(conn, s.tls)
		if err != nil {
			_ = conn.Close()
			return "starttls", err
		}
	} else {
		c = smtp.NewClient(conn)
	}
	// The client's own per-command timeouts (minutes) stay as they are: the
	// context, which closes conn, is the tighter bound and reports itself.
	defer func() { _ = c.Close() }()

	// The first command after STARTTLS is where the TLS handshake, and so
	// certificate verification, happens.
	if err := c.Hello("localhost"); err != nil {
		if s.mode == TLSStartTLS {
			return "starttls", err
		}
		return "hello", err
	}
	if s.username != "" {
		if !c.SupportsAuth(sasl.Plain) {
			return "auth", errors.New("server does not offer auth plain")
		}
		if err := c.Auth(sasl.NewPlainClient("", s.username, s.password)); err != nil {
			return "auth", err
		}
	}
	if err := c.Mail(s.from.Address, nil); err != nil {
		return "mail", err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return "rcpt", err
	}
	w, err := c.Data()
	if err != nil {
		return "data", err
	}
	if _, err := w.Write(raw); err != nil {
		return "data", err
	}
	if err := w.Close(); err != nil {
		return "data", err
	}
	_ = c.Quit()
	return "", nil
}
