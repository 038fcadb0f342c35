"""Geography: node boundaries (GeoJSON, WGS84) and point → grid/village/township lookup."""
