"""The site bench/pages.py measures: the portal's URLs beside a bare view, with its settings."""
