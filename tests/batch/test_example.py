#!/usr/bin/python3
"""The C program in docs/library.md: the doc shows tests/batch/example.c
verbatim, and the program builds (meson) and runs a batch of the shipped
baseline into a file h5py reads, exit 2 on a bad scenario.

usage: test_example.py EXAMPLE_BINARY EXAMPLE_SOURCE DOC SCENARIO_DIR
"""
import os
import subprocess
import sys
import tempfile
import unittest

import h5py

BINARY = SOURCE = DOC = SCENARIOS = None


class Example(unittest.TestCase):
    def test_doc_shows_the_tested_program(self):
        with open(SOURCE) as f:
            program = f.read()
        with open(DOC) as f:
            doc = f.read()
        self.assertIn('```c\n' + program + '```', doc)

    def test_it_runs_a_batch(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, 'b.h5')
            r = subprocess.run([BINARY,
                                os.path.join(SCENARIOS, 'england-baseline.yaml'),
                                out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('20 runs in ' + out, r.stdout)
            with h5py.File(out) as f:
                g = f['scenarios/england-baseline']
                self.assertEqual(int(g['run_done'][:].sum()), 20)
                self.assertEqual(f.attrs['seed'], 7)
            bad = os.path.join(d, 'bad.yaml')
            with open(bad, 'w') as f:
                f.write('name: x\nbase_date: 2019-13\n')
            r = subprocess.run([BINARY, bad, out], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn('bad.yaml:2:', r.stderr)


if __name__ == '__main__':
    BINARY, SOURCE, DOC, SCENARIOS = sys.argv[1:5]
    unittest.main(argv=sys.argv[:1] + sys.argv[5:], verbosity=2)
