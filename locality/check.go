package locality

// CheckLocality reports whether code is a commune-level unit of scheme. It
// lets a *Registry serve as the event decoder's locality checker; the error
// names the valid scheme when the code belongs to the other one.
func (r *Registry) CheckLocality(scheme, code string) error {
	_, err := r.Lookup(Scheme(scheme), code)
	return err
}
