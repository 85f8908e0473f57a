"""standards: built in its own issue; see README."""
