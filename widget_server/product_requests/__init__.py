"""Product requests: what an influencer asks a brand for, and its lifecycle."""
