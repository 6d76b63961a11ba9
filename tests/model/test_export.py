#!/usr/bin/python3
"""`cascade model --export` (docs/model-export.md): the export round-trips
(the expected path bench/numpy_stepper.py computes from the exported tables
is `cascade run --deterministic`'s, within rounding), the tables are what
the manifest says, and bad input exits 2 without touching an earlier export.

usage: test_export.py CASCADE_BINARY BENCH_DIR [unittest args]
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

CASCADE = None

# April ageing, an arrival stream, a stage with places overflowing into
# another, a programme and a lever (so several epochs): the parts of a
# month the England baseline does not use.
SMALL = """\
name: small
base_date: 2019-04
horizon_months: 30
seed: 5
ageing: april
marks:
  known: {label: known before}
  served: {label: served by the programme}
economics: {price_base: 2019/20, general_inflation: 0.02}
funding:
  grant: {per_year: 500_000}
  council: {per_year: 1_000_000}
stages:
  universal: {intervention: none}
  early_help:
    intervention: early
    unit_cost: {per_year: 2000}
    capacity: {funded_by: [grant, council], when_full: {to: universal}}
  cin: {intervention: late, unit_cost: {per_year: 5000}}
  looked_after:
    intervention: late
    placements:
      foster:
        entry_share: 0.7
        unit_cost: {per_week: 700}
        capacity: {places: 120, when_full: {to: looked_after.residential}}
      residential: {entry_share: 0.3, unit_cost: {per_year: 250000}}
population:
  total: 18000
  remainder: universal
  stages:
    early_help: {count: 900}
    cin: {count: 900}
    looked_after:
      count: 180
      placements: {foster: 140, residential: 40}
births:
  per_year: 1000
arrivals:
  uasc:
    to: looked_after
    per_year: 30
    age_shares:
      - {ages: 0-13, share: 0}
      - {ages: 14-17, share: 1}
transitions:
  need: {from: universal, to: early_help, rate: 0.1}
  help_ends: {from: early_help, to: universal, rate: 1.5, sets: [known]}
  referral: {from: universal, to: cin, rate: 0.05}
  closed: {from: cin, to: universal, rate: 1.5, sets: [known]}
  into_care:
    from: cin
    to: looked_after
    rate: 0.08
    by_duration: [{months: 0-2, factor: 2}, {months: 3+, factor: 1}]
  home: {from: looked_after, to: universal, rate: 0.4, sets: [known]}
programmes:
  family_support: {stage: early_help, funded_by: grant, mark: served}
levers:
  more_care:
    from: 2020-01
    ramp_months: 3
    rate: {transition: into_care, multiply: 1.3}
