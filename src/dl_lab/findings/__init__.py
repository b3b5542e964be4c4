"""What each pipeline's measurements say about the course: one subpackage per pipeline.

Each reads the tables its pipeline wrote, applies the rules of ``course.rules`` with the
tolerances of its ``config`` (a parameter block), and returns the rows of
``course.findings.findings_table``. The pipelines' findings nodes only call ``answer``.
"""
