#!/usr/bin/env python3
"""Write a synthetic SSDA903 return with known rates, and the counts it
should give.

A council of 2,000 births a year (36,000 children aged 0-17, ages uniform,
no migration) is simulated child by child in continuous time: outside care
a child starts to be looked after at a known rate per year by DfE's age
band (ENTRY), in care it ceases at a known rate by months since its period
of care began (EXIT by MONTH_BANDS: a child's first months are the likeliest
to end; a month is 365.25 / 12 days) or on its 18th birthday. Events fall on whole days. Within a
period of care the child moves placement or legal status now and then (a
new episode the same day, the old one ceased X1), which the counts must
see through; some children of another group have only short breaks (LS
V3), which DfE's figures and the counts leave out. Each period of care is
in one placement of England's structure (ENTRY_SHARE, the entry shares a
fit must find), each episode with PLACE and PLACE_PROVIDER codes of it
(drawn anew for each, so a period's new episode with other codes is a
placement move, which the counts must see).

The return is written as the reader expects it (docs/data.md): for each
collection year YYYY from FIRST to LAST, header_YYYY.csv and
episodes_YYYY.csv with every episode open at some time in the year, DEC
and REC blank while it is still open at 31 March YYYY. The counts
(expected.csv: measure,year,value) are made from the simulated periods of
care directly, not from the files, so the reader is checked against what
was meant. truth.json holds the rates.

usage: gen_ssda903.py OUTDIR [SEED]
"""
import csv
import datetime as dt
import json
import os
import sys

import numpy as np

FIRST, LAST = 2014, 2019  # collection years (to 31 March)
BIRTHS_PER_YEAR = 8000
ENTRY = {'0': 0.012, '1-4': 0.004, '5-9': 0.003, '10-15': 0.005,
         '16+': 0.006}  # per child per year outside care, by age band
BAND_AGES = [(0, 1), (1, 5), (5, 10), (10, 16), (16, 18)]  # [lo, hi)
EXIT = [0.9, 0.6, 0.45, 0.3]  # per child per year in care, by MONTH_BANDS
MONTH_BANDS = [(0, 6), (6, 12), (12, 24), (24, None)]  # months in care
MONTH_NAMES = ['0_to_5_months', '6_to_11_months', '12_to_23_months',
               '24_months_and_over']
MOVES = 0.8   # placement or legal status changes a year in care
# Each period of care is in one placement of England's structure, chosen
# at its start with these shares (the structure's entry_share), through
# its episodes; each episode has codes of that placement (the reader's
# default codes, docs/data.md): (PLACE, PLACE_PROVIDER or '').
ENTRY_SHARE = {'foster_inhouse': 0.36, 'foster_agency': 0.24,
               'kinship': 0.15, 'residential': 0.10, 'other': 0.15}
PLACE_CODES = {
    'foster_inhouse': [('U4', 'PR1'), ('U6', 'PR1'), ('U5', 'PR2'),
                       ('U6', 'PR2')],
    'foster_agency': [('U4', 'PR4'), ('U6', 'PR4'), ('U6', 'PR5')],
    'kinship': [('U1', 'PR1'), ('U3', 'PR1'), ('U3', 'PR4')],
    'residential': [('K2', 'PR4'), ('K2', 'PR1'), ('H5', 'PR5'),
                    ('K1', 'PR2')],
    'other': [('P1', 'PR0'), ('A5', 'PR1'), ('P2', 'PR4'), ('R1', 'PR3'),
              ('T1', ''), ('Z1', ''), ('S1', 'PR5')],
}
N_SHORT_BREAK_CHILDREN = 25
BANDS = ['under_1', '1_to_4', '5_to_9', '10_to_15', '16_and_over']
REASONS = ['adopted', 'sgo', 'returned_home', 'child_arrangements',
           'independent_living', 'other']
REC_REASON = {'E11': 'adopted', 'E12': 'adopted', 'E47': 'sgo',
              'E48': 'sgo', 'E4A': 'returned_home', 'E4B': 'returned_home',
              'E41': 'child_arrangements', 'E45': 'child_arrangements',
              'E46': 'child_arrangements', 'E5': 'independent_living',
              'E6': 'independent_living'}


def year_start(y):
    return dt.date(y - 1, 4, 1).toordinal()


