"""The brand console: settings, catalog and team pages under the review site (#10)."""
