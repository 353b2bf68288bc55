// Package datadir locates the shared data folder (../shared/data relative
// to the repository root) for tests and tools.
package datadir
