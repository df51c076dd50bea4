"""The brand's review pages: sign in, summary, pending requests, archive, detail."""