def year_end(y):
    return dt.date(y, 3, 31).toordinal()


def birthday(dob, years):
    """The day a child born on dob (ordinal) turns `years` (29 February:
    1 March in other years)."""
    d = dt.date.fromordinal(dob)
    try:
        return dt.date(d.year + years, d.month, d.day).toordinal()
    except ValueError:
        return dt.date(d.year + years, 3, 1).toordinal()


def age_on(dob, day):
    b, d = dt.date.fromordinal(dob), dt.date.fromordinal(day)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def band_of(age):
    return 0 if age < 1 else 1 if age < 5 else 2 if age < 10 else \
        3 if age < 16 else 4


def months_between(a, b):
    """Whole months from day a to day b, as the reader counts them."""
    x, y = dt.date.fromordinal(a), dt.date.fromordinal(b)
    return (y.year * 12 + y.month) - (x.year * 12 + x.month) - (y.day < x.day)


def month_band(months):
    return 0 if months < 6 else 1 if months < 12 else 2 if months < 24 else 3


def care_ends(rng, start):
    """When a period of care begun at `start` (days) ends, under EXIT by
    months in care (piecewise-constant hazard)."""
    lo = start
    for (a, b), rate in zip(MONTH_BANDS, EXIT):
        edge = None if b is None else start + b * 365.25 / 12
        w = rng.exponential(365.25 / rate)
        if edge is None or lo + w < edge:
            return lo + w
        lo = edge


def fmt(day):
    return dt.date.fromordinal(day).strftime('%d/%m/%Y')


def simulate(rng):
    """Children (dob) and their periods of care [start, end or None, rec]."""
    first_birth = dt.date(1994, 4, 1).toordinal()
    horizon = year_end(LAST)
    n = BIRTHS_PER_YEAR * (LAST - 1994)
    dobs = rng.integers(first_birth, dt.date(LAST, 3, 31).toordinal() + 1, n)
    rates = list(ENTRY.values())
    children = []
    for dob in dobs:
        dob = int(dob)
        edges = [birthday(dob, a) for a in (1, 5, 10, 16, 18)]
        out18 = edges[-1]
        periods = []
        t = float(dob)  # outside care from birth
        while True:
            # the next start: piecewise-constant hazard by age band
            start = None
            lo = t
            for b, edge in enumerate(edges):
                if lo >= edge:
                    continue
                w = rng.exponential(365.25 / rates[b])
                if lo + w < edge:
                    start = lo + w
                    break
                lo = edge
            if start is None or start > horizon + 1:
                break
            s = int(start)
            if periods and s <= periods[-1][1]:
                s = periods[-1][1] + 1  # one event a day
            if s >= out18 or s > horizon:
                break
            end_t = care_ends(rng, start)
            if end_t >= out18:
                e, rec = out18, str(rng.choice(['E8', 'E17']))
            else:
                e = max(int(end_t), s)
                age = age_on(dob, e)
                if age < 5:
                    rec = str(rng.choice(['E11', 'E12', 'E4A', 'E47', 'E45',
                                          'E8'],
                                         p=[.2, .1, .4, .15, .05, .1]))
                elif age < 16:
                    rec = str(rng.choice(['E4A', 'E4B', 'E48', 'E46', 'E13',
                                          'E8'],
                                         p=[.45, .15, .15, .05, .1, .1]))
                else:
                    rec = str(rng.choice(['E4A', 'E5', 'E6', 'E9', 'E8'],
                                         p=[.4, .25, .1, .05, .2]))
            if e > horizon:
                periods.append([s, None, None])
                break
            periods.append([s, e, rec])
            t = end_t if end_t < out18 else out18
            t = max(t, float(e))
            if e >= out18:
                break
        children.append((dob, periods))
    return children


def episodes_of(rng, period):
    """A period's episodes: (decom, dec or None, rne, rec or None)."""
    s, e, rec = period
    last = e if e is not None else year_end(LAST)
    n_moves = rng.poisson(MOVES * (last - s) / 365.25)
    cuts = sorted(set(int(x) for x in rng.integers(s + 1, last, n_moves))
                  ) if last - s >= 2 and n_moves else []
    starts = [s] + cuts
    out = []
    for i, d in enumerate(starts):
        rne = 'S' if i == 0 else str(rng.choice(
            ['P', 'L', 'T', 'B', 'U'], p=[.7, .1, .1, .05, .05]))
        if i + 1 < len(starts):
            out.append((d, starts[i + 1], rne, 'X1'))
        else:
            out.append((d, e, rne, rec))
    return out


