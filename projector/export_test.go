package projector

// RescoredSourceForTest exposes rescoredSource to the external tests.
var RescoredSourceForTest = rescoredSource
