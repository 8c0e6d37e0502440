"""Translation: segmentation, catalogues (Babel), applying translations, QA."""
