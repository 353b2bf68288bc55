package ingest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dvpulse/event"
)

// Sentinel errors of the key file.
var (
	// ErrKeyExists is returned by CreateKey for a name already in the file.
	ErrKeyExists = errors.New("ingest: key name already exists")
	// ErrKeyNotFound is returned by RevokeKey for an unknown name.
	ErrKeyNotFound = errors.New("ingest: no such key")
)

// WriteKey is one feeding system's write key as stored in the key file. The
// token itself is never stored: Hash is "sha256:" and the hex SHA-256 of the
// token, which is 32 random bytes, so a plain hash cannot be reversed.
type WriteKey struct {
	Name string `json:"name"`
	Hash string `json:"hash"`
	// Types are event types the key may write: exact names, prefixes such
	// as "feedback.*", or "*".
	Types []string `json:"types"`
	// Localities are "scheme:code" pairs such as "2025:18073", or "*".
	Localities []string `json:"localities"`
	// Rate is requests per second; Burst the bucket size. 0 means unlimited.
	Rate      float64    `json:"rate"`
	Burst     int        `json:"burst"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// KeyFile is the JSON document of the keys file.
type KeyFile struct {
	Keys []WriteKey `json:"keys"`
}

var keyNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// tokenPrefix starts every token so that leaked tokens are recognisable.
const tokenPrefix = "dvp_"

// hashToken returns the stored form of a token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// MayWriteType reports whether the key's scope covers eventType.
func (k *WriteKey) MayWriteType(eventType string) bool {
	for _, p := range k.Types {
		if p == "*" || p == eventType {
			return true
		}
		if pre, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(eventType, pre) {
			return true
		}
	}
	return false
}

// MayWriteLocality reports whether the key's scope covers scheme:code.
func (k *WriteKey) MayWriteLocality(scheme, code string) bool {
	for _, l := range k.Localities {
		if l == "*" || l == scheme+":"+code {
			return true
		}
	}
	return false
}

// Check returns the scope violations of ev, if any.
func (k *WriteKey) Check(ev *event.Event) []event.FieldError {
	var errs []event.FieldError
	if !k.MayWriteType(ev.EventType) {
		errs = append(errs, event.FieldError{Field: "event_type",
			Reason: fmt.Sprintf("key %s may not write event type %s (allowed: %s)", k.Name, ev.EventType, strings.Join(k.Types, ", "))})
	}
	if !k.MayWriteLocality(ev.Locality.Scheme, ev.Locality.Code) {
		errs = append(errs, event.FieldError{Field: "locality.code",
			Reason: fmt.Sprintf("key %s may not write locality %s:%s (allowed: %s)", k.Name, ev.Locality.Scheme, ev.Locality.Code, strings.Join(k.Localities, ", "))})
	}
	return errs
}

func (k *WriteKey) validate() error {
	var errs []error
	if !keyNameRE.MatchString(k.Name) {
		errs = append(errs, fmt.Errorf("name %q: use 1-64 letters, digits, _ . -", k.Name))
	}
	if !strings.HasPrefix(k.Hash, "sha256:") || len(k.Hash) != 7+64 {
		errs = append(errs, fmt.Errorf("key %s: hash is not sha256:<64 hex digits>", k.Name))
	}
	if len(k.Types) == 0 {
		errs = append(errs, fmt.Errorf("key %s: no event types (use * for all)", k.Name))
	}
	if len(k.Localities) == 0 {
		errs = append(errs, fmt.Errorf("key %s: no localities (use * for all)", k.Name))
	}
	for _, l := range k.Localities {
		if l == "*" {
			continue
		}
		scheme, code, ok := strings.Cut(l, ":")
		if !ok || code == "" || (scheme != "2025" && scheme != "pre2025") {
			errs = append(errs, fmt.Errorf("key %s: locality %q is not scheme:code with scheme 2025 or pre2025 (e.g. 2025:18073)", k.Name, l))
		}
	}
	if k.Rate < 0 || k.Burst < 0 {
		errs = append(errs, fmt.Errorf("key %s: negative rate or burst", k.Name))
	}
	return errors.Join(errs...)
}

// ReadKeyFile reads and checks path. A missing file is an empty KeyFile and
// os.ErrNotExist (test with errors.Is).
func ReadKeyFile(path string) (KeyFile, error) {
	var kf KeyFile
	b, err := os.ReadFile(path)
	if err != nil {
		return kf, fmt.Errorf("read keys file: %w", err)
	}
	if err := json.Unmarshal(b, &kf); err != nil {
		return kf, fmt.Errorf("keys file %s: %w", path, err)
	}
	seen := map[string]bool{}
	var errs []error
	for i := range kf.Keys {
		if err := kf.Keys[i].validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[kf.Keys[i].Name] {
			errs = append(errs, fmt.Errorf("key %s: listed twice", kf.Keys[i].Name))
		}
		seen[kf.Keys[i].Name] = true
	}
	if err := errors.Join(errs...); err != nil {
		return kf, fmt.Errorf("keys file %s: %w", path, err)
	}
	return kf, nil
}

// writeKeyFile replaces path atomically, readable by its owner only.
func writeKeyFile(path string, kf KeyFile) error {
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return fmt.Errorf("encode keys: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keys file folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ingest-keys-*")
	if err != nil {
		return fmt.Errorf("write keys file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write keys file: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write keys file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write keys file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write keys file: %w", err)
	}
	return nil
}

// NewKeyRequest describes a key for CreateKey.
type NewKeyRequest struct {
	Name       string
	Types      []string
	Localities []string
	Rate       float64
	Burst      int
}

// CreateKey adds a key to path (creating the file) and returns its token,
// which is shown once and stored only as a hash.
func CreateKey(path string, req NewKeyRequest, now time.Time) (string, error) {
	kf, err := ReadKeyFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	for _, k := range kf.Keys {
		if k.Name == req.Name {
			return "", fmt.Errorf("%w: %s", ErrKeyExists, req.Name)
		}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	burst := req.Burst
	if burst == 0 && req.Rate > 0 {
		burst = max(1, int(req.Rate))
	}
	k := WriteKey{Name: req.Name, Hash: hashToken(token), Types: req.Types, Localities: req.Localities,
		Rate: req.Rate, Burst: burst, CreatedAt: now.UTC().Truncate(time.Second)}
	if err := k.validate(); err != nil {
		return "", err
	}
	kf.Keys = append(kf.Keys, k)
	if err := writeKeyFile(path, kf); err != nil {
		return "", err
	}
	return token, nil
}

// RevokeKey marks name revoked in path; its token then gets 401.
func RevokeKey(path, name string, now time.Time) error {
	kf, err := ReadKeyFile(path)
	if err != nil {
		return err
	}
	for i := range kf.Keys {
		if kf.Keys[i].Name == name {
			if kf.Keys[i].RevokedAt == nil {
				t := now.UTC().Truncate(time.Second)
				kf.Keys[i].RevokedAt = &t
			}
			return writeKeyFile(path, kf)
		}
	}
	return fmt.Errorf("%w: %s", ErrKeyNotFound, name)
}

// keySet is one loaded version of the key file.
type keySet struct {
	byHash   map[string]*WriteKey
	names    []string
	enforced bool
	err      error
}

// KeyStore serves the keys of a key file to the request path and reloads
// the file when its modification time or size changes (checked at most once
// a second). It is safe for concurrent use.
//
// With mode auto, keys are enforced iff the file lists at least one key
// (revoked ones count). With required they are always enforced (a missing
// or broken file then refuses every request). With off they never are. A
// file that exists but does not parse is enforced with no valid key, so a
// typo never opens the API.
type KeyStore struct {
	path string
	mode string
	now  func() time.Time

	cur       atomic.Pointer[keySet]
	mu        sync.Mutex
	nextCheck time.Time
	stamp     string
}

// NewKeyStore loads path. The returned error is the load error, for the
// caller to log; the store is usable either way.
func NewKeyStore(path, mode string) (*KeyStore, error) {
	ks := &KeyStore{path: path, mode: mode, now: time.Now}
	if mode == AuthOff {
		ks.cur.Store(&keySet{})
		return ks, nil
	}
	ks.reload()
	return ks, ks.cur.Load().err
}

// Enforced reports whether requests need a key right now.
func (ks *KeyStore) Enforced() bool { return ks != nil && ks.current().enforced }

// Names lists the key names in the file, revoked ones included.
func (ks *KeyStore) Names() []string {
	if ks == nil {
		return nil
	}
	return ks.current().names
}

// Lookup returns the live key of token, or nil when the token is unknown
// or revoked.
func (ks *KeyStore) Lookup(token string) *WriteKey {
	k := ks.current().byHash[hashToken(token)]
	if k == nil || k.RevokedAt != nil {
		return nil
	}
	return k
}

func (ks *KeyStore) current() *keySet {
	if ks.mode != AuthOff {
		now := ks.now()
		ks.mu.Lock()
		if now.After(ks.nextCheck) {
			ks.nextCheck = now.Add(time.Second)
			ks.reloadLocked()
		}
		ks.mu.Unlock()
	}
	return ks.cur.Load()
}

func (ks *KeyStore) reload() {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.reloadLocked()
}

func (ks *KeyStore) reloadLocked() {
	st, err := os.Stat(ks.path)
	stamp := "missing"
	if err == nil {
		stamp = fmt.Sprint(st.ModTime().UnixNano(), "/", st.Size())
	}
	if stamp == ks.stamp && ks.cur.Load() != nil {
		return
	}
	ks.stamp = stamp
	set := &keySet{byHash: map[string]*WriteKey{}}
	kf, err := ReadKeyFile(ks.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		set.enforced = ks.mode == AuthRequired
		if ks.mode == AuthRequired {
			set.err = err
		}
	case err != nil:
		set.enforced, set.err = true, err
	default:
		set.enforced = ks.mode == AuthRequired || len(kf.Keys) > 0
		for i := range kf.Keys {
			k := kf.Keys[i]
			set.byHash[k.Hash] = &k
			set.names = append(set.names, k.Name)
		}
		sort.Strings(set.names)
	}
	ks.cur.Store(set)
}

// rateLimiter is a token bucket per key name.
type rateLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes one token from k's bucket. When none is left it returns the
// wait until the next one.
func (r *rateLimiter) allow(k *WriteKey, now time.Time) (bool, time.Duration) {
	if k.Rate <= 0 {
		return true, 0
	}
	burst := float64(max(k.Burst, 1))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buckets == nil {
		r.buckets = map[string]*bucket{}
	}
	b := r.buckets[k.Name]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		r.buckets[k.Name] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*k.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / k.Rate * float64(time.Second))
}
