// Package nlp is the public entry point of dvpulse's Vietnamese text
// scoring: sentiment (negative/neutral/positive with calibrated
// probabilities and a score in [-1,1]), taxonomy topics with confidences,
// and per-text explanations, all computed in pure Go from models embedded
// in the binary.
//
//	s, err := nlp.Default()
//	if err != nil { ... }
//	r := s.Score("Đền bù giải phóng mặt bằng quá thấp, dân không đồng tình")
//	// r.Label == "negative", r.Topics[0].Code == "site_clearance"
//
// Sub-packages: textnorm (normalisation and tokens), linear (hashed linear
// models), sentiment, topic, and cli (the train and score commands).
package nlp
