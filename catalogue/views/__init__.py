"""Catalogue pages, split by topic: browse (lists, search), investigation (page and tabs), team
(collaborators, access requests), dataset (dataset and sample pages, gallery, HDF5 preview),
downloads (files, zips, jobs), restores (asking for data back from tape)."""
