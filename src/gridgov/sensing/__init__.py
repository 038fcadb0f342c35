"""Sensing core: stations, datastreams, observations; ingest by HTTP, MQTT and CSV; a SensorThings read API."""
