package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/store"
)

// Remembered devices, as Cognito's clients use them: a sign-in with device
// tracking on answers NewDeviceMetadata (DeviceKey, DeviceGroupKey); with
// ConfirmDevice the client registers the SRP verifier of a random device
// password (DeviceSecretVerifierConfig), and at a later sign-in the device
// proves that password by SRP (DEVICE_SRP_AUTH, then
// DEVICE_PASSWORD_VERIFIER; srp_device.go). The verifier is sealed at rest
// under the pool secret. A user's DeviceGroupKey is derived from the pool
// secret and the user, so it is stable without being stored.

// trackDevice returns the device key a new sign-in belongs to. With device
// tracking on, a sign-in without a known DEVICE_KEY creates a device and
// reports it as NewDeviceMetadata.
func (p *UserPool) trackDevice(ctx context.Context, u store.User, deviceKey string) (string, *NewDeviceMetadata, error) {
	if !p.cfg.Devices.Enabled {
		return "", nil, nil
	}
	now := p.now()
	if deviceKey != "" {
		d, err := p.store.GetDevice(ctx, p.cfg.ID, u.Sub, deviceKey)
		if err == nil {
			d.LastAuthenticated, d.UpdatedAt = now, now
			if err := p.store.PutDevice(ctx, d); err != nil {
				return "", nil, internalErr("device", err)
			}
			if len(d.Verifier) == 0 {
				// Never confirmed (or its verifier predates device SRP):
				// offered again, so the client confirms it.
				return d.Key, &NewDeviceMetadata{DeviceKey: d.Key, DeviceGroupKey: p.deviceGroupKey(u.Sub)}, nil
			}
			return d.Key, nil, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", nil, internalErr("device", err)
		}
	}
	id, err := random.UUID(p.random)
	if err != nil {
		return "", nil, internalErr("device", err)
	}
	key := p.cfg.ID + "_" + id
	if err := p.store.PutDevice(ctx, store.Device{PoolID: p.cfg.ID, Subject: u.Sub, Key: key,
		CreatedAt: now, UpdatedAt: now, LastAuthenticated: now}); err != nil {
		return "", nil, internalErr("device", err)
	}
	return key, &NewDeviceMetadata{DeviceKey: key, DeviceGroupKey: p.deviceGroupKey(u.Sub)}, nil
}

// deviceGroupKey is the DeviceGroupKey of user sub's devices: SRP binds it
// into a device's verifier, in place of the pool name.
func (p *UserPool) deviceGroupKey(sub string) string {
	m := hmac.New(sha256.New, p.codeKey)
	m.Write([]byte("device-group\x00" + sub))
	return "-" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:9])
}

// DeviceType is a device as Cognito shows it.
type DeviceType struct {
	DeviceKey                   string
	DeviceAttributes            []Attribute
	DeviceCreateDate            time.Time
	DeviceLastModifiedDate      time.Time
	DeviceLastAuthenticatedDate time.Time
	DeviceRememberedStatus      DeviceRememberedStatus
}

func deviceType(d store.Device) DeviceType {
	status := DeviceNotRemembered
	if d.Remembered {
		status = DeviceRemembered
	}
	attrs := []Attribute{}
	if d.Name != "" {
		attrs = append(attrs, Attribute{Name: "device_name", Value: d.Name})
	}
	for k, v := range d.Attributes {
		attrs = append(attrs, Attribute{Name: k, Value: v})
	}
	return DeviceType{DeviceKey: d.Key, DeviceAttributes: attrs, DeviceCreateDate: d.CreatedAt,
		DeviceLastModifiedDate: d.UpdatedAt, DeviceLastAuthenticatedDate: d.LastAuthenticated, DeviceRememberedStatus: status}
}

// ConfirmDeviceInput registers a device's verifier.
type ConfirmDeviceInput struct {
	AccessToken string
	DeviceKey   string
	// DeviceSecretVerifierConfig is the SRP verifier of the device's own
	// random password, for its DeviceGroupKey and DeviceKey; the password
	// stays on the device.
	DeviceSecretVerifierConfig DeviceSecretVerifierConfig
	DeviceName                 string
}

