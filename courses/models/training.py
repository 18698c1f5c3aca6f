"""Training modules, sessions and the hours ledger: built by the training issue."""
