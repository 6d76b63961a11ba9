#!/usr/bin/python3
"""End-to-end tests of the `cascade` program: exit statuses, bad input that
never creates or damages an output file, the HDF5 layout it writes, and the
England baseline's calibration against its 2018/19 targets.

usage: test_cli.py CASCADE_BINARY TEST_DATA_DIR [unittest args]
"""
import glob
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import unittest
import csv as csvlib

import h5py
import numpy as np

CASCADE = None
DATA = None

# HM Treasury's declining long-term discount rate as the file records it
GREEN_BOOK_TEXT = '0:0.035 31:0.03 76:0.025 126:0.02 201:0.015 301:0.01'

SMALL = """\
name: small
base_date: 2019-04
horizon_months: 26
seed: 5
marks:
  known: {label: known before}
economics: {price_base: 2019/20, general_inflation: 0.02}
stages:
  universal: {intervention: none}
  cin: {intervention: late, unit_cost: {per_year: 5000}}
  looked_after:
    intervention: late
    placements:
      foster: {entry_share: 0.7, unit_cost: {per_week: 700, inflation: 0.03}}
      residential:
        entry_share: 0.3
        unit_cost: {per_year: 250000, inflation: 0.052}
population:
  total: 18000
  remainder: universal
  stages:
    cin: {count: 900}
    looked_after:
      count: 180
      placements: {foster: 120, residential: 60}
births:
  per_year: 1000
transitions:
  referral: {from: universal, to: cin, rate: 0.05}
  closed: {from: cin, to: universal, rate: 1.5, sets: [known]}
  into_care: {from: cin, to: looked_after, rate: 0.08}
  home: {from: looked_after, to: universal, rate: 0.4, sets: [known]}
"""


