"""The knowledge base's pure parts: error signatures, text segmentation, rank fusion, and the
Markdown/YAML documents entries are imported from and exported to."""
