// Package demo generates realistic, reproducible dvpulse events for Hà Tĩnh:
// real commune codes, Vietnamese texts, the domain's topics and channels, and
// times spread over recent months. The same seed and index always give the
// same event, event_id included, so a rerun is idempotent downstream.
package demo
