package fleet

import (
	"math"
	"math/rand/v2"
	"testing"
)

var inf = math.Inf(1)

func total(cost [][]float64, a []int) (float64, int) {
	s, n := 0.0, 0
	for i, j := range a {
		if j >= 0 {
			s += cost[i][j]
			n++
		}
	}
	return s, n
}

// brute finds the best (most pairs, then least cost) assignment by trying
// every one.
func brute(cost [][]float64) (float64, int) {
	n, m := len(cost), len(cost[0])
	bestN, bestS := -1, inf
	used := make([]bool, m)
	var rec func(i, cnt int, s float64)
	rec = func(i, cnt int, s float64) {
		if i == n {
			if cnt > bestN || (cnt == bestN && s < bestS-1e-9) {
				bestN, bestS = cnt, s
			}
			return
		}
		rec(i+1, cnt, s)
		for j := 0; j < m; j++ {
			if !used[j] && !math.IsInf(cost[i][j], 1) {
				used[j] = true
				rec(i+1, cnt+1, s+cost[i][j])
				used[j] = false
			}
		}
	}
	rec(0, 0, 0)
	return bestS, bestN
}

func TestAssignMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n, m := 1+r.IntN(6), 1+r.IntN(6)
		cost := make([][]float64, n)
		for i := range cost {
			cost[i] = make([]float64, m)
			for j := range cost[i] {
				if r.Float64() < 0.25 {
					cost[i][j] = inf
				} else {
					cost[i][j] = math.Round(r.Float64()*1000) / 10
				}
			}
		}
		a := assign(cost)
		seen := map[int]bool{}
		for i, j := range a {
			if j < 0 {
				continue
			}
			if seen[j] {
				t.Fatalf("trial %d: column %d given twice: %v", trial, j, a)
			}
			seen[j] = true
			if math.IsInf(cost[i][j], 1) {
				t.Fatalf("trial %d: infeasible pair (%d,%d) chosen", trial, i, j)
			}
		}
		gotS, gotN := total(cost, a)
		wantS, wantN := brute(cost)
		if gotN != wantN || math.Abs(gotS-wantS) > 1e-6 {
			t.Fatalf("trial %d: got %d pairs cost %.2f, best is %d pairs cost %.2f\ncost %v\nassign %v", trial, gotN, gotS, wantN, wantS, cost, a)
		}
	}
}

func TestAssignEmpty(t *testing.T) {
	if a := assign(nil); a != nil {
		t.Fatalf("assign(nil) = %v", a)
	}
	a := assign([][]float64{{}, {}})
	if len(a) != 2 || a[0] != -1 || a[1] != -1 {
		t.Fatalf("no columns: %v", a)
	}
}
