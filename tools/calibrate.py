#!/usr/bin/python3
"""Calibrate the England baseline's rates to its 2018/19 targets.

Runs `cascade run --deterministic` on a scenario that extends the baseline
and overrides the fitted rates by their dotted paths, reads the first
financial year's flows and the stocks at its end from the HDF5 output, and
scales each fitted rate by target / model until every target is met to
within 0.1% (fixed-point iteration; each target is driven mainly by one
rate, so it converges in a few rounds). Prints the fitted rates as YAML to
paste into scenarios/england-baseline.yaml, and a table of model vs target.

usage: tools/calibrate.py [--cascade build/cascade] [--baseline
       scenarios/england-baseline.yaml] [--rounds 80] [--write]

--write puts the fitted rates (five decimals) into the baseline file in
place, changing only those numbers, so its comments and layout stay.

Targets (year to 31 March 2019, DfE; see the baseline's comments):
  flows in year one   referrals 650,930; CP plans started 66,680; started to
                      be looked after 31,780; ceased by reason (adopted
                      3,590, special guardianship 3,870, returned home 8,740,
                      child arrangements order 1,130, and under-18
                      independent living or other so that all ceased, with
                      those reaching 18, total 29,570)
  stocks at 31 March  early help, emerging needs, CIN and CP held at their 2019
  2020                values (rates constant at 2018/19 levels: a baseline
                      that does not drift by construction); early help by
                      the length of its episodes (its two exits scaled
                      together, keeping the share ending in a referral),
                      emerging needs by the rate at which needs emerge
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import h5py
import yaml  # python3-yaml, Debian

# target name -> (kind, what, target, fitted rate path)
TARGETS = [
    ('flow_into', 'assessment', 650930, 'transitions.referral.rate'),
    ('flow_into', 'cp', 66680, 'transitions.assessment_to_cp.rate'),
    ('flow_into', 'looked_after', 31780, 'LAC_ENTRY'),
    ('flow', 'adopted', 3590, 'transitions.adopted.by_age'),
    ('flow', 'special_guardianship', 3870,
     'transitions.special_guardianship.by_age'),
    ('flow', 'returned_home', 8740, 'transitions.returned_home.rate'),
    ('flow', 'child_arrangements_order', 1130,
     'transitions.child_arrangements_order.by_age'),
    ('flow_out', 'looked_after', 29570,
     'transitions.independent_or_other.by_age'),
    ('stock', 'early_help', 610000, 'EH_EXIT'),
    ('stock', 'emerging_need', 182000, 'transitions.need_emerges.rate'),
    ('stock', 'cin', 191620, 'transitions.cin_closed.rate'),
    ('stock', 'cp', 52260, 'CP_END'),
]
LAC_ENTRY = ['transitions.assessment_to_looked_after.rate',
             'transitions.cin_to_looked_after.rate',
             'transitions.cp_to_looked_after.rate']
CP_END = ['transitions.cp_ends_to_cin.rate',
          'transitions.cp_ends_to_universal.rate']
# Early help's exits scale together, keeping the share of episodes that end
# in a referral (the baseline's assumption) while fitting their length.
EH_EXIT = ['transitions.early_help_ends.rate',
           'transitions.early_help_step_up.rate']
GROUPS = {'LAC_ENTRY': LAC_ENTRY, 'CP_END': CP_END, 'EH_EXIT': EH_EXIT}
# Stocks respond inversely to exit rates.
INVERSE = {'EH_EXIT', 'transitions.cin_closed.rate', 'CP_END'}


def get_path(tree, path):
    for key in path.split('.'):
        tree = tree[key]
    return tree


def decode(values):
    return [v.decode() if isinstance(v, bytes) else v for v in values]


def measure(cascade, scenario_path, out):
    r = subprocess.run([cascade, 'run', scenario_path, '--deterministic',
                        '-q', '-o', out], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stderr)
    with h5py.File(out) as f:
        labels = decode(f['dims/transition'][:])
        frm = [s.split('.')[0] for s in decode(f['dims/transition_from'][:])]
        to = [s.split('.')[0] for s in decode(f['dims/transition_to'][:])]
        stages = [s.split('.')[0] for s in decode(f['dims/stage'][:])]
        name = list(f['scenarios'].keys())[0]
        flows = f['scenarios'][name]['flows'][0][:12].sum(axis=0)
        stocks = f['scenarios'][name]['stocks'][0][11].sum(axis=1)
    got = {}
    for kind, what, _, _ in TARGETS:
        if kind == 'flow':
            value = flows[labels.index(what)]
        elif kind == 'flow_into':
            value = sum(flows[i] for i in range(len(labels))
                        if to[i] == what and frm[i] != what)
        elif kind == 'flow_out':
            value = sum(flows[i] for i in range(len(labels))
                        if frm[i] == what and to[i] != what)
        else:
            value = sum(stocks[i] for i, s in enumerate(stages) if s == what)
        got[(kind, what)] = float(value)
    return got


def scale(overrides, path, factor):
    if path.endswith('.by_age'):
        for band in overrides[path]:
            band['rate'] *= factor
    else:
        overrides[path] *= factor


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cascade', default=os.path.join(top, 'build', 'cascade'))
    ap.add_argument('--baseline', default=os.path.join(
        top, 'scenarios', 'england-baseline.yaml'))
    ap.add_argument('--rounds', type=int, default=80)
    ap.add_argument('--write', action='store_true',
                    help='write the fitted rates into the baseline file')
    args = ap.parse_args()

    with open(args.baseline) as f:
        base = yaml.safe_load(f)
    paths = []
    for _, _, _, p in TARGETS:
        paths += GROUPS.get(p, [p])
    overrides = {p: get_path(base, p) for p in paths}

    with tempfile.TemporaryDirectory() as tmp:
        scenario = os.path.join(tmp, 'calibrating.yaml')
        out = os.path.join(tmp, 'out.h5')
        for rnd in range(args.rounds):
            with open(scenario, 'w') as f:
                yaml.safe_dump({'extends': os.path.abspath(args.baseline),
                                'name': 'calibrating', **overrides}, f)
            got = measure(args.cascade, scenario, out)
            worst = max(abs(got[(k, w)] / t - 1) for k, w, t, _ in TARGETS)
            print(f'round {rnd}: worst relative error {worst:.4f}',
                  file=sys.stderr)
            if worst < 0.001:
                break
            for kind, what, target, p in TARGETS:
                ratio = target / got[(kind, what)]
                factor = 1 / ratio if p in INVERSE else ratio
                for q in GROUPS.get(p, [p]):
                    scale(overrides, q, factor)

    print('# model vs target, first financial year (deterministic)')
    for kind, what, target, _ in TARGETS:
        g = got[(kind, what)]
        print(f'#   {kind:9} {what:26} {g:12,.0f} {target:10,} '
              f'{100 * (g / target - 1):+6.2f}%')
    if args.write:
        write_rates(args.baseline, overrides)
        print(f'# wrote the fitted rates into {args.baseline}')
    print('# fitted rates (per child per year)')
    for p in paths:
        v = overrides[p]
        if isinstance(v, list):
            v = [{'ages': b['ages'], 'rate': round(b['rate'], 5)} for b in v]
        else:
            v = round(v, 5)
        print(f'{p}: {v}')


def write_rates(path, overrides):
    """Replace each fitted rate's number in the YAML text, in place."""
    with open(path) as f:
        text = f.read()
    for p, value in overrides.items():
        _, tid, key = p.split('.')
        block = re.search(r'\n  %s:\n(.*?)(?=\n  [a-z_]+:\n|\Z)' % tid,
                          text, re.S)
        body = block.group(1)
        if key == 'rate':
            new = re.sub(r'(^    rate: )[0-9.e_-]+',
                         lambda m: m.group(1) + repr(round(value, 5)), body,
                         count=1, flags=re.M)
        else:
            new = body
            for band in value:
                new = re.sub(r'(\{ages: "%s", rate: )[0-9.e_-]+'
                             % re.escape(band['ages']),
                             lambda m: m.group(1) + repr(round(band['rate'],
                                                               5)), new)
        text = text[:block.start(1)] + new + text[block.end(1):]
    with open(path, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
