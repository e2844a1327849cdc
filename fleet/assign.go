package fleet

import "math"

// assign solves the rectangular assignment problem: cost[i][j] is the cost of
// giving row i (a drone) column j (a station); math.Inf(1) marks a pair that
// must never be chosen (the drone cannot reach or hold that station). It
// returns, for each row, the column it gets or -1, choosing as many feasible
// pairs as possible and, among those, the least total cost.
//
// It is the Hungarian method with potentials (Kuhn-Munkres, O(n^2 m)). No
// maintained Go module provides it; gonum's LP solver could, at many times the
// cost and with less exact results.
func assign(cost [][]float64) []int {
	n := len(cost)
	if n == 0 {
		return nil
	}
	m := len(cost[0])
	out := make([]int, n)
	for i := range out {
		out[i] = -1
	}
	if m == 0 {
		return out
	}
	// Infeasible pairs get a cost larger than any feasible total, so the
	// method first maximises the number of feasible pairs, then minimises
	// their cost. Pairs still at that cost afterwards are dropped.
	big := 1.0
	for _, row := range cost {
		for _, c := range row {
			if !math.IsInf(c, 1) && !math.IsNaN(c) {
				big += math.Abs(c)
			}
		}
	}
	big *= float64(n + m + 1)
	// Square it: the method below needs rows <= columns; pad with dummy
	// columns of cost big (a row left unassigned).
	size := max(n, m)
	a := make([][]float64, size+1)
	for i := range a {
		a[i] = make([]float64, size+1)
	}
	for i := 1; i <= size; i++ {
		for j := 1; j <= size; j++ {
			c := big
			if i <= n && j <= m {
				if v := cost[i-1][j-1]; !math.IsInf(v, 1) && !math.IsNaN(v) {
					c = v
				}
			} else if i > n {
				c = 0 // dummy row: takes a column nobody gets
			}
			a[i][j] = c
		}
	}
	u := make([]float64, size+1)
	v := make([]float64, size+1)
	p := make([]int, size+1) // p[j]: row assigned to column j
	way := make([]int, size+1)
	for i := 1; i <= size; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, size+1)
		used := make([]bool, size+1)
		for j := range minv {
			minv[j] = math.Inf(1)
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= size; j++ {
				if used[j] {
					continue
				}
				cur := a[i0][j] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= size; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= size; j++ {
		i := p[j]
		if i >= 1 && i <= n && j <= m {
			if c := cost[i-1][j-1]; !math.IsInf(c, 1) && !math.IsNaN(c) {
				out[i-1] = j - 1
			}
		}
	}
	return out
}
