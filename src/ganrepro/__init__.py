"""ganrepro: reproduce five GAN reports from raw data to a comparative report."""

__version__ = "0.1.0"
