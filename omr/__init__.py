"""Optical mark reading of our own forms: pages that carry the QR identity and corner markers."""
