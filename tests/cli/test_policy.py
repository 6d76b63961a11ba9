#!/usr/bin/python3
"""End-to-end tests of the policy questions of issue 15: value of
information in `cascade compare --wtp`, `cascade goal-seek` and `cascade
grid`. Each figure the program prints or stores is recomputed here from the
raw datasets of the file (stocks, spend, deflator), or checked against a run
of the answer it gives.

usage: test_policy.py CASCADE_BINARY SCENARIOS_DIR [unittest args]
"""
import csv
import hashlib
import os
import shutil
import signal
import time
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

    def test_runs_without_parameter_draws_say_so(self):
        out = self.path('det.h5')
        r = run('run', shipped('england-baseline'),
                shipped('troubled-families-withdrawal'), '--deterministic',
                '-q', '-o', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run('compare', out, '--wtp', '30000', '--no-write')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('NOTE: the runs did not draw their parameters',
                      r.stdout)
        self.assertIn('(EVPI): £0 (Monte Carlo standard error n/a)',
                      r.stdout)
        self.assertNotIn('each run is one draw', r.stdout)
        out = self.compare('family-safeguarding', '--wtp', '1',
                           '--no-write')
        self.assertIn('each run is one draw of the uncertain parameters',
                      out)
        self.assertNotIn('NOTE', out)

    def test_two_files_give_the_one_file_figures(self):
        costly = os.path.join(self.tmp_class.name, 'costly-care-cut.yaml')
        for name, args in (('b.h5', [shipped('england-baseline')]),
                           ('a.h5', [costly]),
                           ('ab.h5', [shipped('england-baseline'), costly])):
            r = run('run', *args, '-n', '6', '--seed', '4', '-q', '-o',
                    self.path(name))
            self.assertEqual(r.returncode, 0, r.stderr)
        rows = []
        for files in ([self.path('b.h5'), self.path('a.h5')],
                      [self.path('ab.h5'), '--no-write']):
            csv_path = self.path('v%d.csv' % len(rows))
            r = run('compare', *files, '--wtp', '2000', '--wtp-grid',
                    '0:4000:2000', '--voi-csv', csv_path)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(csv_path) as f:
                rows.append(f.read())
        self.assertEqual(rows[0], rows[1])
        self.assertIn(',evpi,2000,', rows[0])

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


def march(f, name, year, category='looked_after'):
    """Children counted in a DfE category at 31 March of year, per run."""
    g = f['scenarios/' + name]
    months = names(g['month'])
    t = months.index('%d-03' % year)
    cats = names(f['dims/stage_category'])
    idx = [i for i, c in enumerate(cats) if c == category]
    return g['stocks'][:, t][:, idx, :].sum(axis=(1, 2))


# levers at the values family-safeguarding gives them, on top of the
# baseline with uncertain parameters (for the grid's common random numbers)
LEVERED = """\
extends: {base}
name: levered
levers:
  fewer_cp_plans:
    from: 2020-04
    rate: {{transition: assessment_to_cp, multiply: 0.7}}
  fewer_care_entries_from_cp:
    from: 2020-04
    rate: {{transition: cp_to_looked_after, multiply: 0.61}}
"""


class GoalSeek(Workdir):
    """goal-seek: the value found, run again as a scenario of its own,
    gives the target."""

    FS = None

    def seek(self, *args, out='gs.h5'):
        return run('goal-seek', shipped('family-safeguarding'), '-o',
                   self.path(out), *args)

    def test_value_found_gives_the_target_when_run(self):
        r = self.seek('--lever', 'fewer_care_entries_from_cp', '--outcome',
                      'looked_after', '--year', '2029', '--target', '75000')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('levers.fewer_care_entries_from_cp.rate.multiply',
                      r.stdout)
        with h5py.File(self.path('gs.h5')) as f:
            g = f['goal_seek']
            value = g.attrs['value']
            self.assertEqual(g.attrs['target'], 75000)
            self.assertEqual(g.attrs['lever'],
                             'levers.fewer_care_entries_from_cp.rate.multiply')
            self.assertEqual(g.attrs['within_tolerance'], 1)
            self.assertEqual(g.attrs['evaluations'],
                             g['lever_value'].shape[0])
            self.assertEqual(g.attrs['evaluations'],
                             g.attrs['iterations'] + 2)
            self.assertLessEqual(abs(g.attrs['achieved'] - 75000), 0.01)
            # the file holds the scenario at the value, in expected values
            stored = march(f, 'family-safeguarding-goal-seek', 2029)
            self.assertEqual(stored.shape, (1,))
            self.assertAlmostEqual(stored[0], g.attrs['achieved'], places=6)
            self.assertIn('multiply: 1.0', f['scenarios/family-safeguarding-'
                          'goal-seek'].attrs['scenario_yaml'])
        self.assertGreater(value, 0.61)  # more care than the scenario's
        # independently: a what-if written by hand with that value
        whatif = self.path('at-value.yaml')
        with open(whatif, 'w') as f:
            f.write('extends: %s\nname: at-value\n'
                    'levers.fewer_care_entries_from_cp.rate.multiply: %r\n'
                    % (shipped('family-safeguarding'), value))
        r = run('run', whatif, '--deterministic', '-q', '-o',
                self.path('check.h5'))
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.path('check.h5')) as f:
            got = march(f, 'at-value', 2029)[0]
        self.assertLessEqual(abs(got - 75000), 0.01, got)

    def test_mean_of_runs_with_common_random_numbers(self):
        # CP plans at 31 March 2027 by fewer_cp_plans, as the mean of 4
        # runs: the runs in the file at the value found average to the
        # outcome the search achieved (same seed, same run keys)
        r = self.seek('--lever', 'fewer_cp_plans.multiply', '--outcome', 'cp',
                      '--year', '2027', '--target', '45000', '-n', '4',
                      '--seed', '9', '--tolerance', '0')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('the mean of 4 runs (seed 9', r.stdout)
        with h5py.File(self.path('gs.h5')) as f:
            g = f['goal_seek']
            stored = march(f, 'family-safeguarding-goal-seek', 2027, 'cp')
            self.assertEqual(stored.shape, (4,))
            self.assertAlmostEqual(stored.mean(), g.attrs['achieved'],
                                   places=6)
            # a step of the mean is a quarter of a child at most... of
            # each run; the bracket closed within 1e-9 of the range
            self.assertLess(abs(g.attrs['achieved'] - 45000), 200)
            tried = g['lever_value'][:]
            outcome = g['outcome'][:]
            # CP plans rise with the lever: outcomes ordered as the values
            order = np.argsort(tried)
            self.assertTrue(np.all(np.diff(outcome[order]) >= 0))

    def test_outcome_as_a_dfe_count(self):
        # dfe:looked_after is the looked_after group in the shipped
        # structure: the same answer; dfe:cin, the CIN census count, sums
        # the cin, cp and looked-after stages
        values = {}
        for outcome in ('looked_after', 'dfe:looked_after', 'dfe:cin'):
            out = 'gs-%s.h5' % outcome.replace(':', '-')
            target = '380000' if outcome == 'dfe:cin' else '75000'
            r = self.seek('--lever', 'fewer_care_entries_from_cp',
                          '--outcome', outcome, '--year', '2029', '--target',
                          target, out=out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(self.path(out)) as f:
                values[outcome] = f['goal_seek'].attrs['value']
                if outcome == 'dfe:cin':
                    name = 'family-safeguarding-goal-seek'
                    census = march(f, name, 2029, 'cin') + march(
                        f, name, 2029, 'cp') + march(f, name, 2029)
                    self.assertLessEqual(abs(census[0] - 380000), 0.01)
        self.assertEqual(values['looked_after'], values['dfe:looked_after'])

    def test_unbracketed_target_and_bad_arguments(self):
        cases = [
            (['--lever', 'fewer_care_entries_from_cp', '--outcome',
              'looked_after', '--year', '2029', '--target', '45000'],
             'the target 45000 is not bracketed: the outcome is'),
            (['--lever', 'fewer_care_entries_from_cp', '--outcome',
              'looked_after', '--year', '2029', '--target', '75000', '--lo',
              '1.5', '--hi', '2'], 'both above it'),
            (['--lever', 'nosuch', '--outcome', 'cp', '--year', '2029',
              '--target', '1'], "expected one of the levers of scenario "
             "'family-safeguarding' (fewer_cp_plans, "),
            (['--lever', 'fewer_cp_plans.places', '--outcome', 'cp',
              '--year', '2029', '--target', '1'], 'multiply or add, for a '
             'rate lever'),
            (['--lever', 'fewer_cp_plans.add', '--outcome', 'cp', '--year',
              '2029', '--target', '1'], 'give --lo and --hi'),
            (['--lever', 'fewer_cp_plans', '--outcome', 'court', '--year',
              '2029', '--target', '1'], "expected a stage of "
             "'family-safeguarding'"),
            (['--lever', 'fewer_cp_plans', '--outcome', 'cp', '--year',
              '2035', '--target', '1'], 'within the horizon'),
            (['--lever', 'fewer_cp_plans', '--outcome', 'cp', '--year',
              '2029'], 'expected --target N'),
            (['--lever', 'fewer_cp_plans', '--outcome', 'cp', '--year',
              '2029', '--target', '1', '--lo', '2', '--hi', '1'],
             'expected --lo below --hi'),
            (['--lever', 'fewer_cp_plans', '--outcome', 'cp', '--year',
              '2029', '--target', '40000', '--lo', '-1', '--hi', '1'],
             'levers.fewer_cp_plans.rate.multiply'),
        ]
        for args, text in cases:
            r = self.seek(*args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertIn(text, r.stderr, args)
            self.assertFalse(os.path.exists(self.path('gs.h5')), args)


class Grid(Workdir):
    """grid: 3 x 3 combinations in one batch."""

    BRANCHES = """\
scenario: {scenario}
branches:
  fewer_cp_plans: [0.5, 0.7, 0.9]
  fewer_care_entries_from_cp.multiply: [0.4, 0.61, 0.8]
"""

    def branches(self, scenario, name='grid.yaml'):
        path = self.path(name)
        with open(path, 'w') as f:
            f.write(self.BRANCHES.format(scenario=scenario))
        return path

    def test_deterministic_grid_moves_the_way_the_levers_say(self):
        r = run('grid', self.branches(shipped('family-safeguarding')),
                '--deterministic', '-o', self.path('grid.h5'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('9 combinations of 2 levers, in expected values',
                      r.stdout)
        self.assertIn('family-safeguarding-3-2', r.stdout)
        with h5py.File(self.path('grid.h5')) as f:
            combos = names(f['grid/combination'])
            self.assertEqual(combos, ['family-safeguarding-%d-%d' % (i, j)
                                      for i in (1, 2, 3) for j in (1, 2, 3)])
            self.assertEqual(sorted(f['scenarios'].keys()), combos)
            self.assertEqual(names(f['grid/branch']), [
                'levers.fewer_cp_plans.rate.multiply',
                'levers.fewer_care_entries_from_cp.rate.multiply'])
            values = f['grid/value'][:]
            np.testing.assert_array_equal(values[:, 0], np.repeat(
                [0.5, 0.7, 0.9], 3))
            np.testing.assert_array_equal(values[:, 1], np.tile(
                [0.4, 0.61, 0.8], 3))
            cp = np.array([march(f, c, 2029, 'cp')[0] for c in combos])
            care = np.array([march(f, c, 2029)[0] for c in combos])
            cp, care = cp.reshape(3, 3), care.reshape(3, 3)
            # more CP plans with fewer_cp_plans; fewer with faster entry
            # into care from them; care rises with both
            self.assertTrue(np.all(np.diff(cp, axis=0) > 0), cp)
            self.assertTrue(np.all(np.diff(cp, axis=1) < 0), cp)
            self.assertTrue(np.all(np.diff(care, axis=0) > 0), care)
            self.assertTrue(np.all(np.diff(care, axis=1) > 0), care)
            median = f['grid/median'][:]
            outcomes = names(f['grid/outcome'])
            np.testing.assert_allclose(
                median[:, outcomes.index('looked_after')], care.ravel())
            # two combinations compare run by run, as siblings of one base:
            # no warning that the base was edited
            r = run('compare', self.path('grid.h5'), '--base',
                    'family-safeguarding-2-2', '--alt',
                    'family-safeguarding-1-1', '--no-write')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, '')
            # the middle combination is the scenario itself
            r = run('run', shipped('family-safeguarding'), '--deterministic',
                    '-q', '-o', self.path('fs.h5'))
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(self.path('fs.h5')) as g:
                np.testing.assert_array_equal(
                    g['scenarios/family-safeguarding/stocks'][:],
                    f['scenarios/family-safeguarding-2-2/stocks'][:])

    def test_common_random_numbers_across_combinations(self):
        levered = self.path('levered.yaml')
        with open(levered, 'w') as f:
            f.write(LEVERED.format(
                base=shipped('england-baseline-uncertain')))
        # the scenario is relative to the branches file
        r = run('grid', self.branches('levered.yaml'), '-n', '4', '--seed',
                '5', '-q', '-o', self.path('grid.h5'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, '')
        r = run('run', levered, '-n', '4', '--seed', '5', '-q', '-o',
                self.path('one.h5'))
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.path('grid.h5')) as f, \
                h5py.File(self.path('one.h5')) as g:
            combos = names(f['grid/combination'])
            params = [f['scenarios/%s/params' % c][:] for c in combos]
            # run r draws the same parameters in every combination, and
            # the runs differ from each other
            for p in params[1:]:
                np.testing.assert_array_equal(p, params[0])
            self.assertTrue(np.all(np.std(params[0], axis=0) > 0))
            # the combination at the file's own values is the scenario,
            # run for run, bit for bit
            np.testing.assert_array_equal(
                f['scenarios/levered-2-2/stocks'][:],
                g['scenarios/levered/stocks'][:])
            # paired differences are sharp: with the same draws, more CP
            # plans in every run where the lever is higher
            cp = np.array([march(f, c, 2029, 'cp') for c in combos])
            self.assertTrue(np.all(cp[6] > cp[0]), cp)

    def test_bad_branches_files(self):
        fs = shipped('family-safeguarding')
        cases = [
            ('[1, 2]\n', 'grid.yaml:1:1: expected a branches file'),
            ('scenario: %s\nbranch: {}\n' % fs,
             "grid.yaml:2:1: expected scenario or branches"),
            ('scenario: %s\nbranches:\n  fewer_cp_plans: [0.5, lots]\n' % fs,
             'grid.yaml:3:25: expected a number, found lots'),
            ('scenario: %s\nbranches:\n  fewer_cp_plans: 0.5\n' % fs,
             'grid.yaml:3:19: expected a list'),
            ('scenario: %s\nbranches:\n  nosuch: [1, 2]\n' % fs,
             "grid.yaml:3:3: branches: expected one of the levers"),
            ('scenario: %s\nbranches:\n  fewer_cp_plans: [0.5, 0.5]\n' % fs,
             'expected each value once'),
            ('scenario: %s\nbranches:\n  fewer_cp_plans: [1, 2, 3, 4, 5]\n'
             '  fewer_cin_cases: [1, 2, 3, 4]\n' % fs,
             'grid.yaml:4:3: branches: expected at most 16 combinations'),
            ('branches:\n  fewer_cp_plans: [1, 2]\n', 'names no scenario'),
            ('scenario: %s\nbranches:\n  fewer_cp_plans: [0.5, -1]\n' % fs,
             'levers.fewer_cp_plans.rate.multiply'),
            ('scenario: %s\nbranches: {fewer_cp_plans: [1, 2]\n' % fs,
             'grid.yaml:'),
        ]
        for text, message in cases:
            path = self.path('grid.yaml')
            with open(path, 'w') as f:
                f.write(text)
            r = run('grid', path, '--deterministic', '-o',
                    self.path('grid.h5'))
            self.assertEqual(r.returncode, 2, (text, r.stdout, r.stderr))
            self.assertIn(message, r.stderr, text)
            self.assertFalse(os.path.exists(self.path('grid.h5')), text)


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class Outputs(Workdir):
    """A failed goal-seek or grid leaves an earlier output as it was, and
    neither writes over its inputs."""

    def test_failures_keep_earlier_outputs(self):
        # a copy beside no base: extends the shipped england-baseline.yaml
        fs = self.path('fs.yaml')
        shutil.copy(shipped('family-safeguarding'), fs)
        out = self.path('out.h5')
        seek = ['goal-seek', fs, '--lever', 'fewer_cp_plans', '--outcome',
                'cp', '--year', '2025', '--target']
        r = run(*seek, '45000', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        before = digest(out)
        r = run(*seek, '1', '-o', out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('not bracketed', r.stderr)
        self.assertEqual(digest(out), before)
        scenario = digest(fs)
        r = run(*seek, '45000', '-o', fs, '--force')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('is the input', r.stderr)
        self.assertEqual(digest(fs), scenario)
        branches = self.path('grid.yaml')
        with open(branches, 'w') as f:
            f.write('scenario: fs.yaml\nbranches:\n  fewer_cp_plans: '
                    '[0.6, 0.8]\n')
        r = run('grid', branches, '--deterministic', '-q', '-o', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = digest(out)
        with open(self.path('bad.yaml'), 'w') as f:
            f.write('scenario: fs.yaml\nbranches:\n  fewer_cp_plans: [x]\n')
        r = run('grid', self.path('bad.yaml'), '-o', out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(digest(out), before)
        text = digest(branches)
        r = run('grid', branches, '--deterministic', '-o', branches,
                '--force')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('is the input', r.stderr)
        self.assertEqual(digest(branches), text)


    def test_scenario_file_changed_during_a_search(self):
        # each value tried re-reads the file; one edited meanwhile is
        # refused, not mixed into the search
        fs = self.path('fs.yaml')
        shutil.copy(shipped('family-safeguarding'), fs)
        p = subprocess.Popen([CASCADE, 'goal-seek', fs, '--lever',
                              'fewer_cp_plans', '--outcome', 'cp', '--year',
                              '2025', '--target', '45000', '-n', '60', '-o',
                              self.path('out.h5')],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        time.sleep(1)  # loaded, and computing the first end's 60 runs
        with open(fs, 'a') as f:
            f.write('transitions.referral.rate: 0.05\n')
        _, err = p.communicate(timeout=300)
        self.assertEqual(p.returncode, 2, err)
        self.assertIn('changed while it was being run', err)
        self.assertFalse(os.path.exists(self.path('out.h5')))

    def test_interrupted_grid_leaves_no_temporary(self):
        branches = self.path('grid.yaml')
        with open(branches, 'w') as f:
            f.write('scenario: %s\nbranches:\n  fewer_cp_plans: [0.6, 0.8]\n'
                    % shipped('family-safeguarding'))
        out = self.path('out.h5')
        with open(out, 'wb') as f:
            f.write(b'an earlier file')   # not a cascade output: kept
        p = subprocess.Popen([CASCADE, 'grid', branches, '-n', '100000',
                              '-o', out, '--force', '-q'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        # wait for the batch to start writing its temporary
        deadline = time.time() + 60
        while time.time() < deadline and not [
                n for n in os.listdir(self.dir) if '.tmp-' in n]:
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 130, err)
        self.assertEqual([n for n in os.listdir(self.dir) if '.tmp-' in n],
                         [])
        with open(out, 'rb') as f:
            self.assertEqual(f.read(), b'an earlier file')


if __name__ == '__main__':
    CASCADE = os.path.abspath(sys.argv[1])
    SCENARIOS = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
