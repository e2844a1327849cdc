package coverage

import (
	"fmt"
	"math"
	"sort"
)

// cellGrid is a square grid of cells cellM apart from lo, nx by ny, with
// one flag per cell: the raster that terrain-aware shapes are traced from.
type cellGrid struct {
	lo     Point
	cellM  float64
	nx, ny int
	on     []bool
}

func (g *cellGrid) at(i, j int) bool {
	return i >= 0 && j >= 0 && i < g.nx && j < g.ny && g.on[j*g.nx+i]
}

func (g *cellGrid) centre(i, j int) Point {
	return Point{g.lo.X + (float64(i)+0.5)*g.cellM, g.lo.Y + (float64(j)+0.5)*g.cellM}
}

// rings traces the outline of the cells that are on: each polygon is an
// outer ring (counter-clockwise) and its holes (clockwise), closed, with
// collinear corners dropped. Cells touching only at a corner belong to
// separate rings.
func (g *cellGrid) rings() MultiPolygon {
	// Directed boundary edges with the cells on their left, keyed by their
	// start corner (corner (i, j) is the lower left of cell (i, j)).
	type corner struct{ i, j int }
	out := map[corner][]corner{}
	for j := 0; j < g.ny; j++ {
		for i := 0; i < g.nx; i++ {
			if !g.at(i, j) {
				continue
			}
			if !g.at(i, j-1) { // bottom, west to east
				out[corner{i, j}] = append(out[corner{i, j}], corner{i + 1, j})
			}
			if !g.at(i+1, j) { // right, south to north
				out[corner{i + 1, j}] = append(out[corner{i + 1, j}], corner{i + 1, j + 1})
			}
			if !g.at(i, j+1) { // top, east to west
				out[corner{i + 1, j + 1}] = append(out[corner{i + 1, j + 1}], corner{i, j + 1})
			}
			if !g.at(i-1, j) { // left, north to south
				out[corner{i, j + 1}] = append(out[corner{i, j + 1}], corner{i, j})
			}
		}
	}
	starts := make([]corner, 0, len(out))
	for c := range out {
		starts = append(starts, c)
	}
	sort.Slice(starts, func(a, b int) bool {
		if starts[a].j != starts[b].j {
			return starts[a].j < starts[b].j
		}
		return starts[a].i < starts[b].i
	})
	var outer, holes []Ring
	for _, s := range starts {
		for len(out[s]) > 0 {
			var ring Ring
			prev, cur := corner{}, s
			first := true
			for {
				nx := out[cur]
				if len(nx) == 0 {
					break
				}
				k := 0
				if len(nx) == 2 && !first {
					// Two cells meeting at a corner: turn left (keep to
					// the cell the ring came along) so that they part.
					dx, dy := cur.i-prev.i, cur.j-prev.j
					if nx[1].i-cur.i == -dy && nx[1].j-cur.j == dx {
						k = 1
					}
				}
				next := nx[k]
				out[cur] = append(nx[:k:k], nx[k+1:]...)
				ring = append(ring, Point{g.lo.X + float64(cur.i)*g.cellM, g.lo.Y + float64(cur.j)*g.cellM})
				prev, cur, first = cur, next, false
				if cur == s {
					break
				}
			}
			ring = dropCollinear(ring)
			if len(ring) < 3 {
				continue
			}
			ring = append(ring, ring[0])
			if ring.signedArea() > 0 {
				outer = append(outer, ring)
			} else {
				holes = append(holes, ring)
			}
		}
	}
	mp := make(MultiPolygon, len(outer))
	for i, r := range outer {
		mp[i] = Polygon{r}
	}
	// Each hole goes to the smallest outer ring around it: tested at the
	// centre of the cell on the left of its first edge (a cell that is on).
	for _, h := range holes {
		a, b := h[0], h[1]
		d := b.sub(a).scale(1 / b.sub(a).norm())
		probe := lerp(a, b, 0.5).add(Point{-d.Y, d.X}.scale(g.cellM / 2))
		best, bestA := -1, math.Inf(1)
		for i, r := range outer {
			if ringCrossings(r, probe) {
				if ar := r.signedArea(); ar < bestA {
					best, bestA = i, ar
				}
			}
		}
		if best >= 0 {
			mp[best] = append(mp[best], h)
		}
	}
	return mp
}

