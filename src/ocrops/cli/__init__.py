"""The ``ocrops`` command line: thin commands over ocrops.services."""
