"""Segmentation engine: feature matrix, candidate clusterings, selection, constraints, names and stability."""