// dropCollinear removes corners of a closed ring (first point not
// repeated) that lie on a straight run.
func dropCollinear(r Ring) Ring {
	n := len(r)
	if n < 3 {
		return r
	}
	out := make(Ring, 0, n)
	for k := 0; k < n; k++ {
		p, c, nx := r[(k+n-1)%n], r[k], r[(k+1)%n]
		if cross(p, c, nx) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// Shape is the ground the footprint covers, traced on a square grid of its
// own step (each cell in when the footprint covers its centre): the shape
// to draw for a station over terrain instead of a circle. It is in the
// footprint's local frame; pr (the projection the footprint was built
// with) turns it into longitude and latitude.
func (f *Footprint) Shape(pr Projection) GeoMultiPolygon {
	n := int(math.Ceil(float64(f.Steps)+0.5)) * 2
	g := &cellGrid{cellM: f.StepM, nx: n, ny: n, on: make([]bool, n*n)}
	g.lo = f.Center.sub(Point{float64(n) / 2 * f.StepM, float64(n) / 2 * f.StepM})
	some := false
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			if f.Covers(g.centre(i, j)) {
				g.on[j*n+i] = true
				some = true
			}
		}
	}
	if !some {
		return nil
	}
	return pr.Unproject(g.rings())
}

// LiveTerrain measures what stations cover now over terrain, from their
// footprints per network (built in the region's projection, e.g. by
// [Region.StationFootprint]), on a grid cellM apart: as [Region.Live], with
// the uncovered parts traced on that grid when polygons is set.
func (reg *Region) LiveTerrain(public, private []*Footprint, cellM float64, polygons bool) (LiveReport, error) {
	var rep LiveReport
	for _, n := range []Networks{Public, Private} {
		fps := public
		if n == Private {
			fps = private
		}
		m, err := MeasureFootprints(reg.Area, fps, cellM)
		if err != nil {
			return LiveReport{}, err
		}
		if n == Public {
			rep.Public = m
		} else {
			rep.Private = m
			if len(reg.WorkZones) > 0 {
				wz, err := MeasureFootprints(reg.WorkZones, fps, cellM)
				if err != nil {
					return LiveReport{}, err
				}
				rep.PrivateWorkZones = &wz
			}
		}
		if polygons {
			g := uncoveredGrid(reg.Area, fps, cellM)
			un := reg.Projection.Unproject(g.rings())
			if n == Public {
				rep.UncoveredPublic = un
			} else {
				rep.UncoveredPrivate = un
			}
		}
	}
	return rep, nil
}

// uncoveredGrid flags the cells of the area's grid (as MeasureFootprints
// lays it) that no footprint covers.
func uncoveredGrid(area MultiPolygon, fps []*Footprint, cellM float64) *cellGrid {
	lo, hi := area.Bounds()
	g := &cellGrid{lo: lo, cellM: cellM, nx: int(math.Ceil((hi.X - lo.X) / cellM)), ny: int(math.Ceil((hi.Y - lo.Y) / cellM))}
	g.on = make([]bool, g.nx*g.ny)
	segs := area.segments()
	var xs []float64
	for j := 0; j < g.ny; j++ {
		y := lo.Y + (float64(j)+0.5)*cellM
		xs = crossingsAt(segs, y, xs[:0])
		for k := 0; k+1 < len(xs); k += 2 {
			for i := max(0, int(math.Ceil((xs[k]-lo.X)/cellM-0.5))); i < g.nx; i++ {
				p := g.centre(i, j)
				if p.X >= xs[k+1] {
					break
				}
				covered := false
				for _, f := range fps {
					if f.Covers(p) {
						covered = true
						break
					}
				}
				g.on[j*g.nx+i] = !covered
			}
		}
	}
	return g
}

// StationFootprint is the terrain footprint of one network's cell of a
// station of profile prof flying altAGLM above the ground at pos, in the
// region's projection, swept stepM apart as far as the region's area
// needs: what live coverage over terrain measures and the map draws.
func (reg *Region) StationFootprint(t Terrain, prof Profile, env Environment, n Networks, pos LonLat, altAGLM, stepM float64) (*Footprint, error) {
	if !prof.Carries(n) {
		return nil, fmt.Errorf("%w: %s carries no %s cell", ErrBadParameter, prof.Name, n)
	}
	b := prof.budget(n)
	m, err := NewModel(env, b.FreqMHz)
	if err != nil {
		return nil, err
	}
	r := sweepRadius(m, b.MaxPathLossDB(), m.RadiusM(altAGLM, b.MaxPathLossDB()), stepM)
	lo, hi := reg.terrainBox()
	return m.terrainFootprint(t, reg.Projection, reg.Projection.Forward(pos), altAGLM, b.MaxPathLossDB(), r, stepM, lo, hi)
}
