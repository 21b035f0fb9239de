"""Training: one adversarial loop, the CFG-GAN trainer, and the driver they share."""
