"""Each source's figures and tables: a catalog (what each one shows, from which runs) and the
code that draws or tabulates them from the run folders."""
