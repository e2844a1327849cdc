package api

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// mbtiles reads raster tiles from an MBTiles file: an SQLite database with
// a table tiles(zoom_level, tile_column, tile_row, tile_data), or the
// de-duplicated layout of tables map(zoom_level, tile_column, tile_row,
// tile_id) and images(tile_data, tile_id) behind a view. It reads the SQLite
// file format directly, read-only, with no SQL engine: at open it scans the
// tables once into an index of (z, x, y) to row id, then reads each tile by
// descending the table's b-tree. It reads the main database file only: a
// file with an unmerged write-ahead log must be checkpointed first.
type mbtiles struct {
	f        io.ReaderAt
	closer   io.Closer
	pageSize int
	usable   int
	maxZoom  int
	data     table // the table that holds tile_data
	dataCol  int
	index    map[tileKey]int64 // (z, x, y) to row id in data
}

type tileKey struct{ z, x, y int }

// table is a table b-tree: its root page and columns.
type table struct {
	root int
	cols []string
}

func (t table) col(name string) int {
	for i, c := range t.cols {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// errMBTiles wraps what is wrong with an MBTiles file.
var errMBTiles = errors.New("api: not a readable MBTiles file")

func openMBTiles(path string) (*mbtiles, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := readMBTiles(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.closer = f
	return m, nil
}

// readMBTiles indexes the MBTiles database in r.
func readMBTiles(r io.ReaderAt) (*mbtiles, error) {
	m := &mbtiles{f: r, index: map[tileKey]int64{}}
	if err := m.init(); err != nil {
		return nil, fmt.Errorf("%w: %v", errMBTiles, err)
	}
	return m, nil
}

func (m *mbtiles) Close() error {
	if m.closer == nil {
		return nil
	}
	return m.closer.Close()
}

func (m *mbtiles) init() error {
	hdr := make([]byte, 100)
	if _, err := io.ReadFull(io.NewSectionReader(m.f, 0, 100), hdr); err != nil {
		return errors.New("too short for an SQLite file")
	}
	if string(hdr[:16]) != "SQLite format 3\x00" {
		return errors.New("not an SQLite file")
	}
	m.pageSize = int(binary.BigEndian.Uint16(hdr[16:]))
	if m.pageSize == 1 {
		m.pageSize = 65536
	}
	if m.pageSize < 512 || m.pageSize&(m.pageSize-1) != 0 {
		return fmt.Errorf("page size %d", m.pageSize)
	}
	m.usable = m.pageSize - int(hdr[20])
	if enc := binary.BigEndian.Uint32(hdr[56:]); enc > 1 {
		return errors.New("text is not UTF-8")
	}

	// sqlite_master: type, name, tbl_name, rootpage, sql.
	tables := map[string]table{}
	err := m.scan(1, func(_ int64, rec []any) error {
		if len(rec) < 5 {
			return nil
		}
		typ, _ := rec[0].(string)
		name, _ := rec[1].(string)
		root, _ := rec[3].(int64)
		sql, _ := rec[4].(string)
		if typ == "table" && root > 0 {
			tables[strings.ToLower(name)] = table{root: int(root), cols: columnNames(sql)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if t, ok := tables["tiles"]; ok {
		return m.indexTiles(t)
	}
	mp, ok1 := tables["map"]
	img, ok2 := tables["images"]
	if !ok1 || !ok2 {
		return errors.New("no tiles table, nor map and images tables")
	}
	return m.indexMapImages(mp, img)
}

// cols returns the indices of names in t, or an error naming the missing one.
func cols(t table, what string, names ...string) ([]int, error) {
	out := make([]int, len(names))
	for i, n := range names {
		if out[i] = t.col(n); out[i] < 0 {
			return nil, fmt.Errorf("%s has no column %s", what, n)
		}
	}
	return out, nil
}

func (m *mbtiles) indexTiles(t table) error {
	c, err := cols(t, "tiles", "zoom_level", "tile_column", "tile_row", "tile_data")
	if err != nil {
		return err
	}
	m.data, m.dataCol = t, c[3]
	return m.scan(t.root, func(rowid int64, rec []any) error {
		if k, ok := m.key(rec, c[0], c[1], c[2]); ok {
			m.index[k] = rowid
		}
		return nil
	})
}

func (m *mbtiles) indexMapImages(mp, img table) error {
	mc, err := cols(mp, "map", "zoom_level", "tile_column", "tile_row", "tile_id")
	if err != nil {
		return err
	}
	ic, err := cols(img, "images", "tile_data", "tile_id")
	if err != nil {
		return err
	}
	m.data, m.dataCol = img, ic[0]
	byID := map[string]int64{}
	if err := m.scan(img.root, func(rowid int64, rec []any) error {
		if ic[1] < len(rec) {
			byID[fmt.Sprint(rec[ic[1]])] = rowid
		}
		return nil
	}); err != nil {
		return err
	}
	return m.scan(mp.root, func(_ int64, rec []any) error {
		k, ok := m.key(rec, mc[0], mc[1], mc[2])
		if !ok || mc[3] >= len(rec) {
			return nil
		}
		if rowid, ok := byID[fmt.Sprint(rec[mc[3]])]; ok {
			m.index[k] = rowid
		}
		return nil
	})
}

// key turns a row's zoom, column and TMS row into an XYZ tile address.
func (m *mbtiles) key(rec []any, zc, xc, yc int) (tileKey, bool) {
	if zc >= len(rec) || xc >= len(rec) || yc >= len(rec) {
		return tileKey{}, false
	}
	z, ok1 := rec[zc].(int64)
	x, ok2 := rec[xc].(int64)
	row, ok3 := rec[yc].(int64)
	if !ok1 || !ok2 || !ok3 || z < 0 || z > 30 {
		return tileKey{}, false
	}
	m.maxZoom = max(m.maxZoom, int(z))
	return tileKey{int(z), int(x), int(1<<z - 1 - row)}, true
}

// Tile returns the tile at z/x/y, or ok false when the file has none.
func (m *mbtiles) Tile(z, x, y int) (data []byte, ok bool, err error) {
	rowid, ok := m.index[tileKey{z, x, y}]
	if !ok {
		return nil, false, nil
	}
	rec, err := m.row(m.data.root, rowid)
	if err != nil {
		return nil, false, err
	}
	if rec == nil || m.dataCol >= len(rec) {
		return nil, false, nil
	}
	b, _ := rec[m.dataCol].([]byte)
	return b, b != nil, nil
}

// page reads page n (1-based) into a fresh slice.
func (m *mbtiles) page(n int) ([]byte, error) {
	if n < 1 {
		return nil, fmt.Errorf("page %d", n)
	}
	p := make([]byte, m.pageSize)
	if _, err := m.f.ReadAt(p, int64(n-1)*int64(m.pageSize)); err != nil {
		return nil, fmt.Errorf("reading page %d: %v", n, err)
	}
	return p, nil
}

// btree returns page n's b-tree header offset, type, cell offsets and, for
// an interior page, its right-most child.
func (m *mbtiles) btree(n int) (p []byte, typ byte, cells []int, right int, err error) {
	if p, err = m.page(n); err != nil {
		return
	}
	h := 0
	if n == 1 {
		h = 100
	}
	typ = p[h]
	hl := 8
	switch typ {
	case 0x0d:
	case 0x05:
		hl = 12
		right = int(binary.BigEndian.Uint32(p[h+8:]))
	default:
		return nil, 0, nil, 0, fmt.Errorf("page %d is not a table b-tree page (type %#x)", n, typ)
	}
	nc := int(binary.BigEndian.Uint16(p[h+3:]))
	if h+hl+2*nc > len(p) {
		return nil, 0, nil, 0, fmt.Errorf("page %d: %d cells do not fit", n, nc)
	}
	cells = make([]int, nc)
	for i := range cells {
		cells[i] = int(binary.BigEndian.Uint16(p[h+hl+2*i:]))
		if cells[i] >= len(p) {
			return nil, 0, nil, 0, fmt.Errorf("page %d: cell %d out of the page", n, i)
		}
	}
	return p, typ, cells, right, nil
}

// maxDepth bounds b-tree descent, so that a corrupt file cannot loop.
const maxDepth = 40

// maxPayload is the largest row read: far above any raster tile.
const maxPayload = 64 << 20

// scan calls fn for every row of the table b-tree rooted at page root.
func (m *mbtiles) scan(root int, fn func(rowid int64, rec []any) error) error {
	seen := map[int]bool{}
	var walk func(n, depth int) error
	walk = func(n, depth int) error {
		if depth > maxDepth {
			return errors.New("b-tree too deep")
		}
		if seen[n] {
			return fmt.Errorf("page %d is in the b-tree twice", n)
		}
		seen[n] = true
		p, typ, cells, right, err := m.btree(n)
		if err != nil {
			return err
		}
		for _, c := range cells {
			if typ == 0x05 {
				if c+4 > len(p) {
					return errors.New("truncated interior cell")
				}
				if err := walk(int(binary.BigEndian.Uint32(p[c:])), depth+1); err != nil {
					return err
				}
				continue
			}
			rowid, rec, err := m.leafCell(p, c)
			if err != nil {
				return err
			}
			if err := fn(rowid, rec); err != nil {
				return err
			}
		}
		if typ == 0x05 {
			return walk(right, depth+1)
		}
		return nil
	}
	return walk(root, 0)
}

// row returns the record with rowid in the table rooted at root, or nil.
func (m *mbtiles) row(root int, rowid int64) ([]any, error) {
	n := root
	for depth := 0; depth <= maxDepth; depth++ {
		p, typ, cells, right, err := m.btree(n)
		if err != nil {
			return nil, err
		}
		if typ == 0x0d {
			for _, c := range cells {
				_, k1 := varint(p[c:])
				if k1 == 0 {
					return nil, errors.New("bad cell")
				}
				id, k2 := varint(p[c+k1:])
				if k2 == 0 {
					return nil, errors.New("bad rowid")
				}
				if int64(id) == rowid {
					_, rec, err := m.leafCell(p, c)
					return rec, err
				}
			}
			return nil, nil
		}
		next := right
		for _, c := range cells {
			if c+4 > len(p) {
				return nil, errors.New("truncated interior cell")
			}
			key, k := varint(p[c+4:])
			if k == 0 {
				return nil, errors.New("bad interior key")
			}
			if rowid <= int64(key) {
				next = int(binary.BigEndian.Uint32(p[c:]))
				break
			}
		}
		n = next
	}
	return nil, errors.New("b-tree too deep")
}

// leafCell decodes the table leaf cell at offset c of page p.
func (m *mbtiles) leafCell(p []byte, c int) (int64, []any, error) {
	size, k1 := varint(p[c:])
	if k1 == 0 {
		return 0, nil, errors.New("bad payload size")
	}
	rowid, k2 := varint(p[c+k1:])
	if k2 == 0 {
		return 0, nil, errors.New("bad rowid")
	}
	start := c + k1 + k2
	payload, err := m.payload(p, start, int(size))
	if err != nil {
		return 0, nil, err
	}
	rec, err := record(payload)
	return int64(rowid), rec, err
}

// payload gathers a cell's payload of size bytes starting at p[start],
// following overflow pages as the file format lays them out.
func (m *mbtiles) payload(p []byte, start, size int) ([]byte, error) {
	if size < 0 || size > maxPayload {
		return nil, fmt.Errorf("payload of %d bytes", size)
	}
	u := m.usable
	x := u - 35
	local := size
	if size > x {
		mn := ((u-12)*32)/255 - 23
		local = mn + (size-mn)%(u-4)
		if local > x {
			local = mn
		}
	}
	if start+local > len(p) {
		return nil, errors.New("cell runs off its page")
	}
	out := make([]byte, 0, min(size, 1<<20))
	out = append(out, p[start:start+local]...)
	if local == size {
		return out, nil
	}
	if start+local+4 > len(p) {
		return nil, errors.New("no overflow pointer")
	}
	next := int(binary.BigEndian.Uint32(p[start+local:]))
	for hops := 0; len(out) < size; hops++ {
		if next == 0 || hops > 1<<20 {
			return nil, errors.New("overflow chain ends early")
		}
		op, err := m.page(next)
		if err != nil {
			return nil, err
		}
		n := min(size-len(out), u-4)
		out = append(out, op[4:4+n]...)
		next = int(binary.BigEndian.Uint32(op))
	}
	return out, nil
}

// record decodes an SQLite record: integers as int64, floats as float64,
// text as string, blobs as []byte, NULL as nil.
func record(b []byte) ([]any, error) {
	hs, k := varint(b)
	if k == 0 || int(hs) > len(b) || int(hs) < k {
		return nil, errors.New("bad record header")
	}
	var types []uint64
	for i := k; i < int(hs); {
		t, n := varint(b[i:int(hs)])
		if n == 0 {
			return nil, errors.New("bad serial type")
		}
		types = append(types, t)
		i += n
	}
	out := make([]any, 0, len(types))
	off := int(hs)
	for _, t := range types {
		var n int
		switch {
		case t == 0 || t == 8 || t == 9:
			n = 0
		case t >= 1 && t <= 4:
			n = int(t)
		case t == 5:
			n = 6
		case t == 6 || t == 7:
			n = 8
		case t >= 12:
			n = int((t - 12) / 2)
		default:
			return nil, fmt.Errorf("serial type %d", t)
		}
		if off+n > len(b) || n < 0 {
			return nil, errors.New("record runs past its payload")
		}
		v := b[off : off+n]
		switch {
		case t == 0:
			out = append(out, nil)
		case t == 8:
			out = append(out, int64(0))
		case t == 9:
			out = append(out, int64(1))
		case t <= 6:
			var x int64
			for _, c := range v {
				x = x<<8 | int64(c)
			}
			shift := 64 - 8*uint(n)
			out = append(out, x<<shift>>shift) // sign-extend
		case t == 7:
			out = append(out, math.Float64frombits(binary.BigEndian.Uint64(v)))
		case t%2 == 0:
			out = append(out, append([]byte(nil), v...))
		default:
			out = append(out, string(v))
		}
		off += n
	}
	return out, nil
}

// varint decodes an SQLite varint: it returns the value and its length, or
// length 0 when b is too short.
func varint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// columnNames reads the column names from a CREATE TABLE statement.
func columnNames(sql string) []string {
	open := strings.Index(sql, "(")
	if open < 0 {
		return nil
	}
	body := sql[open+1:]
	var parts []string
	depth, last := 0, 0
	for i, c := range body {
		switch c {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				parts = append(parts, body[last:i])
				last = -1
			}
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, body[last:i])
				last = i + 1
			}
		}
		if last < 0 {
			break
		}
	}
	var names []string
	for _, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT":
			continue
		}
		names = append(names, strings.Trim(f[0], "\"`[]"))
	}
	return names
}
