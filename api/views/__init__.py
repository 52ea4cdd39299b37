"""Response builders: rows of the index turned into the response models of api/schemas.py, one module per
domain, shared by the routes that answer with them."""
