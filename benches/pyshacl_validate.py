"""Validates a data file against a shapes folder with pyshacl and prints the timings as JSON.

Run by the `shacl` benchmark (benches/bench.rs) inside a virtual environment it creates."""
import json
import pathlib
import sys
import time

import pyshacl
import rdflib

data_path, shapes_dir = sys.argv[1], pathlib.Path(sys.argv[2])
started = time.perf_counter()
data = rdflib.Graph().parse(data_path)
shapes = rdflib.Graph()
for f in sorted(shapes_dir.glob("*.ttl")):
    shapes.parse(f)
parsed = time.perf_counter()
conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
done = time.perf_counter()
print(json.dumps({"parse_s": parsed - started, "validate_s": done - parsed, "conforms": conforms,
                  "triples": len(data), "pyshacl": pyshacl.__version__}))
