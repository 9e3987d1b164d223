"""Registry records to fields (pure mapping), the merge policy and diff, write-back to
refs/, and finding the DOIs sources lack."""
