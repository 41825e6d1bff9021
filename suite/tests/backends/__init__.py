"""Backends that exist only for the tests, plugged in through GOROSUITE_BACKENDS."""
