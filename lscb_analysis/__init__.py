"""LSCB datasets workbench."""

import sys

__version__ = "0.1.0"

# jsonschema, which nbformat uses to read every notebook, compiles a grammar for its "iri"
# format check whenever the optional rfc3987-syntax package is installed (jupyter-events
# brings it in): about 0.9 s in every process that runs or plans a notebook. Nothing in the
# workbench checks IRIs, so jsonschema is left to skip that optional check.
sys.modules.setdefault("rfc3987_syntax", None)
