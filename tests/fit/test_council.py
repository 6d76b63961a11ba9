#!/usr/bin/env python3
"""A council's own scenario (cascade init, docs/council.md), and the fit
that refuses to write a council's rates into England's size.

usage: test_council.py CASCADE SOURCE_ROOT
"""
import csv
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

CASCADE = None
ROOT = None


def run(*args, cwd=None):
    return subprocess.run([CASCADE, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def published(code, year):
    path = os.path.join(ROOT, 'scenarios', 'data', 'la-csc-2013-2019.csv')
    with open(path, newline='') as f:
        for row in csv.DictReader(f):
            if row['la_code'] == code and row['year_to_31_march'] == str(year):
                return row
    raise KeyError((code, year))


def number(text, key):
    """The value of `key: N` (the first at any indentation)."""
    m = re.search(r'^\s*' + re.escape(key) + r':\s*([0-9.]+)', text, re.M)
    if not m:
        raise AssertionError(f'no {key} in the scenario')
    return float(m.group(1))


class Council(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.data = os.path.join(ROOT, 'scenarios', 'data',
                                 'la-csc-2013-2019.csv')
        self.ages = os.path.join(ROOT, 'scenarios', 'data',
                                 'la-cla-by-age-2013-2019.csv')

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def init(self, area, out, *extra):
        p = run('init', '--area', area, '--data', self.data, '--data',
                self.ages, '-o', out, *extra)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            return f.read()


class Init(Council):
    def test_the_councils_figures_and_what_is_scaled(self):
        text = self.init('Leeds', self.path('leeds.yaml'))
        row = published('E08000035', 2019)
        pop = float(row['population_0_17'])
        self.assertEqual(number(text, 'total'), pop)
        # the published stocks: looked after and on plans, and the rest of
        # the children in need split between assessment and cin
        la = text[text.index('    looked_after:'):]
        self.assertEqual(number(la, 'count'), float(row['cla_31_march']))
        cp = text[text.index('    cp:'):]
        self.assertEqual(number(cp, 'count'), float(row['cpp_31_march']))
        rest = (number(text[text.index('    assessment:'):], 'count') +
                number(text[text.index('    cin:'):], 'count'))
        self.assertEqual(rest, float(row['cin_31_march']) -
                         float(row['cpp_31_march']) -
                         float(row['cla_31_march']))
        placements = la[la.index('placements:'):la.index('age_shares')]
        counts = [float(x) for x in re.findall(r':\s*([0-9]+)\n', placements)]
        self.assertEqual(sum(counts), float(row['cla_31_march']))
        # births scale with the population: England's 608,352 a year over
        # 11,755,593 children (england-structure.yaml)
        ratio = pop / 11755593
        self.assertEqual(number(text, 'per_year'), round(608352 * ratio))
        # in-house foster places keep England's headroom (26,000 places for
        # the 24,930 children its structure places there)
        inhouse = number(placements, 'foster_inhouse')
        self.assertAlmostEqual(
            number(text, 'stages.looked_after.placements.foster_inhouse.'
                   'capacity.places'), 26000 * inhouse / 24930, delta=0.5)
        # every figure says what it is
        for word in ('PUBLISHED', 'DERIVED', 'SCALED', 'ASSUMPTION'):
            self.assertIn(word, text)
        p = run('validate', self.path('leeds.yaml'))
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_name_or_code_the_same_file(self):
        a = self.init('Leeds', self.path('a.yaml'), '--name', 'leeds')
        b = self.init('E08000035', self.path('b.yaml'), '--name', 'leeds')
        self.assertEqual(a, b)

    def test_a_council_runs_at_its_own_size(self):
        """The mistake the issue names: England's births kept for a council
        grew its looked-after children from 420 to 33,792. The council's
        own scenario stays near its published size a year on."""
        out = self.path('leeds.yaml')
        self.init('Leeds', out)
        h5 = self.path('leeds.h5')
        p = run('run', out, '--deterministic', '-o', h5)
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r'looked after\s+([0-9,]+)', p.stdout)
        self.assertIsNotNone(m, p.stdout)
        year_one = float(m.group(1).replace(',', ''))
        self.assertLess(abs(year_one / 1286 - 1), 0.2, p.stdout)

    def test_refusals(self):
        cases = [
            (['--area', 'England'], 'expected a council'),
            (['--area', 'Leedz'], 'Leeds'),
            ([], 'expected --area'),
        ]
        for extra, message in cases:
            out = self.path('x.yaml')
            p = run('init', '--data', self.data, '-o', out, *extra)
            self.assertEqual(p.returncode, 2, (extra, p.stderr))
            self.assertIn(message, p.stderr)
            self.assertFalse(os.path.exists(out))
        # a structure that does not start in April
        structure = self.path('january.yaml')
        with open(structure, 'w') as f:
            f.write('extends: england-structure.yaml\nname: january\n'
                    'base_date: 2019-01\n')
        p = run('init', structure, '--area', 'Leeds', '--data', self.data,
                '-o', self.path('x.yaml'))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn('expected an April base date', p.stderr)


class Fit(Council):
    def test_englands_structure_is_not_written_at_englands_size(self):
        out = self.path('fitted.yaml')
        p = run('fit', os.path.join(ROOT, 'scenarios',
                                    'england-structure.yaml'),
                '--data', self.data, '--area', 'Leeds', '-o', out, '-q')
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn('cascade init', p.stderr)
        self.assertFalse(os.path.exists(out))

    def test_the_councils_scenario_is_fitted_and_written(self):
        council = self.path('leeds.yaml')
        self.init('Leeds', council)
        out = self.path('fitted.yaml')
        p = run('fit', council, '--data', self.data, '--data', self.ages,
                '--area', 'Leeds', '-o', out, '-q')
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            text = f.read()
        self.assertIn('extends: "leeds.yaml"', text)
        # it records the council's figures it was fitted to (fit.figures)
        figures = yaml.safe_load(text)['fit']['figures']
        self.assertEqual((figures['area'], figures['area_name']),
                         ('E08000035', 'Leeds'))
        self.assertEqual(figures['source'], 'la-csc-2013-2019.csv, '
                         'la-cla-by-age-2013-2019.csv')
        self.assertEqual(figures['window'], '2013:2019')
        cla = next(s for s in figures['series']
                   if s['measure'] == 'cla_31_march')
        self.assertEqual(cla['from'], 2013)
        self.assertEqual(cla['published'],
                         [float(published('E08000035', y)['cla_31_march'])
                          for y in range(2013, 2020)])
        self.assertIsNone(cla['fitted'][0])
        p = run('run', out, '--deterministic', '-o', self.path('f.h5'))
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r'looked after\s+([0-9,]+)', p.stdout)
        self.assertLess(
            abs(float(m.group(1).replace(',', '')) / 1286 - 1), 0.2, p.stdout)
        # and the run sets them beside the fitted model for the fit years
        self.assertIn('Fit years, children at 31 March: the figures Leeds '
                      '(E08000035) published', p.stdout)
        self.assertRegex(p.stdout, r'\n  looked after +published +1,339 +'
                         r'1,245 +1,226 +1,253 +1,267 +1,286\n +fitted ')


class FitAll(Council):
    """cascade fit --area all: every council's scenario and fit, shrunk
    towards the councils' centre (six councils here, for time)."""

    COUNCILS = ('E08000035', 'E06000017', 'E10000020', 'E09000007',
                'E06000023', 'E06000015')

    def subset(self):
        out = self.path('six.csv')
        with open(self.data, newline='') as f, open(out, 'w',
                                                    newline='') as g:
            r = csv.DictReader(f)
            w = csv.DictWriter(g, fieldnames=r.fieldnames)
            w.writeheader()
            for row in r:
                if row['la_code'] in self.COUNCILS:
                    w.writerow(row)
        return out

    def test_every_council_written_and_fitted(self):
        data = self.subset()
        out = self.path('councils')
        p = run('fit', os.path.join(ROOT, 'scenarios',
                                    'england-structure.yaml'),
                '--data', data, '--area', 'all', '-o', out, '--shrink')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("The councils' prior", p.stdout)
        # a parameter's line: centre and sd, or kept (migration is in
        # children, which councils of different sizes do not share)
        self.assertRegex(p.stdout, r'referrals\s+[+-][0-9.]+\s+[0-9.]+\s+[0-9]')
        self.assertRegex(p.stdout, r'migration\s+kept')
        for code in self.COUNCILS:
            own = os.path.join(out, code + '.yaml')
            fitted = os.path.join(out, code + '-fitted.yaml')
            self.assertTrue(os.path.exists(own), p.stdout)
            self.assertTrue(os.path.exists(fitted), p.stdout)
            with open(fitted) as f:
                text = f.read()
            self.assertIn('extends: "%s.yaml"' % code, text)
            # each fit records its own council's figures, by file name
            figures = yaml.safe_load(text)['fit']['figures']
            self.assertEqual(figures['area'], code)
            self.assertEqual(figures['source'], 'six.csv')
            q = run('validate', fitted)
            self.assertEqual(q.returncode, 0, q.stderr)
        row = published('E06000017', 2019)  # Rutland
        q = run('run', os.path.join(out, 'E06000017-fitted.yaml'),
                '--deterministic', '-o', self.path('rutland.h5'))
        self.assertEqual(q.returncode, 0, q.stderr)
        m = re.search(r'looked after\s+([0-9,]+)', q.stdout)
        self.assertLess(abs(float(m.group(1).replace(',', '')) /
                            float(row['cla_31_march']) - 1), 0.5, q.stdout)

    def test_each_on_its_own_without_shrink(self):
        data = self.subset()
        out = self.path('own')
        p = run('fit', os.path.join(ROOT, 'scenarios',
                                    'england-structure.yaml'),
                '--data', data, '--area', 'all', '-o', out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('each on its own figures', p.stdout)
        self.assertNotIn("The councils' prior", p.stdout)
        self.assertEqual(len(os.listdir(out)), 2 * len(self.COUNCILS))
        # --shrink needs the councils
        p = run('fit', os.path.join(ROOT, 'scenarios',
                                    'england-structure.yaml'),
                '--data', data, '--area', 'Leeds', '--shrink', '-o',
                self.path('x.yaml'))
        self.assertEqual(p.returncode, 2)
        self.assertIn('--shrink: expected --area all', p.stderr)

    def test_a_directory_is_needed(self):
        p = run('fit', os.path.join(ROOT, 'scenarios',
                                    'england-structure.yaml'),
                '--data', self.data, '--area', 'all')
        self.assertEqual(p.returncode, 2)
        self.assertIn('expected -o DIR', p.stderr)
        plain = self.path('file.yaml')
        with open(plain, 'w') as f:
            f.write('x')
        p = run('fit', os.path.join(ROOT, 'scenarios',
                                    'england-structure.yaml'),
                '--data', self.data, '--area', 'all', '-o', plain)
        self.assertEqual(p.returncode, 2)
        self.assertIn('expected a directory', p.stderr)


if __name__ == '__main__':
    CASCADE = os.path.abspath(sys.argv[1])
    ROOT = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
