"""Prometheus metrics: the ``Observations`` port counted, and the database's gauges."""
