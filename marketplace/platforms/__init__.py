"""Platform registry (平台): operators register platforms, administrators review them."""
