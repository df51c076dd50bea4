"""The brand's products and variants, synced from its store's feed."""
