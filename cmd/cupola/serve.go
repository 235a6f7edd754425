package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// Server limits: slow or oversized clients are cut off instead of holding
// connections and memory.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// serve runs the hosted UI and the OAuth2/OIDC endpoints until ctx is
// cancelled (SIGINT or SIGTERM), then shuts down gracefully.
func (a *app) serve(ctx context.Context, args []string) error {
	fs, cf := a.flagSet("serve", "serve [-addr 127.0.0.1:8080] [-db cupola.db] [-config cupola.yaml] [-log-level info]")
	addr := fs.String("addr", defaultAddr, "`host:port` to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := a.logger(cf)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	in, err := a.open(ctx, cf, devIssuer(ln.Addr().String()), log, true)
	if err != nil {
		return err
	}
	if _, set := a.lookupEnv("GOMEMLIMIT"); !set {
		// A sign-in flood's hashes leave their memory as garbage; a soft
		// limit from the hash budget has the collector reclaim it before
		// the heap doubles (see userpool.UserPool.SuggestedMemoryLimit).
		// Headroom for the rest of the server is added on top.
		limit := in.pool.SuggestedMemoryLimit() + 128<<20
		debug.SetMemoryLimit(limit)
		log.Debug("soft memory limit", "bytes", limit)
	}
	defer func() {
		if err := in.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}()
	if in.cfg.Dev {
		log.Warn("development mode: do not use it in production")
	}
	if in.devDefaults {
		in.dev = newDevLoop(in.pool.Issuer(), a.now, a.random, log)
	}
	tel := in.telemetry
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.shutdownTimeout)
		defer cancel()
		if err := tel.shutdown(ctx); err != nil {
			log.Warn("telemetry not flushed", "err", err)
		}
	}()
	handler, err := a.publicHandler(in, tel, log)
	if err != nil {
		return err
	}
	tlsOn, err := a.tlsSetup(in, log)
	if err != nil {
		return err
	}
	if tlsOn.conf != nil {
		handler = withHSTS(handler, in.cfg.TLS.HSTSMaxAge)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.TLSConfig = tlsOn.conf
	redirect, err := a.redirectServer(ctx, in, tlsOn.acme, log)
	if err != nil {
		return err
	}
	metrics, err := listenMetrics(ctx, in.cfg.Metrics.Addr, tel, log)
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	bgCtx, stopBackground := context.WithCancel(ctx)
	wg.Go(func() { a.reloadKeys(bgCtx, in, log) })
	wg.Go(func() { a.cleanupLoop(bgCtx, in.pool, in.store, log) })
	wg.Go(func() { a.deliverLoop(bgCtx, in.pool, log) })
	if tlsOn.certs != nil {
		wg.Go(func() { tlsOn.certs.watch(bgCtx, a.tlsWatchInterval) })
	}
	defer func() {
		// Before the store closes: the background work stops, and the
		// messages queued by the last requests get one more try.
		stopBackground()
		wg.Wait()
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.shutdownTimeout)
		defer cancel()
		if _, err := in.pool.DeliverMessages(flushCtx, userpool.DeliverMessagesInput{}); err != nil {
			log.Warn("queued messages left for the next start", "err", err)
		}
	}()

	errc := make(chan error, 1)
	go func() {
		if tlsOn.conf != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	if redirect != nil {
		go func() {
			if err := redirect.srv.Serve(redirect.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("https redirect listener", "err", err)
			}
		}()
		defer redirect.srv.Close()
	}
	if metrics != nil {
		go metrics.serve(log)
		defer metrics.srv.Close()
	}
	issuer := strings.TrimRight(in.pool.Issuer(), "/")
	log.Info("listening", "addr", ln.Addr().String(), "issuer", issuer,
		"discovery", issuer+"/.well-known/openid-configuration")
	if in.devDefaults {
		if err := a.printDevInfo(in); err != nil {
			log.Error("print development details", "err", err)
		}
	}
	if a.onListen != nil {
		a.onListen(ln.Addr())
	}

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", a.shutdownTimeout)
	case serveErr = <-errc:
		errc = nil
	}
	stopBackground()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("graceful shutdown timed out; closing connections", "err", err)
		srv.Close()
	}
	if errc != nil {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	log.Info("stopped")
	return nil
}

// routes mounts the hosted UI where the issuer's path points, beside
// GET /healthz (the process answers) and GET /readyz (it can serve).
func (a *app) routes(in *instance, ui http.Handler) (http.Handler, error) {
	u, err := url.Parse(in.pool.Issuer())
	if err != nil {
		return nil, fmt.Errorf("issuer: %w", err)
	}
	mount := strings.TrimRight(u.Path, "/") + "/"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz(in))
	mux.HandleFunc("GET /readyz", a.readyz(in))
	mux.Handle(mount, ui)
	if in.dev != nil {
		in.dev.mount(mux)
	}
	return mux, nil
}

// readyzTimeout bounds a readiness check: a probe must not hang on a store
// that does not answer.
const readyzTimeout = 2 * time.Second