// DeviceSecretVerifierConfig is Cognito's DeviceSecretVerifierConfigType:
// the salt and the verifier, each standard base64 of the number's bytes.
type DeviceSecretVerifierConfig struct {
	PasswordVerifier string
	Salt             string
}

// ConfirmDeviceOutput is ConfirmDevice's answer.
type ConfirmDeviceOutput struct {
	// UserConfirmationNecessary is true when the device is remembered only
	// once the user asks (UpdateDeviceStatus).
	UserConfirmationNecessary bool
}

// ConfirmDevice makes a tracked device able to prove itself later. It is
// remembered at once unless the pool remembers devices only on the user's
// request; then UserConfirmationNecessary is true and UpdateDeviceStatus
// remembers it.
func (p *UserPool) ConfirmDevice(ctx context.Context, in ConfirmDeviceInput) (_ *ConfirmDeviceOutput, err error) {
	ctx, ob := p.begin(ctx, "ConfirmDevice", AuditDeviceChange)
	defer func() { ob.finish(ctx, err) }()
	a, err := p.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if !p.cfg.Devices.Enabled {
		return nil, invalidParam("Device tracking is not enabled for this pool.")
	}
	cfg := in.DeviceSecretVerifierConfig
	v, err := srp.ParseDeviceVerifier(cfg.Salt, cfg.PasswordVerifier)
	if err != nil {
		return nil, invalidParam("DeviceSecretVerifierConfig must hold a Salt and a PasswordVerifier, base64 of an SRP salt and verifier")
	}
	if len(in.DeviceName) > 1024 {
		return nil, invalidParam("DeviceName must be at most 1024 characters")
	}
	d, err := p.device(ctx, a.user.Sub, in.DeviceKey)
	if err != nil {
		return nil, err
	}
	if d.Key != a.claims.DeviceKey {
		return nil, newErr(CodeNotAuthorized, "A device can only be confirmed with a token issued to it.")
	}
	if len(d.Verifier) > 0 {
		// A stolen access token must not swap in its thief's verifier.
		return nil, newErr(CodeNotAuthorized, "Device is already confirmed.")
	}
	sealed, err := p.mfaSeal.Seal(p.random, v.Marshal(), deviceAD(a.user.Sub, d.Key))
	if err != nil {
		return nil, internalErr("seal device verifier", err)
	}
	d.Verifier, d.Name, d.UpdatedAt = sealed, in.DeviceName, p.now()
	d.Remembered = !p.cfg.Devices.OnlyRememberedOnUserPrompt
	if err := p.store.PutDevice(ctx, d); err != nil {
		return nil, internalErr("confirm device", err)
	}
	return &ConfirmDeviceOutput{UserConfirmationNecessary: p.cfg.Devices.OnlyRememberedOnUserPrompt}, nil
}

// deviceAD binds a sealed device verifier to its user and key. ("device-srp"
// since verifiers are SRP's; the stand-in verifiers of earlier releases
// were sealed as "device" and were dropped by migration.)
func deviceAD(sub, key string) []byte { return []byte("device-srp " + sub + " " + key) }

func (p *UserPool) device(ctx context.Context, sub, key string) (store.Device, error) {
	if key == "" || len(key) > 128 {
		return store.Device{}, invalidParam("DeviceKey is required")
	}
	d, err := p.store.GetDevice(ctx, p.cfg.ID, sub, key)
	if errors.Is(err, store.ErrNotFound) {
		return d, newErr(CodeResourceNotFound, "Device not found.")
	}
	if err != nil {
		return d, internalErr("device", err)
	}
	return d, nil
}

// GetDeviceInput is GetDevice's request.
type GetDeviceInput struct {
	AccessToken string
	DeviceKey   string
}

// GetDeviceOutput is GetDevice's answer.
type GetDeviceOutput struct {
	*DeviceType
}

// GetDevice returns one of the signed-in user's devices.
func (p *UserPool) GetDevice(ctx context.Context, in GetDeviceInput) (*GetDeviceOutput, error) {
	accessToken := in.AccessToken
	deviceKey := in.DeviceKey
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	v, err := p.getDevice(ctx, a.user.Sub, deviceKey)
	return done(&GetDeviceOutput{DeviceType: v}, err)
}

