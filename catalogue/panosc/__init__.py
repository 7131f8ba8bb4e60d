"""The PaNOSC search API (https://github.com/panosc-eu/search-api) at /panosc/: the facility's
public data as Documents (released sessions, minted data collections), Datasets, Instruments,
Samples and Files, searched with Loopback `filter` JSON. Public data only, whoever asks."""