// readyz answers 200 while the pool can serve — a signing key, a store
// that answers — and 503 with the reason otherwise. Load balancers take
// an instance out of rotation on it; unlike /healthz it fails while the
// database is gone and recovers with it.
func (a *app) readyz(in *instance) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(r.Context(), readyzTimeout)
		defer cancel()
		if err := in.pool.Ready(ctx); err != nil {
			in.log.WarnContext(ctx, "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"unavailable"}`)
			return
		}
		fmt.Fprintln(w, `{"status":"ok"}`)
	}
}

// healthz answers 200 while the pool can sign tokens, 503 otherwise.
func (a *app) healthz(in *instance) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if _, err := in.pool.KeySet().SigningKey(a.now()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"unavailable"}`)
			return
		}
		fmt.Fprintln(w, `{"status":"ok"}`)
	}
}

// reloadKeys re-reads the signing keys periodically, so that a rotation
// made by 'cupola keys rotate' or another instance takes effect.
func (a *app) reloadKeys(ctx context.Context, in *instance, log *slog.Logger) {
	t := time.NewTicker(a.keyReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := in.pool.ReloadSigningKeys(ctx, userpool.ReloadSigningKeysInput{}); err != nil && ctx.Err() == nil {
				log.Error("reload signing keys", "err", err)
			}
		}
	}
}

// deliverLoop retries queued messages whose send failed. A request that
// queues a message wakes the pool's sender by itself; this timer is for
// the retries, and for messages another instance queued and could not
// send before it stopped.
func (a *app) deliverLoop(ctx context.Context, pool *userpool.UserPool, log *slog.Logger) {
	t := time.NewTicker(a.deliverInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			out, err := pool.DeliverMessages(ctx, userpool.DeliverMessagesInput{})
			if err != nil {
				if ctx.Err() == nil {
					log.Error("deliver queued messages", "err", err, "cause", errors.Unwrap(err))
				}
				continue
			}
			if out.Sent+out.Failed+out.Dropped > 0 {
				log.Info("deliver queued messages", "sent", out.Sent, "failed", out.Failed, "dropped", out.Dropped)
			}
		}
	}
}

// cleanupSchedule is when serve runs userpool.Cleanup and how much one run
// may do.
type cleanupSchedule struct {
	// interval is the time between runs; the first run is at start, so an
	// instance restarted more often than that still cleans up.
	interval time.Duration
	// batch is the Limit of each Cleanup call, and batches the most calls
	// one run makes: a backlog (after a flood of unknown usernames, say) is
	// worked off over several runs rather than in one long burst of writes
	// that sign-ins would queue behind.
	batch, batches int
}

// cleanupLoop removes expired challenge sessions and codes and idle
// lockout counters now and then about every interval until ctx ends, so
// that the store does not grow without bound under traffic nobody
// authenticates. Each wait is jittered (±10 %) so that instances started
// together do not all wake at once; on a shared store (PostgreSQL) the
// exclusive lock picks one of them anyway.
func (a *app) cleanupLoop(ctx context.Context, pool *userpool.UserPool, st store.Store, log *slog.Logger) {
	for {
		a.cleanupRun(ctx, pool, st, log)
		t := time.NewTimer(jittered(a.cleanup.interval, a.random))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// jittered is d moved by up to ±10 %, drawn from random (d itself when
// random fails).
func jittered(d time.Duration, random io.Reader) time.Duration {
	var b [2]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return d
	}
	f := float64(binary.BigEndian.Uint16(b[:]))/65535*0.2 - 0.1
	return d + time.Duration(f*float64(d))
}

// cleanupRun is one run: Cleanup calls until nothing is left or the run
// has made its calls. When st is shared by instances (store.Exclusive),
// the run first takes the pool's cleanup lock and is skipped while
// another instance holds it.
func (a *app) cleanupRun(ctx context.Context, pool *userpool.UserPool, st store.Store, log *slog.Logger) {
	if ex, ok := st.(store.Exclusive); ok {
		release, ok, err := ex.TryExclusive(ctx, "cleanup:"+pool.ID())
		switch {
		case err != nil:
			if ctx.Err() == nil {
				log.Error("cleanup lock", "err", err)
			}
			return
		case !ok:
			log.Debug("cleanup: another instance is running it")
			return
		}
		defer release()
	}
	removed := 0
	for range a.cleanup.batches {
		out, err := pool.Cleanup(ctx, userpool.CleanupInput{Limit: a.cleanup.batch})
		if err != nil {
			if ctx.Err() == nil {
				// An internal error's message hides its cause from
				// callers; the operator needs it.
				log.Error("cleanup", "removed", removed, "err", err, "cause", errors.Unwrap(err))
			}
			return
		}
		removed += out.Removed
		if !out.More {
			break
		}
	}
	level := slog.LevelDebug
	if removed > 0 {
		level = slog.LevelInfo
	}
	log.Log(ctx, level, "cleanup", "removed", removed)
}
