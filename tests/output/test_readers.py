#!/usr/bin/python3
"""The reading snippets of docs/output-format.md (h5py, xarray, R with
hdf5r): the doc shows each file of tests/output/readers/ verbatim, and each
runs on a freshly written out.h5 (the England baseline and
troubled-families-withdrawal, 4 runs each, compared) and prints what the
file holds, checked here against h5py's reading of the same file.

usage: test_readers.py {h5py,xarray,r} CASCADE SNIPPET DOC SCENARIO_DIR
The R test exits 77 (meson's skip) when Rscript or hdf5r is missing.
"""
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

LANGUAGE = CASCADE = SNIPPET = DOC = SCENARIOS = None
FENCE = {'h5py': 'python', 'xarray': 'python', 'r': 'r'}
BASE = 'england-baseline'
ALT = 'troubled-families-withdrawal'


def have_hdf5r():
    if shutil.which('Rscript') is None:
        return False
    r = subprocess.run(['Rscript', '-e', 'library(hdf5r)'],
                       capture_output=True)
    return r.returncode == 0


class Snippet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        out = os.path.join(d, 'out.h5')
        for args in ([CASCADE, 'run', os.path.join(SCENARIOS, BASE + '.yaml'),
                      os.path.join(SCENARIOS, ALT + '.yaml'), '-n', '4',
                      '-o', out],
                     [CASCADE, 'compare', out]):
            r = subprocess.run(args, capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
        command = {'h5py': [sys.executable, SNIPPET],
                   'xarray': [sys.executable, SNIPPET],
                   'r': ['Rscript', SNIPPET]}[LANGUAGE]
        cls.result = subprocess.run(command, cwd=d, capture_output=True,
                                 text=True)
        cls.out = out

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_doc_shows_the_tested_snippet(self):
        with open(SNIPPET) as f:
            snippet = f.read()
        with open(DOC) as f:
            doc = f.read()
        self.assertIn('```' + FENCE[LANGUAGE] + '\n' + snippet + '```\n', doc)

    def expected(self):
        """What the snippets print, read here with h5py and numpy."""
        with h5py.File(self.out, 'r') as f:
            g = f['scenarios/' + BASE]
            done = g['run_done'][...] == 1
            months = list(f['dims/month'].asstr()[...])
            la = f['dims/stage_category'].asstr()[...] == 'looked_after'
            stocks = g['stocks'][...][done]
            march = stocks[:, months.index('2020-03')][:, la].sum(axis=(1, 2))
            real = g['spend'][...][done][:, :, 1] / g['deflator'][...]
            fy = g['month_financial_year'][...]
            labels = list(f['dims/financial_year'].asstr()[...])
            late = {labels[y]: np.median(real[:, fy == y].sum(axis=1))
                    for y in range(len(labels))}
            mean = g['summary/mean'][months.index('2020-03')][la].sum()
            c = f['compare/%s_vs_%s' % (ALT, BASE)]
            npv = float(np.median(c['npv'][...]))
        return march, late, mean, npv

    def test_it_runs_and_prints_what_the_file_holds(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        out = self.result.stdout
        march, late, mean, npv = self.expected()
        if LANGUAGE == 'h5py':
            self.assertIn("['run', 'month', 'stage', 'age']", out)
            self.assertIn('/scenarios/%s/stage' % BASE, out)
            line = re.search(r'^2019/20 prices, median late spend (\{.*\})$',
                             out, re.M)
            got = ast.literal_eval(line.group(1))
            self.assertEqual(got.keys(), late.keys())
            for year, value in late.items():
                self.assertAlmostEqual(got[year], value, delta=1e-6 * value)
            self.assertIn('NPV median %r GBP' % npv, out)
        elif LANGUAGE == 'xarray':
            self.assertIn("('run', 'month', 'stage', 'age')", out)
            line = re.search(r'^2019/20 prices, median: (\{.*\})$', out, re.M)
            got = ast.literal_eval(line.group(1))
            self.assertEqual(got.keys(), late.keys())
            for year, value in late.items():
                self.assertAlmostEqual(got[year], round(value), delta=1)
            self.assertRegex(out, r'2020-03\s+%.1f\s+%.1f\s+%.1f' % tuple(
                np.round(np.quantile(march, [0.05, 0.5, 0.95]))))
            self.assertIn('NPV median %r GBP' % npv, out)
        else:
            self.assertIn('"age"   "stage" "month" "run"', out)
            got = re.search(r'median of runs: (\S+)', out)
            self.assertAlmostEqual(float(got.group(1)), np.median(march),
                                   delta=1e-6 * np.median(march))
            got = re.search(r'mean in care at 31 March 2020: (\S+)', out)
            self.assertAlmostEqual(float(got.group(1)), mean,
                                   delta=1e-6 * mean)
            self.assertRegex(out, r'2019-04\s+2019-05\s+2019-06')


if __name__ == '__main__':
    LANGUAGE, CASCADE, SNIPPET, DOC, SCENARIOS = sys.argv[1:6]
    CASCADE, SNIPPET = os.path.abspath(CASCADE), os.path.abspath(SNIPPET)
    if LANGUAGE == 'r' and not have_hdf5r():
        print('skipped: Rscript or the hdf5r package is missing '
              '(Debian: r-cran-hdf5r)')
        sys.exit(77)
    unittest.main(argv=sys.argv[:1] + sys.argv[6:], verbosity=2)
