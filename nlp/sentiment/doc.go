// Package sentiment is the Vietnamese sentiment classifier of dvpulse: a
// hashed multinomial logistic regression over syllable n-grams, a
// diacritic-free channel, negation-scope, sentence-boundary and length
// features (a bag of seeded models averaged into one), trained from UIT-VSFC
// (and optionally AIVIVN 2019 and an organisation's own CSV), quantised to
// int8 and embedded in the binary.
//
// Labels are "negative", "neutral" and "positive". The package also loads
// the public corpora, trains with dev-split model selection (then, by
// default, refits on train + dev) and evaluates on held-out test splits.
package sentiment
