"""ICAT+'s `catalogue` group (`/icatplus/catalogue/...`): investigations, datasets, files,
samples, parameters, instruments, techniques and teams, read through `catalogue.access` as
the portal's own pages read them."""
