"""Maritime monitoring: AIS ingest (CSV dialects, NMEA), cleaning, events (gaps, port calls,
encounters, loitering, position jumps), watched areas and routes, vessel screening, maps.

Data flows one way: ingest -> table -> clean -> events -> watch/vessels -> EVENTS CSV / map.
"""
