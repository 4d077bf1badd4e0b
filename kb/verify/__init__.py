"""`kb verify`: every record checked against Crossref, OpenAlex and PubMed, with the evidence kept."""