// AdminGetDeviceInput is AdminGetDevice's request.
type AdminGetDeviceInput struct {
	Username  string
	DeviceKey string
}

// AdminGetDeviceOutput is AdminGetDevice's answer.
type AdminGetDeviceOutput struct {
	*DeviceType
}

// AdminGetDevice returns one of a user's devices.
func (p *UserPool) AdminGetDevice(ctx context.Context, in AdminGetDeviceInput) (*AdminGetDeviceOutput, error) {
	username := in.Username
	deviceKey := in.DeviceKey
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	v, err := p.getDevice(ctx, u.Sub, deviceKey)
	return done(&AdminGetDeviceOutput{DeviceType: v}, err)
}

func (p *UserPool) getDevice(ctx context.Context, sub, key string) (*DeviceType, error) {
	d, err := p.device(ctx, sub, key)
	if err != nil {
		return nil, err
	}
	t := deviceType(d)
	return &t, nil
}

// ListDevicesOutput is a page of devices.
type ListDevicesOutput struct {
	Devices         []DeviceType
	PaginationToken string
}

// ListDevicesInput is ListDevices's request.
type ListDevicesInput struct {
	AccessToken     string
	Limit           int
	PaginationToken string
}

// ListDevices lists the signed-in user's devices (limit 1–60, zero 60).
func (p *UserPool) ListDevices(ctx context.Context, in ListDevicesInput) (*ListDevicesOutput, error) {
	accessToken := in.AccessToken
	limit := in.Limit
	paginationToken := in.PaginationToken
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	return p.listDevices(ctx, a.user.Sub, limit, paginationToken)
}

// AdminListDevicesInput is AdminListDevices's request.
type AdminListDevicesInput struct {
	Username        string
	Limit           int
	PaginationToken string
}

// AdminListDevicesOutput is AdminListDevices' answer; it has
// ListDevices' fields.
type AdminListDevicesOutput = ListDevicesOutput

// AdminListDevices lists a user's devices.
func (p *UserPool) AdminListDevices(ctx context.Context, in AdminListDevicesInput) (*AdminListDevicesOutput, error) {
	username := in.Username
	limit := in.Limit
	paginationToken := in.PaginationToken
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	return p.listDevices(ctx, u.Sub, limit, paginationToken)
}

func (p *UserPool) listDevices(ctx context.Context, sub string, limit int, token string) (*ListDevicesOutput, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	kind := "devices:" + sub
	_, after, err := p.decodePage(kind, token)
	if err != nil {
		return nil, err
	}
	ds, err := p.store.ListDevices(ctx, p.cfg.ID, sub, after, limit+1)
	if err != nil {
		return nil, internalErr("list devices", err)
	}
	out := &ListDevicesOutput{}
	if len(ds) > limit {
		ds = ds[:limit]
		if out.PaginationToken, err = p.encodePage(kind, "", ds[limit-1].Key); err != nil {
			return nil, err
		}
	}
	for _, d := range ds {
		out.Devices = append(out.Devices, deviceType(d))
	}
	return out, nil
}

// DeviceRememberedStatus is whether a device is remembered (Cognito's
// DeviceRememberedStatusType).
type DeviceRememberedStatus string

// Device remembered statuses.
const (
	DeviceRemembered    DeviceRememberedStatus = "remembered"
	DeviceNotRemembered DeviceRememberedStatus = "not_remembered"
)

// UpdateDeviceStatusInput is UpdateDeviceStatus's request.
type UpdateDeviceStatusInput struct {
	AccessToken            string
	DeviceKey              string
	DeviceRememberedStatus DeviceRememberedStatus
}

// UpdateDeviceStatusOutput is UpdateDeviceStatus's answer; it carries nothing.
type UpdateDeviceStatusOutput struct{}

