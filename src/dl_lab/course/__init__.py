"""The course dl-lab answers: every question id, its unit, title and checkable claims."""
