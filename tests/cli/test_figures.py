#!/usr/bin/python3
"""The published figures beside the fitted model for the fit years (issue
12): a fitted scenario's fit.figures reach its output file
(/scenarios/<name>/fit_figures, docs/output-format.md) through a run, a
resumed or extended batch and a merge of slices; `cascade run` prints the
children at 31 March published beside fitted, once for a what-if that
shares them; `cascade summary` prints every measure and writes them as CSV
rows; a scenario that was not fitted has none; a damaged record is refused.

usage: test_figures.py CASCADE_BINARY SOURCE_ROOT
"""
import csv
import math
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import yaml

CASCADE = ROOT = None


def run(*args, cwd=None):
    return subprocess.run([CASCADE, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def shipped(name):
    return os.path.join(ROOT, 'scenarios', name)


def published_england(measure, year):
    with open(shipped(os.path.join('data', 'england-csc-2013-2019.csv')),
              newline='') as f:
        for row in csv.DictReader(f):
            if row['year_to_31_march'] == str(year):
                return float(row[measure])
    raise KeyError((measure, year))


def baseline_figures():
    with open(shipped('england-baseline.yaml')) as f:
        return yaml.safe_load(f)['fit']['figures']


def file_figures(path, scenario='england-baseline'):
    """{measure: (kind, {year: (published, fitted)})} and the attributes."""
    with h5py.File(path, 'r') as f:
        g = f['scenarios'][scenario]['fit_figures']
        years = list(g['year'][...])
        out = {}
        for i, m in enumerate(g['measure'].asstr()[...]):
            out[m] = (g['measure_kind'].asstr()[i],
                      {int(y): (g['published'][i, k], g['fitted'][i, k])
                       for k, y in enumerate(years)})
        return out, dict(g.attrs)


class Figures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.h5 = os.path.join(cls.dir, 'out.h5')
        # the baseline and a what-if that extends it, in one file
        cls.result = run('run', shipped('england-baseline.yaml'),
                      shipped('troubled-families-withdrawal.yaml'),
                      '-n', '2', '-o', cls.h5)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_the_file_records_what_the_scenario_was_fitted_to(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        got, attrs = file_figures(self.h5)
        record = baseline_figures()
        self.assertEqual(attrs['area_code'], 'E92000001')
        self.assertEqual(attrs['area_name'], 'England')
        self.assertEqual(attrs['source'], record['source'])
        self.assertEqual((attrs['window_first'], attrs['window_last']),
                         (2013, 2019))
        self.assertEqual(sorted(got), sorted(s['measure']
                                             for s in record['series']))
        for s in record['series']:
            kind, by_year = got[s['measure']]
            for k, y in enumerate(range(2013, 2020)):
                i = y - s['from']
                want = [lst[i] if 0 <= i < len(lst) and lst[i] is not None
                        else math.nan for lst in (s['published'], s['fitted'])]
                for w, g in zip(want, by_year[y]):
                    if math.isnan(w):
                        self.assertTrue(math.isnan(g), (s['measure'], y))
                    else:
                        self.assertEqual(g, w, (s['measure'], y))
        # what the published files say, with each figure's kind
        self.assertEqual(got['cla_31_march'][0], 'stock')
        self.assertEqual(got['referrals'][0], 'flow')
        self.assertEqual(got['population_0_17'][0], 'population')
        for y in range(2013, 2020):
            self.assertEqual(got['cla_31_march'][1][y][0],
                             published_england('cla_31_march', y))
        # the start is published, not fitted; nothing after March 2019
        self.assertTrue(math.isnan(got['cla_31_march'][1][2013][1]))
        self.assertTrue(all(y <= 2019 for _, v in got.values() for y in v))
        # the what-if extends the baseline: the same record
        self.assertEqual(file_figures(self.h5,
                                      'troubled-families-withdrawal')[0].keys(),
                         got.keys())

    def test_the_run_prints_published_beside_fitted_once(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        out = self.result.stdout
        self.assertIn("Fit years, children at 31 March: the figures England "
                      "published and the fitted model's", out)
        lines = out.splitlines()
        years = next(line for line in lines if line.strip().startswith(
            '2014 ')).split()
        self.assertEqual(years, [str(y) for y in range(2014, 2020)], out)
        series = {s['measure']: s for s in baseline_figures()['series']}
        for label, measure in (('looked after', 'cla_31_march'),
                               ('on a CP plan', 'cpp_31_march'),
                               ('in need (all CIN)', 'cin_31_march')):
            at = next(i for i, line in enumerate(lines)
                      if line.startswith('  ' + label + ' ') and
                      'published' in line)
            published = lines[at].split()[-6:]
            fitted = lines[at + 1].split()
            self.assertEqual(fitted[0], 'fitted', out)
            s = series[measure]
            self.assertEqual(published, ['{:,.0f}'.format(v) for v in
                                         s['published'][-6:]], label)
            # rounded half up, as the program does (C's round)
            self.assertEqual(fitted[1:], ['{:,d}'.format(math.floor(v + 0.5))
                                          for v in s['fitted'][-6:]], label)
            self.assertEqual(published[-1], '{:,.0f}'.format(
                published_england(measure, 2019)))
        # once: the what-if extends the baseline and shares its figures
        self.assertEqual(out.count('Fit years, children at 31 March'), 1, out)
        self.assertIn("Fitted to the same figures as 'england-baseline' "
                      "(above)", out)

    def test_summary_prints_and_writes_every_figure(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        out = self.path('summary.csv')
        p = run('summary', self.h5, '--scenario', 'england-baseline',
                '--csv', out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('referrals (flow during the year to 31 March, '
                      'referrals)', p.stdout)
        self.assertIn('cla_31_march (stock at 31 March, children)', p.stdout)
        self.assertIn('population_0_17 (the ONS mid-year estimate used for '
                      'the year, children)', p.stdout)
        with open(out, newline='') as f:
            rows = [r for r in csv.DictReader(f)
                    if r['statistic'] in ('published', 'fitted')]
        got = {(r['measure'], r['year'], r['statistic']): float(r['value'])
               for r in rows}
        # the DfE year to 31 March 2019 is the financial year 2018/19
        self.assertEqual(got[('cla_31_march', '2018/19', 'published')], 78140)
        self.assertEqual(got[('referrals', '2013/14', 'published')],
                         published_england('referrals', 2014))
        self.assertNotIn(('referrals', '2012/13', 'published'), got)
        self.assertNotIn(('cla_31_march', '2012/13', 'fitted'), got)
        self.assertEqual(got[('cla_31_march', '2012/13', 'published')], 68060)
        self.assertEqual({r['units'] for r in rows if r['measure'] ==
                          'cpp_starts'}, {'plans'})

    def test_a_scenario_not_fitted_records_none(self):
        h5 = self.path('structure.h5')
        p = run('run', shipped('england-structure.yaml'), '--deterministic',
                '-o', h5)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn('Fitted to', p.stdout)
        with h5py.File(h5, 'r') as f:
            self.assertNotIn('fit_figures',
                             f['scenarios/england-structure'])
        p = run('summary', h5)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn('Fitted to', p.stdout)

    def test_slices_merged_resumed_and_extended_keep_the_record(self):
        a, b = self.path('a.h5'), self.path('b.h5')
        for part, runs in ((a, '0:1'), (b, '2:3')):
            p = run('run', '-n', '4', '--runs', runs, '-o', part)
            self.assertEqual(p.returncode, 0, p.stderr)
        merged = self.path('merged.h5')
        p = run('merge', a, b, '-o', merged)
        self.assertEqual(p.returncode, 0, p.stderr)
        want = file_figures(self.h5)
        self.assertEqual(file_figures(merged)[1], want[1])
        self.assertEqual(file_figures(merged)[0].keys(), want[0].keys())
        p = run('summary', merged)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Fitted to the figures England published", p.stdout)
        # a slice resumed to the whole batch, then extended to more runs
        p = run('run', '-n', '4', '--resume', '-o', a)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run('run', '-n', '6', '--resume', '-o', a)
        self.assertEqual(p.returncode, 0, p.stderr)
        with h5py.File(a, 'r') as f:
            self.assertEqual(int(f['scenarios/england-baseline'].attrs[
                'n_runs']), 6)
        self.assertEqual(file_figures(a)[1], want[1])
        self.assertEqual(file_figures(a)[0]['cla_31_march'][1][2019][0],
                         78140)

    def test_a_councils_return_is_named_as_the_source(self):
        """Fitted to an SSDA903 return (the synthetic one of
        tests/ssda903): the counts the return gives are the figures
        recorded, and the source says they came from the return."""
        ssda = os.path.join(ROOT, 'tests', 'ssda903')
        gen = subprocess.run(['/usr/bin/python3',
                              os.path.join(ssda, 'gen_ssda903.py'),
                              self.path('gen')], capture_output=True,
                             text=True, timeout=600)
        self.assertEqual(gen.returncode, 0, gen.stderr)
        out = self.path('ssda-fitted.yaml')
        p = run('fit', os.path.join(ssda, 'structure.yaml'), '--ssda903',
                self.path('gen') + '/return/', '-o', out, '-q')
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            figures = yaml.safe_load(f)['fit']['figures']
        self.assertEqual(figures['source'], 'SSDA903 return in return/')
        with open(self.path('gen/expected.csv'), newline='') as f:
            want = {int(r['year']): float(r['value']) for r in
                    csv.DictReader(f) if r['measure'] == 'cla_31_march'}
        cla = next(s for s in figures['series']
                   if s['measure'] == 'cla_31_march')
        self.assertEqual({cla['from'] + i: v for i, v in
                          enumerate(cla['published'])},
                         {y: v for y, v in want.items() if y >= cla['from']})
        # only counts reach the scenario: no child's identifier
        with open(self.path('gen/ids.txt')) as f:
            ids = [line.strip() for line in f if line.strip()]
        with open(out) as f:
            text = f.read()
        self.assertFalse([i for i in ids[:200] if i in text])

    def test_a_damaged_record_is_refused(self):
        h5 = self.path('damaged.h5')
        p = run('run', '-n', '1', '-o', h5)
        self.assertEqual(p.returncode, 0, p.stderr)
        with h5py.File(h5, 'r+') as f:
            del f['scenarios/england-baseline/fit_figures/fitted']
        p = run('summary', h5)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("scenario 'england-baseline': fit_figures: cannot read "
                      "its published and fitted values", p.stderr)


if __name__ == '__main__':
    CASCADE, ROOT = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
