"""OAI-PMH 2.0 at /oai: every public DOI as a record, for DataCite, OpenAIRE, B2FIND and library
catalogues to harvest. Items are named `oai:<OAI_REPOSITORY_IDENTIFIER>:<DOI>`; their metadata is
built by doi/metadata.py, the same builder as the DOI's own record at DataCite."""
