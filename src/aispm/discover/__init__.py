"""Discovery: one package per source, each turning what it reads into inventory assets."""