def short_break_children(rng):
    kids = []
    for _ in range(N_SHORT_BREAK_CHILDREN):
        dob = int(rng.integers(dt.date(2000, 1, 1).toordinal(),
                               dt.date(2012, 1, 1).toordinal()))
        eps = []
        day = year_start(FIRST) + int(rng.integers(0, 60))
        while day < year_end(LAST) - 10:
            length = int(rng.integers(1, 5))
            eps.append((day, day + length, 'S', 'E8'))
            day += length + int(rng.integers(40, 120))
        kids.append((dob, eps))
    return kids


def expected_counts(children):
    counts = {}

    def put(measure, year, add=1):
        counts[(measure, year)] = counts.get((measure, year), 0) + add

    for y in range(FIRST - 1, LAST + 1):
        put('cla_31_march', y, 0)
        for b in BANDS:
            put('cla_31_march_age_' + b, y, 0)
    for y in range(FIRST, LAST + 1):
        for m in ['cla_starts', 'cla_ceased', 'cla_ceased_aged_16_plus',
                  'cla_ceased_aged_18_plus']:
            put(m, y, 0)
        for b in BANDS:
            put('cla_starts_age_' + b, y, 0)
        for r in REASONS:
            put('cla_ceased_' + r, y, 0)
    for y in range(FIRST - 1, LAST + 1):
        for b in MONTH_NAMES:
            put('cla_31_march_in_care_' + b, y, 0)
        for k in ENTRY_SHARE:
            put('cla_31_march_placement_' + k, y, 0)
    unknown = set()  # years whose months in care the return cannot tell
    for dob, periods in children:
        for y in range(FIRST - 1, LAST + 1):
            at = year_end(y)
            inside = [p for p in periods
                      if p[0] <= at and (p[1] is None or p[1] > at)]
            if inside:
                put('cla_31_march', y)
                put('cla_31_march_age_' + BANDS[band_of(age_on(dob, at))], y)
                put('cla_31_march_placement_' + inside[0][4], y)
                s, seen = inside[0][0], inside[0][3]
                months = months_between(seen, at)
                if seen != s and months < 24:
                    unknown.add(y)  # begun before the return, too lately
                else:
                    put('cla_31_march_in_care_' +
                        MONTH_NAMES[month_band(months)], y)
        for y in range(FIRST, LAST + 1):
            lo, hi = year_start(y), year_end(y)
            starting = [p for p in periods if lo <= p[0] <= hi]
            if starting:  # DfE: a child's first start in the year
                put('cla_starts', y)
                band = band_of(age_on(dob, starting[0][0]))
                put('cla_starts_age_' + BANDS[band], y)
            ending = [p for p in periods
                      if p[1] is not None and lo <= p[1] <= hi]
            if ending:  # DfE: a child's last end in the year
                s, e, rec = ending[-1][:3]
                put('cla_ceased', y)
                put('cla_ceased_' + REC_REASON.get(rec, 'other'), y)
                if age_on(dob, e) >= 16:
                    put('cla_ceased_aged_16_plus', y)
                if age_on(dob, e) >= 18:
                    put('cla_ceased_aged_18_plus', y)
    for y in unknown:
        for b in MONTH_NAMES:
            del counts[('cla_31_march_in_care_' + b, y)]
    return counts


HEADER = ['CHILD', 'SEX', 'DOB', 'ETHNIC', 'UPN', 'MOTHER', 'MC_DOB']
EPISODES = ['CHILD', 'DECOM', 'RNE', 'LS', 'CIN', 'PLACE', 'PLACE_PROVIDER',
            'DEC', 'REC', 'REASON_PLACE_CHANGE', 'HOME_POST', 'PL_POST',
            'URN']


