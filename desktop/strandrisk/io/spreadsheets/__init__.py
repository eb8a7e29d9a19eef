"""Reading finance teams' spreadsheets: formats, finding the table, headers and values by meaning, checks, the template."""
