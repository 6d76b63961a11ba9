#!/usr/bin/python3
"""The shipped England baseline is England's structure fitted to the
published series: re-running the command its header gives writes the very
file shipped; the fit converged and its one-year-ahead errors are small;
the default `cascade run` runs it; and its year effects make the 90%
interval of looked-after children widen with the horizon, while without
them (--no-year-effects) runs are what they were.

usage: test_baseline.py CASCADE_BINARY SOURCE_ROOT
"""
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

CASCADE = ROOT = None


def run(*args, cwd=None):
    return subprocess.run([CASCADE, *args], capture_output=True, text=True,
                          cwd=cwd)


class Baseline(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        s = os.path.join(ROOT, 'scenarios')
        cls.out = os.path.join(cls.dir, 'england-baseline.yaml')
        cls.csv = os.path.join(cls.dir, 'report.csv')
        # the command in the header of scenarios/england-structure.yaml
        cls.fit = run('fit', os.path.join(s, 'england-structure.yaml'),
                      '--data', os.path.join(s, 'data',
                                             'england-csc-2013-2019.csv'),
                      '--data', os.path.join(s, 'data',
                                             'england-csc-detail-2008-2019.csv'),
                      '--name', 'england-baseline', '-o', cls.out,
                      '--csv', cls.csv)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_shipped_baseline_is_what_the_fit_writes(self):
        self.assertEqual(self.fit.returncode, 0, self.fit.stderr)
        with open(self.out) as f:
            written = f.read().splitlines()
        with open(os.path.join(ROOT, 'scenarios',
                               'england-baseline.yaml')) as f:
            shipped = f.read().splitlines()
        # written elsewhere, it reaches the input by another path
        self.assertIn('extends: "england-structure.yaml"', shipped)
        written = [x for x in written if not x.startswith('extends:')]
        shipped = [x for x in shipped if not x.startswith('extends:')]
        self.assertEqual(written, shipped,
                         'scenarios/england-baseline.yaml is not what its '
                         'fit command writes: rerun it')

    def test_the_fit_converged_with_small_one_year_ahead_errors(self):
        self.assertEqual(self.fit.returncode, 0, self.fit.stderr)
        self.assertIn('(converged)', self.fit.stdout)
        rows = [line.split(',') for line in open(self.csv)][1:]
        worst = {}
        for rec, name, year, observed, fitted, *_ in rows:
            if rec != 'figure':
                continue
            err = abs(float(fitted) / float(observed) - 1)
            worst[name] = max(worst.get(name, 0), err)
        # the headline stocks a year ahead: within 5% every year; flows
        # within 10%
        for name in ('cla_31_march', 'cpp_31_march', 'cin_31_march',
                     'population_0_17'):
            self.assertLess(worst[name], 0.05, name)
        for name in ('referrals', 'cpp_starts', 'cla_starts', 'cla_ceased'):
            self.assertLess(worst[name], 0.10, name)

    def test_default_run_and_year_effects_widen_the_interval(self):
        out = os.path.join(self.dir, 'base.h5')
        r = run('run', '-n', '200', '-o', out, '-q', '--seed', '3')
        self.assertEqual(r.returncode, 0, r.stderr)
        flat = os.path.join(self.dir, 'flat.h5')
        r = run('run', '-n', '200', '-o', flat, '-q', '--seed', '3',
                '--no-year-effects')
        self.assertEqual(r.returncode, 0, r.stderr)

        def widths(path):
            with h5py.File(path) as f:
                g = f['scenarios/england-baseline']
                stages = [x.decode() if isinstance(x, bytes) else x
                          for x in f['dims/stage'][:]]
                la = [i for i, x in enumerate(stages)
                      if x.startswith('looked_after')]
                stock = g['stocks'][:, :, la, :].sum(axis=(2, 3))
            march = [11 + 12 * y for y in range(10)]  # 31 March 2020...
            q = np.quantile(stock[:, march], [0.05, 0.95], axis=0)
            return (q[1] - q[0]) / np.median(stock[:, march], axis=0)

        w, flat_w = widths(out), widths(flat)
        # with year effects the 90% interval grows with the horizon, and is
        # wider than without them at 5 and 10 years
        self.assertLess(w[0], w[4])
        self.assertLess(w[4], w[9])
        self.assertGreater(w[9], 1.5 * flat_w[9])

    def test_a_what_if_of_the_baseline_may_be_shorter(self):
        # the fit writes a value the same every year as one number, not a
        # list as long as the baseline's ten years
        what_if = os.path.join(self.dir, 'five-years.yaml')
        with open(what_if, 'w') as f:
            f.write('extends: england-baseline.yaml\n'
                    'name: five-years\nhorizon_years: 5\n')
        out = os.path.join(self.dir, 'five.h5')
        r = run('run', what_if, '--deterministic', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            self.assertEqual(f['scenarios/five-years/stocks'].shape[1], 60)


if __name__ == '__main__':
    CASCADE, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1] + sys.argv[3:], verbosity=2)
