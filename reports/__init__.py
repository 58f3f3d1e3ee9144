"""Findings and documents → what people read: JSON (the contract), the Vietnamese summary."""
