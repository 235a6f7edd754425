package main

import (
	"bufio"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestShutdownDrainsARequestInFlight: a request whose body is still
// arriving when the shutdown starts is answered, not cut; the server
// then stops, and a new connection is refused.
func TestShutdownDrainsARequestInFlight(t *testing.T) {
	ta := newTestApp(t)
	s := startServe(t, ta, "-db", filepath.Join(t.TempDir(), "d.db"))
	addr := strings.TrimPrefix(s.base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "grant_type=authorization_code&client_id=" + devClientID + "&code=nope&code_verifier=" + strings.Repeat("v", 43)
	head := "POST /oauth2/token HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := conn.Write([]byte(head + body[:10])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server is reading the body
	stopped := make(chan int, 1)
	go func() { stopped <- s.stop(t) }()
	time.Sleep(200 * time.Millisecond) // the shutdown has begun
	select {
	case code := <-stopped:
		t.Fatalf("serve exited (%d) with a request in flight", code)
	default:
	}
	if _, err := conn.Write([]byte(body[10:])); err != nil {
		t.Fatalf("the in-flight connection was cut: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the in-flight request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest { // the code is unknown: invalid_grant
		t.Errorf("in-flight request = %d, want 400 invalid_grant", resp.StatusCode)
	}
	select {
	case code := <-stopped:
		if code != exitOK {
			t.Fatalf("exit = %d; stderr:\n%s", code, ta.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after the last request")
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Error("a new connection was accepted after shutdown")
	}
}
