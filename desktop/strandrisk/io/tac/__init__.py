"""NHS England's published trust accounts (TAC data) read into the provider register and cash balances."""
