package main

// Skynet (atemerev/skynet): a tree of goroutines, each spawning 10 children down to the
// leaves; leaf i sends i and every level sums its children through a channel.

import "runtime"

func init() { register("skynet", skynetScenario) }

// skynet sums leaves num..num+size-1. Sizes that are not powers of 10 split as evenly as
// they can, so every `leaves` gives the exact total.
func skynet(c chan<- int, num, size, div int) {
	if size == 1 {
		c <- num
		return
	}
	kids := min(div, size)
	rc := make(chan int) // unbuffered, as in the reference Go version
	sub := num
	for i := 0; i < kids; i++ {
		part := size / kids
		if i < size%kids {
			part++
		}
		go skynet(rc, sub, part, div)
		sub += part
	}
	sum := 0
	for i := 0; i < kids; i++ {
		sum += <-rc
	}
	c <- sum
}

func skynetScenario(p params) (obs, error) {
	leaves, seed := p.int("leaves", 1_000_000), p.int("seed", 1)
	c := make(chan int)
	var total int
	sec, cpu := clock(func() {
		go skynet(c, 0, leaves, 10)
		total = <-c
	})
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": leaves, "total": total, "ms": sec * 1e3,
		"expected": leaves * (leaves - 1) / 2, "gomaxprocs": runtime.GOMAXPROCS(0),
		"state_digest": hexd(term(seed, 0, 0, uint64(total)))}, nil
}
