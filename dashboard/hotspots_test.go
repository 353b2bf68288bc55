package dashboard

import (
	"encoding/json"
	"testing"
	"time"
)

// TestHotspotsHonourChannel seeds a jump of hotline feedback in one commune
// and topic, while letters stay flat, and checks that the hot spot shows
// without a channel filter and with channel=hotline_1022, and not with
// channel=letter.
func TestHotspotsHonourChannel(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	now := time.Now()
	var evs []ev
	add := func(channel string, at time.Time, n int) {
		for i := 0; i < n; i++ {
			evs = append(evs, ev{Type: "feedback.received", ID: newID(), Commune: "18073", Channel: channel, Text: "Rác thải ùn ứ",
				Topics: []string{"moi_truong"}, Sentiment: "negative", Score: -0.8, Explain: "[]", At: at})
		}
	}
	add("hotline_1022", now.Add(-2*time.Hour), 30)
	for d := 1; d <= 7; d++ {
		at := now.Add(-time.Duration(d)*24*time.Hour - 2*time.Hour)
		add("hotline_1022", at, 1)
		add("letter", at, 3)
	}
	add("letter", now.Add(-2*time.Hour), 3)
	insertEvents(t, e.conn, evs)

	hot := func(channel string) bool {
		path := "/api/v1/hotspots"
		if channel != "" {
			path += "?channel=" + channel
		}
		code, body := e.apiGet("", path)
		if code != 200 {
			t.Fatalf("%s: %d %.300s", path, code, body)
		}
		var r struct {
			Rows []struct {
				Commune string `json:"commune_code"`
				Topic   string `json:"topic"`
				Recent  uint64 `json:"last_24h"`
			} `json:"rows"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("%s: %v: %.300s", path, err, body)
		}
		for _, h := range r.Rows {
			if h.Commune == "18073" && h.Topic == "moi_truong" {
				want := uint64(33)
				if channel == "hotline_1022" {
					want = 30
				}
				if h.Recent != want {
					t.Errorf("%s: hot spot counts %d in the last 24 h, want %d", path, h.Recent, want)
				}
				return true
			}
		}
		return false
	}
	if !hot("") {
		t.Error("no hot spot without a channel filter")
	}
	if !hot("hotline_1022") {
		t.Error("no hot spot with channel=hotline_1022")
	}
	if hot("letter") {
		t.Error("channel=letter shows the hotline jump as a hot spot: the channel filter is ignored")
	}
}
