package conditions

// Compilations counts the expressions compiled so far.
func Compilations() int64 { return compilations.Load() }
