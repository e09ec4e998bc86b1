"""The offline demo news web (demo/web) and the script behind ``make demo``."""