def run(*args, cwd=None):
    return subprocess.run([CASCADE, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class Workdir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.small = os.path.join(self.dir, 'small.yaml')
        with open(self.small, 'w') as f:
            f.write(SMALL)

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def leftovers(self):
        return glob.glob(os.path.join(self.dir, '*.tmp-*'))


class ProgramBasics(Workdir):
    def test_help_and_version_exit_zero(self):
        for args in (['--help'], ['--version'], ['run', '--help'],
                     ['validate', '--help']):
            r = run(*args)
            self.assertEqual(r.returncode, 0, f'{args}: {r.stderr}')
            self.assertTrue(r.stdout.strip(), f'{args} printed nothing')
        self.assertRegex(run('--version').stdout, r'^cascade \d+\.\d+\.\d+')

    def test_unknown_command_and_bad_flags_exit_two(self):
        for args in (['frobnicate'], ['run', '-n', '0'], ['run', '-n', 'x'],
                     ['run', '--seed', '-3'], ['run', '--no-such-flag'],
                     ['run', '--threads', '0'], []):
            r = run(*args, cwd=self.dir)
            self.assertEqual(r.returncode, 2, f'{args}: {r.stderr}')
        self.assertEqual(os.listdir(self.dir), ['small.yaml'])

    def test_validate_good_file(self):
        r = run('validate', self.small)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("scenario 'small'", r.stdout)

    def test_default_run_works_from_any_directory(self):
        r = run('run', '-n', '2', '-q', cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(self.path('england-baseline.h5')))
        self.assertEqual(self.leftovers(), [])


class BadInput(Workdir):
    """Every malformed scenario: exit 2, a file:line:column message, and no
    output file created or damaged."""

    def bad_files(self):
        files = sorted(glob.glob(os.path.join(DATA, 'bad', '*.yaml')))
        self.assertGreaterEqual(len(files), 15, 'expected >= 15 bad files')
        return files

    def test_each_bad_file_exits_two_and_writes_nothing(self):
        out = self.path('out.h5')
        for bad in self.bad_files():
            with self.subTest(bad=os.path.basename(bad)):
                r = run('run', bad, '-o', out, '-n', '2')
                self.assertEqual(r.returncode, 2, r.stderr)
                first = r.stderr.strip().splitlines()[0]
                self.assertRegex(first, r'\.ya?ml:\d+:\d+: .+',
                                 'message lacks file:line:column')
                self.assertFalse(os.path.exists(out))
                self.assertEqual(self.leftovers(), [])
                v = run('validate', bad)
                self.assertEqual(v.returncode, 2)
                self.assertEqual(v.stderr.strip().splitlines()[0], first)

    def test_missing_file(self):
        r = run('run', self.path('nope.yaml'), '-o', self.path('out.h5'))
        self.assertEqual(r.returncode, 2)
        self.assertIn('nope.yaml', r.stderr)
        self.assertFalse(os.path.exists(self.path('out.h5')))

    def test_failed_run_leaves_earlier_output_untouched(self):
        out = self.path('out.h5')
        r = run('run', self.small, '-o', out, '-n', '3', '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        before = digest(out)
        for bad in self.bad_files()[:5]:
            run('run', bad, '-o', out)
            self.assertEqual(digest(out), before)
        self.assertEqual(self.leftovers(), [])

    def test_foreign_file_needs_force(self):
        out = self.path('notes.h5')
        with open(out, 'w') as f:
            f.write('not an HDF5 file: my notes\n')
        before = digest(out)
        r = run('run', self.small, '-o', out, '-q')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('--force', r.stderr)
        self.assertEqual(digest(out), before)
        r = run('run', self.small, '-o', out, '-q', '--force')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(digest(out), before)

    def test_signal_leaves_a_valid_file_of_finished_runs(self):
        import signal
        import time
        for sig in (signal.SIGINT, signal.SIGTERM):
            out = self.path(f'stopped-{int(sig)}.h5')
            p = subprocess.Popen([CASCADE, 'run', self.small, '-n', '200000',
                                  '-o', out, '-q', '--threads', '2'],
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(1.5)
            p.send_signal(sig)
            _, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 128 + int(sig), err)
            self.assertIn('holds the runs that finished', err)
            # an incomplete batch is saved beside the target, never as it
            self.assertFalse(os.path.exists(out))
            self.assertIn(out + '.partial', err)
            with h5py.File(out + '.partial') as f:
                g = f['scenarios/small']
                done = g['run_done'][:]
                n = int(done.sum())
                self.assertGreater(n, 0)
                self.assertLess(n, 200000)
                # finished runs come first and are complete; the rest NaN
                self.assertTrue(np.all(done[:n] == 1) and np.all(done[n:] == 0))
                self.assertFalse(np.isnan(g['stocks'][n - 1]).any())
                self.assertTrue(np.isnan(g['stocks'][n]).all())
                np.testing.assert_allclose(
                    g['summary/mean'][:],
                    g['stocks'][:n].mean(axis=0), rtol=1e-12)
            self.assertEqual(self.leftovers(), [])

    def test_run_warns_when_a_what_if_extends_another_base(self):
        # issue 10: run beside an edited baseline, a what-if extending
        # england-baseline.yaml took the built-in copy without a word
        shipped = os.path.join(os.path.dirname(DATA), '..', 'scenarios',
                               'england-baseline.yaml')
        os.mkdir(self.path('edited'))
        edited = self.path('edited/england-baseline.yaml')
        with open(shipped) as f:
            text = f.read()
        with open(edited, 'w') as f:
            f.write(text.replace('(cascade fit).', '(cascade fit, edited).'))
        cut = self.path('cut.yaml')
        with open(cut, 'w') as f:
            f.write('extends: england-baseline.yaml\nname: cut\n')
        r = run('run', edited, cut, '-n', '1', '-o', self.path('w.h5'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: 'cut' extends <builtin>/england-baseline.yaml,"
                      " not the england-baseline.yaml run beside it",
                      r.stderr)
        # beside the shipped text itself: nothing to say
        r = run('run', shipped, cut, '-n', '1', '-o', self.path('v.h5'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('warning', r.stderr)

    def test_output_that_is_a_scenario_file_is_refused(self):
        # run -o over its own scenario (or through a link to it) would
        # replace the scenario with HDF5, even with --force
        before = digest(self.small)
        link = self.path('link.yaml')
        os.symlink(self.small, link)
        for target in (self.small, link):
            r = run('run', self.small, '-o', target, '--force', '-q')
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn('-o', r.stderr)
            self.assertEqual(digest(self.small), before)
        self.assertEqual(self.leftovers(), [])

    def test_signal_never_replaces_an_earlier_complete_file(self):
        # issue 10: Ctrl-C early in a batch renamed a partial file (even
        # one of 0 runs) over a good file at the same -o path
        import signal
        import time
        out = self.path('good.h5')
        r = run('run', self.small, '-n', '3', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        before = digest(out)
        for delay in (0.05, 1.0):  # before any run, and mid-batch
            p = subprocess.Popen([CASCADE, 'run', self.small, '-n', '200000',
                                  '-o', out, '-q'],
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(delay)
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 130, err)
            self.assertEqual(digest(out), before)
            self.assertIn(out + '.partial', err)
            self.assertIn('--resume', err)
            with h5py.File(out + '.partial') as f:
                self.assertEqual(f['scenarios/small/run_done'].shape,
                                 (200000,))
        self.assertEqual(self.leftovers(), [])

    def test_cascade_output_is_replaced(self):
        out = self.path('out.h5')
        self.assertEqual(run('run', self.small, '-o', out, '-q').returncode, 0)
        r = run('run', self.small, '-o', out, '-q', '--seed', '9')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            self.assertEqual(int(f.attrs['seed']), 9)


class OutputFile(Workdir):
    def write(self, name, *args):
        out = self.path(name)
        r = run('run', self.small, '-o', out, '-q', *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_files_over_4_mib_uncompressed_are_compressed(self):
        # 260 runs of about 20 kB (5 MiB) uncompressed: shuffle + gzip 1 on
        # every per-run dataset and the summaries; 4 runs: no filters
        big, small = self.write('big.h5', '-n', '260'), self.write('s.h5', '-n', '4')
        with h5py.File(big) as f, h5py.File(small) as g:
            for name in ('stocks', 'flows', 'costs', 'spend', 'capacity',
                         'summary/mean', 'summary/quantiles'):
                if name not in f['scenarios/small']:
                    continue
                ds = f['scenarios/small'][name]
                self.assertEqual(ds.compression, 'gzip', name)
                self.assertEqual(ds.compression_opts, 1, name)
                self.assertTrue(ds.shuffle, name)
                self.assertIsNone(g['scenarios/small'][name].compression, name)
            np.testing.assert_array_equal(f['scenarios/small/stocks'][:4],
                                          g['scenarios/small/stocks'][:])

    def test_layout_dims_and_attributes(self):
        out = self.write('a.h5', '-n', '4')
        with h5py.File(out) as f:
            for key in ('cascade_version', 'format_version', 'command_line',
                        'created', 'seed', 'rng', 'scenario_yaml'):
                self.assertIn(key, f.attrs)
            self.assertEqual(int(f.attrs['seed']), 5)
            self.assertIn('name: small', str(f.attrs['scenario_yaml']))
            months = [m.decode() if isinstance(m, bytes) else m
                      for m in f['dims/month'][:]]
            self.assertEqual(months[0], '2019-04')
            self.assertEqual(months[-1], '2021-05')
            stages = [s.decode() if isinstance(s, bytes) else s
                      for s in f['dims/stage'][:]]
            self.assertEqual(stages, ['universal', 'cin',
                                      'looked_after.foster',
                                      'looked_after.residential'])
            self.assertEqual(list(f['dims/age'][:]), list(range(18)))
            g = f['scenarios/small']
            self.assertEqual(g['stocks'].shape, (4, 26, 4, 18))
            self.assertEqual(g['flows'].shape[:2], (4, 26))
            self.assertEqual(g['summary/mean'].shape, (26, 4, 18))
            self.assertEqual(g['summary/quantiles'].shape, (7, 26, 4, 18))
            np.testing.assert_allclose(
                g['summary/quantiles'].attrs['levels'],
                [0.025, 0.05, 0.25, 0.5, 0.75, 0.95, 0.975])
            for name in ('stocks', 'flows'):
                ds = g[name]
                # 4 runs of 20 kB: a small file, written uncompressed
                self.assertIsNone(ds.compression, f'{name} compressed')
                self.assertEqual(ds.chunks[0], 1, f'{name} chunk mixes runs')
                for axis in range(ds.ndim):
                    self.assertGreater(len(ds.dims[axis]), 0,
                                       f'{name} axis {axis} has no scale')
            mean = g['summary/mean'][:]
            np.testing.assert_allclose(mean, g['stocks'][:].mean(axis=0),
                                       rtol=1e-12)

    def test_costs_are_children_times_unit_costs(self):
        out = self.write('k.h5', '-n', '3')
        with h5py.File(out) as f:
            g = f['scenarios/small']
            lines = [x.decode() if isinstance(x, bytes) else x
                     for x in f['dims/cost_line'][:]]
            self.assertEqual(lines, ['cin', 'looked_after.foster',
                                     'looked_after.residential'])
            stages = [x.decode() if isinstance(x, bytes) else x
                      for x in f['dims/stage'][:]]
            unit = g['unit_costs'][:]
            # by hand: price base 2019/20, April 2020 is one year on
            self.assertAlmostEqual(unit[0, 0], 5000 / 12, places=9)
            self.assertAlmostEqual(unit[0, 1], 700 * 365.25 / 7 / 12,
                                   places=9)
            self.assertAlmostEqual(unit[12, 2], 250000 / 12 * 1.052,
                                   places=6)
            self.assertAlmostEqual(g['deflator'][12], 1.02, places=12)
            children = g['stocks'][:].sum(axis=3)      # [run, month, stage]
            idx = [stages.index(x) for x in lines]
            want = children[:, :, idx] * unit[None, :, :]
            np.testing.assert_allclose(g['costs'][:], want, rtol=1e-12)
            np.testing.assert_allclose(g['spend'][:, :, 1],
                                       g['costs'][:].sum(axis=2), rtol=1e-12)
            np.testing.assert_array_equal(g['spend'][:, :, 0], 0)

    def test_bit_identical_for_any_thread_count(self):
        outs = [self.write(f't{n}.h5', '-n', '11', '--threads', str(n))
                for n in (1, 2, 3)]
        files = [h5py.File(o) for o in outs]
        try:
            for name in ('stocks', 'flows', 'costs', 'spend'):
                first = files[0]['scenarios/small'][name][:].tobytes()
                for f in files[1:]:
                    self.assertEqual(f['scenarios/small'][name][:].tobytes(),
                                     first, name)
        finally:
            for f in files:
                f.close()

    def test_conservation_in_the_file(self):
        out = self.write('c.h5', '-n', '3')
        with h5py.File(out) as f:
            g = f['scenarios/small']
            stocks = g['stocks'][:].sum(axis=(2, 3))
            flows = g['flows'][:]
            labels = [t.decode() if isinstance(t, bytes) else t
                      for t in f['dims/transition'][:]]
            births = flows[:, :, labels.index('births')]
            out_idx = [i for i, t in enumerate(labels)
                       if t.startswith('age_out.')]
            left = flows[:, :, out_idx].sum(axis=2)
            np.testing.assert_array_equal(stocks[:, 1:],
                                          stocks[:, :-1] + births[:, 1:]
                                          - left[:, 1:])

    def test_same_seed_bit_identical_other_seed_differs(self):
        a = self.write('a.h5', '-n', '3')
        b = self.write('b.h5', '-n', '3')
        c = self.write('c.h5', '-n', '3', '--seed', '6')
        with h5py.File(a) as fa, h5py.File(b) as fb, h5py.File(c) as fc:
            for name in ('stocks', 'flows'):
                x = fa['scenarios/small'][name][:]
                y = fb['scenarios/small'][name][:]
                self.assertEqual(x.tobytes(), y.tobytes(), name)
                self.assertFalse(np.array_equal(
                    x, fc['scenarios/small'][name][:]))
            runs = fa['scenarios/small/stocks'][:]
            self.assertFalse(np.array_equal(runs[0], runs[1]))


def write_uncertain(test):
    """small.yaml with an uncertain referral rate and CIN cost, as test.unc"""
    text = SMALL.replace('name: small', 'name: small-unc').replace(
        'referral: {from: universal, to: cin, rate: 0.05}',
        'referral: {from: universal, to: cin, rate: '
        '{dist: gamma, mean: 0.05, sd: 0.01}}').replace(
        'cin: {intervention: late, unit_cost: {per_year: 5000}}',
        'cin: {intervention: late, unit_cost: {per_year: '
        '{dist: triangular, min: 4000, mode: 5000, max: 7000}}}')
    test.unc = test.path('small-unc.yaml')
    with open(test.unc, 'w') as f:
        f.write(text)


class ParameterUncertainty(Workdir):
    """Uncertain parameters: drawn per run, stored in params, switchable."""

    def setUp(self):
        super().setUp()
        write_uncertain(self)

    def test_params_are_stored_and_used(self):
        out = self.path('u.h5')
        r = run('run', self.unc, '-n', '30', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            g = f['scenarios/small-unc']
            names = [x.decode() if isinstance(x, bytes) else x
                     for x in g['parameter'][:]]
            self.assertEqual(names, ['stages.cin.unit_cost.per_year',
                                     'transitions.referral.rate'])
            params = g['params'][:]
            self.assertEqual(params.shape, (30, 2))
            self.assertEqual(len(np.unique(params[:, 1])), 30)
            # the run's cost of a CIN child-month is its drawn yearly cost
            # / 12 (2019/20, price base): costs / children
            cin = g['stocks'][:, 0, 1, :].sum(axis=1)
            np.testing.assert_allclose(g['costs'][:, 0, 0] / cin,
                                       params[:, 0] / 12, rtol=1e-12)

    def test_both_sources_off_every_run_is_the_deterministic_path(self):
        off = self.path('off.h5')
        det = self.path('det.h5')
        r = run('run', self.unc, '-n', '4', '-o', off, '-q',
                '--no-parameter-uncertainty', '--no-process-noise')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run('run', self.unc, '--deterministic', '-o', det, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(off) as a, h5py.File(det) as d:
            path = 'scenarios/small-unc/stocks'
            for i in range(4):
                self.assertEqual(a[path][i].tobytes(), d[path][0].tobytes())
            np.testing.assert_allclose(a['scenarios/small-unc/params'][:, 1],
                                       0.05)

    def test_parameters_alone_vary_without_process_noise(self):
        out = self.path('p.h5')
        r = run('run', self.unc, '-n', '5', '-o', out, '-q',
                '--no-process-noise')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            stocks = f['scenarios/small-unc/stocks'][:]
        self.assertFalse(np.array_equal(stocks[0], stocks[1]))
        # expected values: fractional children, not whole ones
        self.assertTrue(np.any(stocks != np.floor(stocks)))


class Sensitivity(ParameterUncertainty):
    """cascade sensitivity: PRCC over the runs and a one-way tornado."""

    def test_ranks_the_parameter_that_matters(self):
        out = self.path('s.h5')
        r = run('run', self.unc, '-n', '120', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run('sensitivity', out, '--outcome', 'stock:cin:2021',
                '--tornado', self.unc)
        self.assertEqual(r.returncode, 0, r.stderr)
        # figures for people: separators, no exponent
        # (no exponent notation; the temporary directory's random name may
        # hold one, so it is taken out first)
        self.assertNotRegex(r.stdout.replace(self.dir, 'DIR'),
                            r'\de[-+]?\d')
        rows = {line.split()[0]: line.replace(',', '').split()[1:]
                for line in r.stdout.splitlines()
                if line.startswith(('transitions.', 'stages.'))}
        referral = rows['transitions.referral.rate']
        cost = rows['stages.cin.unit_cost.per_year']
        # the referral rate drives the CIN stock; a unit cost cannot
        self.assertGreater(float(referral[0]), 0.8)
        self.assertLess(abs(float(cost[0])), 4 / np.sqrt(117))
        self.assertEqual(float(cost[3]), 0.0)          # no tornado swing
        self.assertGreater(float(referral[2]), float(referral[1]))
        # listed by influence: the referral rate first
        first = [line for line in r.stdout.splitlines()
                 if line.startswith(('transitions.', 'stages.'))][0]
        self.assertTrue(first.startswith('transitions.referral.rate'))
        # the unit cost does drive spend
        r = run('sensitivity', out, '--outcome', 'spend:late:2020/21',
                '--no-tornado')
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_tornado_never_aborts_and_needs_the_runs_scenario(self):
        beta = SMALL.replace('name: small', 'name: beta').replace(
            'into_care: {from: cin, to: looked_after, rate: 0.08}',
            'into_care: {from: cin, to: looked_after, rate: 0.08}\n'
            '  rare: {from: cin, to: looked_after, rate: '
            '{dist: beta, mean: 0.00001, sd: 0.0003}}')
        path = self.path('beta.yaml')
        with open(path, 'w') as f:
            f.write(beta)
        out = self.path('beta.h5')
        r = run('run', path, '-n', '20', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        # a beta with a shape near the smallest the loader takes (alpha
        # 0.0011): GSL's inverse beta fails to converge here and used to
        # abort; the quantiles come by bisection now
        r = run('sensitivity', out, '--outcome', 'stock:cin:2020',
                '--tornado', path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('transitions.rare.rate', r.stdout)
        r = run('sensitivity', out, '--outcome', 'stock:cin:2020')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('transitions.rare.rate', r.stdout)
        # the tornado's scenario must be the one the runs came from
        for other, why in ((self.small, 'another scenario'),
                           (self.unc, 'another scenario')):
            r = run('sensitivity', out, '--outcome', 'stock:cin:2020',
                    '--tornado', other)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(why, r.stderr)
        with open(path, 'w') as f:
            f.write(beta.replace('rate: 0.08}', 'rate: 0.09}'))
        r = run('sensitivity', out, '--outcome', 'stock:cin:2020',
                '--tornado', path)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('resolved text is not the one the file stores',
                      r.stderr)

    def test_a_placement_is_an_outcome_and_a_bad_one_lists_the_valid(self):
        out = self.path('s.h5')
        r = run('run', self.unc, '-n', '20', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        at_medians = {}
        for name in ('residential', 'looked_after.residential',
                     'looked_after'):
            r = run('sensitivity', out, '--outcome', f'stock:{name}:2021',
                    '--tornado', self.unc)
            self.assertEqual(r.returncode, 0, f'{name}: {r.stderr}')
            self.assertIn(f'outcome stock:{name}:2021 (children)', r.stdout)
            at_medians[name] = int(re.search(
                r'\(([0-9,]+) at all medians', r.stdout).group(1)
                .replace(',', ''))
        # one placement, however named, is part of the group
        self.assertEqual(at_medians['residential'],
                         at_medians['looked_after.residential'])
        self.assertGreater(at_medians['residential'], 0)
        self.assertLess(at_medians['residential'], at_medians['looked_after'])
        r = run('sensitivity', out, '--outcome', 'spend:late',
                '--tornado', self.unc)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('£ at constant 2019/20 prices', r.stdout)
        # (no exponent notation; the temporary directory's random name may
        # hold one, so it is taken out first)
        self.assertNotRegex(r.stdout.replace(self.dir, 'DIR'),
                            r'\de[-+]?\d')
        for bad in ('stock:nowhere:2021', 'spending', 'stock:cin:2040'):
            r = run('sensitivity', out, '--outcome', bad)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(f"outcome '{bad}' is not one of scenario "
                          "'small-unc'", r.stderr)
            self.assertIn('STAGE one of universal, cin, looked_after, '
                          'looked_after.foster, looked_after.residential '
                          'and YYYY 2020 to 2021', r.stderr)
            self.assertIn('YYYY/YY 2019/20 to 2021/22', r.stderr)

    def test_bad_requests_exit_two(self):
        plain = self.path('plain.h5')
        self.assertEqual(run('run', self.small, '-n', '3', '-q', '-o',
                             plain).returncode, 0)
        out = self.path('s.h5')
        self.assertEqual(run('run', self.unc, '-n', '10', '-q', '-o',
                             out).returncode, 0)
        for args in ([plain, '--outcome', 'spend:late'],
                     [out, '--outcome', 'stock:nowhere:2020'],
                     [out, '--outcome', 'spending'],
                     [out],
                     [self.path('none.h5'), '--outcome', 'spend:late']):
            r = run('sensitivity', *args)
            self.assertEqual(r.returncode, 2, f'{args}: {r.stderr}')
            self.assertTrue(r.stderr.strip())


def table_lines(text):
    """The figures of a printed table: its lines from the first block on,
    without the titles that say over how many runs."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith('Stock'))
    return [line for line in lines[start:]
            if line.strip() and not line.startswith(('Wrote ', 'cascade '))
            and 'below it' not in line and 'median' not in line
            and 'expected values' not in line]


def without_footer(text):
    """Printed output without the lines saying what was written and how
    long it took, which differ between otherwise equal invocations."""
    return '\n'.join(line for line in text.splitlines()
                     if not line.startswith(('Wrote ', 'Compared in ')))


def names(ds):
    """A dataset of strings as str."""
    return [x.decode() if isinstance(x, bytes) else x for x in ds[:]]


def strip_to_format_1(path):
    """Make path a format 1 file: without the records format 2 added."""
    with h5py.File(path, 'r+') as f:
        for name in ('stage_intervention', 'stage_group', 'stage_category',
                     'financial_year', 'month_financial_year'):
            del f['dims/' + name]
        for g in f['scenarios'].values():
            for a in ('discount_rate', 'discount_schedule', 'extends_source',
                      'extends_hash', 'resolved_hash'):
                if a in g.attrs:
                    del g.attrs[a]
        f.attrs['format_version'] = np.int32(1)


def people(value):
    """A count of children as the headline rounds it: whole below 1,000,
    else three significant figures, with separators."""
    if abs(value) >= 1000:
        value = float(f'{value:.2e}')
    return f'{round(value):,}'


def money(pounds):
    """GBP as the headline writes it: three significant figures in the
    unit reached (k, m, bn); whole pounds below 1,000."""
    sign = '-' if pounds < 0 and round(abs(pounds)) > 0 else ''
    a = abs(pounds)
    if round(a) < 1000:
        return f'{sign}£{round(a):,}'
    r = float(f'{a:.2e}')
    exponent = int(f'{a:.2e}'.split('e')[1])
    for scale, power, unit in ((1e9, 9, 'bn'), (1e6, 6, 'm'), (1e3, 3, 'k')):
        if r >= scale or unit == 'k':
            decimals = max(0, 2 - (exponent - power))
            return f'{sign}£{r / scale:,.{decimals}f}{unit}'


def figure_lines(text, label):
    """The medians after `label` and the intervals on the line beneath."""
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines)
             if line.startswith('  ' + label + ' '))
    medians = lines[i][len(label) + 2:].split()
    intervals = re.findall(r'\[[^]]*\]', lines[i + 1]) \
        if i + 1 < len(lines) else []
    return medians, intervals


class Headline(Workdir):
    """run and compare lead with a short headline, rounded for people;
    the full tables on request."""

    def test_run_leads_with_a_short_headline(self):
        out = self.path('h.h5')
        r = run('run', self.small, '-n', '20', '-o', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLessEqual(len(r.stdout.splitlines()), 25, r.stdout)
        self.assertNotIn('Entries', r.stdout)
        # (no exponent notation; the temporary directory's random name may
        # hold one, so it is taken out first)
        self.assertNotRegex(r.stdout.replace(self.dir, 'DIR'),
                            r'\de[-+]?\d')
        self.assertIn('2020 (year 1)', r.stdout)
        self.assertIn('£ at constant 2019/20 prices', r.stdout)
        self.assertIn('--table full, or cascade summary ' + out, r.stdout)
        self.assertRegex(r.stdout, r'Wrote .*h\.h5: 1 scenario x 20 runs x '
                                   r'26 months in [0-9.]+ s\.')
        with h5py.File(out) as f:
            stocks = f['scenarios/small/stocks'][:]  # run, month, stage, age
            stages = [x.decode() for x in f['dims/stage'][:]]
            spend = f['scenarios/small/spend'][:]    # run, month, early/late
            deflator = f['scenarios/small/deflator'][:]
        care = [i for i, x in enumerate(stages)
                if x.startswith('looked_after')]
        # 31 March 2020 is month 11, 2021 month 23
        for month, column in ((11, 0), (23, 1)):
            la = stocks[:, month][:, care].sum(axis=(1, 2))
            medians, intervals = figure_lines(r.stdout, 'looked after')
            self.assertEqual(medians[column], people(np.median(la)))
            self.assertEqual(intervals[column],
                             f'[{people(np.quantile(la, 0.05))}, '
                             f'{people(np.quantile(la, 0.95))}]')
        late = (spend[:, 0:12, 1] / deflator[None, 0:12]).sum(axis=1)
        medians, intervals = figure_lines(r.stdout, 'late intervention')
        self.assertEqual(medians[0], money(np.median(late)))
        self.assertNotIn('early intervention', r.stdout)  # it has none
        # the tables as before with --table full
        full = run('run', self.small, '-n', '20', '-o', out, '--table',
                   'full')
        self.assertEqual(full.returncode, 0, full.stderr)
        self.assertIn('Entries: children starting', full.stdout)
        summary = run('summary', out)
        self.assertEqual(table_lines(full.stdout), table_lines(summary.stdout))
        r = run('run', self.small, '-n', '2', '-o', out, '--table', 'all')
        self.assertEqual(r.returncode, 2)
        self.assertIn("--table: expected headline (the default) or full, "
                      "found 'all'", r.stderr)

    def test_the_baseline_headline_counts_dfe_categories(self):
        out = self.path('det.h5')
        r = run('run', '--deterministic', '-o', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            stocks = f['scenarios/england-baseline/stocks'][0]
            category = [x.decode() for x in f['dims/stage_category'][:]]
        at = {}
        for month in (11, 59, 119):  # 31 March 2020, 2024, 2029
            by = {k: sum(stocks[month, i].sum() for i, c in
                         enumerate(category) if c in ks)
                  for k, ks in (('la', ['looked_after']), ('cp', ['cp']),
                                ('cin', ['cin', 'cp', 'looked_after']))}
            at[month] = by
        self.assertIn('2029 (year 10)', r.stdout)
        for label, key in (('looked after', 'la'), ('on a CP plan', 'cp'),
                           ('in need (all CIN)', 'cin')):
            medians, _ = figure_lines(r.stdout, label)
            self.assertEqual(medians, [people(at[m][key])
                                       for m in (11, 59, 119)], label)
        self.assertLessEqual(len(r.stdout.splitlines()), 25, r.stdout)

    def test_a_headline_past_ten_years_ends_on_its_last_year(self):
        # a 20-year horizon: columns for years 1, 5, 10 and 20, each the
        # deterministic stock at that 31 March
        path = self.path('long.yaml')
        with open(path, 'w') as f:
            f.write('extends: england-baseline.yaml\nname: long\n'
                    'horizon_years: 20\n')
        out = self.path('long.h5')
        r = run('run', path, '--deterministic', '-o', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            stocks = f['scenarios/long/stocks'][0]
            category = [x.decode() for x in f['dims/stage_category'][:]]
        self.assertIn('2039 (year 20)', r.stdout)
        medians, _ = figure_lines(r.stdout, 'looked after')
        self.assertEqual(medians, [
            people(sum(stocks[m, i].sum() for i, c in enumerate(category)
                       if c == 'looked_after'))
            for m in (11, 59, 119, 239)])
        self.assertIn('2038/39', r.stdout)

    def test_compare_leads_with_npv_payback_and_probability(self):
        alt = SMALL.replace('name: small', 'name: small-alt').replace(
            'rate: 0.05}', 'rate: 0.065}')
        path = self.path('small-alt.yaml')
        with open(path, 'w') as f:
            f.write(alt)
        out = self.path('both.h5')
        r = run('run', self.small, path, '-n', '20', '-o', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('cascade compare ' + out, r.stdout)
        r = run('compare', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLessEqual(len(r.stdout.splitlines()), 27, r.stdout)
        self.assertNotIn('Difference in entries', r.stdout)
        # (no exponent notation; the temporary directory's random name may
        # hold one, so it is taken out first)
        self.assertNotRegex(r.stdout.replace(self.dir, 'DIR'),
                            r'\de[-+]?\d')
        with h5py.File(out) as f:
            g = f['compare/small-alt_vs_small']
            npv = g['npv'][:]
            p = float(g.attrs['probability_alt_costs_more'])
        medians, intervals = figure_lines(
            r.stdout, 'net present value (> 0: the alternative costs more):')
        sign = lambda v: ('+' if v > 0 and money(v) != '£0' else '') + \
            money(v)
        self.assertEqual(medians[0], sign(np.median(npv)))
        self.assertIn(f'({round(p * 20)} of 20 runs)', r.stdout)
        self.assertIn('discounted at 3.5% a year', r.stdout)
        self.assertIn('at constant 2019/20 prices', r.stdout)
        self.assertRegex(r.stdout, r'payback: (\d{4}/\d\d \(year \d\)|none)')
        self.assertRegex(r.stdout, r'Wrote /compare/small-alt_vs_small to '
                                   r'.*both\.h5 in [0-9.]+ s\.')
        full = run('compare', out, '--table', 'full', '--no-write')
        self.assertEqual(full.returncode, 0, full.stderr)
        self.assertIn('Difference in entries', full.stdout)
        self.assertIn('Compared in ', full.stdout)


class ReadsWhatTheFileRecords(Workdir):
    """summary, compare and sensitivity use the file's records, never the
    scenario text stored in it; the table is the one cascade run prints."""

    def setUp(self):
        super().setUp()
        write_uncertain(self)
        self.out = self.path('pair.h5')
        r = run('run', self.small, self.unc, '-n', '12', '-o', self.out,
                '--table', 'full')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.run_stdout = r.stdout

    def reports(self, path):
        """summary, compare and sensitivity of path, with standard input an
        open pipe (a stored `extends: /dev/stdin` would wait on it)."""
        outs = []
        for args in (['summary', path],
                     ['compare', path, '--no-write'],
                     ['sensitivity', path, '--outcome', 'stock:cin:2021']):
            p = subprocess.Popen([CASCADE, *args], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            try:
                out, err = p.communicate(timeout=60)
            finally:
                p.kill()
            self.assertEqual(p.returncode, 0, f'{args[0]}: {err}')
            outs.append(without_footer(out))
        return outs

    def test_stored_scenario_text_is_never_loaded(self):
        before = self.reports(self.out)
        edited = self.path('edited.h5')
        with open(self.out, 'rb') as f, open(edited, 'wb') as g:
            g.write(f.read())
        with h5py.File(edited, 'r+') as f:
            f.attrs['scenario_yaml'] = 'extends: /dev/stdin\n'
            for g in f['scenarios'].values():
                g.attrs['scenario_yaml'] = 'extends: /dev/stdin\n'
        after = self.reports(edited)
        for a, b in zip(before, after):
            self.assertEqual(a.replace(self.out, edited), b)

    def test_run_and_summary_print_the_same_table(self):
        r = run('summary', self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        parts = r.stdout.split('cascade summary: ')
        runs = self.run_stdout.split('cascade ')[1:]
        self.assertEqual(len(parts), 3)
        for from_run, from_summary in zip(runs, parts[1:]):
            self.assertEqual(table_lines(from_summary),
                             table_lines(from_run))
        # the England baseline: placements, capacity, funded places
        out = self.path('det.h5')
        r = run('run', '--deterministic', '-o', out, '--table', 'full')
        self.assertEqual(r.returncode, 0, r.stderr)
        s = run('summary', out)
        self.assertEqual(s.returncode, 0, s.stderr)
        self.assertIn('Capacity of early_help', s.stdout)
        self.assertEqual(table_lines(s.stdout), table_lines(r.stdout))

    def test_a_format_1_file_is_read_from_what_it_has(self):
        old = self.path('old.h5')
        with open(self.out, 'rb') as f, open(old, 'wb') as g:
            g.write(f.read())
        strip_to_format_1(old)
        r = run('summary', old)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(table_lines(r.stdout),
                         table_lines(run('summary', self.out).stdout))
        # its discount rate is not recorded: compare asks for one
        r = run('compare', old, '--no-write')
        self.assertEqual(r.returncode, 2)
        self.assertIn('does not record the discount rate', r.stderr)
        self.assertIn('--discount', r.stderr)
        r = run('compare', old, '--no-write', '--discount', '3.5%')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(without_footer(r.stdout), without_footer(
            run('compare', self.out, '--no-write').stdout))


class PartialBatches(Workdir):
    """An interrupted batch or a slice is summarised over the runs it holds,
    and compared over the runs done in both scenarios."""

    def setUp(self):
        super().setUp()
        alt = SMALL.replace('name: small', 'name: small-alt').replace(
            'rate: 0.05}', 'rate: 0.065}')
        self.alt = self.path('small-alt.yaml')
        with open(self.alt, 'w') as f:
            f.write(alt)
        self.out = self.path('slice.h5')
        r = run('run', self.small, self.alt, '-n', '13', '--runs', '2:6',
                '-o', self.out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_summary_over_the_runs_there_are(self):
        csv = self.path('s.csv')
        r = run('summary', self.out, '--scenario', 'small', '--csv', csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('over 5 of 13 runs; the batch is incomplete', r.stdout)
        with h5py.File(self.out) as f:
            stocks = f['scenarios/small/stocks'][2:7]
        want = np.median(stocks[:, 11, 2:4, :].sum(axis=(1, 2)))
        with open(csv) as f:
            rows = [line.strip().split(',') for line in f][1:]
        got = [float(x[6]) for x in rows if x[1] == 'stock_31_march'
               and x[2] == '2019/20' and x[3] == 'looked_after'
               and x[5] == 'median']
        self.assertEqual(got, [want])

    def test_compare_pairs_the_runs_done_in_both(self):
        with h5py.File(self.out, 'r+') as f:
            done = f['scenarios/small-alt/run_done']
            flags = done[:]
            flags[4] = 0
            done[:] = flags
        r = run('compare', self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('over the 4 of 13 runs done in both', r.stdout)
        runs = [2, 3, 5, 6]
        with h5py.File(self.out) as f:
            g = f['compare/small-alt_vs_small']
            self.assertEqual(list(g['run'][:]), runs)
            base = f['scenarios/small/spend'][:].sum(axis=2)[runs]
            alt = f['scenarios/small-alt/spend'][:].sum(axis=2)[runs]
            real = (alt - base) / f['scenarios/small/deflator'][:][None, :]
            yearly = np.stack([real[:, 0:12].sum(axis=1),
                               real[:, 12:24].sum(axis=1),
                               real[:, 24:26].sum(axis=1)], axis=1)
            npv = (yearly / 1.035 ** np.arange(3)[None, :]).sum(axis=1)
            np.testing.assert_allclose(g['npv'][:], npv, rtol=1e-9)


class CompareFilesAndRates(Workdir):
    """compare takes two files run with the same seed; rates have one
    unambiguous unit; a one-scenario file gets advice, not nonsense."""

    def setUp(self):
        super().setUp()
        alt = SMALL.replace('name: small', 'name: small-alt').replace(
            'rate: 0.05}', 'rate: 0.065}')
        self.alt = self.path('small-alt.yaml')
        with open(self.alt, 'w') as f:
            f.write(alt)

    def batch(self, name, *args):
        out = self.path(name)
        r = run('run', *args, '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def test_two_files_with_one_seed_compare_like_one_file(self):
        both = self.batch('both.h5', self.small, self.alt, '-n', '10',
                          '--seed', '9')
        base = self.batch('base.h5', self.small, '-n', '10', '--seed', '9')
        alt = self.batch('alt.h5', self.alt, '-n', '10', '--seed', '9')
        one, two = self.path('one.csv'), self.path('two.csv')
        r = run('compare', both, '--no-write', '--csv', one)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = digest(base), digest(alt)
        r2 = run('compare', base, alt, '--csv', two)
        self.assertEqual(r2.returncode, 0, r2.stderr)
        self.assertEqual(without_footer(r2.stdout), without_footer(r.stdout))
        with open(one) as f, open(two) as g:
            self.assertEqual(f.read(), g.read())
        self.assertEqual((digest(base), digest(alt)), before)
        # a file holding several scenarios names its side
        r = run('compare', both, alt, '--alt', 'small-alt')
        self.assertEqual(r.returncode, 2)
        self.assertIn('say which with --base', r.stderr)
        r = run('compare', both, alt, '--base', 'small')
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_files_that_are_not_one_batch_are_refused(self):
        base = self.batch('base.h5', self.small, '-n', '10', '--seed', '9')
        short = self.path('short.yaml')
        with open(short, 'w') as f:
            with open(self.alt) as g:
                f.write(g.read().replace('horizon_months: 26',
                                         'horizon_months: 25'))
        cases = [(self.batch('seed.h5', self.alt, '-n', '10', '--seed', '8'),
                  'their seeds differ (9 and 8)'),
                 (self.batch('runs.h5', self.alt, '-n', '11', '--seed', '9'),
                  'different numbers of runs (10 and 11)'),
                 (self.batch('cal.h5', short, '-n', '10', '--seed', '9'),
                  'their calendars differ'),
                 (self.batch('modes.h5', self.alt, '-n', '10', '--seed', '9',
                             '--no-process-noise'),
                  '--no-process-noise')]
        for alt, message in cases:
            r = run('compare', base, alt)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn('cannot be paired run by run', r.stderr)
            self.assertIn(message, r.stderr)

    def test_a_what_if_with_another_stage_compares_as_two_files(self):
        edge = self.path('edge.yaml')
        with open(edge, 'w') as f:
            f.write('extends: small.yaml\nname: small-edge\n'
                    'stages:\n  edge: {intervention: late, dfe: looked_after, '
                    'unit_cost: {per_year: 20000}}\n'
                    'transitions:\n'
                    '  to_edge: {from: cin, to: edge, rate: 0.3}\n'
                    '  edge_home: {from: edge, to: universal, rate: 2}\n')
        r = run('run', self.small, edge, '-n', '4', '-o', self.path('x.h5'))
        self.assertEqual(r.returncode, 2)
        self.assertIn('cascade compare the two files', r.stderr)
        base = self.batch('base.h5', self.small, '-n', '6', '--seed', '9')
        alt = self.batch('edge.h5', edge, '-n', '6', '--seed', '9')
        csv = self.path('edge.csv')
        r = run('compare', base, alt, '--table', 'full', '--csv', csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('their stages differ', r.stdout)
        # per stage by id, the new stage's whole stock a difference; DfE
        # looked after counts the new stage (dfe: looked_after)
        with h5py.File(base) as f, h5py.File(alt) as g:
            sb = f['scenarios/small/stocks'][:, 11].sum(axis=2)
            sa = g['scenarios/small-edge/stocks'][:, 11].sum(axis=2)
            lb = [x.decode() for x in f['dims/stage'][:]]
            la = [x.decode() for x in g['dims/stage'][:]]
            cats = [x.decode() for x in g['dims/stage_category'][:]]
            cats_b = [x.decode() for x in f['dims/stage_category'][:]]
        rows = {}
        import csv as csvlib
        with open(csv) as f:
            for row in csvlib.DictReader(f):
                if row['measure'] == 'stock_31_march' and \
                        row['financial_year'] == '2019/20' and \
                        row['statistic'] == 'median':
                    rows[row['stage']] = float(row['value'])
        # (the CSV rounds children to a tenth)
        self.assertAlmostEqual(rows['edge'],
                               np.median(sa[:, la.index('edge')]), delta=0.051)
        cin = np.median(sa[:, la.index('cin')] - sb[:, lb.index('cin')])
        self.assertAlmostEqual(rows['cin'], cin, delta=0.051)
        care = [i for i, c in enumerate(cats) if c == 'looked_after']
        care_b = [i for i, c in enumerate(cats_b) if c == 'looked_after']
        self.assertEqual(len(care), len(care_b) + 1)

    def test_a_one_scenario_file_says_how_to_compare(self):
        base = self.batch('base.h5', self.small, '-n', '3')
        r = run('compare', base)
        self.assertEqual(r.returncode, 2)
        self.assertIn("holds one scenario ('small')", r.stderr)
        self.assertIn('cascade compare BASE.h5 ALT.h5', r.stderr)
        self.assertNotIn('1 scenarios', r.stderr)

    def test_discount_is_a_fraction_or_a_percentage_with_its_sign(self):
        both = self.batch('both.h5', self.small, self.alt, '-n', '5')
        for given, rate, shown in (('0.035', 0.035, '3.5%'),
                                   ('3.5%', 0.035, '3.5%'),
                                   ('0.03', 0.03, '3%'),
                                   ('0', 0.0, '0%')):
            r = run('compare', both, '--discount', given)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f'discounted at {shown} a year', r.stdout)
            with h5py.File(both) as f:
                self.assertAlmostEqual(
                    float(f['compare/small-alt_vs_small'].attrs[
                        'discount_rate']), rate, places=15)
        before = digest(both)
        for given, message in (('3.5', 'looks like a percentage: write '
                                       '3.5% or 0.035'),
                               ('35%x', 'expected a rate'),
                               ('-1%', 'from 0 to below 100%'),
                               ('100%', 'from 0 to below 100%')):
            r = run('compare', both, '--discount', given)
            self.assertEqual(r.returncode, 2, given)
            self.assertIn(message, r.stderr)
        self.assertEqual(digest(both), before)

    def test_warns_when_the_alternative_extends_another_base(self):
        both = self.batch('both.h5', self.small, self.alt, '-n', '3')
        with h5py.File(both, 'r+') as f:
            f['scenarios/small-alt'].attrs['extends_source'] = \
                '<builtin>/england-baseline.yaml'
            f['scenarios/small-alt'].attrs['extends_hash'] = 'sha256:1111'
            del f['scenarios/small'].attrs['resolved_hash']
        r = run('compare', both, '--no-write')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('warning', r.stderr)  # the base's is not recorded
        with h5py.File(both, 'r+') as f:
            f['scenarios/small'].attrs['resolved_hash'] = 'sha256:2222'
        r = run('compare', both, '--no-write')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: 'small-alt' extends <builtin>/england-"
                      "baseline.yaml (hash sha256:1111), not the 'small' in "
                      f"{both} (hash sha256:2222): differences include edits "
                      "to the base", r.stderr)
        with h5py.File(both, 'r+') as f:
            f['scenarios/small'].attrs['resolved_hash'] = 'sha256:1111'
        r = run('compare', both, '--no-write')
        self.assertNotIn('warning', r.stderr)


def datasets(path):
    """Every dataset under /scenarios as raw bytes, by name."""
    found = {}
    with h5py.File(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                value = obj[()]
                found[name] = (obj.shape, value.tolist()
                               if value.dtype.kind == 'O' else value.tobytes())
        f['scenarios'].visititems(visit)
    return found


class Batches(Workdir):
    """Slices, merge and resume give the file of one uninterrupted batch."""

    def setUp(self):
        super().setUp()
        write_uncertain(self)
        self.pair = [self.unc, self.small]  # with and without parameters

    def batch(self, name, *args):
        out = self.path(name)
        r = run('run', *self.pair, '-n', '13', '--seed', '21', '-o', out,
                '-q', *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def assertSameRuns(self, a, b):
        x, y = datasets(a), datasets(b)
        self.assertEqual(sorted(x), sorted(y))
        for name in x:
            self.assertEqual(x[name], y[name], name)
        self.assertIn('small-unc/params', x)
        self.assertIn('small/summary/quantiles', x)

    def test_progress_on_a_terminal_and_not_for_a_short_job_in_a_log(self):
        import pty
        leader, follower = pty.openpty()
        p = subprocess.Popen([CASCADE, 'run', self.small, '-n', '3000',
                              '-o', self.path('p.h5')],
                             stderr=follower, stdout=subprocess.DEVNULL)
        os.close(follower)
        seen = b''
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the program closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        p.wait(timeout=120)
        os.close(leader)
        self.assertEqual(p.returncode, 0)
        text = seen.decode()
        self.assertRegex(text, r'small: \d+/3000 runs +[0-9.]+ runs/s +'
                               r'[0-9.]+ s left')
        self.assertIn('3000/3000 runs', text)
        # in a log (a pipe or file) a job shorter than 5 s says nothing
        r = run('run', self.small, '-n', '50', '-o', self.path('q.h5'))
        self.assertNotIn('runs/s', r.stderr)

    def test_progress_lines_in_a_log_and_quiet_silences_them(self):
        env = dict(os.environ, CASCADE_PROGRESS='lines')
        def logged(*args):
            r = subprocess.run([CASCADE, 'run', *args], capture_output=True,
                               text=True, timeout=600, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            return r.stderr.splitlines()
        lines = logged(self.small, self.unc, '-n', '40',
                       '-o', self.path('p.h5'))
        line = (r'cascade run: (small|small-unc): (\d+) of 40 runs '
                r'\((\d+)%\), [0-9.]+ runs/s, [0-9.]+ s left')
        for text in lines:
            self.assertRegex(text, line)
        for name in ('small', 'small-unc'):
            done = [int(re.match(line, x).group(2)) for x in lines
                    if x.startswith(f'cascade run: {name}:')]
            # a line at each tenth (and the first run): no more, no fewer
            self.assertEqual(sorted(done), done, name)
            self.assertEqual(done[-1], 40, name)
            self.assertEqual([d * 10 // 40 for d in done],
                             sorted(set(d * 10 // 40 for d in done)), name)
            self.assertGreaterEqual(len(done), 10, name)
            self.assertLessEqual(len(done), 12, name)
        self.assertEqual(logged(self.small, '-n', '40', '-o',
                                self.path('q.h5'), '--quiet'), [])
        env['CASCADE_PROGRESS'] = 'none'
        self.assertEqual(logged(self.small, '-n', '40', '-o',
                                self.path('q.h5')), [])

    def test_threads_give_the_same_file_with_parameters(self):
        one = self.batch('one.h5', '--threads', '1')
        self.assertSameRuns(one, self.batch('three.h5', '--threads', '3'))

    def test_slices_merged_equal_one_batch(self):
        whole = self.batch('whole.h5')
        parts = [self.batch(f'part{i}.h5', '--runs', span, '--threads', t)
                 for i, (span, t) in enumerate([('0:3', '1'), ('4:4', '2'),
                                                ('5:12', '3')])]
        with h5py.File(parts[1]) as f:
            done = f['scenarios/small/run_done'][:]
            self.assertEqual(list(np.flatnonzero(done)), [4])
        merged = self.path('merged.h5')
        r = run('merge', parts[2], parts[0], parts[1], '-o', merged)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("scenario 'small': 13 of 13 runs done", r.stdout)
        self.assertSameRuns(whole, merged)
        self.assertEqual(self.leftovers(), [])

    def test_resume_completes_a_partial_batch(self):
        whole = self.batch('whole.h5')
        partial = self.batch('resumed.h5', '--runs', '2:6')
        before = digest(partial)
        r = run('run', *self.pair, '--seed', '21', '-o', partial, '-q',
                '--resume')  # -n comes from the file
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(digest(partial), before)
        self.assertSameRuns(whole, partial)
        self.assertEqual(self.leftovers(), [])

    def test_resume_with_a_larger_n_extends_a_finished_batch(self):
        whole = self.path('whole20.h5')
        r = run('run', *self.pair, '-n', '20', '--seed', '21', '-o', whole,
                '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        for name, args in (('finished.h5', []), ('sliced.h5', ['--runs',
                                                               '3:7'])):
            out = self.batch(name, *args)  # 13 runs, all or some done
            r = run('compare', out)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run('run', *self.pair, '--seed', '21', '-n', '20', '-o', out,
                    '-q', '--resume')
            self.assertEqual(r.returncode, 0, r.stderr)
            # bit for bit the 20-run batch, summaries over all 20 runs
            self.assertSameRuns(whole, out)
            with h5py.File(out) as f, h5py.File(whole) as g:
                for key in ('small', 'small-unc'):
                    a, b = f['scenarios'][key], g['scenarios'][key]
                    self.assertEqual(int(a.attrs['n_runs']), 20)
                    self.assertEqual(
                        int(a['summary'].attrs['n_runs_summarised']), 20)
                    self.assertEqual(sorted(a.attrs), sorted(b.attrs))
                self.assertNotIn('compare', f)  # of 13 runs: stale
                same = set(g.attrs) - {'created', 'command_line'}
                for key in same:
                    self.assertEqual(f.attrs[key], g.attrs[key], key)
            self.assertEqual(self.leftovers(), [])

    def test_export_writes_parameter_draws_and_thins_runs(self):
        out = self.batch('b.h5')
        d = self.path('csv')
        r = run('export', out, '--csv', d, '--runs', '2:5')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('params.csv', r.stdout)
        self.assertIn(': 8 runs.', r.stdout)  # 4 runs of 2 scenarios
        with h5py.File(out) as f:
            g = f['scenarios/small-unc']
            names = list(g['parameter'].asstr()[...])
            params = g['params'][2:6]
            shape = f['scenarios/small/stocks'].shape
        with open(os.path.join(d, 'params.csv')) as f:
            self.assertEqual(f.readline(), 'scenario,run,parameter,value\n')
            rows = [line.rstrip('\n').split(',') for line in f]
        # only the scenario with parameters has rows; values exactly
        self.assertEqual([(x[0], int(x[1]), x[2]) for x in rows],
                         [('small-unc', run_, name) for run_ in range(2, 6)
                          for name in names])
        np.testing.assert_array_equal(
            np.array([float(x[3]) for x in rows]).reshape(params.shape),
            params)
        with open(os.path.join(d, 'stocks.csv')) as f:
            f.readline()
            runs = [int(line.split(',', 2)[1]) for line in f]
        self.assertEqual(sorted(set(runs)), [2, 3, 4, 5])
        self.assertEqual(len(runs), 2 * 4 * shape[1] * shape[2] * shape[3])
        for bad, says in (('5:2', 'expected FIRST:LAST'),
                          ('x', 'expected FIRST:LAST'),
                          ('-1:3', 'expected FIRST:LAST'),
                          ('0:13', "scenario 'small-unc' of %s has runs 0 "
                                   "to 12" % out)):
            e = self.path('e-' + bad)
            r = run('export', out, '--csv', e, '--runs', bad)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn(says, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(e, 'stocks.csv')))
        self.assertEqual(self.leftovers(), [])

    def test_resume_with_a_smaller_n_is_refused(self):
        out = self.batch('finished.h5')
        before = digest(out)
        r = run('run', *self.pair, '--seed', '21', '-n', '12', '-o', out,
                '-q', '--resume')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('cannot resume %s: its batch has more runs than -n '
                      'asks for (13, here -n 12; a batch can be extended to '
                      'more runs, not cut to fewer: resume without -n, or '
                      'with -n 13 or more)' % out, r.stderr)
        self.assertEqual(digest(out), before)
        self.assertEqual(self.leftovers(), [])

    def test_interrupt_then_resume_equals_one_batch(self):
        import signal
        import time
        n = '6000'
        out = self.path('stopped.h5')
        for attempt in range(5):  # until the signal lands mid-batch
            p = subprocess.Popen([CASCADE, 'run', self.small, '-n', n,
                                  '--seed', '4', '-o', out, '-q'],
                                 stderr=subprocess.PIPE, text=True)
            time.sleep(0.3 + 0.3 * attempt)
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=120)
            if p.returncode == 130:
                break
        self.assertEqual(p.returncode, 130, err)
        self.assertIn('--resume', err)
        self.assertFalse(os.path.exists(out))
        with h5py.File(out + '.partial') as f:
            self.assertLess(int(f['scenarios/small/run_done'][:].sum()), int(n))
        r = run('run', self.small, '--seed', '4', '-o', out, '-q', '--resume')
        self.assertEqual(r.returncode, 0, r.stderr)
        # the partial file is used up: the batch is at -o now
        self.assertFalse(os.path.exists(out + '.partial'))
        whole = self.path('whole.h5')
        r = run('run', self.small, '-n', n, '--seed', '4', '-o', whole, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        x, y = datasets(whole), datasets(out)
        for name in x:
            self.assertEqual(x[name], y[name], name)

    def test_resume_refuses_another_batch_and_keeps_the_file(self):
        partial = self.batch('partial.h5', '--runs', '0:4')
        before = digest(partial)
        for args in (['--seed', '22'], ['-n', '12', '--seed', '21'],
                     ['--seed', '21', '--no-process-noise'],
                     ['--seed', '21', '--no-parameter-uncertainty']):
            r = run('run', *self.pair, '-o', partial, '-q', '--resume', *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn('cannot resume', r.stderr)
        r = run('run', self.small, '--seed', '21', '-o', partial, '-q',
                '--resume')
        self.assertEqual(r.returncode, 2)
        self.assertIn('other scenarios', r.stderr)
        self.assertEqual(digest(partial), before)
        self.assertEqual(self.leftovers(), [])

    def test_year_effects_on_and_off_are_not_one_batch(self):
        effects = self.path('effects.yaml')
        with open(effects, 'w') as f:
            f.write(SMALL.replace('name: small', 'name: effects')
                    .replace('rate: 0.08}', 'rate: 0.08, year_effect: care}')
                    + 'year_effects:\n  care: {sd: 0.05, ar: 1}\n')
        on, off = self.path('on.h5'), self.path('off.h5')
        for out, args in ((on, []), (off, ['--no-year-effects'])):
            r = run('run', effects, '-n', '8', '--seed', '2', '--runs', '0:3',
                    '-o', out, '-q', *args)
            self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(on) as f, h5py.File(off) as g:
            self.assertEqual((f.attrs['year_effects'], g.attrs['year_effects']),
                             (1, 0))
        before = digest(on)
        r = run('run', effects, '-n', '8', '--seed', '2', '-o', on, '-q',
                '--resume', '--no-year-effects')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('--no-year-effects', r.stderr)
        self.assertEqual(digest(on), before)
        r = run('merge', on, off, '-o', self.path('m.h5'))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('other options', r.stderr)

    def test_merge_refuses_overlaps_and_strangers(self):
        a = self.batch('a.h5', '--runs', '0:5')
        b = self.batch('b.h5', '--runs', '5:12')
        other = self.path('other.h5')
        run('run', *self.pair, '-n', '13', '--seed', '3', '--runs', '6:12',
            '-o', other, '-q')
        text = self.path('text.h5')
        with open(text, 'w') as f:
            f.write('not hdf5\n')
        merged = self.path('m.h5')
        old = self.path('old.h5')
        with open(b, 'rb') as f, open(old, 'wb') as g:
            g.write(f.read())
        strip_to_format_1(old)
        cases = [([a, b], 'run 5 of scenario'),
                 ([a, other], 'seed differs'),
                 ([a, old], 'another output format'),
                 ([a, text], text),
                 ([a, self.path('missing.h5')], 'missing.h5')]
        for parts, message in cases:
            r = run('merge', *parts, '-o', merged)
            self.assertEqual(r.returncode, 2, parts)
            self.assertIn(message, r.stderr)
            self.assertFalse(os.path.exists(merged))
        r = run('merge', a, b, '-o', a)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(run('merge', a).returncode, 2)
        self.assertEqual(self.leftovers(), [])

    def test_merge_of_some_slices_says_what_is_missing(self):
        a = self.batch('a.h5', '--runs', '0:5')
        c = self.batch('c.h5', '--runs', '9:12')
        merged = self.path('m.h5')
        r = run('merge', a, c, '-o', merged)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('10 of 13 runs done', r.stdout)
        self.assertIn('first missing is run 6', r.stdout)
        with h5py.File(merged) as f:
            g = f['scenarios/small']
            self.assertEqual(g['summary'].attrs['n_runs_summarised'], 10)
            done = g['run_done'][:].astype(bool)
            np.testing.assert_allclose(g['summary/mean'][:],
                                       g['stocks'][:][done].mean(axis=0),
                                       rtol=1e-12)

    def test_bad_slices_exit_two(self):
        for args in (['--runs', '5:2'], ['--runs', '0:13'], ['--runs', 'a:b'],
                     ['--runs', '-1:3'], ['--runs', '3:'],
                     ['--deterministic', '--runs', '0:0'],
                     ['--deterministic', '--resume']):
            r = run('run', self.small, '-n', '13', '-o', self.path('x.h5'),
                    '-q', *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn('--', r.stderr)
            self.assertFalse(os.path.exists(self.path('x.h5')))


class BudgetBatches(Batches):
    """The same with a budget in 'small' (and none in 'small-unc'): its
    record comes through slices, merge, threads and resume unchanged."""

    def setUp(self):
        super().setUp()
        with open(self.small, 'a') as f:
            f.write('budget: {per_year: 20_000_000, growth: 0.02, '
                    'reserves: 5_000_000}\n')

    # progress says nothing about the budget; timed, it only adds load
    test_progress_on_a_terminal_and_not_for_a_short_job_in_a_log = None
    test_progress_lines_in_a_log_and_quiet_silences_them = None

    def assertSameRuns(self, a, b):
        super().assertSameRuns(a, b)
        x = datasets(a)
        self.assertIn('small/budget', x)
        self.assertNotIn('small-unc/budget', x)


class CaseloadBatches(Batches):
    """The same with rates that follow a caseload in 'small' and
    'small-unc': closures slow and care entries rise as children per social
    worker rise, worked out each month of each run from its own children,
    so threads, slices, merge and resume must still give one batch's
    file."""

    def setUp(self):
        super().setUp()
        with open(self.small, 'a') as f:
            f.write('workforce:\n'
                    '  sw: {stages: [cin, looked_after], per_year: [60, 25], '
                    'growth: 0, reference_caseload: 18}\n'
                    'transitions.closed.caseload: '
                    '{workforce: sw, elasticity: -0.5}\n'
                    'transitions.into_care.caseload: '
                    '{workforce: sw, elasticity: 0.3}\n')

    test_progress_on_a_terminal_and_not_for_a_short_job_in_a_log = None
    test_progress_lines_in_a_log_and_quiet_silences_them = None

    def test_the_caseload_changes_the_runs(self):
        plain = self.path('plain.yaml')
        with open(plain, 'w') as f:
            f.write(SMALL.replace('name: small', 'name: plain'))
        out = self.path('both.h5')
        r = run('run', self.small, plain, '-n', '3', '--seed', '21', '-o', out,
                '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            a = f['scenarios/small/stocks'][:]
            b = f['scenarios/plain/stocks'][:]
        # the same start; 25 workers from April 2020 carry more cases each,
        # so fewer close and more children are in need by the end
        np.testing.assert_array_equal(a[:, 0], b[:, 0])
        cin = 1
        self.assertGreater(a[:, -1, cin].sum(), b[:, -1, cin].sum())

    def test_a_caseload_beside_a_budget(self):
        """A budget pays for the children at the start of each month and
        cuts places; neither reads the rates, so the two go together: the
        budget's record is there and the stocks are those without it (the
        budget cuts nothing in 'small', which has no funded places)."""
        budget = self.path('budget.yaml')
        with open(self.small) as f, open(budget, 'w') as g:
            g.write(f.read().replace('name: small', 'name: budget') +
                    'budget: {per_year: 20_000_000, growth: 0.02, '
                    'reserves: 5_000_000}\n')
        out = self.path('budget.h5')
        r = run('run', self.small, budget, '-n', '3', '--seed', '21', '-o',
                out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            self.assertIn('budget', f['scenarios/budget'])
            np.testing.assert_array_equal(f['scenarios/small/stocks'][:],
                                          f['scenarios/budget/stocks'][:])


CARE_LEAVERS = ('care_leavers: {from: looked_after, years: 7, '
                'unit_cost: {per_year: 6000}, at_base_date: 300}\n')


class CareLeaverBatches(Batches):
    """The same with care leavers counted in 'small' (and none in
    'small-unc'): their count comes through slices, merge, threads and
    resume unchanged."""

    def setUp(self):
        super().setUp()
        with open(self.small, 'a') as f:
            f.write(CARE_LEAVERS)

    test_progress_on_a_terminal_and_not_for_a_short_job_in_a_log = None
    test_progress_lines_in_a_log_and_quiet_silences_them = None

    def assertSameRuns(self, a, b):
        super().assertSameRuns(a, b)
        x = datasets(a)
        self.assertIn('small/care_leavers', x)
        self.assertNotIn('small-unc/care_leavers', x)


class CareLeavers(Workdir):
    """care_leavers: the young people its cost is for, counted in the file,
    the summary tables and their CSV."""

    def test_counted_in_the_file_summary_and_csv(self):
        path = self.path('leavers.yaml')
        with open(path, 'w') as f:
            f.write(SMALL + CARE_LEAVERS)
        out = self.path('leavers.h5')
        r = run('run', path, '-n', '6', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            g = f['scenarios/small']
            d = g['care_leavers']
            count = d[:]
            self.assertEqual(d.shape, (6, 26))
            self.assertEqual(d.attrs['units'], 'young people')
            lines = names(f['dims/cost_line'])
            line = lines.index('care_leavers')
            cost = g['costs'][:, :, line]
            unit = g['unit_costs'][:, line]
            months = names(f['dims/month'])
        # the cost line is the count times the unit cost
        np.testing.assert_allclose(count * unit[None, :], cost, rtol=1e-14)
        # those supported at the base date leave evenly over 7 years, and
        # children reaching 18 in care join them
        self.assertTrue((count[:, 0] >= 300 * 83 / 84).all())
        # some reached 18 in care
        self.assertTrue((count[:, -1] > 300 * (84 - 26) / 84 + 1).all())
        march = [i for i, m in enumerate(months) if m.endswith('-03')]
        s = self.path('summary.csv')
        r = run('summary', out, '--csv', s)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Care leavers: young people past 18', r.stdout)
        with open(s) as f:
            rows = [x for x in csvlib.DictReader(f)
                    if x['measure'] == 'care_leavers_31_march']
        self.assertEqual(len(rows), 3 * 3)  # 3 years x median, p05, p95
        medians = [float(x['value']) for x in rows
                   if x['statistic'] == 'median']
        want = [np.quantile(count[:, m], 0.5) for m in march] + \
            [np.quantile(count[:, -1], 0.5)]
        np.testing.assert_allclose(medians, want, rtol=1e-12)
        self.assertEqual({x['units'] for x in rows}, {'young people'})
        # a scenario without care_leavers: has no count
        plain = self.path('plain.h5')
        r = run('run', self.small, '-n', '2', '-o', plain, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(plain) as f:
            self.assertNotIn('care_leavers', f['scenarios/small'])
        r = run('summary', plain)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('Care leavers', r.stdout)


SMALL_FUNDED = SMALL.replace(
    "  cin: {intervention: late, unit_cost: {per_year: 5000}}",
    "  early_help:\n"
    "    intervention: early\n"
    "    unit_cost: {per_year: 1500}\n"
    "    capacity: {funded_by: [council, grant], when_full: {to: universal}}\n"
    "  cin: {intervention: late, unit_cost: {per_year: 5000}}").replace(
    "transitions:\n",
    "funding:\n"
    "  council: {per_year: 900_000, growth: 0.02}\n"
    "  grant: {per_year: 300_000, growth: 0}\n"
    "budget:\n"
    "  per_year: 22_000_000\n"
    "  growth: 0\n"
    "  reserves: 1_000_000\n"
    "  pays: [council]\n"
    "transitions:\n"
    "  helped: {from: universal, to: early_help, rate: 0.2}\n"
    "  help_ends: {from: early_help, to: universal, rate: 1.5}\n"
    "  help_escalates: {from: early_help, to: cin, rate: 0.1}\n")


class Fill(Workdir):
    """capacity.fill: the places a funded stage has spare reach children
    waiting in the fill's stage, so its money reaches families."""

    def batch(self, fill, *args):
        text = SMALL_FUNDED.replace(
            '    capacity: {funded_by: [council, grant], when_full: '
            '{to: universal}}',
            '    capacity: {funded_by: [council, grant], spend: funding, '
            'when_full: {to: universal}' + (f', fill: {fill}' if fill else '')
            + '}').replace(
            'budget:\n  per_year: 22_000_000\n  growth: 0\n'
            '  reserves: 1_000_000\n  pays: [council]\n', '').replace(
            'helped: {from: universal, to: early_help, rate: 0.2}',
            'helped: {from: universal, to: early_help, rate: 0.02}')
        self.assertIn('rate: 0.02}', text)  # few referred: places to spare
        self.assertIn('spend: funding', text)
        self.assertNotIn('budget:', text)  # places as the streams plan
        src = self.path('fill.yaml')
        with open(src, 'w') as f:
            f.write(text)
        out = self.path('fill.h5')
        r = run('run', src, '-o', out, '-q', '--force', *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            g = f['scenarios/small']
            stages = names(f['dims/stage'])
            moves = names(f['dims/transition'])
            eh = stages.index('early_help')
            got = dict(stock=g['stocks'][:, :, eh, :].sum(axis=2),
                       all=g['stocks'][:].sum(axis=(2, 3)),
                       places=g['capacity'][:, :, 0, 0],
                       spend=g['spend'][:], moves=moves, flows=g['flows'][:])
        return got

    def test_spare_places_are_filled(self):
        without = self.batch(None, '--deterministic')
        full = self.batch('{from: universal}', '--deterministic')
        # without a fill the service has places to spare; with one every
        # place is taken, month by month
        spare = without['places'] - without['stock']
        self.assertGreater(spare.min(), 1)
        np.testing.assert_allclose(full['stock'], full['places'], rtol=1e-12)
        self.assertIn('filled.early_help', full['moves'])
        self.assertNotIn('filled.early_help', without['moves'])
        filled = full['flows'][:, :, full['moves'].index('filled.early_help')]
        self.assertTrue((filled > 0).all())
        # the children come from universal services: none are made
        np.testing.assert_allclose(full['all'], without['all'], rtol=1e-12)
        # spend: funding spends the cash either way
        np.testing.assert_allclose(full['spend'][:, :, 0],
                                   without['spend'][:, :, 0], rtol=1e-12)
        # half the spare places: the places left free are the children
        # filled (P - (B + (P - B) / 2) = (P - B) / 2)
        half = self.batch('{from: universal, share: 0.5}', '--deterministic')
        f = half['flows'][:, :, half['moves'].index('filled.early_help')]
        np.testing.assert_allclose(half['places'] - half['stock'], f,
                                   rtol=1e-9)
        self.assertTrue((half['stock'] < full['stock']).all())
        self.assertTrue((half['stock'] > without['stock']).all())

    def test_a_fill_clears_the_marks_that_expire(self):
        """A fill is a move that sets no mark: a child carrying a mark
        that expires (set on entering universal services) loses it in the
        service, as with any other move, so a factor on that mark out of
        the service changes nothing; a mark that does not expire is kept."""
        base = SMALL_FUNDED.replace(
            '    capacity: {funded_by: [council, grant], when_full: '
            '{to: universal}}',
            '    capacity: {funded_by: [council, grant], spend: funding, '
            'when_full: {to: universal}, fill: {from: universal}}').replace(
            'budget:\n  per_year: 22_000_000\n  growth: 0\n'
            '  reserves: 1_000_000\n  pays: [council]\n', '').replace(
            'helped: {from: universal, to: early_help, rate: 0.2}',
            'helped: {from: universal, to: early_help, rate: 0.02}').replace(
            'marks:\n  known: {label: known before}\n',
            'marks:\n  known: {label: known before}\n'
            '  recent: {expires_after_months: 12}\n').replace(
            'help_ends: {from: early_help, to: universal, rate: 1.5}',
            'help_ends: {from: early_help, to: universal, rate: 1.5, '
            'sets: [recent]}')
        self.assertIn('fill: {from: universal}', base)
        self.assertIn('sets: [recent]', base)
        got = {}
        for name, factor in (('plain', None), ('recent', 'recent: 5'),
                             ('known', 'known: 5')):
            text = base.replace('name: small', f'name: {name}')
            if factor:
                text = text.replace(
                    'help_escalates: {from: early_help, to: cin, rate: 0.1}',
                    'help_escalates: {from: early_help, to: cin, rate: 0.1, '
                    f'if_marked: {{{factor}}}}}')
                self.assertIn('if_marked', text)
            src = self.path(f'{name}.yaml')
            with open(src, 'w') as f:
                f.write(text)
            out = self.path(f'{name}.h5')
            r = run('run', src, '-o', out, '-q', '--force', '--deterministic')
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(out) as f:
                moves = names(f['dims/transition'])
                g = f[f'scenarios/{name}']
                got[name] = g['flows'][0, :, moves.index('help_escalates')]
                filled = g['flows'][0, :, moves.index('filled.early_help')]
            self.assertGreater(filled.sum(), 0)
        # children home from early help carry `recent` in universal
        # services, and some of them are filled back into early help: there
        # they carry it no more
        np.testing.assert_array_equal(got['recent'], got['plain'])
        # `known` (set on closing a CIN case) does not expire: it is kept
        self.assertTrue((got['known'] > got['plain'])[1:].all())

    def test_stochastic_fill_takes_whole_places(self):
        got = self.batch('{from: universal}', '-n', '3')
        np.testing.assert_array_equal(got['stock'], np.floor(got['places']))
        self.assertTrue((got['all'] > 0).all())

    def test_bad_fills_exit_two(self):
        for fill, message in (
                ('{from: early_help}', 'another stage than the one with the '
                 'places'),
                ('{from: nowhere}', 'capacity.fill.from'),
                ('{share: 0.5}', "missing required key 'from'"),
                ('{from: universal, share: 2}', 'a share of the free places '
                 'from 0 to 1'),
                ('{from: universal, when: now}', "unknown key 'when'")):
            text = SMALL_FUNDED.replace(
                'when_full: {to: universal}}',
                f'when_full: {{to: universal}}, fill: {fill}}}')
            src = self.path('bad.yaml')
            with open(src, 'w') as f:
                f.write(text)
            r = run('validate', src)
            self.assertEqual(r.returncode, 2, fill)
            self.assertIn(message, r.stderr, fill)


class Budget(Workdir):
    """A budget's record: what it pays adds up, statutory spend is the late
    stages' children at the start of each month at the month's unit cost,
    and early help's places are what the budget and the grant buy."""

    def test_budget_record_adds_up(self):
        src = self.path('funded.yaml')
        with open(src, 'w') as f:
            f.write(SMALL_FUNDED)
        out = self.path('funded.h5')
        r = run('run', src, '-n', '6', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            g = f['scenarios/small']
            self.assertEqual([x.decode() for x in f['dims/budget_measure'][:]],
                             ['budget', 'statutory_spend', 'planned', 'paid',
                              'reserves'])
            b = g['budget'][:]
            self.assertEqual(b.shape, (6, 26, 5))
            stages = [x.decode() for x in f['dims/stage'][:]]
            lines = [x.decode() for x in f['dims/cost_line'][:]]
            kinds = [x.decode() for x in f['dims/cost_line_intervention'][:]]
            unit = g['unit_costs'][:]
            stocks = g['stocks'][:].sum(axis=3)  # [run, month, stage]
            places = g['capacity'][:, :, 0, 0]
            initial = None
            for run_index in range(6):
                x = b[run_index]
                before = np.concatenate([[1_000_000], x[:-1, 4]])
                # reserves: last month's, plus the budget, less what it paid
                np.testing.assert_allclose(
                    x[:, 4], before + x[:, 0] - x[:, 1] - x[:, 3], rtol=1e-12,
                    atol=1e-6)
                np.testing.assert_allclose(x[:, 0], 22_000_000 / 12, rtol=1e-12)
                # it pays the streams what is left after statutory spend,
                # up to their plan, nothing when nothing is left
                left = before + x[:, 0] - x[:, 1]
                np.testing.assert_allclose(
                    x[:, 3], np.clip(left, 0, x[:, 2]), rtol=1e-12, atol=1e-6)
                # statutory: late stages at the start of the month
                late = [stages.index(l) for l, k in zip(lines, kinds)
                        if k == 'late']
                cost = [unit[:, i] for i, k in enumerate(kinds) if k == 'late']
                if initial is None:
                    initial = x[0, 1]
                start = np.vstack([stocks[run_index, :-1][:, late]])
                want = (start * np.array(cost).T[1:]).sum(axis=1)
                np.testing.assert_allclose(x[1:, 1], want, rtol=1e-12)
                # places: (the grant + the council's paid cash) per place-year
                eh = lines.index('early_help')
                np.testing.assert_allclose(
                    places[run_index] * 12 * unit[:, eh],
                    300_000 + 12 * x[:, 3], rtol=1e-9)
            # with this seed the budget runs short in some runs (the runs'
            # own children decide it), and one overspends
            short = (b[:, :, 3] < b[:, :, 2]).any(axis=1)
            self.assertTrue(short.any() and not short.all(), short)
            self.assertLess(b[:, :, 4].min(), 0)
            # every run starts from the same children, so month 0 agrees
            np.testing.assert_allclose(b[:, 0, 1], initial, rtol=1e-12)


    def test_budget_pays_events_and_care_leavers_as_statutory(self):
        # a late cost per child taken into care, an early one per child
        # helped, and care leavers: the budget pays the late event and the
        # care leavers with the late stages, at the start of each month
        text = SMALL_FUNDED.replace(
            'into_care: {from: cin, to: looked_after, rate: 0.08}',
            'into_care: {from: cin, to: looked_after, rate: 0.08, '
            'cost: {per_child: 20000, intervention: late}}').replace(
            'helped: {from: universal, to: early_help, rate: 0.2}',
            'helped: {from: universal, to: early_help, rate: 0.2, '
            'cost: {per_child: 100, intervention: early}}') + CARE_LEAVERS
        src = self.path('paying.yaml')
        with open(src, 'w') as f:
            f.write(text)
        out = self.path('paying.h5')
        r = run('run', src, '-n', '4', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            g = f['scenarios/small']
            b = g['budget'][:]
            stages = names(f['dims/stage'])
            lines = names(f['dims/cost_line'])
            kinds = names(f['dims/cost_line_intervention'])
            moves = names(f['dims/transition'])
            unit = g['unit_costs'][:]
            stocks = g['stocks'][:].sum(axis=3)
            flows = g['flows'][:]
            leavers = g['care_leavers'][:]
        self.assertIn('event.into_care', lines)
        self.assertIn('event.helped', lines)
        late = [(stages.index(x), i) for i, (x, k) in enumerate(zip(lines, kinds))
                if k == 'late' and x in stages]
        event = lines.index('event.into_care')
        moved = moves.index('into_care')
        care = lines.index('care_leavers')
        for run_index in range(4):
            x = b[run_index]
            # the late stages at the start of month t (the end of t - 1)
            # at month t's prices; last month's events and care leavers
            # likewise
            want = sum(stocks[run_index, :-1, s] * unit[1:, i]
                       for s, i in late) \
                + flows[run_index, :-1, moved] * unit[1:, event] \
                + leavers[run_index, :-1] * unit[1:, care]
            np.testing.assert_allclose(x[1:, 1], want, rtol=1e-12)
        # against the same scenario without them, deterministic: the first
        # month adds those supported as care leavers at the base date (no
        # event before it), every later month more
        plain = self.path('plain.yaml')
        with open(plain, 'w') as f:
            f.write(SMALL_FUNDED)
        got = []
        for name in (plain, src):
            det = self.path('det.h5')
            r = run('run', name, '--deterministic', '-o', det, '-q', '--force')
            self.assertEqual(r.returncode, 0, r.stderr)
            with h5py.File(det) as f:
                got.append(f['scenarios/small/budget'][0])
                u = f['scenarios/small/unit_costs'][:]
        a, p = got
        self.assertAlmostEqual(p[0, 1] - a[0, 1], 300 * u[0, care], places=6)
        self.assertTrue((p[1:, 1] > a[1:, 1]).all())
        self.assertLess(p[-1, 4], a[-1, 4])  # fewer reserves left
        self.assertLessEqual(p[:, 3].sum(), a[:, 3].sum())  # less for help

    def test_headline_shows_the_budget(self):
        src = self.path('funded.yaml')
        with open(src, 'w') as f:
            f.write(SMALL_FUNDED)
        out = self.path('funded.h5')
        r = run('run', src, '-n', '6', '-o', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Budget during the financial year, £ cash: statutory '
                      'spend paid first, then the streams it pays', r.stdout)
        with h5py.File(out) as f:
            b = f['scenarios/small/budget'][:]
        short = (b[:, :, 3] < b[:, :, 2] * (1 - 1e-9)) | (b[:, :, 4] < 0)
        first = sorted(int(np.flatnonzero(x)[0]) for x in short if x.any())
        month = (2019 * 12 + 3 + first[(len(first) - 1) // 2])
        self.assertIn(f'({len(first)} of 6), from a median month of '
                      f'{month // 12}-{month % 12 + 1:02d}', r.stdout)
        # the reserves at the end of 2019/20: the median of the runs'
        reserves = np.median(b[:, 11, 4])
        row = [x for x in r.stdout.splitlines()
               if x.startswith('  reserves, year end')][0]
        self.assertIn(f'£{reserves / 1e3:.0f}k', row)
        # the full table and its CSV carry it by financial year
        r = run('summary', out)
        self.assertIn('Budget: statutory spend it paid first', r.stdout)
        csv = self.path('funded.csv')
        r = run('summary', out, '--csv', csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(csv) as f:
            rows = [x.split(',') for x in f.read().splitlines()
                    if ',budget_reserves_end,2019/20,' in x and
                    ',median,' in x]
        self.assertEqual(len(rows), 1)
        self.assertAlmostEqual(float(rows[0][-1]), reserves, delta=1e-6)
        # a scenario without a budget has no such panel
        r = run('run', self.small, '-n', '2', '-o', self.path('s.h5'))
        self.assertNotIn('Budget', r.stdout)


    def test_compare_shows_the_budgets_difference(self):
        base = self.path('funded.yaml')
        with open(base, 'w') as f:
            f.write(SMALL_FUNDED)
        alt = self.path('no-grant.yaml')
        with open(alt, 'w') as f:
            f.write('extends: funded.yaml\nname: no-grant\nlevers:\n'
                    '  stop: {from: 2020-01, funding: {stream: grant, '
                    'multiply: 0}}\n')
        out = self.path('pair.h5')
        r = run('run', base, alt, '-n', '8', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run('compare', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            ran_out = []
            for name in ('small', 'no-grant'):
                b = f[f'scenarios/{name}/budget'][:]
                short = (b[:, :, 3] < b[:, :, 2] * (1 - 1e-9)) | \
                    (b[:, :, 4] < 0)
                ran_out.append(int(short.any(axis=1).sum()))
            b = f['scenarios/small/budget'][:, 11, 4]
            a = f['scenarios/no-grant/budget'][:, 11, 4]
        self.assertIn('Budget during the financial year, £ cash', r.stdout)
        self.assertIn(f'reserves ran out in {ran_out[1]} of 8 runs, against '
                      f'{ran_out[0]} of the base', r.stdout)
        row = [x for x in r.stdout.splitlines()
               if x.startswith('  reserves, year end')][0]
        difference = np.median(a - b)
        shown = '£0' if difference == 0 else f'{difference / 1e3:+.0f}k'
        self.assertIn(shown.replace('+', '+£').replace('-', '-£')
                      if difference else shown, row)


class Compare(Workdir):
    """cascade compare: paired differences, NPV and payback from the file,
    written back safely."""

    def setUp(self):
        super().setUp()
        alt = SMALL.replace('name: small', 'name: small-alt').replace(
            'referral: {from: universal, to: cin, rate: 0.05}',
            'referral: {from: universal, to: cin, rate: 0.065}')
        self.alt = self.path('small-alt.yaml')
        with open(self.alt, 'w') as f:
            f.write(alt)
        self.out = self.path('both.h5')
        r = run('run', self.small, self.alt, '-n', '20', '-o', self.out,
                '-q')
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_npv_matches_the_file(self):
        csv = self.path('cmp.csv')
        r = run('compare', self.out, '--base', 'small', '--alt', 'small-alt',
                '--csv', csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('net present value', r.stdout)
        with h5py.File(self.out) as f:
            g = f['compare/small-alt_vs_small']
            self.assertEqual(g.attrs['base'], 'small')
            self.assertEqual(g.attrs['discount_rate'].shape, ())
            self.assertAlmostEqual(float(g.attrs['discount_rate']), 0.035)
            base = f['scenarios/small/spend'][:].sum(axis=2)   # [run, month]
            alt = f['scenarios/small-alt/spend'][:].sum(axis=2)
            deflator = f['scenarios/small/deflator'][:]
            real = (alt - base) / deflator[None, :]
            # months 0-11 are 2019/20, 12-23 2020/21, 24-25 2021/22
            yearly = np.stack([real[:, 0:12].sum(axis=1),
                               real[:, 12:24].sum(axis=1),
                               real[:, 24:26].sum(axis=1)], axis=1)
            npv = (yearly / 1.035 ** np.arange(3)[None, :]).sum(axis=1)
            np.testing.assert_allclose(g['npv'][:], npv, rtol=1e-9)
            p = float(g.attrs['probability_alt_costs_more'])
            self.assertEqual(p, float(np.mean(npv > 0)))
            self.assertEqual(g['stock'].shape, (20, 3, 3))
            for axis in range(3):
                self.assertGreater(len(g['money'].dims[axis]), 0)
        import csv as csvlib
        with open(csv, newline='') as f:
            header = f.readline().strip()
            rows = list(csvlib.DictReader(f, fieldnames=header.split(',')))
        self.assertEqual(header,
                         'base,alt,measure,financial_year,year_ending_march,'
                         'stage,units,statistic,value,price_base,'
                         'discount_rate,discount_schedule')
        for row in rows:
            # the price basis and rate on every row
            self.assertEqual(row['price_base'], '2019/20')
            self.assertEqual(float(row['discount_rate']), 0.035)
            self.assertEqual(row['discount_schedule'], GREEN_BOOK_TEXT)
            # a year label and its number for a spreadsheet to sort on
            label = row['financial_year']
            if re.fullmatch(r'\d{4}/\d\d', label):
                self.assertEqual(int(row['year_ending_march']),
                                 int(label[:4]) + 1, row)
            # pounds are whole pounds, children to a tenth: never 17 digits
            if row['units'].startswith('GBP'):
                self.assertRegex(row['value'], r'^-?\d+$', row)
            elif row['units'] == 'children':
                self.assertRegex(row['value'], r'^-?\d+\.\d$', row)
        self.assertIn('GBP (constant 2019/20 prices)',
                      {r['units'] for r in rows})
        by = {(r['measure'], r['statistic']): r for r in rows}
        npv_row = by[('npv_real_discounted', 'median')]
        self.assertEqual(npv_row['financial_year'], '2019/20 to 2021/22')
        self.assertEqual(int(npv_row['value']), round(float(np.median(npv))))
        self.assertEqual(float(by[('probability_alt_costs_more', 'value')][
            'value']), p)
        with h5py.File(self.out) as f:
            g = f['compare/small-alt_vs_small']
            payback = int(g.attrs['payback_year_of_median'])
            years = [y.decode() for y in g['financial_year'][:]]
        row = by[('payback_year_of_median', 'value')]
        if payback >= 0:
            self.assertEqual(row['financial_year'], years[payback])
            self.assertEqual(int(row['value']), int(years[payback][:4]) + 1)
        else:
            self.assertEqual((row['financial_year'], row['value']),
                             ('none', ''))
        self.assertIn(('share_of_runs_paying_back', 'value'), by)

    def test_discount_flag_and_defaults(self):
        r = run('compare', self.out, '--discount', '0', '--no-write')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("'small-alt' against 'small'", r.stdout)
        with h5py.File(self.out) as f:
            self.assertNotIn('compare', f)

    def test_scenarios_on_different_price_bases_are_refused(self):
        dearer = SMALL.replace('name: small', 'name: small-infl').replace(
            'general_inflation: 0.02', 'general_inflation: 0.03')
        path = self.path('small-infl.yaml')
        with open(path, 'w') as f:
            f.write(dearer)
        out = self.path('infl.h5')
        r = run('run', self.small, path, '-n', '3', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run('compare', out)
        self.assertEqual(r.returncode, 2)
        self.assertIn('priced on different bases', r.stderr)

    def test_bad_requests_exit_two_and_leave_the_file(self):
        before = digest(self.out)
        for args in (['--base', 'nope', '--alt', 'small'],
                     ['--base', 'small', '--alt', 'small'],
                     ['--discount', '-1'], ['--discount', 'abc']):
            r = run('compare', self.out, *args)
            self.assertEqual(r.returncode, 2, f'{args}: {r.stderr}')
            self.assertEqual(digest(self.out), before)
        r = run('compare', self.path('missing.h5'))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(self.leftovers(), [])


class GreenBookDiscount(Workdir):
    """compare (and its value of information) discounts by the Green Book's
    declining long-term rate by default: 3.5% to year 30, 3% from year 31
    (HM Treasury, The Green Book, Annex 6, Table 6.1)."""

    def pair(self, name, horizon):
        base = SMALL.replace('horizon_months: 26', f'horizon_years: {horizon}')
        alt = base.replace('name: small', 'name: small-alt').replace(
            'referral: {from: universal, to: cin, rate: 0.05}',
            'referral: {from: universal, to: cin, rate: 0.065}')
        paths = [self.path(f'{name}-base.yaml'), self.path(f'{name}-alt.yaml')]
        for path, text in zip(paths, (base, alt)):
            with open(path, 'w') as f:
                f.write(text)
        out = self.path(f'{name}.h5')
        r = run('run', *paths, '-n', '4', '-o', out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def compare(self, out, *args):
        csv = self.path('c.csv')
        voi = self.path('v.csv')
        r = run('compare', out, '--csv', csv, '--wtp', '50000', '--voi-csv',
                voi, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out) as f:
            g = f['compare/small-alt_vs_small']
            npv = g['npv'][:]
            money = g['money'][:]
            schedule = g.attrs['discount_schedule']
            voi_schedule = g['voi'].attrs['discount_schedule']
            cost = g['voi/cost'][:]
            years = g['voi/child_years_looked_after'][:]
        with open(csv) as f:
            rows = list(csvlib.DictReader(f))
        return dict(stdout=without_footer(r.stdout), npv=npv, money=money,
                    schedule=schedule, voi_schedule=voi_schedule, cost=cost,
                    years=years, rows=rows)

    def test_horizons_of_30_years_give_the_constant_rates_figures(self):
        out = self.pair('short', 30)
        with h5py.File(out) as f:
            self.assertEqual(f['scenarios/small'].attrs['discount_schedule'],
                             GREEN_BOOK_TEXT)
            self.assertEqual(float(f['scenarios/small'].attrs[
                'discount_rate']), 0.035)
        default = self.compare(out)
        constant = self.compare(out, '--discount', '3.5%')
        self.assertEqual(default['schedule'], GREEN_BOOK_TEXT)
        self.assertEqual(default['voi_schedule'], GREEN_BOOK_TEXT)
        self.assertEqual(constant['schedule'], '0:0.035')
        # the same numbers to the bit, the same text
        for k in ('npv', 'money', 'cost', 'years'):
            self.assertTrue(np.array_equal(default[k], constant[k]), k)
        self.assertEqual(default['stdout'], constant['stdout'])
        self.assertIn('discounted at 3.5% a year', default['stdout'])
        strip = [{k: v for k, v in row.items() if k != 'discount_schedule'}
                 for row in default['rows']]
        self.assertEqual(strip, [{k: v for k, v in row.items()
                                  if k != 'discount_schedule'}
                                 for row in constant['rows']])
        self.assertEqual({r['discount_schedule'] for r in default['rows']},
                         {GREEN_BOOK_TEXT})

    def test_year_31_is_discounted_at_3_percent(self):
        out = self.pair('long', 40)
        default = self.compare(out)
        constant = self.compare(out, '--discount', '3.5%')
        self.assertIn('discounted at 3.5% a year to year 30, 3% from year 31',
                      default['stdout'])
        with h5py.File(out) as f:
            names = [x.decode() for x in
                     f['compare/small-alt_vs_small/measure'][:]]
        net = default['money'][:, :, names.index('net_real')]
        cum = default['money'][:, :, names.index('cumulative_discounted_net_real')]
        n = net.shape[1]
        self.assertGreater(n, 32)
        # the closed form: 1.035^y to year 30, 1.035^30 x 1.03^(y - 30) after
        y = np.arange(n)
        divisor = np.where(y <= 30, 1.035 ** y, 1.035 ** 30 * 1.03 ** (y - 30))
        np.testing.assert_allclose(default['npv'], (net / divisor).sum(axis=1),
                                   rtol=1e-12, atol=1e-3)
        # year 31's factor: its step of the cumulative discounted net
        step = cum[:, 31] - cum[:, 30]
        np.testing.assert_allclose(step, net[:, 31] / (1.035 ** 30 * 1.03),
                                   rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(cum[:, 30], (net[:, :31] / 1.035 **
                                                y[:31]).sum(axis=1),
                                   rtol=1e-12, atol=1e-3)
        # a lower rate weighs the later years more: the NPVs differ by
        # exactly those years' extra weight
        flat = (net / 1.035 ** y).sum(axis=1)
        np.testing.assert_allclose(constant['npv'], flat, rtol=1e-12, atol=1e-3)
        extra = (net[:, 31:] * (1 / divisor[31:] - 1 / 1.035 ** y[31:])).sum(1)
        np.testing.assert_allclose(default['npv'] - constant['npv'], extra,
                                   rtol=1e-9, atol=1e-3)
        self.assertTrue((np.abs(extra) > 0).all())
        # the value of information's cost is the same NPV of each option
        self.assertFalse(np.array_equal(default['cost'], constant['cost']))
        np.testing.assert_allclose(default['cost'][:, 1] - default['cost'][:, 0],
                                   default['npv'], rtol=1e-9, atol=1e-2)
        # --discount green_book is the default
        given = self.compare(out, '--discount', 'green_book')
        self.assertTrue(np.array_equal(given['npv'], default['npv']))

    def test_a_constant_scenario_rate_stays_constant(self):
        out = self.pair('flat', 40)
        with h5py.File(out) as f:
            g = f['scenarios/small']
            self.assertEqual(g.attrs['discount_schedule'], GREEN_BOOK_TEXT)
        # a scenario that says discount_rate: 0.035 is discounted at 3.5%
        # for every year
        flat = SMALL.replace('horizon_months: 26', 'horizon_years: 40').replace(
            'general_inflation: 0.02}',
            'general_inflation: 0.02, discount_rate: 0.035}')
        path = self.path('flat.yaml')
        with open(path, 'w') as f:
            f.write(flat)
        one = self.path('one.h5')
        r = run('run', path, '-n', '2', '-o', one, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(one) as f:
            self.assertEqual(f['scenarios/small'].attrs['discount_schedule'],
                             '0:0.035')
        for bad in ('green', '1', '-0.1'):
            text = flat.replace('discount_rate: 0.035', f'discount_rate: {bad}')
            with open(path, 'w') as f:
                f.write(text)
            r = run('validate', path)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn('economics.discount_rate', r.stderr)
            self.assertIn('green_book', r.stderr)
        r = run('compare', out, '--discount', 'golden')
        self.assertEqual(r.returncode, 2)
        self.assertIn('green_book', r.stderr)


class SummaryAndExport(Workdir):
    """summary and export read the documented file and agree with it."""

    def setUp(self):
        super().setUp()
        self.out = self.path('s.h5')
        r = run('run', self.small, '-n', '7', '-o', self.out, '-q')
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_summary_csv_matches_the_file(self):
        csv = self.path('summary.csv')
        r = run('summary', self.out, '--csv', csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("scenario 'small'", r.stdout)
        with open(csv) as f:
            header = f.readline().strip().split(',')
            rows = [line.strip().split(',') for line in f]
        self.assertEqual(header, ['scenario', 'measure', 'year', 'stage',
                                  'units', 'statistic', 'value'])
        # 3 top-level stages x 3 measures + 4 spend measures, 3 years,
        # 3 statistics
        self.assertEqual(len(rows), (3 * 3 + 4) * 3 * 3)
        with h5py.File(self.out) as f:
            stocks = f['scenarios/small/stocks'][:]
            spend = f['scenarios/small/spend'][:]
            deflator = f['scenarios/small/deflator'][:]
        lac = stocks[:, 11, 2:4, :].sum(axis=(1, 2))     # 31 March 2020
        want = np.median(lac)
        got = [float(r[6]) for r in rows
               if r[1] == 'stock_31_march' and r[2] == '2019/20'
               and r[3] == 'looked_after' and r[5] == 'median']
        self.assertEqual(len(got), 1)
        self.assertAlmostEqual(got[0], want, places=6)
        late_real = (spend[:, 12:24, 1] / deflator[None, 12:24]).sum(axis=1)
        got = [float(r[6]) for r in rows
               if r[1] == 'spend_late_real' and r[2] == '2020/21'
               and r[5] == 'p95']
        self.assertAlmostEqual(got[0], float(np.quantile(late_real, 0.95)),
                               delta=1e-6 * abs(got[0]))

    def test_export_streams_every_value(self):
        d = self.path('csv')
        r = run('export', self.out, '--csv', d)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.out) as f:
            stocks = f['scenarios/small/stocks'][:]
            flows = f['scenarios/small/flows'][:]
        with open(os.path.join(d, 'stocks.csv')) as f:
            self.assertEqual(f.readline().strip(),
                             'scenario,run,month,stage,age,children')
            values = np.array([float(line.rsplit(',', 1)[1]) for line in f])
        np.testing.assert_array_equal(values, stocks.reshape(-1))
        with open(os.path.join(d, 'flows.csv')) as f:
            f.readline()
            values = np.array([float(line.rsplit(',', 1)[1]) for line in f])
        np.testing.assert_array_equal(values, flows.reshape(-1))
        # existing CSVs are kept unless --force
        r = run('export', self.out, '--csv', d)
        self.assertEqual(r.returncode, 2)
        self.assertIn('--force', r.stderr)
        r = run('export', self.out, '--csv', d, '--force')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.leftovers(), [])

    def test_untrusted_files_get_a_clear_message(self):
        """summary, compare and export on a truncated, corrupt, foreign or
        newer-format file: exit 2 and one line saying what is wrong."""
        with open(self.out, 'rb') as f:
            whole = f.read()
        truncated = self.path('truncated.h5')
        with open(truncated, 'wb') as f:
            f.write(whole[:len(whole) // 3])
        corrupt = self.path('corrupt.h5')
        with open(corrupt, 'wb') as f:
            f.write(whole[:4096] + bytes(4096) + whole[8192:])
        foreign = self.path('foreign.h5')
        with h5py.File(foreign, 'w') as f:
            f['x'] = np.arange(3)
        newer = self.path('newer.h5')
        with open(newer, 'wb') as f:
            f.write(whole)
        with h5py.File(newer, 'a') as f:
            f.attrs['format_version'] = np.int32(99)
        for bad in (truncated, corrupt, foreign, newer):
            for args in (['summary', bad], ['compare', bad, '--no-write'],
                         ['export', bad, '--csv', self.path('x')]):
                with self.subTest(file=os.path.basename(bad), cmd=args[0]):
                    r = run(*args)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    lines = r.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, r.stderr)
                    self.assertIn(os.path.basename(bad), lines[0])

    def test_bad_input_exits_two(self):
        for args in (['summary', self.path('nope.h5')],
                     ['summary', self.small],
                     ['summary', self.out, '--scenario', 'other'],
                     ['export', self.path('nope.h5'), '--csv', self.dir],
                     ['export', self.out],
                     ['summary']):
            r = run(*args)
            self.assertEqual(r.returncode, 2, f'{args}: {r.stderr}')
            self.assertTrue(r.stderr.strip())


class ShippedWhatIfs(Workdir):
    """Direction checks on the shipped what-ifs, in expected values: each
    moves early help spend and late-intervention stocks the way its
    mechanism says, with the lag it says."""

    @classmethod
    def setUpClass(cls):
        cls.tmp_class = tempfile.TemporaryDirectory()
        scenarios = os.path.join(os.path.dirname(DATA), '..', 'scenarios')
        names = ['england-baseline', 'troubled-families-withdrawal',
                 'early-help-reinvestment', 'family-safeguarding',
                 'residential-price-inflation']
        cls.out = os.path.join(cls.tmp_class.name, 'whatifs.h5')
        r = run('run', *[os.path.join(scenarios, n + '.yaml') for n in names],
                '--deterministic', '-q', '-o', cls.out)
        assert r.returncode == 0, r.stderr
        cls.f = h5py.File(cls.out)
        stages = [x.decode() if isinstance(x, bytes) else x
                  for x in cls.f['dims/stage'][:]]
        cls.late = [i for i, x in enumerate(stages)
                    if x.split('.')[0] in ('cin', 'cp', 'looked_after')]
        cls.care = [i for i, x in enumerate(stages)
                    if x.startswith('looked_after.')]

    @classmethod
    def tearDownClass(cls):
        cls.f.close()
        cls.tmp_class.cleanup()

    def yearly(self, name, what):
        g = self.f['scenarios/' + name]
        if what == 'early_spend':
            return g['spend'][0, :, 0].reshape(10, 12).sum(axis=1)
        if what == 'late_spend':
            return g['spend'][0, :, 1].reshape(10, 12).sum(axis=1)
        idx = self.late if what == 'late_stock' else self.care
        march = g['stocks'][0, 11::12].sum(axis=2)      # [year, stage]
        return march[:, idx].sum(axis=1)

    def diff(self, alt, what):
        return self.yearly(alt, what) - self.yearly('england-baseline', what)

    def test_withdrawal(self):
        early = self.diff('troubled-families-withdrawal', 'early_spend')
        late = self.diff('troubled-families-withdrawal', 'late_stock')
        # nothing changes while the grant is paid (2019/20, 2020/21)
        np.testing.assert_allclose(early[:2], 0, atol=1e-6)
        np.testing.assert_allclose(late[:2], 0, atol=1e-6)
        # early help spend falls at once, in the first year without it
        self.assertLess(early[2], -1e6)
        # late-intervention stocks rise from then on; the looked-after
        # stock, at the end of the chain, after a lag: its rise in year 10
        # is more than twice that in the first year
        self.assertTrue(np.all(late[2:] > 0), late)
        care = self.diff('troubled-families-withdrawal', 'care')
        self.assertGreater(care[2], 0)
        self.assertGreater(care[9], 2 * care[2])

    def test_reinvestment(self):
        early = self.diff('early-help-reinvestment', 'early_spend')
        late = self.diff('early-help-reinvestment', 'late_stock')
        np.testing.assert_allclose(early[:2], 0, atol=1e-6)
        self.assertGreater(early[2], 1e6)
        self.assertTrue(np.all(late[2:] < 0), late)
        care = self.diff('early-help-reinvestment', 'care')
        self.assertLess(care[2], 0)
        self.assertLess(care[9], 2 * care[2])

    def test_family_safeguarding_and_prices(self):
        self.assertLess(self.diff('family-safeguarding', 'care')[9], 0)
        self.assertLess(self.diff('family-safeguarding', 'late_spend')[9], 0)
        # residential prices: same children, more money, growing each year
        np.testing.assert_allclose(
            self.diff('residential-price-inflation', 'late_stock'), 0,
            atol=1e-6)
        extra = self.diff('residential-price-inflation', 'late_spend')
        self.assertEqual(extra[0], 0)
        self.assertTrue(np.all(np.diff(extra) > 0))


if __name__ == '__main__':
    CASCADE = os.path.abspath(sys.argv[1])
    DATA = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
