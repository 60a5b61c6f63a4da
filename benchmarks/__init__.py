"""Measurement of the product: search speed, ingest speed, search and tag quality, the load test and
the benchmark report, with their management commands. No models, no URLs; product code
(imagesearch, gallery, search) never imports this package (ARCHITECTURE.md, rule 4)."""
