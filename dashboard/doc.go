// Package dashboard serves dvpulse's indicators to people (HTML pages, in
// Vietnamese by default, English with ?lang=en) and to other systems (JSON
// and CSV under /api/v1). Every query reaches ClickHouse with bound
// parameters or whitelisted expressions only.
package dashboard