// UpdateDeviceStatus remembers (DeviceRemembered) or forgets
// (DeviceNotRemembered) one of the signed-in user's devices.
func (p *UserPool) UpdateDeviceStatus(ctx context.Context, in UpdateDeviceStatusInput) (_ *UpdateDeviceStatusOutput, err error) {
	ctx, ob := p.begin(ctx, "UpdateDeviceStatus", AuditDeviceChange)
	defer func() { ob.finish(ctx, err) }()
	accessToken := in.AccessToken
	deviceKey := in.DeviceKey
	status := in.DeviceRememberedStatus
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	return done(&UpdateDeviceStatusOutput{}, p.updateDeviceStatus(ctx, a.user.Sub, deviceKey, status))
}

// AdminUpdateDeviceStatusInput is AdminUpdateDeviceStatus's request.
type AdminUpdateDeviceStatusInput struct {
	Username               string
	DeviceKey              string
	DeviceRememberedStatus DeviceRememberedStatus
}

// AdminUpdateDeviceStatusOutput is AdminUpdateDeviceStatus's answer; it carries nothing.
type AdminUpdateDeviceStatusOutput struct{}

// AdminUpdateDeviceStatus is UpdateDeviceStatus by username.
func (p *UserPool) AdminUpdateDeviceStatus(ctx context.Context, in AdminUpdateDeviceStatusInput) (_ *AdminUpdateDeviceStatusOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminUpdateDeviceStatus", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	deviceKey := in.DeviceKey
	status := in.DeviceRememberedStatus
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	return done(&AdminUpdateDeviceStatusOutput{}, p.updateDeviceStatus(ctx, u.Sub, deviceKey, status))
}

func (p *UserPool) updateDeviceStatus(ctx context.Context, sub, key string, status DeviceRememberedStatus) error {
	if status != DeviceRemembered && status != DeviceNotRemembered {
		return invalidParam("DeviceRememberedStatus must be remembered or not_remembered")
	}
	d, err := p.device(ctx, sub, key)
	if err != nil {
		return err
	}
	if status == DeviceRemembered && len(d.Verifier) == 0 {
		return invalidParam("Confirm the device before remembering it.")
	}
	d.Remembered, d.UpdatedAt = status == DeviceRemembered, p.now()
	if err := p.store.PutDevice(ctx, d); err != nil {
		return internalErr("update device", err)
	}
	return nil
}

// ForgetDeviceInput is ForgetDevice's request.
type ForgetDeviceInput struct {
	AccessToken string
	DeviceKey   string
}

// ForgetDeviceOutput is ForgetDevice's answer; it carries nothing.
type ForgetDeviceOutput struct{}

// ForgetDevice deletes one of the signed-in user's devices.
func (p *UserPool) ForgetDevice(ctx context.Context, in ForgetDeviceInput) (_ *ForgetDeviceOutput, err error) {
	ctx, ob := p.begin(ctx, "ForgetDevice", AuditDeviceChange)
	defer func() { ob.finish(ctx, err) }()
	accessToken := in.AccessToken
	deviceKey := in.DeviceKey
	a, err := p.authenticate(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	return done(&ForgetDeviceOutput{}, p.forgetDevice(ctx, a.user.Sub, deviceKey))
}

// AdminForgetDeviceInput is AdminForgetDevice's request.
type AdminForgetDeviceInput struct {
	Username  string
	DeviceKey string
}

// AdminForgetDeviceOutput is AdminForgetDevice's answer; it carries nothing.
type AdminForgetDeviceOutput struct{}

// AdminForgetDevice deletes one of a user's devices.
func (p *UserPool) AdminForgetDevice(ctx context.Context, in AdminForgetDeviceInput) (_ *AdminForgetDeviceOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminForgetDevice", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	username := in.Username
	deviceKey := in.DeviceKey
	u, err := p.adminUser(ctx, username)
	if err != nil {
		return nil, err
	}
	return done(&AdminForgetDeviceOutput{}, p.forgetDevice(ctx, u.Sub, deviceKey))
}

func (p *UserPool) forgetDevice(ctx context.Context, sub, key string) error {
	if _, err := p.device(ctx, sub, key); err != nil {
		return err
	}
	if err := p.store.DeleteDevice(ctx, p.cfg.ID, sub, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return internalErr("forget device", err)
	}
	return nil
}
