"""Readers turn files into the document model."""
