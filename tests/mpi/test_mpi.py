#!/usr/bin/python3
"""The MPI build: `mpirun -np N cascade run` splits the runs among the ranks
and writes one file collectively; every dataset must equal, bit for bit,
the file one process writes with the same seed (the same binary run without
mpirun). Bad input is reported once, with exit status 2, and leaves no file.

usage: test_mpi.py CASCADE MPIRUN SCENARIO_DIR [unittest args]
"""
import glob
import os
import subprocess
import sys
import tempfile
import unittest

import h5py

CASCADE = MPIRUN = SCENARIOS = None


def mpirun(n, *args):
    return subprocess.run([MPIRUN, '--allow-run-as-root', '--oversubscribe',
                           '-np', str(n), CASCADE, *args],
                          capture_output=True, text=True, timeout=600)


def alone(*args):
    return subprocess.run([CASCADE, *args], capture_output=True, text=True,
                          timeout=600)


def datasets(path):
    found = {}
    with h5py.File(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                value = obj[()]
                found[name] = (obj.shape, value.tolist()
                               if value.dtype.kind == 'O' else value.tobytes())
        f['scenarios'].visititems(visit)
        root = {k: f.attrs[k] for k in ('seed', 'parameter_uncertainty',
                                        'process_noise', 'scenario_yaml')}
    return found, root


class Mpi(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def same_as_one_process(self, ranks, *args):
        one, many = self.path('one.h5'), self.path(f'np{ranks}.h5')
        r = alone('run', *args, '-q', '-o', one)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = mpirun(ranks, 'run', *args, '-q', '-o', many)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        (a, ra), (b, rb) = datasets(one), datasets(many)
        self.assertEqual(sorted(a), sorted(b))
        for name in a:
            self.assertEqual(a[name], b[name], name)
        self.assertEqual(ra, rb)
        self.assertEqual(glob.glob(self.path('*.tmp-*')), [])
        return a

    def test_two_ranks_uncertain_parameters(self):
        got = self.same_as_one_process(
            2, os.path.join(SCENARIOS, 'england-baseline-uncertain.yaml'),
            '-n', '6', '--seed', '7')
        self.assertIn('england-baseline-uncertain/params', got)
        self.assertIn('england-baseline-uncertain/summary/quantiles', got)

    def test_three_ranks_unequal_shares_two_scenarios(self):
        # 5 runs on 3 ranks: 2, 2 and 1
        got = self.same_as_one_process(
            3, os.path.join(SCENARIOS, 'england-baseline.yaml'),
            os.path.join(SCENARIOS, 'troubled-families-withdrawal.yaml'),
            '-n', '5', '--seed', '3')
        # what the baseline was fitted to, written by rank 0 with the group
        for name in ('england-baseline', 'troubled-families-withdrawal'):
            self.assertIn(name + '/fit_figures/published', got)
            self.assertIn(name + '/fit_figures/fitted', got)

    def test_three_ranks_a_budget_beside_no_budget(self):
        # 5 runs on 3 ranks; the budget's record comes through the rounds
        got = self.same_as_one_process(
            3, os.path.join(SCENARIOS, 'england-baseline.yaml'),
            os.path.join(SCENARIOS, 'england-budget.yaml'),
            '-n', '5', '--seed', '3')
        self.assertIn('england-budget/budget', got)
        self.assertNotIn('england-baseline/budget', got)

    def test_more_ranks_than_runs(self):
        self.same_as_one_process(
            3, os.path.join(SCENARIOS, 'family-safeguarding.yaml'),
            '-n', '2', '--seed', '11')

    def test_table_is_printed_once(self):
        r = mpirun(2, 'run', '-n', '4', '-o', self.path('t.h5'))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("scenario 'england-baseline'"), 1)
        self.assertEqual(r.stdout.count('Fit years, children at 31 March'), 1)
        self.assertIn('over 4 runs', r.stdout)

    def test_bad_input_once_exit_two_no_file(self):
        bad = self.path('bad.yaml')
        with open(bad, 'w') as f:
            f.write('name: bad\nbase_date: 2019-13\n')
        out = self.path('bad.h5')
        r = mpirun(2, 'run', bad, '-o', out)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stderr.count('bad.yaml:2:'), 1, r.stderr)
        self.assertFalse(os.path.exists(out))
        for args in (['-n', '4', '--resume'], ['-n', '4', '--runs', '0:1'],
                     ['--deterministic']):
            r = mpirun(2, 'run', '-o', out, *args)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertEqual(r.stderr.count('for one process'), 1, r.stderr)
            self.assertFalse(os.path.exists(out))

    def test_sigterm_to_the_ranks_leaves_a_valid_file(self):
        # as a scheduler stops a job: SIGTERM to every rank
        import signal
        import time
        out = self.path('stopped.h5')
        p = subprocess.Popen([MPIRUN, '--allow-run-as-root', '--oversubscribe',
                              '-np', '2', CASCADE, 'run', '-n', '3000', '-q',
                              '-o', out], stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not glob.glob(out + '.tmp-*') and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(4)  # a round or more of runs
        ranks = subprocess.run(['pgrep', '-P', str(p.pid), '-f', 'cascade'],
                               capture_output=True, text=True).stdout.split()
        self.assertEqual(len(ranks), 2, ranks)
        for pid in ranks:
            os.kill(int(pid), signal.SIGTERM)
        _, err = p.communicate(timeout=300)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(err.count('stopped by signal 15'), 1, err)
        # an incomplete batch is saved beside the target, never as it
        self.assertFalse(os.path.exists(out))
        with h5py.File(out + '.partial') as f:
            g = f['scenarios/england-baseline']
            done = int(g['run_done'][:].sum())
            self.assertGreater(done, 0)
            self.assertLess(done, 3000)
            self.assertEqual(g['summary'].attrs['n_runs_summarised'], done)
        self.assertEqual(glob.glob(self.path('*.tmp-*')), [])

    def test_without_mpirun_it_is_the_serial_program(self):
        r = alone('run', '-n', '3', '-q', '-o', self.path('s.h5'))
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == '__main__':
    CASCADE = os.path.abspath(sys.argv[1])
    MPIRUN = sys.argv[2]
    SCENARIOS = os.path.abspath(sys.argv[3])
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)