"""


def run(*args):
    return subprocess.run([CASCADE, *args], capture_output=True, text=True,
                          timeout=600)


class Export(unittest.TestCase):
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

    def export(self, scenario, name):
        out = self.path(name)
        r = run('model', *([scenario] if scenario else []), '--export', '-o',
                out)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def deterministic(self, scenario, name):
        h5 = self.path(name + '.h5')
        r = run('run', *([scenario] if scenario else []), '--deterministic',
                '-q', '-o', h5)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(h5) as f:
            group = f['scenarios'][list(f['scenarios'])[0]]
            return group['stocks'][0]

    def round_trip(self, scenario, name):
        out = self.export(scenario, name)
        model = numpy_stepper.Model(out)
        ours = model.deterministic()
        theirs = self.deterministic(scenario, name)
        self.assertEqual(ours.shape, theirs.shape)
        scale = np.maximum(np.abs(theirs), 1.0)
        worst = float(np.max(np.abs(ours - theirs) / scale))
        self.assertLess(worst, 1e-9,
                        f'{name}: numpy from the export differs from cascade '
                        f'run --deterministic by {worst:.3g} (relative)')
        return model, ours

    def test_england_baseline_round_trips(self):
        model, stocks = self.round_trip(None, 'england')
        self.assertEqual(model.manifest['scenario'], 'england-baseline')
        self.assertEqual(model.n_c, 1656)
        self.assertGreater(model.looked_after(stocks), 50_000)

    def test_april_ageing_arrivals_capacity_programmes_round_trip(self):
        model, stocks = self.round_trip(self.small, 'small')
        man = model.manifest
        self.assertEqual(man['ageing'], 'april')
        self.assertGreater(man['epochs'], 1)
        self.assertEqual(len(man['programmes']), 1)
        self.assertEqual(len(model.t['capacity_stage']), 2)
        self.assertGreater(len(model.t['arrival_compartment']), 0)
        # the stages with places were full some months (so the round trip
        # checked turning away and the programme's admissions)
        for j, stage in enumerate(model.t['capacity_stage']):
            held = stocks[:, stage, :].sum(axis=1)
            self.assertTrue(np.any(held >= model.t['places'][:, j] - 1e-6),
                            man['stages'][stage]['id'])

    def test_tables_are_what_the_manifest_says(self):
        out = self.export(self.small, 'tables')
        with open(os.path.join(out, 'manifest.json')) as f:
            man = json.load(f)
        self.assertEqual(man['format'], 'cascade-model')
        self.assertEqual(man['format_version'], 1)
        files = {e for e in os.listdir(out)}
        self.assertEqual(files, {t['file'] for t in man['tables'].values()} |
                         {'manifest.json'})
        for name, t in man['tables'].items():
            a = np.load(os.path.join(out, t['file']))
            self.assertEqual(list(a.shape), t['shape'], name)
            self.assertEqual(str(a.dtype), t['dtype'], name)
            self.assertEqual(len(t['dims']), a.ndim, name)
        n = man['compartments']
        first = np.load(os.path.join(out, 'first_outcome.npy'))
        p = np.load(os.path.join(out, 'outcome_p.npy'))
        self.assertEqual(first[-1], man['outcomes'])
        sums = np.add.reduceat(p, first[:-1], axis=1)
        self.assertEqual(sums.shape, (man['epochs'], n))
        np.testing.assert_allclose(sums, 1.0, atol=1e-9)

    def test_bad_input_exits_two_and_keeps_the_earlier_export(self):
        out = self.export(self.small, 'kept')
        manifest = os.path.join(out, 'manifest.json')
        with open(manifest, 'rb') as f:
            before = f.read()
        r = run('model', self.small, '--export', '-o', out)
        self.assertEqual(r.returncode, 2)
        self.assertIn('exists', r.stderr)
        a_file = self.path('a-file')
        open(a_file, 'w').close()
        bad = self.path('bad.yaml')
        with open(bad, 'w') as f:
            f.write(SMALL.replace('rate: 0.05', 'rate: -0.05'))
        for args in (['--export'], ['-o', out], [self.small, '--export', '-o',
                                                 a_file],
                     [bad, '--export', '-o', out, '--force'],
                     [self.small, self.small, '--export', '-o', out]):
            r = run('model', *args)
            self.assertEqual(r.returncode, 2, f'{args}: {r.stderr}')
            self.assertTrue(r.stderr.strip(), args)
        self.assertRegex(run('model', bad).stderr, r'bad\.yaml:\d+:\d+: ')
        # a budget's places depend on each run: no tables can say them
        budget = self.path('budget.yaml')
        with open(budget, 'w') as f:
            f.write(SMALL + 'budget: {per_year: 1_000_000, growth: 0}\n')
        r = run('model', budget, '--export', '-o', out, '--force')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('has a budget', r.stderr)
        # nor can they say rates that follow each run's caseload
        caseload = self.path('caseload.yaml')
        with open(caseload, 'w') as f:
            f.write(SMALL.replace(
                "  closed: {from: cin, to: universal, rate: 1.5, "
                "sets: [known]}",
                "  closed: {from: cin, to: universal, rate: 1.5, "
                "sets: [known],\n"
                "           caseload: {workforce: sw, elasticity: -0.5}}") +
                'workforce:\n  sw: {stages: [cin], per_year: 50, '
                'reference_caseload: 18}\n')
        self.assertEqual(run('model', caseload).returncode, 0)
        r = run('model', caseload, '--export', '-o', out, '--force')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('depend on a caseload (workforce: sw)', r.stderr)
        # nor a fill: its admissions depend on each month's spare places
        filled = self.path('fill.yaml')
        text = SMALL.replace(
            'capacity: {funded_by: [grant, council], when_full: {to: '
            'universal}}',
            'capacity: {funded_by: [grant, council], when_full: {to: '
            'universal}, fill: {from: universal}}')
        self.assertIn('fill:', text)
        with open(filled, 'w') as f:
            f.write(text)
        r = run('model', filled, '--export', '-o', out, '--force')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('capacity.fill', r.stderr)
        with open(manifest, 'rb') as f:
            self.assertEqual(f.read(), before)
        self.assertFalse([e for e in os.listdir(out) if e.endswith('.tmp')])
        r = run('model', '--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--export', r.stdout)
        # --force replaces it
        r = run('model', '--export', '-o', out, '--force')
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(manifest) as f:
            self.assertEqual(json.load(f)['scenario'], 'england-baseline')


if __name__ == '__main__':
    CASCADE = os.path.abspath(sys.argv[1])
    sys.path.insert(0, sys.argv[2])
    import numpy_stepper  # noqa: E402 (bench/, given on the command line)
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:])
