"""Everything that touches a bucket, a table or a registry lives here."""
