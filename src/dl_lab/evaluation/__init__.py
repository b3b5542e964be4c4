"""What several pipelines measure about a fit: the fit diagnosis and the statistics over seeds."""
