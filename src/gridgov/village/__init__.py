"""The village and community affairs module (seed 000 吴兴/新市, 003 余杭, 001 洪桥): resident services (bookings,
points, repairs, meal-assistance points), the collective economy (joint projects, shares, rents, dividends)
and the village-team assessment."""
