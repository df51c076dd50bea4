"""Messages: one thread per product request between the brand and the influencer."""
