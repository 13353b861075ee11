"""Segmentation engine: feature matrix, candidates, selection, constraints, names and stability."""
