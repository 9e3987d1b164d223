"""PubMed (NCBI E-utilities and the PMC ID Converter): gateway and record parsing."""
