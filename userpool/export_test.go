package userpool

// HashSlots is how many password hashes p runs at once at most.
func HashSlots(p *UserPool) int { return p.hasher.Slots() }

// HashLoad is how many password hashes p runs now, and how many wait.
func HashLoad(p *UserPool) (running, waiting int) { return p.hasher.Load() }
