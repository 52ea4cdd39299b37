"""datareg: a blockchain-anchored registry of data assets and the three separated rights over them."""
