// Package passkeytest is a software WebAuthn authenticator for tests: it
// answers the options a relying party sends with the JSON a browser would
// post back, signing with an ES256 key it keeps in memory. CBOR and COSE
// encoding come from go-webauthn's own packages; what this package adds is
// the byte layout of authenticator data (WebAuthn §6.1) and knobs to make
// an answer wrong in the ways attackers and broken clients do.
//
// Headless Chromium's virtual authenticator is the end-to-end check; this
// one lets unit tests and benchmarks run a ceremony without a browser.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// Flags of authenticator data (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

// Authenticator holds one passkey. The zero value is not ready: use New.
type Authenticator struct {
	// Origin is the origin the "browser" reports in client data.
	Origin string
	// RPID, when set, is signed instead of the RP ID the options name.
	RPID string
	// NoUV leaves user verification out of the flags.
	NoUV bool
	// SignCount is the counter of the next assertion minus one; each Get
	// increments it unless FixedCount is set.
	SignCount  uint32
	FixedCount bool
	// Challenge, when set, replaces the challenge the options carry.
	Challenge string
	// Alg, when set, is the COSE algorithm the credential's key claims
	// (the key stays P-256), to offer one the relying party did not ask for.
	Alg int64

	key    *ecdsa.PrivateKey
	ID     []byte
	Handle []byte
	rpID   string
}

// New returns an authenticator for pages at origin.
func New(origin string) (*Authenticator, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return &Authenticator{Origin: origin, key: key, ID: id}, nil
}

type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
}

type requestOptions struct {
	Challenge string `json:"challenge"`
	RPID      string `json:"rpId"`
}

var b64 = base64.RawURLEncoding

// Create answers PublicKeyCredentialCreationOptions (JSON) with a new
// registration response (JSON) for this authenticator's passkey.
func (a *Authenticator) Create(options []byte) ([]byte, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("passkeytest: creation options: %w", err)
	}
	handle, err := b64.DecodeString(o.User.ID)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: user id: %w", err)
	}
	a.Handle, a.rpID = handle, o.RP.ID
	alg := int64(webauthncose.AlgES256)
	if a.Alg != 0 {
		alg = a.Alg
	}
	cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: alg},
		Curve:         1, // P-256
		XCoord:        pad32(a.key.X.Bytes()),
		YCoord:        pad32(a.key.Y.Bytes()),
	})
	if err != nil {
		return nil, err
	}
	attested := make([]byte, 0, 18+len(a.ID)+len(cose))
	attested = append(attested, make([]byte, 16)...) // AAGUID: none
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(a.ID)))
	attested = append(attested, a.ID...)
	attested = append(attested, cose...)
	authData := a.authData(o.RP.ID, flagAT, 0, attested)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, err
	}
	client := a.clientData("webauthn.create", o.Challenge)
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.ID), "rawId": b64.EncodeToString(a.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(client),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
	})
}

// Get answers PublicKeyCredentialRequestOptions (JSON) with an assertion
// (JSON) signed by this authenticator's passkey.
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("passkeytest: request options: %w", err)
	}
	rpID := o.RPID
	if rpID == "" {
		rpID = a.rpID
	}
	if !a.FixedCount {
		a.SignCount++
	}
	authData := a.authData(rpID, 0, a.SignCount, nil)
	client := a.clientData("webauthn.get", o.Challenge)
	h := sha256.Sum256(client)
	digest := sha256.Sum256(append(append([]byte{}, authData...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.ID), "rawId": b64.EncodeToString(a.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(client),
			"authenticatorData": b64.EncodeToString(authData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.Handle),
		},
	})
}

func (a *Authenticator) authData(rpID string, extra byte, count uint32, attested []byte) []byte {
	if a.RPID != "" {
		rpID = a.RPID
	}
	h := sha256.Sum256([]byte(rpID))
	flags := byte(flagUP|flagBE|flagBS) | extra
	if !a.NoUV {
		flags |= flagUV
	}
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, count)
	return append(out, attested...)
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	if a.Challenge != "" {
		challenge = a.Challenge
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

func pad32(b []byte) []byte {
	if len(b) >= 32 {
		return b
	}
	return append(make([]byte, 32-len(b)), b...)
}
