"""Influencers and the signed links that let them into a brand's store."""
