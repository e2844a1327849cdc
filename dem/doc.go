// Package dem reads digital elevation models: SRTM .hgt tiles kept in one
// directory under the names MAVProxy and ArduPilot give them (N44W072.hgt),
// and answers the elevation at a position (bilinear between the four
// nearest samples) and elevation profiles between two positions.
//
// Tiles are loaded on first use and kept in a bounded least-recently-used
// cache ([Options.CacheTiles]). A tile that is not in the directory is an
// error naming the file expected ([ErrMissingTile]); voids (-32768) are
// filled from their neighbours when a tile is read.
//
// The package is pure Go (no cgo) and reads files only; it knows nothing of
// radio or placement. [Dir] satisfies coverage.Terrain, so coverage gets
// elevations without doing I/O itself. A [Dir] is safe for concurrent use.
//
// GeoTIFF DEMs are not read: golang.org/x/image/tiff refuses int16 and
// float32 samples, and no maintained pure-Go GeoTIFF reader was found among
// the modules available to this project; convert them to .hgt (gdal_translate
// -of SRTMHGT) instead.
package dem
