"""Public catalogue: home page, platform and offering lists with filters, detail pages."""
