#!/usr/bin/python3
"""End-to-end tests of the policy questions of issue 15: value of
information in `cascade compare --wtp`, `cascade goal-seek` and `cascade
grid`. Each figure the program prints or stores is recomputed here from the
raw datasets of the file (stocks, spend, deflator), or checked against a run
of the answer it gives.

usage: test_policy.py CASCADE_BINARY SCENARIOS_DIR [unittest args]
"""
import csv
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

CASCADE = None
SCENARIOS = None

# A what-if that costs more (CP plans 60% dearer) and takes fewer children
# from CP plans into care by an uncertain amount: its worth depends on the
# willingness to pay and on the draw, so its EVPI is not 0 near break-even.
COSTLY = """\
extends: {base}
name: costly-care-cut
levers:
  fewer_care_entries:
    from: 2020-04
    rate:
      transition: cp_to_looked_after
      multiply: {{dist: beta, mean: 0.85, sd: 0.1}}
  dearer_plans:
    from: 2020-04
    unit_cost: {{stage: cp, multiply: 1.6}}
"""


def run(*args, cwd=None):
    return subprocess.run([CASCADE, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def shipped(name):
    return os.path.join(SCENARIOS, name + '.yaml')


def names(ds):
    return [x.decode() if isinstance(x, bytes) else x for x in ds[:]]


def recompute(f, name, rate):
    """Discounted child-years looked after and discounted constant-price
    spend, per run done, from the raw datasets."""
    g = f['scenarios/' + name]
    done = g['run_done'][:] == 1
    category = names(f['dims/stage_category'])
    care = [i for i, c in enumerate(category) if c == 'looked_after']
    months = g['stocks'].shape[1]
    fy = np.arange(months) // 12            # base date April: whole years
    discount = (1 + rate) ** -fy
    stocks = g['stocks'][:][done]           # [run, month, stage, age]
    years = (stocks[:, :, care, :].sum(axis=(2, 3)) / 12 * discount).sum(1)
    real = g['spend'][:][done].sum(axis=2) / g['deflator'][:]
    cost = (real * discount).sum(axis=1)
    return years, cost, g['run'][:][done]


def evpi(nmb):
    """E[max] - max E over runs [run, option], and P(best)."""
    best = nmb.mean(axis=0).argmax()
    d = nmb.max(axis=1) - nmb[:, best]
    top = nmb == nmb.max(axis=1, keepdims=True)
    p = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
    return d.mean(), d.std(ddof=1) / np.sqrt(len(d)), p, best


class Workdir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)


class ValueOfInformation(Workdir):
    """compare --wtp: NMB, P(best), EVPI and the acceptability curve, each
    recomputed from the file's stocks, spend and deflator."""

    @classmethod
    def setUpClass(cls):
        cls.tmp_class = tempfile.TemporaryDirectory()
        d = cls.tmp_class.name
        costly = os.path.join(d, 'costly-care-cut.yaml')
        with open(costly, 'w') as f:
            f.write(COSTLY.format(base=shipped('england-baseline')))
        cls.out = os.path.join(d, 'voi.h5')
        r = run('run', shipped('england-baseline'),
                shipped('family-safeguarding'), costly, '-n', '30',
                '--seed', '11', '-q', '-o', cls.out)
        assert r.returncode == 0, r.stderr
        with h5py.File(cls.out) as f:
            cls.raw = {n: recompute(f, n, 0.035)
                       for n in ('england-baseline', 'family-safeguarding',
                                 'costly-care-cut')}

    @classmethod
    def tearDownClass(cls):
        cls.tmp_class.cleanup()

    def compare(self, alt, *extra):
        r = run('compare', self.out, '--base', 'england-baseline', '--alt',
                alt, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def nmb(self, wtp, options):
        base_years, base_cost, _ = self.raw['england-baseline']
        cols = []
        for o in options:
            years, cost, _ = self.raw[o]
            cols.append(wtp * (base_years - years) - (cost - base_cost))
        return np.stack(cols, axis=1)

    def test_shipped_family_safeguarding_dominates(self):
        # saves money and care in every run: P(best) 1, EVPI exactly 0
        out = self.compare('family-safeguarding', '--wtp', '50000')
        self.assertIn('expected value of perfect information (EVPI): £0 ',
                      out)
        with h5py.File(self.out) as f:
            g = f['compare/family-safeguarding_vs_england-baseline/voi']
            self.assertEqual(g.attrs['evpi'], 0)
            self.assertEqual(g.attrs['best'], 'family-safeguarding')
            np.testing.assert_array_equal(g['probability_best'][:], [0, 1])
            want = self.nmb(50000, ['england-baseline',
                                    'family-safeguarding'])
            np.testing.assert_allclose(g['nmb'][:], want, rtol=1e-9,
                                       atol=1e-3)
            self.assertTrue(np.all(want[:, 1] > 0))
            years, cost, runs = self.raw['family-safeguarding']
            np.testing.assert_allclose(g['child_years_looked_after'][:, 1],
                                       years, rtol=1e-12)
            np.testing.assert_allclose(g['cost'][:, 1], cost, rtol=1e-12)
            np.testing.assert_array_equal(g['run'][:], runs)
            self.assertEqual(g.attrs['wtp_gbp'], 50000)

    def test_evpi_near_break_even_matches_recomputation(self):
        # the willingness to pay at which the costly cut breaks even on
        # average: there the choice is uncertain and information has value
        base_years, base_cost, _ = self.raw['england-baseline']
        years, cost, _ = self.raw['costly-care-cut']
        avoided, extra = base_years - years, cost - base_cost
        self.assertGreater(np.std(avoided), 0)  # the lever was drawn
        wtp = round(extra.mean() / avoided.mean())
        self.assertGreater(wtp, 0)
        csv_path = self.path('voi.csv')
        out = self.compare('costly-care-cut', '--wtp', str(wtp),
                           '--voi-options', 'all', '--wtp-grid',
                           '0:%d:%d' % (4 * wtp, wtp // 2), '--voi-csv',
                           csv_path)
        options = ['england-baseline', 'family-safeguarding',
                   'costly-care-cut']
        # the three options in file order after the base; the table shows
        # each, and the EVPI with its standard error
        for o in options:
            self.assertIn('  ' + o + ' ', out)
        with h5py.File(self.out) as f:
            g = f['compare/costly-care-cut_vs_england-baseline/voi']
            self.assertEqual(names(g['option']), options)
            # EVPI among the base and the cut alone: the options of the
            # question near break-even
            want = self.nmb(wtp, options)
            np.testing.assert_allclose(g['nmb'][:], want, rtol=1e-9,
                                       atol=1e-3)
            e, se, p, best = evpi(want)
            self.assertAlmostEqual(g.attrs['evpi'], e, delta=1e-6 * abs(e)
                                   + 1e-3)
            self.assertAlmostEqual(g.attrs['evpi_se'], se,
                                   delta=1e-6 * se + 1e-3)
            np.testing.assert_allclose(g['probability_best'][:], p,
                                       atol=1e-12)
            self.assertEqual(g.attrs['best'], options[best])
            # the acceptability curve: recomputed at every point, and for
            # a cut that avoids care in every run, its P(best) against the
            # base alone cannot fall as the willingness to pay rises
            grid = g['wtp'][:]
            np.testing.assert_array_equal(grid,
                                          np.arange(0, 4 * wtp + 1,
                                                    wtp // 2))
            for i, w in enumerate(grid):
                e_w, se_w, p_w, _ = evpi(self.nmb(w, options))
                np.testing.assert_allclose(g['ceac'][i], p_w, atol=1e-12)
                self.assertAlmostEqual(g['evpi_by_wtp'][i], e_w,
                                       delta=1e-6 * abs(e_w) + 1e-3)
        self.assertTrue(np.all(avoided > 0))
        two = self.path('two.csv')
        self.compare('costly-care-cut', '--wtp', str(wtp), '--wtp-grid',
                     '0:%d:%d' % (4 * wtp, wtp // 2), '--voi-csv', two,
                     '--no-write')
        with open(two) as f:
            rows = list(csv.DictReader(f))
        curve = [float(r['value']) for r in rows
                 if r['measure'] == 'ceac_probability_best'
                 and r['option'] == 'costly-care-cut']
        self.assertEqual(len(curve), 9)
        self.assertTrue(all(b >= a for a, b in zip(curve, curve[1:])), curve)
        # with care-years worth nothing the cut is best where it saves money
        self.assertAlmostEqual(curve[0], np.mean(extra < 0), places=12)
        # the two-option EVPI at break-even is positive and matches
        e2, se2, _, _ = evpi(self.nmb(wtp, options[::2]))
        self.assertGreater(e2, 0)
        row = [r for r in rows if r['measure'] == 'evpi'][0]
        self.assertAlmostEqual(float(row['value']), e2,
                               delta=1e-6 * e2 + 1e-3)
        self.assertAlmostEqual(float(row['standard_error']), se2,
                               delta=1e-4 * se2 + 1e-3)
        self.assertEqual(row['runs'], '30')

    def test_bad_value_of_information_options(self):
        for args, text in (
                (['--wtp', 'lots'], '--wtp: expected pounds'),
                (['--wtp', '-5'], '--wtp: expected pounds'),
                (['--wtp-grid', '0:10:1'], 'need --wtp'),
                (['--wtp', '1', '--wtp-grid', '0:10:0'], 'FROM:TO:STEP'),
                (['--wtp', '1', '--wtp-grid', '0:1e9:1'], 'at most 1001'),
                (['--wtp', '1', '--voi-options', 'nosuch'], "no scenario "
                 "'nosuch'"),
                (['--wtp', '1', '--voi-options', 'england-baseline'],
                 'the base')):
            r = run('compare', self.out, '--base', 'england-baseline',
                    '--alt', 'family-safeguarding', '--no-write', *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(text, r.stderr, args)


if __name__ == '__main__':
    CASCADE = os.path.abspath(sys.argv[1])
    SCENARIOS = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