def write_return(rng, outdir, children, breaks):
    """The files, one pair per year; the child ids written, and the
    placement moves by year (a period's new episode with other codes)."""
    moves = {y: 0 for y in range(FIRST, LAST + 1)}
    records = []  # (id, sex, dob, ethnic, [episode rows])
    serial = 0
    for group, short in ((children, False), (breaks, True)):
        for dob, items in group:
            eps = []
            if short:
                eps = [(d, e, rne, rec, 'V3', 'K2', 'PR1')
                       for d, e, rne, rec in items]
            else:
                for p in items:
                    ls = str(rng.choice(['C2', 'V2', 'C1', 'E1'],
                                        p=[.6, .3, .05, .05]))
                    period = episodes_of(rng, p)
                    # where the return shows the period begin: its first
                    # episode open in the return's years (not its start,
                    # RNE S, when that is before them)
                    seen = [x for x in period
                            if x[1] is None or x[1] >= year_start(FIRST)]
                    p.append(seen[0][0] if seen else None)
                    names = list(ENTRY_SHARE)
                    placement = names[rng.choice(
                        len(names), p=[ENTRY_SHARE[k] for k in names])]
                    p.append(placement)
                    codes = PLACE_CODES[placement]
                    before = None
                    for d, e, rne, rec in period:
                        if rne in ('L', 'T', 'U', 'B'):
                            ls = str(rng.choice(['C2', 'V2', 'C1']))
                        place, provider = codes[rng.integers(len(codes))]
                        eps.append((d, e, rne, rec, ls, place, provider))
                        if before not in (None, (place, provider)):
                            for y in moves:
                                if year_start(y) <= d <= year_end(y):
                                    moves[y] += 1
                        before = (place, provider)
            if not eps or (eps[-1][1] is not None and
                           eps[-1][1] < year_start(FIRST)):
                continue
            serial += 1
            cid = 'SYN%07d' % (serial * 7919 % 10000000)
            records.append((cid, str(rng.choice(['1', '2'])), dob,
                            str(rng.choice(['WBRI', 'MWBC', 'BAFR', 'ABAN'])),
                            eps))
    os.makedirs(outdir, exist_ok=True)
    for y in range(FIRST, LAST + 1):
        lo, hi = year_start(y), year_end(y)
        with open(os.path.join(outdir, 'header_%d.csv' % y), 'w',
                  newline='') as hf, \
                open(os.path.join(outdir, 'episodes_%d.csv' % y), 'w',
                     newline='') as ef:
            h, e = csv.writer(hf), csv.writer(ef)
            h.writerow(HEADER)
            e.writerow(EPISODES)
            for cid, sex, dob, ethnic, eps in records:
                rows = [x for x in eps if x[0] <= hi and
                        (x[1] is None or x[1] >= lo)]
                if not rows:
                    continue
                h.writerow([cid, sex, fmt(dob), ethnic, '', '', ''])
                for d, end, rne, rec, ls, place, provider in rows:
                    closed = end is not None and end <= hi
                    e.writerow([cid, fmt(d), rne, ls,
                                str(rng.choice(['N1', 'N2', 'N4', 'N5'])),
                                place, provider,
                                fmt(end) if closed else '',
                                rec if closed else '', '', '', '', ''])
    return [r[0] for r in records], moves


def main():
    outdir = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 903
    rng = np.random.default_rng(seed)
    children = simulate(rng)
    breaks = short_break_children(rng)
    ids, moves = write_return(rng, os.path.join(outdir, 'return'), children,
                              breaks)
    counts = expected_counts([c for c in children
                              if all(len(p) == 5 for p in c[1])])
    for y, n in moves.items():
        counts[('cla_placement_moves', y)] = n
    with open(os.path.join(outdir, 'expected.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['measure', 'year', 'value'])
        for (m, y), v in sorted(counts.items()):
            w.writerow([m, y, v])
    with open(os.path.join(outdir, 'truth.json'), 'w') as f:
        json.dump({'entry_per_year': ENTRY, 'exit_per_year': EXIT,
                   'exit_months': MONTH_BANDS, 'entry_share': ENTRY_SHARE,
                   'births_per_year': BIRTHS_PER_YEAR, 'seed': seed,
                   'children': len(ids)}, f, indent=1)
    with open(os.path.join(outdir, 'ids.txt'), 'w') as f:
        f.write('\n'.join(ids) + '\n')


if __name__ == '__main__':
    main()
