"""Files attached to any owner (offerings, demands, later bookings, nominations, reports, platforms)."""
