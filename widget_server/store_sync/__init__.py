"""The brand's store kept in sync: its API key and inbound API, and outbound webhooks."""
