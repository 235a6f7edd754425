package userpool

// HashSlots is how many password hashes p runs at once at most.
func HashSlots(p *UserPool) int { return p.hasher.Slots() }
